"""The pro's agenda: the morning message at the pro's hour on working days, and the views
a pro asks for ("היום", "מחר", "השבוע", or in English), on a fixed clock.

Israel's clock changes on dates of its own (summer time ends on the last Sunday of
October, starts on the Friday before the last Sunday of March): the agenda goes at the
pro's local hour on both days and lists the jobs of the local day, 23 or 25 hours long.
"""

import datetime as dt
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from fixi.schedule import PERIODIC_JOBS
from leads import pro_conversation
from leads.conversation import process_inbound
from leads.models import LeadStatus
from leads.pro_office import agenda
from leads.tasks import pro_agendas
from messaging import inbox
from messaging.models import OutboundMessage
from pros.models import Pro, ProCommand, ProCommandState
from tests.concurrency import in_threads
from tests.factories import (
    CityFactory,
    CustomerFactory,
    InboundMessageFactory,
    LeadFactory,
    ProFactory,
)
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

ISRAEL = ZoneInfo("Asia/Jerusalem")
UTC = dt.UTC
TUESDAY = dt.date(2026, 12, 8)  # an ordinary working day


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ISRAEL)


@pytest.fixture
def haifa():
    return CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")


@pytest.fixture
def pro():
    return ProFactory(name="Yossi Cohen", phone="0521112222")


def job(pro, start, *, name="Dana Levi", status=LeadStatus.BOOKED, city=None, **fields):
    customer = CustomerFactory(name=name)
    defaults = {"full_address": "הרצל 10", "summary": "נזילה מתחת לכיור", "city": city}
    return LeadFactory(
        pro=pro,
        customer=customer,
        status=status,
        appointment_time=start,
        **{**defaults, **fields},
    )


def sent_to(pro) -> list[str]:
    return list(
        OutboundMessage.objects.filter(chat_id=pro.chat_id)
        .order_by("created_at")
        .values_list("text", flat=True)
    )


def write(pro, text: str, now: dt.datetime) -> str:
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text)
    return pro_conversation.handle(message, pro, now=now)


# --- what the agenda says -------------------------------------------------------------------


def test_the_days_jobs_in_time_order_with_navigation_issue_urgency_and_phone(pro, haifa):
    booked = job(pro, local(TUESDAY, 13), name="Avi Mizrahi", city=haifa, urgent=True)
    waiting = job(
        pro,
        local(TUESDAY, 9, 30),
        status=LeadStatus.AWAITING_PRO,
        full_address="בלפור 5, חיפה",
        summary="",
        issue_type="electrical",
    )
    job(pro, local(TUESDAY, 11), status=LeadStatus.CANCELLED)  # not on the agenda
    job(pro, local(TUESDAY, 16), status=LeadStatus.COMPLETED)
    job(pro, local(TUESDAY + dt.timedelta(days=1), 8))  # tomorrow
    other = ProFactory()
    job(other, local(TUESDAY, 10), name="Someone Else")

    assert agenda.send_due(local(TUESDAY, 7))["sent"] == 2  # each pro their own jobs

    [text] = sent_to(pro)
    customer = booked.customer.chat_id.partition("@")[0]
    assert text == "\n".join(
        [
            "📋 העבודות שלך היום, יום שלישי 8/12 (2):",
            "",
            "1) 09:30 · Dana",
            "📍 בלפור 5, חיפה",
            f"🧭 https://waze.com/ul?q={quote('בלפור 5, חיפה', safe='')}&navigate=yes",
            "🔧 חשמל",
            "⏳ ממתין לאישור שלך (אשר / דחה)",
            "",
            "2) 13:00 · Avi",
            "📍 הרצל 10, חיפה",
            f"🧭 https://waze.com/ul?q={quote('הרצל 10, חיפה', safe='')}&navigate=yes",
            "🔧 אינסטלציה – נזילה מתחת לכיור",
            "🚨 דחוף",
            f"📞 https://wa.me/{customer}",
            "",
            'עוד: "מחר", "השבוע". כל הפקודות: "עזרה".',
        ]
    )
    # The phone is shown only for the job the pro approved.
    assert waiting.customer.chat_id.partition("@")[0] not in text
    assert Pro.objects.get(pk=pro.pk).agenda_sent_on == TUESDAY
    assert "· Someone" in sent_to(other)[0]


