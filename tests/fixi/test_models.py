import pytest

from fixi.models import BusinessSettings, Heartbeat
from fixi.phones import InvalidPhone, chat_id_for, normalize_phone


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


@pytest.mark.parametrize(
    ("raw", "chat_id"),
    [
        ("054-123 4567", "972541234567@c.us"),
        ("+972 54 123 4567", "972541234567@c.us"),
        ("00972541234567", "972541234567@c.us"),
        ("972541234567@c.us", "972541234567@c.us"),
        ("120363043968066561@g.us", "120363043968066561@g.us"),
    ],
)
def test_phone_numbers_become_green_api_chat_ids(raw, chat_id):
    assert chat_id_for(raw) == chat_id


@pytest.mark.parametrize("raw", ["", "abc", "12345", "9" * 16])
def test_non_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)
