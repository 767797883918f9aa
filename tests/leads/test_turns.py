"""A chat's messages are worked on by one worker at a time, in order, and a burst is one
turn: one lead, one reading, one reply. Runs on both database lanes."""

import datetime as dt

import pytest
from django.utils import timezone

from ai import dispatcher
from fixi.models import BusinessSettings
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.conversation.turn import open_lead_for
from leads.models import Customer, Lead, LeadStatus
from messaging import inbox, turns
from messaging.models import ChatClaim, InboundMessage, OutboundMessage, ProcessingState
from tests.concurrency import in_threads
from tests.factories import CityFactory, CustomerFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

CUSTOMER = shapes.CUSTOMER
HAIFA_BURST = ["שלום", "יש לי נזילה מתחת לכיור", "אני בחיפה, רחוב הרצל 10", "מחר ב-10"]


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def haifa_plumber():
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(name="Yossi Cohen", trades=["plumbing"], cities=[haifa])
    start = tomorrow_at(10)
    SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))
    return pro


@pytest.fixture
def quiet_window(business_settings):
    business_settings.quiet_window_seconds = 3
    business_settings.save()
    return 3


@pytest.fixture
def readings(monkeypatch):
    """Every reading the dispatcher makes (the real dispatcher runs)."""
    made = []
    real = dispatcher.dispatch

    def counted(text, *args, **kwargs):
        made.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(dispatcher, "dispatch", counted)
    return made


def ingest(body: str, chat_id: str = CUSTOMER):
    return inbox.ingest(shapes.text(body, chat_id=chat_id)).inbound_id


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_a_burst_is_one_turn_one_lead_one_reading_one_reply(
    haifa_plumber, quiet_window, readings, broker_queue
):
    ids = [ingest(body) for body in HAIFA_BURST]
    published = len(broker_queue())  # the webhook's own (at once on MongoDB, which has no
    # test transaction; after the test on SQLite)

    # Each fragment's task comes while the customer is still typing: it comes back later.
    assert [process_inbound(pk) for pk in ids] == [Outcome.WAITING] * 4
    deferred = broker_queue()[published:]
    assert [(task, args) for task, args in deferred] == [
        ("leads.process_inbound_message", [str(pk)]) for pk in ids
    ]
    assert not OutboundMessage.objects.exists()

    # After the quiet window the first task back reads the whole burst; the rest find it done.
    assert process_inbound(ids[0], now=later(quiet_window + 0.5)) == Outcome.ASKED_PRO
    assert [process_inbound(pk, now=later(quiet_window + 1)) for pk in ids[1:]] == [
        Outcome.SKIPPED
    ] * 3

    lead = Lead.objects.get()
    assert len(readings) == 1 and readings[0] == "\n".join(HAIFA_BURST)
    assert (lead.status, lead.pro, lead.city.slug) == (
        LeadStatus.AWAITING_PRO,
        haifa_plumber,
        "haifa",
    )
    assert timezone.localtime(lead.appointment_time) == tomorrow_at(10)
    replies = OutboundMessage.objects.filter(chat_id=CUSTOMER)
    assert replies.count() == 1
    assert "יום " in replies.get().text and "בשעה 10:00" in replies.get().text
    assert OutboundMessage.objects.filter(chat_id=haifa_plumber.chat_id).count() == 1
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {ProcessingState.DONE}


def test_a_lone_message_waits_the_window_at_most(quiet_window, broker_queue):
    first = ingest("שלום")

    wait = turns.quiet_for(CUSTOMER, quiet_window)
    assert 0 < wait <= quiet_window
    assert process_inbound(first, now=later(quiet_window)) != Outcome.WAITING


def test_a_window_of_zero_answers_each_message_on_its_own(readings):
    for body in ("יש לי נזילה", "בחיפה"):
        process_inbound(ingest(body))

    assert readings == ["יש לי נזילה", "בחיפה"]
    assert OutboundMessage.objects.filter(chat_id=CUSTOMER).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_messages_open_one_lead_per_customer():
    chats = [f"97254{1000000 + n:07d}@c.us" for n in range(20)]
    ids = [ingest("יש לי נזילה בחיפה", chat) for chat in chats for _ in range(2)]

    in_threads(len(ids), lambda i: process_inbound(ids[i]))

    assert Customer.objects.count() == 20
    for customer in Customer.objects.all():
        assert customer.leads.count() == 1, customer.chat_id
    assert not InboundMessage.objects.exclude(state=ProcessingState.DONE).exists()