def test_the_waze_link_carries_the_whole_address_encoded(pro):
    job(pro, local(TUESDAY, 9), full_address="רח' הנשיא 12/3 & כניסה ב'", city=None)

    agenda.send_due(local(TUESDAY, 7))

    [text] = sent_to(pro)
    assert "https://waze.com/ul?q=%D7%A8%D7%97%27%20%D7%94%D7%A0%D7%A9%D7%99%D7%90%2012" in text
    assert "%2F3%20%26%20" in text and "&navigate=yes" in text


# --- when it goes -------------------------------------------------------------------------------


def test_at_the_pros_own_hour_once_a_day(pro):
    Pro.objects.filter(pk=pro.pk).update(agenda_time=dt.time(6, 30))
    job(pro, local(TUESDAY, 10))
    job(pro, local(TUESDAY + dt.timedelta(days=1), 10))

    assert agenda.send_due(local(TUESDAY, 6, 29))["sent"] == 0
    assert agenda.send_due(local(TUESDAY, 6, 30))["sent"] == 1
    assert agenda.send_due(local(TUESDAY, 6, 35))["sent"] == 0
    assert agenda.send_due(local(TUESDAY, 18))["sent"] == 0
    assert len(sent_to(pro)) == 1
    # The next morning, the next day's jobs.
    assert agenda.send_due(local(TUESDAY + dt.timedelta(days=1), 6, 30))["sent"] == 1
    assert "יום רביעי 9/12" in sent_to(pro)[-1]


def test_no_message_on_a_day_without_jobs(pro):
    job(pro, local(TUESDAY + dt.timedelta(days=1), 10))  # tomorrow only
    job(pro, local(TUESDAY, 10), status=LeadStatus.CANCELLED)

    assert agenda.send_due(local(TUESDAY, 9))["sent"] == 0

    assert sent_to(pro) == []
    assert Pro.objects.get(pk=pro.pk).agenda_sent_on is None


def test_two_beats_at_the_same_moment_send_one_agenda(pro):
    job(pro, local(TUESDAY, 10))
    now = local(TUESDAY, 7, 2)

    first, second = agenda.send_due(now), agenda.send_due(now)

    assert first["sent"] + second["sent"] == 1
    assert len(sent_to(pro)) == 1
    assert agenda.claim(pro.pk, TUESDAY) is False  # the day is taken


@pytest.mark.django_db(transaction=True)
def test_two_beats_racing_in_threads_send_one_agenda_per_pro():
    pros = [ProFactory() for _ in range(5)]
    for each in pros:
        job(each, local(TUESDAY, 10))
    now = local(TUESDAY, 7, 1)

    results = in_threads(2, lambda i: agenda.send_due(now))

    assert sum(result["sent"] for result in results) == 5
    for each in pros:
        assert len(sent_to(each)) == 1


@pytest.mark.django_db(transaction=True)
def test_of_ten_claims_of_one_pros_day_one_wins(pro):
    won = in_threads(10, lambda i: agenda.claim(pro.pk, TUESDAY))

    assert won.count(True) == 1
    assert Pro.objects.get(pk=pro.pk).agenda_sent_on == TUESDAY
    assert agenda.claim(pro.pk, TUESDAY + dt.timedelta(days=1)) is True  # the next day is free


def test_a_pro_on_a_break_still_gets_the_agenda_of_the_jobs_that_stay(pro):
    Pro.objects.filter(pk=pro.pk).update(paused_at=local(TUESDAY, 6))
    job(pro, local(TUESDAY, 10))

    assert agenda.send_due(local(TUESDAY, 7))["sent"] == 1


