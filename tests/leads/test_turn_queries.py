"""What the common customer turn costs the database: a new customer's message with the
city, the trade, the address and the time (a lead, routing, a booking, the pro asked, the
customer answered), then a follow-up on the open lead (the pro told, the customer
answered). Query counts are deterministic, so the SQLite lane holds each turn to the
number measured (python -m bench.pipeline --queries lists them by the line that runs
them); the MongoDB lane runs the same turns for their outcome only.

The turns run outside a transaction, as a worker runs them: a claim's insert is then one
statement, with no savepoint around it.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fixi.models import BusinessSettings
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.models import Lead, LeadEvent, LeadStatus
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from scheduling.models import Slot
from tests.factories import CityFactory, PriceItemFactory, ProFactory, SlotFactory
from tests.fakes.gemini import MODELS, reading
from tests.messaging import shapes

pytestmark = pytest.mark.django_db(transaction=True)

# The measured counts, the goal being 20 a turn (docs/BENCHMARKS.md, "Pipeline", names
# what the first turn's queries are for). Gemini's first turn reads the pro's price list
# for the pro's own words, which the offline templates do without.
FIRST_TURN_QUERIES = {"offline": 26, "gemini": 27}
FOLLOW_UP_QUERIES = 18

CUSTOMER = shapes.CUSTOMER
FIRST = "שלום, יש לי נזילה מתחת לכיור. אני בחיפה, רחוב הרצל 10. אפשר מחר בשעה 10:00?"
FOLLOW_UP = "הקוד בכניסה לבניין הוא 1234, קומה 3"


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def haifa_plumber():
    # The worker read the settings when the message's first task came, moments ago.
    BusinessSettings.load()
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(name="Yossi Cohen", trades=["plumbing"], cities=[haifa])
    PriceItemFactory(pro=pro, service="ביקור", price=250)
    for hour in (9, 10, 11):
        start = tomorrow_at(hour)
        SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))
    return pro


def turn(text: str) -> tuple[str, list[str]]:
    """Store the message as the webhook does, then run its task: the outcome and the SQL
    the task ran."""
    stored = inbox.ingest(shapes.text(text, chat_id=CUSTOMER)).inbound_id
    with CaptureQueriesContext(connection) as queries:
        outcome = process_inbound(stored)
    return outcome, [query["sql"] for query in queries.captured_queries]


def holds_to(count: int, queries: list[str]) -> None:
    if connection.vendor != "sqlite":
        return  # counted on the SQLite lane
    listing = "\n".join(f"{n:>3}. {sql[:160]}" for n, sql in enumerate(queries, 1))
    assert len(queries) <= count, f"{len(queries)} queries, {count} measured:\n{listing}"


def to(chat_id: str):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def assert_pro_asked_and_customer_answered(pro) -> Lead:
    lead = Lead.objects.get()
    assert (lead.status, lead.pro, lead.city.slug) == (LeadStatus.AWAITING_PRO, pro, "haifa")
    assert Slot.objects.get(lead=lead).start == tomorrow_at(10)
    [offer] = to(pro.chat_id)
    assert offer.kind == OutboundKind.BUTTONS
    [answer] = to(CUSTOMER)
    assert "10:00" in answer.text
    actions = list(LeadEvent.objects.filter(lead=lead).values_list("action", "to_status"))
    assert actions == [
        ("created", LeadStatus.NEW),
        ("replied", LeadStatus.CONTACTED),
        ("assigned", LeadStatus.AWAITING_PRO),
    ]
    return lead


def assert_pro_told_and_customer_answered(pro, lead) -> None:
    told = to(pro.chat_id).last()
    assert told.kind == OutboundKind.TEXT and "1234" in told.text
    assert to(CUSTOMER).count() == 2
    lead.refresh_from_db()
    assert lead.status == LeadStatus.AWAITING_PRO
    assert lead.description == f"{FIRST}\n{FOLLOW_UP}"
    assert LeadEvent.objects.filter(lead=lead, action="detail_changed").count() == 1


def test_the_common_turn_read_offline(haifa_plumber):
    outcome, first = turn(FIRST)

    assert outcome == Outcome.ASKED_PRO
    lead = assert_pro_asked_and_customer_answered(haifa_plumber)
    holds_to(FIRST_TURN_QUERIES["offline"], first)

    outcome, follow_up = turn(FOLLOW_UP)

    assert outcome == Outcome.DETAIL_CHANGED
    assert_pro_told_and_customer_answered(haifa_plumber, lead)
    holds_to(FOLLOW_UP_QUERIES, follow_up)


def test_the_common_turn_read_by_gemini(haifa_plumber, fake_gemini):
    day = tomorrow_at(10).date().isoformat()
    fake_gemini.respond(
        MODELS[0],
        reading(
            city="חיפה",
            issue_type="plumbing",
            summary="נזילה מתחת לכיור",
            address="רחוב הרצל 10, חיפה",
            requested_date=day,
            requested_time="10:00",
        ),
    )
    item = haifa_plumber.price_items.get()
    fake_gemini.respond(
        MODELS[0],
        {
            "reply_text": "שלום, אני יוסי. אגיע מחר.",
            "intent": "booking",
            "price_item_ids": [str(item.pk)],
        },
    )

    outcome, first = turn(FIRST)

    assert outcome == Outcome.ASKED_PRO
    lead = assert_pro_asked_and_customer_answered(haifa_plumber)
    assert "אני יוסי" in to(CUSTOMER).get().text
    holds_to(FIRST_TURN_QUERIES["gemini"], first)

    fake_gemini.respond(MODELS[0], reading())
    outcome, follow_up = turn(FOLLOW_UP)

    assert outcome == Outcome.DETAIL_CHANGED
    assert_pro_told_and_customer_answered(haifa_plumber, lead)
    holds_to(FOLLOW_UP_QUERIES, follow_up)
    assert len(fake_gemini.calls()) == 3  # a reading a turn, and the pro's words once
