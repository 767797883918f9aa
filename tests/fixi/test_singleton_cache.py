"""The business settings row is read once per CACHE_SECONDS by each process, and a change
made in this process is seen at once; one made elsewhere within CACHE_SECONDS."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fixi import models as fixi_models
from fixi.models import BusinessSettings, WhatsAppConnection

# Outside a transaction, as a worker reads it: pytest-django's default wraps every test in
# one, and a row read inside a transaction is never kept.
pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self, monkeypatch):
        self.now = 1000.0
        monkeypatch.setattr(fixi_models.time, "monotonic", lambda: self.now)


def queries(call):
    with CaptureQueriesContext(connection) as captured:
        value = call()
    return value, len(captured.captured_queries)


def test_a_second_load_within_the_cache_time_reads_nothing(monkeypatch):
    clock = Clock(monkeypatch)
    first, _ = queries(BusinessSettings.load)

    clock.now += BusinessSettings.CACHE_SECONDS - 0.1
    again, read = queries(BusinessSettings.load)

    assert read == 0 and again.pk == first.pk


def test_a_change_saved_in_this_process_is_seen_at_once():
    row = BusinessSettings.load()
    row.flood_limit_per_minute = 3
    row.save()
    assert BusinessSettings.load().flood_limit_per_minute == 3

    BusinessSettings.objects.update(flood_limit_per_minute=4)
    assert BusinessSettings.load().flood_limit_per_minute == 4

    BusinessSettings.objects.update_or_create(key="default", defaults={"max_pro_load": 9})
    assert BusinessSettings.load().max_pro_load == 9


def test_a_change_made_by_another_process_is_seen_once_the_cache_time_is_over(monkeypatch):
    clock = Clock(monkeypatch)
    assert BusinessSettings.load().flood_limit_per_minute == 12
    # The admin's save in the web process: this process's cache does not hear of it.
    BusinessSettings._base_manager.update(flood_limit_per_minute=5)

    clock.now += BusinessSettings.CACHE_SECONDS - 0.1
    assert BusinessSettings.load().flood_limit_per_minute == 12
    clock.now += 0.2
    assert BusinessSettings.load().flood_limit_per_minute == 5


def test_a_row_read_inside_a_transaction_is_not_kept():
    with transaction.atomic():
        BusinessSettings.load()
        _, read_inside = queries(BusinessSettings.load)
    _, read_after = queries(BusinessSettings.load)
    _, read_again = queries(BusinessSettings.load)

    assert (read_inside, read_after, read_again) == (1, 1, 0)


def test_a_row_of_state_is_read_every_time():
    WhatsAppConnection.load()
    WhatsAppConnection._base_manager.update(state="notAuthorized")

    connection_row, read = queries(WhatsAppConnection.load)

    assert read == 1 and connection_row.state == "notAuthorized"