# --- Israel's clock changes ------------------------------------------------------------------

SUMMER_TIME_ENDS = dt.date(2025, 10, 26)  # Sunday: 02:00 becomes 01:00 (UTC+3 → UTC+2)
SUMMER_TIME_STARTS = dt.date(2026, 3, 27)  # Friday: 02:00 becomes 03:00 (UTC+2 → UTC+3)


def test_on_the_day_summer_time_ends_at_07_00_winter_time(pro):
    job(pro, dt.datetime(2025, 10, 25, 21, 30, tzinfo=UTC), name="Early Bird")  # 00:30 local
    job(pro, dt.datetime(2025, 10, 26, 7, 0, tzinfo=UTC))  # 09:00 local
    job(pro, dt.datetime(2025, 10, 26, 21, 30, tzinfo=UTC), name="Late Owl")  # 23:30 local
    job(pro, dt.datetime(2025, 10, 26, 22, 30, tzinfo=UTC), name="Next Day")  # 00:30 on the 27th

    # 04:30 UTC is 06:30 in winter time (07:30 had summer time gone on).
    assert agenda.send_due(dt.datetime(2025, 10, 26, 4, 30, tzinfo=UTC))["sent"] == 0
    assert agenda.send_due(dt.datetime(2025, 10, 26, 5, 0, tzinfo=UTC))["sent"] == 1

    [text] = sent_to(pro)
    assert text.startswith("📋 העבודות שלך היום, יום ראשון 26/10 (3):")
    assert "1) 00:30 · Early" in text
    assert "2) 09:00 · Dana" in text
    assert "3) 23:30 · Late" in text
    assert "Next" not in text


def test_on_the_day_summer_time_starts_at_07_00_summer_time(pro):
    job(pro, dt.datetime(2026, 3, 27, 5, 0, tzinfo=UTC))  # 08:00 local
    early = ProFactory(agenda_time=dt.time(2, 30))  # a time the clock skips that night
    job(early, dt.datetime(2026, 3, 27, 6, 0, tzinfo=UTC))  # 09:00 local

    # 03:30 UTC is 06:30 in summer time (05:30 had winter time stayed).
    assert agenda.send_due(dt.datetime(2026, 3, 26, 23, 55, tzinfo=UTC))["sent"] == 0  # 01:55
    assert agenda.send_due(dt.datetime(2026, 3, 27, 0, 0, tzinfo=UTC))["sent"] == 1  # 03:00
    assert agenda.send_due(dt.datetime(2026, 3, 27, 3, 30, tzinfo=UTC))["sent"] == 0
    assert agenda.send_due(dt.datetime(2026, 3, 27, 4, 0, tzinfo=UTC))["sent"] == 1

    assert "1) 08:00 · Dana" in sent_to(pro)[0]
    assert "יום שישי 27/3" in sent_to(pro)[0]
    assert "1) 09:00 · Dana" in sent_to(early)[0]


# --- Shabbat and holidays ------------------------------------------------------------------------

ROSH_HASHANA_EVE = dt.date(2025, 9, 22)  # Monday; Rosh Hashanah is 23–24 September 2025


def test_on_a_holiday_eve_yes_on_the_holiday_and_shabbat_no(pro):
    for day in range(22, 28):
        job(pro, local(dt.date(2025, 9, day), 10))

    assert agenda.send_due(local(ROSH_HASHANA_EVE, 7))["sent"] == 1
    assert agenda.send_due(local(dt.date(2025, 9, 23), 7)) == {"day_off": "Rosh Hashanah"}
    assert agenda.send_due(local(dt.date(2025, 9, 24), 12)) == {"day_off": "Rosh Hashanah"}
    assert agenda.send_due(local(dt.date(2025, 9, 25), 7))["sent"] == 1
    assert agenda.send_due(local(dt.date(2025, 9, 26), 7))["sent"] == 1  # Friday morning
    assert agenda.send_due(local(dt.date(2025, 9, 27), 7)) == {"day_off": "Shabbat"}

    days = [text.splitlines()[0] for text in sent_to(pro)]
    assert days == [
        "📋 העבודות שלך היום, יום שני 22/9 (1):",
        "📋 העבודות שלך היום, יום חמישי 25/9 (1):",
        "📋 העבודות שלך היום, יום שישי 26/9 (1):",
    ]


