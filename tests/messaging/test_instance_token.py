"""A wrong GREEN_API_TOKEN is an outage the dashboard shows, reported once: Green API
answers the connection check with 401 (or 403), and no WhatsApp alert could leave."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import instance
from messaging.events import instance_state
from messaging.models import OutboundMessage
from tests.fakes.green_api import error_body

pytestmark = pytest.mark.django_db
ADMIN = "972505550199@c.us"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def admin_whatsapp(settings):
    settings.ADMIN_WHATSAPP = "050-555-0199"


@pytest.fixture
def wrong_token(fake_green_api, settings):
    settings.GREEN_API_TOKEN = "not-the-instance-token"
    return fake_green_api


def errors(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "messaging.instance" and r.levelno == logging.ERROR
    ]


def test_a_wrong_token_is_an_outage_on_the_dashboard(wrong_token, admin_whatsapp, admin_client):
    # given the instance was last seen authorized
    start = timezone.now()
    wrong_token.state_instance = "authorized"
    instance.observe("authorized", start - MINUTE)

    # when the check is refused for the token
    assert instance.check(now=start) == "alerted"

    # then the dashboard shows the refused token, not the last "authorized"
    state, since = instance_state()
    assert state == "unauthorizedToken" and abs(since - start) < dt.timedelta(seconds=1)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="whatsapp-alert"' in page and "GREEN_API_TOKEN" in page
    # and no alert is queued on a WhatsApp that refuses Fixi's token
    assert not OutboundMessage.objects.filter(chat_id=ADMIN).exists()


def test_it_is_reported_once_however_many_checks_see_it(wrong_token, admin_whatsapp, caplog):
    start = timezone.now()

    outcomes = [instance.check(now=start + n * 5 * MINUTE) for n in range(3)]

    assert outcomes == ["alerted", "down", "down"]
    [error] = errors(caplog)
    assert "GREEN_API_TOKEN" in error and "401" in error
    assert "not-the-instance-token" not in caplog.text


def test_a_403_is_refused_credentials_too(fake_green_api, admin_whatsapp):
    fake_green_api.fail_next("getStateInstance", 403, body=error_body(403, "check the idInstance"))

    assert instance.check() == "alerted"

    assert instance_state()[0] == "unauthorizedToken"


def test_the_right_token_ends_it_without_a_message_about_an_alert_never_sent(
    wrong_token, admin_whatsapp, settings
):
    start = timezone.now()
    instance.check(now=start)

    settings.GREEN_API_TOKEN = wrong_token.token
    assert instance.check(now=start + 5 * MINUTE) == "connected"

    assert instance_state()[0] == "authorized"
    assert not OutboundMessage.objects.filter(chat_id=ADMIN).exists()


def test_the_right_token_on_an_unlinked_instance_starts_an_outage_the_admin_is_told_of(
    wrong_token, admin_whatsapp, settings
):
    start = timezone.now()
    instance.check(now=start)

    settings.GREEN_API_TOKEN = wrong_token.token
    wrong_token.state_instance = "notAuthorized"
    assert instance.check(now=start + 5 * MINUTE) == "alerted"

    [alert] = OutboundMessage.objects.filter(chat_id=ADMIN)
    assert "notAuthorized" in alert.text
