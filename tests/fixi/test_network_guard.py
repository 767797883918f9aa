import socket

import pytest
from pytest_socket import SocketConnectBlockedError


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_tests_cannot_reach_the_internet():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("203.0.113.10", 443), timeout=1)
