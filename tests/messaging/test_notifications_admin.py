"""Managers see a customer's calls, edits, reactions and contact cards: in the message lists
and in a lead's conversation."""

import html

import pytest
from django.urls import reverse

from messaging import notifications
from messaging.inbox import ingest
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus
from tests.factories import CustomerFactory, LeadFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_client):
    """Pages read in English (the admin's Hebrew is checked in tests/fixi/test_texts.py
    and the browser lane)."""
    admin_client.cookies["django_language"] = "en"
    return admin_client


def stored(payload: dict) -> InboundMessage:
    return InboundMessage.objects.get(pk=ingest(payload).inbound_id)


def sent(chat_id: str, provider_id: str, text: str) -> OutboundMessage:
    return OutboundMessage.objects.create(
        chat_id=chat_id, text=text, status=OutboundStatus.SENT, provider_message_id=provider_id
    )


def test_the_inbound_list_shows_the_notification_reaction_and_text_before_the_edit(
    admin_client,
):
    stored(shapes.text("הרצל 10", id_message="BAE5ORIG"))
    notifications.apply_edit(stored(shapes.edited("הרצל 12", original_id="BAE5ORIG")))
    stored(shapes.incoming_call())
    photo = stored(shapes.image(id_message="BAE5PHOTO"))
    notifications.record_reaction(stored(shapes.reaction("🙏", reacted_to="BAE5PHOTO")))

    page = html.unescape(admin_client.get("/admin/messaging/inboundmessage/").content.decode())

    assert "הרצל 12 (edited; before: הרצל 10)" in page
    assert "Voice or video call" in page and "Edit of an earlier message" in page
    assert "🙏" in page
    detail = admin_client.get(f"/admin/messaging/inboundmessage/{photo.pk}/change/")
    assert detail.status_code == 200 and "🙏" in detail.content.decode()


def test_the_inbound_list_filters_by_notification(admin_client):
    stored(shapes.incoming_call())
    stored(shapes.text("שלום"))

    page = admin_client.get("/admin/messaging/inboundmessage/", {"subtype__exact": "call"})

    assert [m.subtype for m in page.context["cl"].result_list] == ["call"]


def test_the_outbound_list_shows_the_customers_reaction(admin_client):
    sent(shapes.CUSTOMER, "BAE5OUT7", "מחר ב-10:00 מתאים?")
    notifications.record_reaction(stored(shapes.reaction("👍🏽", reacted_to="BAE5OUT7")))

    page = admin_client.get("/admin/messaging/outboundmessage/").content.decode()

    assert "👍🏽" in page


@pytest.fixture
def lead():
    return LeadFactory(customer=CustomerFactory(chat_id=shapes.CUSTOMER, name="Dana Levi"))


def thread(client, lead) -> str:
    page = client.get(reverse("admin:leads_lead_conversation", args=[lead.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    return text[text.index('id="conversation"') :]


def test_the_conversation_shows_calls_edits_reactions_and_contact_cards(admin_client, lead):
    stored(shapes.text("הכתובת הרצל 10", id_message="BAE5ORIG"))
    notifications.apply_edit(stored(shapes.edited("הכתובת הרצל 12", original_id="BAE5ORIG")))
    question = sent(shapes.CUSTOMER, "BAE5OUT7", "מחר ב-10:00 מתאים?")
    notifications.record_reaction(stored(shapes.reaction("👍", reacted_to="BAE5OUT7")))
    stored(shapes.incoming_call())
    stored(shapes.contact("Yossi Cohen", vcard_tel="TEL:054-111-2222\nTEL:03-555-6666"))

    page = thread(admin_client, lead)

    assert "📞 call" in page
    # The edited message shows its new text once, marked, with the old text on hover.
    assert page.count("הכתובת הרצל 12") == 1 and "edited" in page
    assert 'title="Before the edit: הכתובת הרצל 10"' in page
    # The reaction shows on the message it answers, not as a message of its own.
    after_question = page[page.index(question.text) :]
    assert after_question.index("👍") < after_question.index("📞 call")
    assert page.count("👍") == 1
    # The contact card: name and phones.
    assert "👤 Yossi Cohen" in page and "054-111-2222" in page and "03-555-6666" in page


def test_an_edit_or_reaction_whose_message_is_not_in_view_stands_alone(admin_client, lead):
    stored(shapes.edited("בעצם מחר", original_id="BAE5NEVERSEEN"))
    stored(shapes.reaction("❤️", reacted_to="BAE5NEVERSEEN"))

    page = thread(admin_client, lead)

    assert "בעצם מחר" in page and "edited" in page
    assert "The message it changes is not in this conversation" in page
    assert "❤️" in page and "Reaction" in page


def test_the_inbox_counts_a_call_as_the_customer_waiting(admin_client, lead):
    sent(shapes.CUSTOMER, "BAE5OUT1", "שלום, איך אפשר לעזור?")
    stored(shapes.incoming_call())

    page = admin_client.get(reverse("admin:leads_lead_inbox")).content.decode()

    assert "📞 call" in page
