import socket

import pytest
from pytest_socket import SocketBlockedError


def test_tests_cannot_reach_the_internet():
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("203.0.113.10", 443), timeout=1)
