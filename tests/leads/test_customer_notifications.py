"""What Fixi does with every notification a customer can produce: a call, an edit, a
reaction, a contact card. Both database lanes."""

import datetime as dt

import pytest
from django.utils import timezone

from leads import assignment
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.models import Lead, LeadEvent, LeadStatus
from messaging import inbox
from messaging.models import InboundMessage, OutboundMessage, Subtype
from tests.factories import CityFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

CUSTOMER = shapes.CUSTOMER


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def replies():
    return OutboundMessage.objects.filter(chat_id=CUSTOMER).order_by("created_at")


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def plumber():
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(name="Yossi Cohen", trades=["plumbing"], cities=[haifa])
    SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
    return pro


def test_a_call_gets_a_written_answer_once_and_stays_in_the_conversation():
    deliver(shapes.text("יש לי נזילה בחיפה"))

    assert deliver(shapes.incoming_call()) == Outcome.CALL
    call = InboundMessage.objects.get(subtype=Subtype.CALL)
    lead = Lead.objects.get()
    assert call.topic == f"lead:{lead.pk}"  # shown in the lead's conversation
    assert "בכתב" in replies().last().text
    assert LeadEvent.objects.filter(lead=lead, action="called").exists()

    again = shapes.incoming_call()
    again["idMessage"] = "CALL2"
    deliver(again)
    assert replies().filter(topic="call").count() == 1  # rings twice, one answer


def test_an_edit_replaces_the_text_and_a_changed_detail_is_read_again():
    original = shapes.text("יש לי נזילה בחיפה", id_message="BAE5ORIGINAL")
    deliver(original)
    assert Lead.objects.get().city.slug == "haifa"

    assert deliver(shapes.edited("יש לי נזילה בחולון", original_id="BAE5ORIGINAL")) == "asked"

    lead = Lead.objects.get()
    assert lead.city.slug == "holon"
    assert lead.description == "יש לי נזילה בחולון"  # the edit replaced the text, once
    first = InboundMessage.objects.get(provider_message_id="BAE5ORIGINAL")
    assert (first.text, first.original_text) == ("יש לי נזילה בחולון", "יש לי נזילה בחיפה")


def test_an_edit_that_changes_nothing_gets_no_answer():
    deliver(shapes.text("יש לי נזילה בחיפה", id_message="BAE5ORIGINAL"))
    answered = replies().count()

    assert deliver(shapes.edited("יש לי נזילה בחיפה!", original_id="BAE5ORIGINAL")) == "edited"
    assert replies().count() == answered


def test_a_thumbs_up_to_a_reminder_confirms_the_visit(plumber):
    deliver(shapes.text("יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"))
    lead = Lead.objects.get()
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.BOOKED)
    reminder = OutboundMessage.objects.create(
        chat_id=CUSTOMER,
        text="⏰ תזכורת",
        topic=assignment.reminder_topic(lead.pk),
        provider_message_id="BAE5REMINDER",
    )

    assert deliver(shapes.reaction("👍🏽", reacted_to="BAE5REMINDER")) == Outcome.CONFIRMED

    reminder.refresh_from_db()
    assert reminder.reaction == "👍🏽"
    assert LeadEvent.objects.filter(lead=lead, action="confirmed").exists()
    assert replies().last().text == "תודה, נתראה! 👍"


def test_any_other_reaction_is_kept_on_its_message_and_answered_by_nothing():
    deliver(shapes.text("יש לי נזילה בחיפה"))
    greeting = replies().get()
    OutboundMessage.objects.filter(pk=greeting.pk).update(provider_message_id="BAE5GREETING")

    assert deliver(shapes.reaction("❤️", reacted_to="BAE5GREETING")) == Outcome.REACTION

    assert OutboundMessage.objects.get(pk=greeting.pk).reaction == "❤️"
    assert replies().count() == 1


def test_a_contact_card_is_kept_in_the_conversation_without_an_answer():
    deliver(shapes.text("יש לי נזילה בחיפה"))

    assert deliver(shapes.contact("Moshe Levi")) == Outcome.CONTACT

    card = InboundMessage.objects.get(subtype=Subtype.CONTACT)
    assert card.topic == f"lead:{Lead.objects.get().pk}"
    assert "Moshe Levi" in card.text
    assert replies().count() == 1