# --- on demand --------------------------------------------------------------------------------

NOW = local(TUESDAY, 20, 15)  # an evening: "today" still lists the whole day


@pytest.fixture
def week(pro):
    return {
        "today": job(pro, local(TUESDAY, 8), name="Today Customer"),
        "tomorrow": job(pro, local(TUESDAY + dt.timedelta(days=1), 12), name="Tomorrow Customer"),
        "friday": job(pro, local(dt.date(2026, 12, 11), 9), name="Friday Customer"),
        "next_week": job(pro, local(dt.date(2026, 12, 15), 9), name="Later Customer"),
    }


@pytest.mark.parametrize(
    ("words", "span"),
    [
        (["היום", "today", "Agenda", "יומן"], "today"),
        (["מחר", "Tomorrow!", "tomorrow"], "tomorrow"),
        (["השבוע", "this week", "This week?"], "week"),
    ],
)
def test_views_in_hebrew_and_english(pro, week, words, span):
    for word in words:
        assert write(pro, word, NOW) == f"agenda_{span}"

    replies = sent_to(pro)
    assert len(replies) == len(words)
    assert len(set(replies)) == 1  # the same view in either language
    reply = replies[0]
    shown = {name for name in ("Today", "Tomorrow", "Friday", "Later") if f"· {name}" in reply}
    assert (
        shown
        == {
            "today": {"Today"},
            "tomorrow": {"Tomorrow"},
            "week": {"Today", "Tomorrow", "Friday"},
        }[span]
    )
    commands = ProCommand.objects.filter(pro=pro, command=agenda.COMMAND)
    assert commands.count() == len(words)
    assert {c.state for c in commands} == {ProCommandState.ANSWERED}
    assert {c.details["span"] for c in commands} == {span}


def test_the_week_goes_day_by_day(pro, week):
    write(pro, "השבוע", NOW)

    [reply] = sent_to(pro)
    lines = reply.splitlines()
    assert lines[0] == "📋 העבודות שלך בשבוע הקרוב (3):"
    days = [line for line in lines if line.startswith("*")]
    assert days == ["*יום שלישי 8/12*", "*יום רביעי 9/12*", "*יום שישי 11/12*"]


def test_an_empty_view_says_so(pro):
    job(pro, local(TUESDAY, 10))

    assert write(pro, "מחר", NOW) == "agenda_tomorrow"
    assert write(pro, "tomorrow", NOW) == "agenda_tomorrow"

    assert sent_to(pro) == ["אין לך עבודות מחר 🙂"] * 2
    assert ProCommand.objects.filter(pro=pro, details__span="tomorrow").count() == 2


def test_a_longer_message_with_the_word_is_not_the_view(pro):
    job(pro, local(TUESDAY, 10))

    assert write(pro, "חסום מחר", NOW) != "agenda_tomorrow"


def test_a_pro_asking_through_whatsapp_gets_the_day(pro):
    """The whole path: the webhook's message, the worker's turn, the agenda."""
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    job(pro, now, name="Right Now")

    assert process_inbound(inbox.ingest(shapes.text("היום", chat_id=pro.chat_id)).inbound_id) == (
        "agenda_today"
    )

    assert "· Right" in sent_to(pro)[-1]


# --- the beat job --------------------------------------------------------------------------


def test_the_beat_job_is_scheduled_every_few_minutes_and_runs():
    task, seconds = PERIODIC_JOBS["Pros' daily agenda"]

    assert task == pro_agendas.name == "leads.pro_agendas"
    assert seconds <= 600
    assert "sent" in pro_agendas() or "day_off" in pro_agendas()
