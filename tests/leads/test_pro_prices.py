"""Quotes and prices on WhatsApp, as a worker handles each message: the pro's "הצעה 450"
reaches the customer with Approve/Decline and the answer is recorded once; "סיימתי 450"
completes the job with its price and a receipt before the rating question; "סיימתי"
alone asks the price once; ambiguous amounts are asked again; the dashboard's revenue and
the CSV export show the recorded prices."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fixi.dashboard import revenue
from leads.conversation import process_inbound
from leads.models import Lead, LeadEvent, LeadStatus, QuoteStatus
from leads.pro_office import prices
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import ProCommand, ProCommandState
from tests.factories import (
    CityFactory,
    CustomerFactory,
    LeadFactory,
    PriceItemFactory,
    ProFactory,
    SlotFactory,
)
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

CUSTOMER = shapes.CUSTOMER
OTHER_CUSTOMER = "972549999999@c.us"


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def from_pro(pro, text: str) -> str:
    return deliver(shapes.text(text, chat_id=pro.chat_id))


def press(chat_id: str, button_id: str, label: str) -> str:
    return deliver(shapes.interactive_reply(selected_id=button_id, text=label, chat_id=chat_id))


def to(chat_id):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def last_to(chat_id) -> OutboundMessage:
    return to(chat_id).last()


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def booked_job(pro, chat_id=CUSTOMER, name="Dana Levi", language="he", hour=10, **fields):
    """A job the pro approved: booked, its slot held."""
    start = tomorrow_at(hour)
    lead = LeadFactory(
        customer=CustomerFactory(chat_id=chat_id, name=name, language=language),
        pro=pro,
        status=LeadStatus.BOOKED,
        language=language,
        city=CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa"),
        full_address="הרצל 10",
        appointment_time=start,
        **fields,
    )
    SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1), lead=lead)
    return lead


@pytest.fixture
def pro():
    pro = ProFactory(name="Yossi Cohen", trades=["plumbing"], current_load=1)
    PriceItemFactory(pro=pro, service="ביקור טכנאי", price=Decimal("250"))
    PriceItemFactory(pro=pro, service="החלפת ברז", price=Decimal("400"))
    return pro


def quote_message(lead) -> OutboundMessage:
    return OutboundMessage.objects.filter(topic=prices.quote_topic(lead.pk)).latest("created_at")


def fresh(lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


# --- quotes -------------------------------------------------------------------------------


def test_a_quote_with_a_service_reaches_the_customer_and_their_yes_is_recorded(pro):
    lead = booked_job(pro)

    assert from_pro(pro, "הצעה 450 החלפת ברז") == "quote_sent"

    offer = quote_message(lead)
    assert offer.chat_id == CUSTOMER and offer.kind == OutboundKind.BUTTONS
    assert "Yossi Cohen" in offer.text and "₪450" in offer.text and "החלפת ברז" in offer.text
    assert [b["text"] for b in offer.buttons] == ["אישור", "דחייה"]
    assert "1 - אישור" in offer.text  # answerable by number where buttons do not show
    quoted = fresh(lead)
    assert quoted.quoted_price == Decimal("450") and quoted.quote_status == QuoteStatus.SENT
    assert quoted.quoted_at is not None
    command = ProCommand.objects.get(pro=pro, command="quote")
    assert command.state == ProCommandState.APPLIED and command.lead_id == lead.pk
    assert command.details == {"amount": "450.00", "service": "החלפת ברז", "price_item": (
        str(pro.price_items.get(service="החלפת ברז").pk)
    )}  # fmt: skip
    assert "נשלחה" in last_to(pro.chat_id).text and "₪450" in last_to(pro.chat_id).text

    assert deliver(shapes.text("כן")) == "quote_accepted"

    answered = fresh(lead)
    assert answered.quote_status == QuoteStatus.ACCEPTED
    assert answered.quoted_price == Decimal("450") and answered.status == LeadStatus.BOOKED
    event = LeadEvent.objects.get(lead=lead, action="quote_accepted")
    assert event.actor == "customer" and event.data["amount"] == "450.00"
    assert LeadEvent.objects.filter(lead=lead, action="quote_sent").count() == 1
    told = last_to(pro.chat_id).text
    assert told.startswith("✅") and "Dana" in told and "אישר/ה" in told and "₪450" in told
    assert "עדכנו את Yossi Cohen שאישרתם" in last_to(CUSTOMER).text


def test_an_english_customer_declines_a_quote_in_english(pro):
    lead = booked_job(pro, language="en")

    assert from_pro(pro, "quote 1,200") == "quote_sent"

    offer = quote_message(lead)
    assert offer.text.startswith("💬 Yossi Cohen sent you a quote for the job: ₪1,200.")
    assert [b["text"] for b in offer.buttons] == ["Approve", "Decline"]
    assert "reply with a number" in offer.text

    assert deliver(shapes.text("no")) == "quote_declined"

    assert fresh(lead).quote_status == QuoteStatus.DECLINED
    assert LeadEvent.objects.filter(lead=lead, action="quote_declined").count() == 1
    assert "declined the quote" in last_to(CUSTOMER).text
    told = last_to(pro.chat_id).text  # pros read Hebrew
    assert told.startswith("❌") and "דחה/תה" in told and "₪1,200" in told


def test_a_second_answer_is_acknowledged_and_counted_once(pro):
    lead = booked_job(pro)
    from_pro(pro, "הצעה 450")
    accept, decline = [b["id"] for b in quote_message(lead).buttons]

    assert press(CUSTOMER, accept, "אישור") == "quote_accepted"
    assert press(CUSTOMER, accept, "אישור") == "quote_already_answered"
    assert press(CUSTOMER, decline, "דחייה") == "quote_already_answered"

    assert fresh(lead).quote_status == QuoteStatus.ACCEPTED
    assert LeadEvent.objects.filter(lead=lead, action="quote_accepted").count() == 1
    assert not LeadEvent.objects.filter(lead=lead, action="quote_declined").exists()
    assert to(pro.chat_id).filter(text__contains="אישר/ה את ההצעה").count() == 1
    assert "כבר אישרתם" in last_to(CUSTOMER).text
    # A typed "yes" once the quote is answered is an ordinary message, not a third answer.
    assert deliver(shapes.text("כן")) != "quote_already_answered"


def test_an_answer_to_a_quote_that_a_newer_one_replaced_changes_nothing(pro):
    lead = booked_job(pro)
    from_pro(pro, "הצעה 450")
    old = quote_message(lead)
    # A press quotes the message its buttons belong to (shapes' stanzaId).
    OutboundMessage.objects.filter(pk=old.pk).update(provider_message_id="BAE5BUTTONS")
    old_accept = old.buttons[0]["id"]
    from_pro(pro, "הצעה 500")

    assert press(CUSTOMER, old_accept, "אישור") == "quote_replaced"
    assert fresh(lead).quote_status == QuoteStatus.SENT
    assert "הוחלפה" in last_to(CUSTOMER).text

    assert deliver(shapes.text("1")) == "quote_accepted"  # the latest quote, by number
    answered = fresh(lead)
    assert answered.quote_status == QuoteStatus.ACCEPTED
    assert answered.quoted_price == Decimal("500")


def test_with_several_open_jobs_the_pro_picks_which_one_the_quote_is_for(pro):
    first = booked_job(pro, hour=10)
    second = booked_job(pro, chat_id=OTHER_CUSTOMER, name="Noa Peretz", hour=14)

    assert from_pro(pro, "הצעה 300") == "quote_which_job"

    question = last_to(pro.chat_id)
    assert question.kind == OutboundKind.BUTTONS and "₪300" in question.text
    labels = [b["text"] for b in question.buttons]
    assert labels[0].startswith("Dana") and labels[1].startswith("Noa")
    assert all(len(label) <= 25 for label in labels)
    assert not OutboundMessage.objects.filter(topic__startswith="quote:").exists()
    assert ProCommand.objects.get(command="quote").state == ProCommandState.AWAITING

    assert from_pro(pro, "2") == "quote_sent"  # typed, not pressed

    assert fresh(second).quote_status == QuoteStatus.SENT
    assert fresh(second).quoted_price == Decimal("300")
    assert fresh(first).quote_status == QuoteStatus.NONE
    assert "₪300" in quote_message(second).text
    command = ProCommand.objects.get(command="quote")
    assert command.state == ProCommandState.APPLIED and command.lead_id == second.pk

    assert from_pro(pro, "2") == "quote_choice_stale"  # a second pick sends nothing
    assert OutboundMessage.objects.filter(topic__startswith="quote:").count() == 1


def test_a_quote_written_as_a_reply_to_a_jobs_message_goes_to_that_job(pro):
    booked_job(pro, hour=10)
    second = booked_job(pro, chat_id=OTHER_CUSTOMER, name="Noa Peretz", hour=14)
    job_message = OutboundMessage.objects.create(
        chat_id=pro.chat_id, text="✅ Your job", topic=f"lead:{second.pk}"
    )
    OutboundMessage.objects.filter(pk=job_message.pk).update(provider_message_id="BAE5QUOTED2")

    assert deliver(shapes.quoted_current("הצעה 350", chat_id=pro.chat_id)) == "quote_sent"

    assert fresh(second).quoted_price == Decimal("350")
    assert quote_message(second).chat_id == OTHER_CUSTOMER


def test_a_quote_while_the_pro_has_yet_to_approve_goes_to_that_customer(pro):
    lead = booked_job(pro)
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.AWAITING_PRO)

    assert from_pro(pro, "quote 450") == "quote_sent"
    assert fresh(lead).quote_status == QuoteStatus.SENT


def test_a_quote_with_no_open_job_says_so(pro):
    assert from_pro(pro, "הצעה 450") == "pro_no_job"
    assert "לא מצאנו" in last_to(pro.chat_id).text
    assert ProCommand.objects.get(command="quote").outcome == "no open job"


@pytest.mark.parametrize(
    "text",
    [
        "הצעה 450-500",
        "הצעה בערך 400",
        "הצעה 4 5 0",
        "הצעה 450 או 500",
        "הצעה 1.200",
        "הצעה החלפת ברז",
        "quote about 400",
        "quote 400 or 450",
        "quote $450",
        "הצעה 0",
    ],
)
def test_an_ambiguous_quote_is_asked_again_and_nothing_is_sent(pro, text):
    lead = booked_job(pro)

    assert from_pro(pro, text) == "quote_unclear"

    asked = last_to(pro.chat_id).text
    assert "לא הצלחתי לקרוא סכום אחד" in asked and "הצעה 450" in asked
    assert not OutboundMessage.objects.filter(chat_id=CUSTOMER).exists()
    assert fresh(lead).quoted_price is None and fresh(lead).quote_status == QuoteStatus.NONE
    assert ProCommand.objects.get(command="quote").outcome.startswith("asked again")


# --- the final price ----------------------------------------------------------------------


def test_done_with_the_price_sends_a_receipt_before_the_rating_question(pro):
    lead = booked_job(pro)
    from_pro(pro, "הצעה 450 החלפת ברז")
    deliver(shapes.text("כן"))
    before = to(CUSTOMER).count()

    assert from_pro(pro, "סיימתי 1.2 אלף") == "completed"

    done = fresh(lead)
    assert done.status == LeadStatus.COMPLETED and done.final_price == Decimal("1200")
    receipt, rating = [m.text for m in to(CUSTOMER)[before:]]
    today = timezone.localdate().strftime("%d/%m/%Y")
    for part in ("🧾 קבלה", "שירות: החלפת ברז", "מחיר: ₪1,200", "Yossi Cohen", f"תאריך: {today}"):
        assert part in receipt
    assert "1 (גרוע) עד 5" in rating
    assert "רשמנו ₪1,200" in last_to(pro.chat_id).text
    assert LeadEvent.objects.get(lead=lead, action="completed").data == {"final_price": "1200.00"}
    assert LeadEvent.objects.get(lead=lead, action="final_price").reason == "₪1,200"
    command = ProCommand.objects.get(command="final_price")
    assert command.state == ProCommandState.APPLIED and command.details == {"amount": "1200.00"}


def test_an_english_receipt_names_the_kind_of_job_when_no_quote_named_a_service(pro):
    lead = booked_job(pro, language="en")

    assert from_pro(pro, "done 450") == "completed"

    receipt, rating = [m.text for m in to(CUSTOMER)]
    assert receipt.splitlines()[:4] == [
        "🧾 Receipt",
        "Service: plumbing",
        "Price: ₪450",
        "Pro: Yossi Cohen",
    ]
    assert "How was it?" in rating
    assert fresh(lead).final_price == Decimal("450")


def test_done_alone_asks_the_price_once_and_the_answer_sends_the_receipt(pro):
    lead = booked_job(pro)

    assert from_pro(pro, "סיימתי") == "completed"

    assert fresh(lead).status == LeadStatus.COMPLETED and fresh(lead).final_price is None
    thanks, asked = [m.text for m in to(pro.chat_id)]
    assert thanks.startswith("כל הכבוד!")
    assert (
        asked
        == "כמה גבית על העבודה אצל Dana (אינסטלציה, הרצל 10, חיפה)? כתוב/י את הסכום, למשל 450."
    )
    # the rating question only; its first line opens with a Latin name, so it is marked RTL
    assert [m.text for m in to(CUSTOMER)][-1].startswith("\u200fYossi Cohen סימן/ה")
    assert ProCommand.objects.get(command="final_price").state == ProCommandState.AWAITING

    assert from_pro(pro, 'גביתי 1,200 ש"ח') == "price_recorded"

    assert fresh(lead).final_price == Decimal("1200")
    receipt = last_to(CUSTOMER).text
    assert receipt.startswith("🧾 קבלה") and "₪1,200" in receipt
    assert receipt.endswith("נשמח לדירוג מ-1 (גרוע) עד 5 (מצוין).")  # not rated yet
    assert "נרשם: ₪1,200" in last_to(pro.chat_id).text
    command = ProCommand.objects.get(command="final_price")
    assert command.state == ProCommandState.APPLIED and command.details["amount"] == "1200.00"
    assert LeadEvent.objects.filter(lead=lead, action="final_price").count() == 1

    # Answered: a second amount is not taken for the price.
    assert from_pro(pro, "500") == "pro_unknown"
    assert fresh(lead).final_price == Decimal("1200")
    assert to(pro.chat_id).filter(text__contains="כמה גבית").count() == 1


def test_a_customer_who_rated_already_gets_the_late_receipt_without_the_question(pro):
    lead = booked_job(pro)
    from_pro(pro, "סיימתי")
    assert deliver(shapes.text("5")) == "rated"

    assert from_pro(pro, "450") == "price_recorded"

    today = timezone.localdate().strftime("%d/%m/%Y")
    assert last_to(CUSTOMER).text.endswith(f"Yossi Cohen\nתאריך: {today}")  # no question
    assert fresh(lead).customer_rating == 5


def test_an_ambiguous_price_is_asked_again_until_one_amount_comes(pro):
    lead = booked_job(pro)

    assert from_pro(pro, "סיימתי 450-500") == "completed"  # the job is done either way

    assert fresh(lead).final_price is None
    asked = last_to(pro.chat_id).text
    assert "לא הצלחתי לקרוא סכום אחד" in asked and "כמה גבית" in asked
    assert ProCommand.objects.get(command="final_price").details == {"problem": "range"}

    assert from_pro(pro, "בערך 450") == "price_unclear"
    assert from_pro(pro, "4 5 0") == "price_unclear"
    assert fresh(lead).final_price is None
    assert from_pro(pro, "בדרך ללקוח הבא, 15:00") != "price_unclear"  # other words: not an answer

    assert from_pro(pro, "450") == "price_recorded"
    assert fresh(lead).final_price == Decimal("450")


def test_a_price_a_manager_entered_first_is_kept(pro):
    lead = booked_job(pro)
    from_pro(pro, "סיימתי")
    Lead.objects.filter(pk=lead.pk).update(final_price=Decimal("380"))

    assert from_pro(pro, "450") == "price_already_recorded"

    assert fresh(lead).final_price == Decimal("380")
    assert "כבר נרשם: ₪380" in last_to(pro.chat_id).text


def test_a_newer_price_question_replaces_the_older_one(pro):
    first = booked_job(pro, hour=10)
    second = booked_job(pro, chat_id=OTHER_CUSTOMER, name="Noa Peretz", hour=14)
    from_pro(pro, "סיימתי")  # the 10:00 job
    from_pro(pro, "סיימתי")  # the 14:00 job

    assert from_pro(pro, "600") == "price_recorded"

    assert fresh(second).final_price == Decimal("600") and fresh(first).final_price is None
    states = dict(ProCommand.objects.filter(command="final_price").values_list("lead", "state"))
    assert states == {first.pk: ProCommandState.CANCELLED, second.pk: ProCommandState.APPLIED}


def test_done_with_no_booked_job_says_so(pro):
    assert from_pro(pro, "סיימתי 450") == "pro_no_job"
    assert "לא מצאנו" in last_to(pro.chat_id).text


# --- where the figures show ------------------------------------------------------------------


def test_the_dashboards_revenue_takes_recorded_prices_but_not_a_declined_quote(pro):
    now = timezone.now()
    final = booked_job(pro, hour=9)  # a final price beats the accepted quote
    from_pro(pro, "הצעה 450")
    deliver(shapes.text("כן"))
    from_pro(pro, "סיימתי 500")
    accepted = booked_job(pro, chat_id=OTHER_CUSTOMER, name="Noa Peretz", hour=11)
    from_pro(pro, "הצעה 300")
    deliver(shapes.text("1", chat_id=OTHER_CUSTOMER))
    from_pro(pro, "סיימתי")  # no price given: the accepted quote stands in
    declined = booked_job(pro, chat_id="972548888888@c.us", name="Avi", hour=13)
    from_pro(pro, "הצעה 900")
    deliver(shapes.text("לא", chat_id="972548888888@c.us"))
    from_pro(pro, "סיימתי")
    assert [fresh(lead).status for lead in (final, accepted, declined)] == ["completed"] * 3

    figures = revenue(now - dt.timedelta(days=30), now - dt.timedelta(days=1), now.replace(hour=0))

    assert figures["recent"] == "₪800"  # 500 + 300; the declined 900 is not takings
    assert figures["recent_jobs"] == 3


@pytest.mark.parametrize(
    ("language", "columns", "accepted"),
    [
        ("en", ["Quoted price (₪)", "Quote", "Final price (₪)", "Lead id"], "Accepted"),
        ("he", ["מחיר מוצע (₪)", "הצעת מחיר", "מחיר סופי (₪)", "מזהה ליד"], "אושרה"),
    ],
)
def test_the_csv_export_has_the_quote_and_the_final_price(
    pro, admin_client, language, columns, accepted
):
    lead = booked_job(pro)
    from_pro(pro, "הצעה 450")
    deliver(shapes.text("כן"))
    from_pro(pro, "סיימתי 1,250.50")
    admin_client.cookies["django_language"] = language

    response = admin_client.get(reverse("admin:leads_lead_export_csv"))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    exported = dict(zip(header, row, strict=True))
    quoted, quote, final, lead_id = columns
    assert exported[quoted] == "450.00"  # plain numbers: a spreadsheet adds them up
    assert exported[quote] == accepted
    assert exported[final] == "1250.50"
    assert exported[lead_id] == str(lead.pk)
