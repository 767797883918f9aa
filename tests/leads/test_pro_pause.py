"""A pro's break: "הפסקה" stops new jobs (routing skips the pro), the jobs the pro has
stay, "חזרתי" starts new jobs again; each is recorded with what it changed."""

import datetime as dt

import pytest

from fixi.vocabulary import IssueType
from leads import pro_conversation
from leads.conversation import process_inbound
from leads.models import LeadStatus
from leads.pro_office import pause
from messaging import inbox
from messaging.models import OutboundMessage
from pros.models import Pro, ProCommand, ProCommandState
from pros.routing import eligible_pros, route
from tests.factories import CityFactory, InboundMessageFactory, LeadFactory, ProFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

PLUMBING = IssueType.PLUMBING
NOW = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def haifa():
    return CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")


@pytest.fixture
def yossi(haifa):
    return ProFactory(name="Yossi", rating=4.9, review_count=120, trades=[PLUMBING], cities=[haifa])


@pytest.fixture
def rina(haifa):
    return ProFactory(name="Rina", rating=4.5, review_count=40, trades=[PLUMBING], cities=[haifa])


def write(pro, text: str, now=NOW) -> str:
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text)
    return pro_conversation.handle(message, pro, now=now)


def last_reply(pro) -> str:
    return OutboundMessage.objects.filter(chat_id=pro.chat_id).order_by("created_at").last().text


def test_a_break_stops_new_jobs_and_keeps_the_booked_ones(haifa, yossi, rina, business_settings):
    booked = LeadFactory(pro=yossi, status=LeadStatus.BOOKED, appointment_time=NOW)
    waiting = LeadFactory(pro=yossi, status=LeadStatus.AWAITING_PRO, appointment_time=NOW)

    assert write(yossi, "הפסקה") == "pro_paused"

    assert Pro.objects.get(pk=yossi.pk).paused_at == NOW
    assert last_reply(yossi) == (
        "⏸️ הפסקה: לא יגיעו אליך עבודות חדשות.\n"
        "2 העבודות הפתוחות שלך נשארות כמו שהן.\n"
        'כשחוזרים, כותבים "חזרתי" 👍'
    )
    assert list(eligible_pros(haifa.pk, PLUMBING)) == [rina]
    assert route(haifa.pk, PLUMBING).pro == rina
    for lead in (booked, waiting):
        lead.refresh_from_db()
        assert lead.pro == yossi
    assert booked.status == LeadStatus.BOOKED and waiting.status == LeadStatus.AWAITING_PRO
    command = ProCommand.objects.get(pro=yossi)
    assert (command.command, command.state, command.text) == (
        pause.PAUSE,
        ProCommandState.APPLIED,
        "הפסקה",
    )
    assert command.details == {"paused_at": NOW.isoformat(), "jobs_kept": 2}
    assert command.applied_at == NOW
    # The booked job goes on as before.
    assert write(yossi, "בדרך") == "on_the_way"


def test_back_from_the_break_gets_new_jobs_again(haifa, yossi, rina, business_settings):
    write(yossi, "הפסקה")

    assert write(yossi, "חזרתי", NOW + dt.timedelta(minutes=45)) == "pro_resumed"

    assert Pro.objects.get(pk=yossi.pk).paused_at is None
    assert last_reply(yossi) == "▶️ ברוכים השבים! עבודות חדשות יגיעו אליך שוב."
    assert route(haifa.pk, PLUMBING).pro == yossi
    resumed = ProCommand.objects.get(pro=yossi, command=pause.RESUME)
    assert resumed.state == ProCommandState.APPLIED
    assert resumed.details["minutes"] == 45


def test_a_second_break_keeps_the_first_time(yossi):
    write(yossi, "הפסקה")

    assert write(yossi, "הפסקה", NOW + dt.timedelta(hours=1)) == "pro_already_paused"

    assert Pro.objects.get(pk=yossi.pk).paused_at == NOW
    assert last_reply(yossi).startswith("ההפסקה כבר פעילה מאז יום שלישי 8/12 בשעה 11:00")
    states = ProCommand.objects.filter(pro=yossi).values_list("state", flat=True)
    assert sorted(states) == [ProCommandState.ANSWERED, ProCommandState.APPLIED]


def test_back_without_a_break_changes_nothing(yossi):
    assert write(yossi, "חזרתי") == "pro_not_paused"

    assert last_reply(yossi) == "אין הפסקה פעילה: עבודות חדשות מגיעות אליך כרגיל."
    assert ProCommand.objects.get(pro=yossi).state == ProCommandState.ANSWERED


def test_a_break_with_no_jobs_still_says_jobs_stay(yossi):
    write(yossi, "הפסקה")

    assert "עבודות שכבר יש לך נשארות כמו שהן." in last_reply(yossi)


@pytest.mark.parametrize(
    ("on", "off"), [("pause", "back"), ("Break", "I'm back"), ("הפסקה!", "חזרתי.")]
)
def test_english_and_punctuation(yossi, on, off):
    assert write(yossi, on) == "pro_paused"
    assert write(yossi, off) == "pro_resumed"


def test_a_break_written_on_whatsapp(haifa, yossi, rina, business_settings):
    """The whole path: the webhook's message, the worker's turn, the break."""
    assert process_inbound(
        inbox.ingest(shapes.text("הפסקה", chat_id=yossi.chat_id)).inbound_id
    ) == ("pro_paused")

    assert Pro.objects.get(pk=yossi.pk).paused_at is not None
    assert route(haifa.pk, PLUMBING).pro == rina
