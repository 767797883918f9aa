import pytest

from messaging import inbox
from messaging.events import instance_state, process_event
from messaging.models import OutboundMessage, OutboundStatus
from tests.messaging import shapes

pytestmark = pytest.mark.django_db


def deliver(payload):
    return process_event(inbox.ingest(payload).inbound_id)


def test_a_status_webhook_updates_the_outbox_row():
    row = OutboundMessage.objects.create(
        chat_id=shapes.CUSTOMER, text="x", status=OutboundStatus.SENT, provider_message_id="OUT7"
    )

    assert deliver(shapes.status("OUT7", "delivered")) == "status"

    row.refresh_from_db()
    assert row.status == OutboundStatus.DELIVERED


def test_an_instance_that_drops_shows_on_the_dashboard_and_tells_the_admin_when_back(settings):
    settings.ADMIN_WHATSAPP = "050-555-0199"

    deliver(shapes.state("notAuthorized", timestamp=1790000100))
    assert instance_state()[0] == "notAuthorized"
    # WhatsApp cannot carry the alert while down: it waits in the outbox
    queued = OutboundMessage.objects.get()
    assert queued.status == OutboundStatus.QUEUED and "notAuthorized" in queued.text

    deliver(shapes.state("authorized", timestamp=1790000200))

    alert = OutboundMessage.objects.get()  # one message for the whole outage
    assert alert.chat_id == "972505550199@c.us" and "notAuthorized" in alert.text
    assert instance_state()[0] == "authorized"


def test_an_authorized_instance_that_stays_authorized_sends_nothing(settings):
    settings.ADMIN_WHATSAPP = "972505550199"

    deliver(shapes.state("authorized", timestamp=1790000300))

    assert not OutboundMessage.objects.exists()


def test_the_same_event_twice_is_processed_once():
    first = inbox.ingest(shapes.status("OUT8", "read"))
    again = inbox.ingest(shapes.status("OUT8", "read"))

    assert (first.outcome, again.outcome) == ("stored", "duplicate")
    assert process_event(first.inbound_id) in ("status",)
    assert process_event(first.inbound_id) == "skipped"
