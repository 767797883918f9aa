import pytest

from fixi.models import BusinessSettings, Heartbeat


@pytest.mark.django_db
def test_business_settings_is_one_row_defaulting_from_the_environment(settings):
    settings.SOS_TIMEOUT_MINUTES = 45

    first = BusinessSettings.load()
    second = BusinessSettings.load()

    assert first.pk == second.pk
    assert first.sos_timeout_minutes == 45
    assert BusinessSettings.objects.count() == 1


@pytest.mark.django_db
def test_heartbeat_upserts_one_row_per_process_name():
    Heartbeat.beat("worker", "host-a")
    Heartbeat.beat("worker", "host-b")

    assert Heartbeat.objects.get(name="worker").detail == "host-b"
    assert Heartbeat.objects.count() == 1
