"""The WhatsApp instance's health: a check that asks Green API on the business settings'
interval, one alert per outage however many workers see it, and what the admin reads."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fixi import texts
from fixi.models import BusinessSettings, WhatsAppConnection
from messaging import inbox, instance, outbox
from messaging.events import instance_state, process_event
from messaging.models import OutboundMessage, OutboundStatus
from tests.concurrency import in_threads
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
ADMIN = "972505550199@c.us"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def admin_whatsapp(settings):
    settings.ADMIN_WHATSAPP = "050-555-0199"


def to_admin() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(chat_id=ADMIN).order_by("created_at"))


def notice(state: str, at) -> str:
    """Green API's stateInstanceChanged notice, as the webhook stores it."""
    return process_event(inbox.ingest(shapes.state(state, int(at.timestamp()))).inbound_id)


def test_a_silent_disconnection_is_noticed_and_shown_on_the_dashboard(
    fake_green_api, admin_whatsapp, admin_client
):
    # given an instance that was logged out, and no notice from Green API about it
    fake_green_api.state_instance = "notAuthorized"

    # when the check runs
    assert instance.check() == "alerted"

    # then the dashboard's alert shows it, and the admin's alert is queued
    assert instance_state()[0] == "notAuthorized"
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="whatsapp-alert"' in page and "notAuthorized" in page
    [alert] = to_admin()
    assert alert.status == OutboundStatus.QUEUED and "notAuthorized" in alert.text
    assert [call["http_method"] for call in fake_green_api.calls("getStateInstance")] == ["GET"]


def test_the_check_asks_once_per_interval_of_the_business_settings(fake_green_api):
    start = timezone.now()

    assert instance.check(now=start) == "connected"
    assert instance.check(now=start + MINUTE) == "not due"
    assert instance.check(now=start + 5 * MINUTE) == "connected"  # the default: 5 minutes
    BusinessSettings.objects.update(whatsapp_check_minutes=1)
    assert instance.check(now=start + 6 * MINUTE) == "connected"

    assert len(fake_green_api.calls("getStateInstance")) == 3


def test_the_admin_is_told_once_per_outage_and_once_when_it_ends(fake_green_api, admin_whatsapp):
    # given an outage seen by three checks and a notice from Green API
    start = timezone.now()
    fake_green_api.state_instance = "notAuthorized"
    assert instance.check(now=start) == "alerted"
    assert instance.check(now=start + 5 * MINUTE) == "down"
    assert notice("notAuthorized", start + 7 * MINUTE) == "state"
    assert instance.check(now=start + 10 * MINUTE) == "down"
    [alert] = to_admin()
    assert alert.text == texts.whatsapp_down("notAuthorized", start)

    # when the instance is back
    fake_green_api.state_instance = "authorized"
    assert instance.check(now=start + 15 * MINUTE) == "reconnected"

    # then the alert, which could not leave, became one message about the whole outage
    [message] = to_admin()
    assert message.pk == alert.pk
    assert message.text == texts.whatsapp_outage_over("notAuthorized", start, start + 15 * MINUTE)
    assert instance_state()[0] == "authorized"
    assert instance.check(now=start + 20 * MINUTE) == "connected"
    assert len(to_admin()) == 1


def test_the_alert_waits_in_the_outbox_and_leaves_when_the_instance_is_back(
    fake_green_api, admin_whatsapp
):
    fake_green_api.state_instance = "notAuthorized"
    instance.check()
    [alert] = to_admin()

    # while the instance is down, the alert cannot leave and uses up no attempt
    assert outbox.send(alert.pk).result == "retry"
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (OutboundStatus.QUEUED, 0)

    fake_green_api.state_instance = "authorized"
    instance.check(now=timezone.now() + 5 * MINUTE)

    # once it is back the reworded alert goes out at once
    assert outbox.send(alert.pk).result == "sent"
    [sent] = fake_green_api.accepted()
    assert sent["chatId"] == ADMIN and "notAuthorized" in sent["textMessage"]


