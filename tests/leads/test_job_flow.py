"""One job from the customer's first message to the rating, as a worker handles each
message: routing, the slot, the pro's approve/reject, job status by text, cancellation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from fixi import phones
from leads.conversation import process_inbound
from leads.models import ExclusionReason, Lead, LeadEvent, LeadExclusion, LeadStatus
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro
from scheduling.models import Slot
from tests.factories import CityFactory, LeadFactory, PriceItemFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"
ENGLISH_JOB = "Hi, leaking pipe under my sink at 10 Herzl Street, Haifa. Tomorrow at 10am please"
CUSTOMER = shapes.CUSTOMER


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def slot(pro, start, hours=1):
    return SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=hours))


@pytest.fixture
def haifa():
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    other = CityFactory(slug="tel-aviv", name_he="תל אביב", name_en="Tel Aviv")
    best = ProFactory(
        name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
    )
    second = ProFactory(
        name="Rina Levi", rating=4.7, review_count=80, trades=["plumbing"], cities=[haifa]
    )
    # Never to be messaged: inactive, another city, another trade.
    inactive = ProFactory(
        name="Inactive",
        rating=5.0,
        review_count=500,
        active=False,
        trades=["plumbing"],
        cities=[haifa],
    )
    elsewhere = ProFactory(
        name="Elsewhere", rating=5.0, review_count=500, trades=["plumbing"], cities=[other]
    )
    electrician = ProFactory(
        name="Sparky", rating=5.0, review_count=500, trades=["electrical"], cities=[haifa]
    )
    PriceItemFactory(pro=best, service="ביקור טכנאי", price=Decimal("250"))
    PriceItemFactory(pro=second, service="ביקור טכנאי", price=Decimal("220"))
    for pro in (best, second, inactive, elsewhere, electrician):
        slot(pro, tomorrow_at(10))
    return {"best": best, "second": second, "never": [inactive, elsewhere, electrician]}


def to(chat_id):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def last_to(chat_id) -> OutboundMessage:
    return to(chat_id).last()


def press(pro, button_text: str, lead: Lead):
    key = {"אשר": "approve", "דחה": "reject"}[button_text]
    return deliver(
        shapes.interactive_reply(
            selected_id=f"{key}:{lead.pk}", text=button_text, chat_id=pro.chat_id
        )
    )


def test_one_message_with_everything_asks_the_best_pro_at_once(haifa):
    best = haifa["best"]

    assert deliver(shapes.text(HEBREW_JOB)) == "asked_pro"

    lead = Lead.objects.get()
    assert lead.status == LeadStatus.AWAITING_PRO and lead.pro == best
    held = Slot.objects.get(lead=lead)
    assert held.pro == best and held.start == tomorrow_at(10)
    offer = to(best.chat_id).get()
    assert offer.kind == OutboundKind.BUTTONS
    assert [b["text"] for b in offer.buttons] == ["אשר", "דחה"]
    for expected in ("אינסטלציה", "חיפה", "רחוב הרצל 10", "10:00", "Dana", "1 - אשר", "2 - דחה"):
        assert expected in offer.text
    customer_reply = last_to(CUSTOMER).text
    assert customer_reply.startswith("תודה Dana!") and "ביקשנו מYossi Cohen" in customer_reply
    assert Pro.objects.get(pk=best.pk).current_load == 1
    for pro in haifa["never"]:
        assert not to(pro.chat_id).exists()
    assigned = LeadEvent.objects.get(lead=lead, action="assigned")
    assert assigned.to_status == LeadStatus.AWAITING_PRO and "Yossi Cohen" in assigned.reason
    assert lead.routing_reason["chosen"]["name"] == "Yossi Cohen"


def test_rejection_goes_to_the_next_pro_and_approval_confirms_to_the_customer(haifa):
    best, second = haifa["best"], haifa["second"]
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()

    assert press(best, "דחה", lead) == "rejected"

    lead.refresh_from_db()
    assert lead.status == LeadStatus.AWAITING_PRO and lead.pro == second
    assert LeadExclusion.objects.get(lead=lead).pro == best
    assert LeadExclusion.objects.get(lead=lead).reason == ExclusionReason.DECLINED
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert Slot.objects.get(pro=best).lead is None  # his slot is free again
    assert Slot.objects.get(lead=lead).pro == second
    assert to(second.chat_id).get().kind == OutboundKind.BUTTONS

    assert deliver(shapes.text("1", chat_id=second.chat_id)) == "approved"  # typed, not pressed

    lead.refresh_from_db()
    assert lead.status == LeadStatus.BOOKED and lead.pro_responded_at is not None
    confirmation = last_to(CUSTOMER).text
    assert "נקבע" in confirmation and "Rina Levi" in confirmation and "10:00" in confirmation
    assert "₪220" in confirmation
    approved = last_to(second.chat_id).text
    # The pro gets the customer's number as Israelis write it, which WhatsApp can dial.
    national = phones.national(lead.customer.chat_id)
    assert f"טלפון {national}" in approved and national.startswith("05")
    for pro in haifa["never"]:
        assert not to(pro.chat_id).exists()
    statuses = list(
        LeadEvent.objects.filter(lead=lead).exclude(to_status="").values_list("action", "to_status")
    )
    assert statuses == [
        ("created", "new"),
        ("replied", "contacted"),
        ("assigned", "awaiting_pro"),
        ("rejected", "contacted"),
        ("assigned", "awaiting_pro"),
        ("approved", "booked"),
    ]
    changes = LeadEvent.objects.filter(lead=lead).exclude(to_status="")
    assert not changes.filter(reason="").exists()  # every change says why


def test_only_the_current_assignees_first_answer_counts(haifa):
    best, second = haifa["best"], haifa["second"]
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    press(best, "דחה", lead)
    press(second, "אשר", lead)

    # A late press from the pro who declined, and a second press from the one who approved.
    assert press(best, "אשר", lead) == "pro_answer_ignored"
    assert "הועברה" in last_to(best.chat_id).text
    assert press(second, "דחה", lead) == "pro_answer_ignored"
    assert "כבר אישרת" in last_to(second.chat_id).text

    lead.refresh_from_db()
    assert lead.status == LeadStatus.BOOKED and lead.pro == second
    assert Slot.objects.get(lead=lead).pro == second
    assert LeadEvent.objects.filter(lead=lead, action="answer_ignored").count() == 2


def test_the_same_in_english(haifa):
    best = haifa["best"]
    assert deliver(shapes.text(ENGLISH_JOB)) == "asked_pro"
    lead = Lead.objects.get()
    assert lead.language == "en"
    assert "We've asked Yossi Cohen to confirm" in last_to(CUSTOMER).text
    assert "לאשר את העבודה" in to(best.chat_id).get().text  # pros are written to in Hebrew

    press(best, "אשר", lead)

    confirmation = last_to(CUSTOMER).text
    assert confirmation.startswith("✅ Booked! Yossi Cohen") and "₪250" in confirmation


def test_a_taken_time_offers_the_three_nearest_free_slots_by_number(haifa):
    best = haifa["best"]
    Slot.objects.filter(pro=best).delete()
    for hour in (8, 12, 14, 16):
        slot(best, tomorrow_at(hour))
    # The 10:00 slot does not exist for the best pro: he is still the best pro, so the
    # customer chooses among his times.
    assert deliver(shapes.text(HEBREW_JOB)) == "offered_slots"

    lead = Lead.objects.get()
    assert lead.pro == best and lead.status == LeadStatus.CONTACTED
    offer = last_to(CUSTOMER)
    assert offer.kind == OutboundKind.BUTTONS
    assert [b["text"].split()[-1] for b in offer.buttons] == ["08:00", "12:00", "14:00"]
    assert "1 - " in offer.text and not to(best.chat_id).exists()

    assert deliver(shapes.text("2")) == "slot_chosen"

    lead.refresh_from_db()
    assert lead.status == LeadStatus.AWAITING_PRO
    assert Slot.objects.get(lead=lead).start == tomorrow_at(12) == lead.appointment_time
    assert "12:00" in to(best.chat_id).get().text


def test_a_slot_taken_while_the_customer_chose_is_offered_again(haifa):
    best = haifa["best"]
    Slot.objects.filter(pro=best).delete()
    for hour in (8, 12, 14):
        slot(best, tomorrow_at(hour))
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    other_customer = LeadFactory()
    Slot.objects.filter(pro=best, start=tomorrow_at(8)).update(lead=other_customer)

    assert deliver(shapes.text("1")) == "slot_gone"
    again = last_to(CUSTOMER)
    assert "נתפס" in again.text and len(again.buttons) == 2
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED


def test_nobody_eligible_gets_fixi_support_and_is_marked_for_sos(haifa):
    Pro.objects.filter(pk__in=[haifa["best"].pk, haifa["second"].pk]).update(active=False)

    assert deliver(shapes.text(HEBREW_JOB)) == "unassigned"

    lead = Lead.objects.get()
    assert lead.status == LeadStatus.UNASSIGNED and lead.pro is None
    assert "No active pro serves Haifa for plumbing" in lead.routing_reason["why"]
    assert last_to(CUSTOMER).text.endswith("Fixi Support")
    event = LeadEvent.objects.get(lead=lead, action="no_pro")
    assert event.to_status == LeadStatus.UNASSIGNED and "No active pro" in event.reason


def test_a_pro_with_no_free_slot_at_all_is_passed_over(haifa):
    best, second = haifa["best"], haifa["second"]
    Slot.objects.filter(pro=best).delete()

    deliver(shapes.text(HEBREW_JOB))

    lead = Lead.objects.get()
    assert lead.pro == second and lead.status == LeadStatus.AWAITING_PRO
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert LeadEvent.objects.filter(lead=lead, action="pro_passed_over").count() == 1


def test_customer_cancels_before_the_appointment_and_the_slot_can_be_booked_again(haifa):
    best = haifa["best"]
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    press(best, "אשר", lead)
    held = Slot.objects.get(lead=lead)

    assert deliver(shapes.text("ביטול")) == "cancelled"

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CANCELLED and lead.cancelled_at is not None
    assert Slot.objects.get(pk=held.pk).lead is None
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert "בוטלה על ידי הלקוח" in last_to(best.chat_id).text
    assert "בוטלה" in last_to(CUSTOMER).text

    deliver(shapes.text(HEBREW_JOB))  # a new lead, and the freed slot is booked again
    new_lead = Lead.objects.exclude(pk=lead.pk).get()
    assert Slot.objects.get(pk=held.pk).lead == new_lead


def test_cancel_with_nothing_open_says_so():
    assert deliver(shapes.text("cancel")) == "nothing_to_cancel"
    assert "no open request" in last_to(CUSTOMER).text


def test_on_my_way_done_and_the_customers_rating(haifa):
    best = haifa["best"]
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    press(best, "אשר", lead)

    assert deliver(shapes.text("בדרך", chat_id=best.chat_id)) == "on_the_way"
    assert "בדרך אליכם" in last_to(CUSTOMER).text
    deliver(shapes.text("בדרך", chat_id=best.chat_id))
    assert to(CUSTOMER).filter(text__contains="בדרך אליכם").count() == 1

    assert deliver(shapes.text("סיימתי!", chat_id=best.chat_id)) == "completed"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.COMPLETED and lead.completed_at is not None
    assert Pro.objects.get(pk=best.pk).current_load == 0
    assert "1 (גרוע) עד 5" in last_to(CUSTOMER).text

    assert deliver(shapes.text("4")) == "rated"

    rated = Pro.objects.get(pk=best.pk)
    assert rated.review_count == 121
    assert rated.rating == pytest.approx((4.9 * 120 + 4) / 121)
    assert Lead.objects.get(pk=lead.pk).customer_rating == 4
    assert "תודה על הדירוג" in last_to(CUSTOMER).text


def test_a_pro_status_word_with_no_booked_job(haifa):
    assert deliver(shapes.text("סיימתי", chat_id=haifa["best"].chat_id)) == "pro_no_job"
    assert "לא מצאנו" in last_to(haifa["best"].chat_id).text


def test_reassign_lead_command_moves_to_the_next_pro_or_a_chosen_one(haifa, capsys):
    best, second = haifa["best"], haifa["second"]
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()

    call_command("reassign_lead", str(lead.pk))

    lead.refresh_from_db()
    assert lead.pro == second and lead.status == LeadStatus.AWAITING_PRO
    assert "Rina Levi" in capsys.readouterr().out
    assert "הועברה" in last_to(best.chat_id).text
    assert LeadExclusion.objects.get(lead=lead, pro=best).reason == ExclusionReason.REASSIGNED

    call_command("reassign_lead", str(lead.pk), "--to", best.phone)

    lead.refresh_from_db()
    assert lead.pro == best and Slot.objects.get(lead=lead).pro == best
    assert Pro.objects.get(pk=second.pk).current_load == 0
    assert LeadEvent.objects.filter(lead=lead, action="reassigned").count() == 2


def test_reassign_lead_refuses_what_it_cannot_do(haifa):
    from django.core.management.base import CommandError

    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    with pytest.raises(CommandError, match="no lead"):
        call_command("reassign_lead", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="already has this lead"):
        call_command("reassign_lead", str(lead.pk), "--to", str(haifa["best"].pk))
    with pytest.raises(CommandError, match="inactive"):
        call_command("reassign_lead", str(lead.pk), "--to", haifa["never"][0].phone)
    with pytest.raises(CommandError, match="no pro with"):
        call_command("reassign_lead", str(lead.pk), "--to", "0500000000")