@pytest.mark.django_db(transaction=True)
def test_opening_a_lead_is_a_claim_two_workers_cannot_both_win():
    customers = [CustomerFactory() for _ in range(20)]

    opened = in_threads(40, lambda i: open_lead_for(customers[i // 2], "he"))

    assert Lead.objects.count() == 20
    assert sum(created for _, created in opened) == 20
    for n in range(20):
        assert opened[2 * n][0].pk == opened[2 * n + 1][0].pk


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_chat_handle_its_messages_in_order_and_lose_none():
    bodies = ["יש לי נזילה", "מתחת לכיור", "בחיפה", "רחוב הרצל 10", "מחר", "ב-10", "תודה"]
    ids = [ingest(body) for body in bodies]

    in_threads(2 * len(ids), lambda i: process_inbound(ids[i % len(ids)]))

    rows = InboundMessage.objects.filter(pk__in=ids)
    assert set(rows.values_list("state", flat=True)) == {ProcessingState.DONE}
    in_order = list(rows.order_by("processed_at", "created_at").values_list("text", flat=True))
    assert in_order == bodies
    lead = Lead.objects.get()
    assert lead.description == "\n".join(bodies)
    assert not ChatClaim.objects.exclude(holder="").exists()


def test_a_chat_held_by_a_worker_elsewhere_is_taken_over_after_its_lease():
    message = ingest("יש לי נזילה בחיפה")
    held_until = timezone.now() + turns.lease()
    ChatClaim.objects.create(chat_id=CUSTOMER, holder="elsewhere:4242:1#ab", until=held_until)

    assert process_inbound(message) == Outcome.BUSY
    assert InboundMessage.objects.get(pk=message).state == ProcessingState.PENDING

    after = held_until + dt.timedelta(seconds=1)
    assert process_inbound(message, now=after) == Outcome.ASKED
    assert InboundMessage.objects.get(pk=message).state == ProcessingState.DONE


def test_a_chat_whose_holder_died_on_this_host_is_taken_over_at_once():
    message = ingest("יש לי נזילה בחיפה")
    dead = "{}:999999999:1#ab".format(__import__("socket").gethostname())
    ChatClaim.objects.create(chat_id=CUSTOMER, holder=dead, until=timezone.now() + turns.lease())
    InboundMessage.objects.filter(pk=message).update(
        state=ProcessingState.PROCESSING, claimed_by=dead
    )

    assert process_inbound(message) == Outcome.ASKED
    assert InboundMessage.objects.get(pk=message).state == ProcessingState.DONE


def test_a_message_whose_task_found_the_chat_busy_is_read_by_the_holder(monkeypatch):
    first = ingest("יש לי נזילה")
    second = None
    real_take = turns.take_turn

    def arrives_meanwhile(chat_id, holder, limit=turns.MAX_TURN_MESSAGES):
        nonlocal second
        taken = real_take(chat_id, holder, limit)
        if second is None:  # the second message comes while the first is being read
            second = ingest("בחיפה")
            assert process_inbound(second) == Outcome.BUSY
        return taken

    monkeypatch.setattr(turns, "take_turn", arrives_meanwhile)
    process_inbound(first)

    assert InboundMessage.objects.get(pk=second).state == ProcessingState.DONE
    assert OutboundMessage.objects.filter(chat_id=CUSTOMER).count() == 2


def test_a_flood_is_held_back_with_one_notice_then_read_as_one_turn(
    business_settings, broker_queue, readings
):
    BusinessSettings.objects.update(flood_limit_per_minute=3)
    ids = [ingest(f"הודעה {n}") for n in range(6)]

    assert process_inbound(ids[0]) == Outcome.HELD_BACK
    notices = OutboundMessage.objects.filter(chat_id=CUSTOMER, topic="flood")
    assert notices.count() == 1 and "נקרא" in notices.get().text
    assert not InboundMessage.objects.exclude(state=ProcessingState.PENDING).exists()

    assert process_inbound(ids[1], now=later(20)) not in (Outcome.HELD_BACK, Outcome.WAITING)
    assert readings == ["\n".join(f"הודעה {n}" for n in range(6))]
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {ProcessingState.DONE}
    assert notices.count() == 1