def test_an_alert_that_left_is_followed_by_a_message_when_the_outage_ends(
    fake_green_api, admin_whatsapp
):
    # given an instance in a state that still carries messages (a yellow card)
    start = timezone.now()
    fake_green_api.state_instance = "yellowCard"
    assert instance.check(now=start) == "alerted"
    [alert] = to_admin()
    assert outbox.send(alert.pk).result == "sent"

    fake_green_api.state_instance = "authorized"
    assert instance.check(now=start + 5 * MINUTE) == "reconnected"

    first, second = to_admin()
    assert first.text == texts.whatsapp_down("yellowCard", start)
    assert second.text == texts.whatsapp_reconnected("yellowCard")


def test_a_restart_after_a_settings_change_is_no_outage_unless_it_lasts(
    fake_green_api, admin_whatsapp
):
    start = timezone.now()
    fake_green_api.state_instance = "starting"
    assert instance.check(now=start) == "starting"
    fake_green_api.state_instance = "authorized"
    assert instance.check(now=start + 5 * MINUTE) == "reconnected"
    assert to_admin() == []

    fake_green_api.state_instance = "starting"
    assert instance.check(now=start + 10 * MINUTE) == "starting"
    assert instance.check(now=start + 15 * MINUTE) == "alerted"
    [alert] = to_admin()
    assert "starting" in alert.text


def test_a_late_notice_does_not_undo_a_newer_check(fake_green_api, admin_whatsapp):
    start = timezone.now()
    assert instance.check(now=start) == "connected"

    # Green API resends a notice from before the check, which it could not deliver then
    assert notice("notAuthorized", start - MINUTE) == "state"

    assert instance_state()[0] == "authorized"
    assert to_admin() == []


def test_notices_alone_still_feed_the_dashboard_and_the_admin(admin_whatsapp):
    start = timezone.now()

    notice("notAuthorized", start)
    assert instance_state() == ("notAuthorized", WhatsAppConnection.load().state_since)
    notice("authorized", start + MINUTE)

    [message] = to_admin()
    assert message.text == texts.whatsapp_outage_over("notAuthorized", start, start + MINUTE)


def test_without_admin_whatsapp_the_dashboard_alone_shows_it(fake_green_api, settings):
    settings.ADMIN_WHATSAPP = ""
    fake_green_api.state_instance = "notAuthorized"

    assert instance.check() == "alerted"

    assert instance_state()[0] == "notAuthorized"
    assert not OutboundMessage.objects.exists()


def test_without_green_api_nothing_is_asked(settings):
    settings.GREEN_API_TOKEN = ""

    assert instance.check() == "not configured"
    assert instance_state() is None


def test_an_unreachable_green_api_changes_nothing(fake_green_api, admin_whatsapp):
    fake_green_api.fail_next("getStateInstance", 503)

    assert instance.check() == "unknown"

    assert instance_state() is None and to_admin() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_seeing_one_outage_tell_the_admin_once(admin_whatsapp):
    moment = timezone.now()

    down = in_threads(2, lambda i: instance.observe("notAuthorized", moment))
    back = in_threads(2, lambda i: instance.observe("authorized", moment + MINUTE))

    assert sorted(down) == ["alerted", "down"]
    assert sorted(back) == ["connected", "reconnected"]
    [message] = to_admin()
    assert message.text == texts.whatsapp_outage_over("notAuthorized", moment, moment + MINUTE)


@pytest.mark.django_db(transaction=True)
def test_two_beats_ask_green_api_once_per_interval(fake_green_api):
    moment = timezone.now()

    results = in_threads(2, lambda i: instance.check(now=moment))

    assert sorted(results) == ["connected", "not due"]
    assert len(fake_green_api.calls("getStateInstance")) == 1


def test_the_check_is_in_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from fixi.schedule import sync_beat_schedule

    sync_beat_schedule()

    assert PeriodicTask.objects.filter(task="messaging.check_instance").exists()
