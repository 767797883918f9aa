"""The pro's agenda: the day's jobs in one WhatsApp message, each working morning and on
demand ("היום", "מחר", "השבוע", or in English).

A job is on the agenda while it is the pro's and waits for the pro's answer or is booked,
at its local time in Asia/Jerusalem. The morning message goes at the pro's `agenda_time`
on the local clock, so 07:00 stays 07:00 across Israel's clock changes; not on Shabbat or
a holiday (the calendar slot generation uses), and not on a day without jobs.

One agenda per pro per day, however many beats or workers run `send_due` at once: the
send is claimed by one conditional update of `Pro.agenda_sent_on`,

    Pro.objects.filter(pk=pro, agenda_sent_on is null or < today).update(agenda_sent_on=today)

and only the caller whose update changed the row queues the message. The database runs
the WHERE and the SET of one update as one step on the row (SQLite holds the write lock,
MongoDB updates one document atomically), so the second caller's filter no longer
matches and its count is 0. Nothing else is needed: no transaction, no row lock.
"""

import datetime as dt
from enum import StrEnum

from django.db.models import Q
from django.utils import timezone

from fixi import texts
from leads.models import Lead, LeadStatus
from messaging import outbox
from messaging.choices import plain_text
from pros.models import Pro, ProCommand, ProCommandState
from scheduling.generation import rest_day

COMMAND = "agenda"
TOPIC = "pro:agenda"
BATCH_SIZE = 200  # pros whose agenda one run sends; the rest go on the next run
WEEK_DAYS = 7
ON_AGENDA = [LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]


class Span(StrEnum):
    TODAY = "today"
    TOMORROW = "tomorrow"
    WEEK = "week"


# What a pro writes for each view (as plain_text reads it: no punctuation, lower case).
WORDS = {
    "היום": Span.TODAY,
    "יומן": Span.TODAY,
    "לוז": Span.TODAY,
    "סדר יום": Span.TODAY,
    "today": Span.TODAY,
    "agenda": Span.TODAY,
    "schedule": Span.TODAY,
    "מחר": Span.TOMORROW,
    "tomorrow": Span.TOMORROW,
    "השבוע": Span.WEEK,
    "שבוע": Span.WEEK,
    "this week": Span.WEEK,
    "week": Span.WEEK,
}


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants a local day starts and ends (23 or 25 hours apart on a clock change)."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def days_of(span: Span, today: dt.date) -> list[dt.date]:
    if span == Span.TODAY:
        return [today]
    if span == Span.TOMORROW:
        return [today + dt.timedelta(days=1)]
    return [today + dt.timedelta(days=n) for n in range(WEEK_DAYS)]


def jobs_by_day(pro: Pro, days: list[dt.date]) -> list[tuple[dt.date, list[Lead]]]:
    """The pro's jobs on those local days, in time order, as [(day, jobs)]; days without
    jobs are left out."""
    start, _ = day_bounds(days[0])
    _, end = day_bounds(days[-1])
    jobs = (
        Lead.objects.select_related("customer", "city")
        .filter(
            pro=pro,
            status__in=ON_AGENDA,
            appointment_time__gte=start,
            appointment_time__lt=end,
        )
        .order_by("appointment_time", "created_at")
    )
    grouped: dict[dt.date, list[Lead]] = {}
    for lead in jobs:
        grouped.setdefault(timezone.localtime(lead.appointment_time).date(), []).append(lead)
    return [(day, grouped[day]) for day in days if day in grouped]


def agenda_text(pro: Pro, span: Span, now: dt.datetime) -> tuple[str, list[Lead]]:
    """The message for the view (its "no jobs" line when there are none) and its jobs."""
    days = jobs_by_day(pro, days_of(span, timezone.localtime(now).date()))
    jobs = [lead for _day, leads in days for lead in leads]
    if not jobs:
        return texts.pro_agenda_empty(span), []
    return texts.pro_agenda(span, days), jobs


def handle(message, pro: Pro, now: dt.datetime) -> str | None:
    """ "היום" / "מחר" / "השבוע" (or English): the view, at once."""
    span = WORDS.get(plain_text(message.text))
    if span is None:
        return None
    text, jobs = agenda_text(pro, span, now)
    outbox.queue_text(pro.chat_id, text, topic=TOPIC)
    ProCommand.objects.create(
        pro=pro,
        text=message.text,
        command=COMMAND,
        state=ProCommandState.ANSWERED,
        details={"span": span.value, "jobs": [str(lead.pk) for lead in jobs]},
        outcome=f"showed {len(jobs)} job(s) ({span.value}); nothing changed",
    )
    return f"agenda_{span.value}"


# --- the morning message ------------------------------------------------------------------


def claim(pro_id, day: dt.date) -> bool:
    """Take the pro's agenda of `day`: True for the one caller whose update set it."""
    not_sent = Q(agenda_sent_on__isnull=True) | Q(agenda_sent_on__lt=day)
    return Pro.objects.filter(not_sent, pk=pro_id).update(agenda_sent_on=day) == 1


def send_due(now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Send today's agenda to every pro with jobs today whose agenda time has come and who
    has not had it yet. Returns counts, for logs and tests."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    day_off = rest_day(today)
    if day_off:
        return {"day_off": day_off}
    start, end = day_bounds(today)
    with_jobs = set(
        Lead.objects.filter(
            status__in=ON_AGENDA,
            pro__isnull=False,
            appointment_time__gte=start,
            appointment_time__lt=end,
        ).values_list("pro_id", flat=True)
    )
    due = (
        Pro.objects.filter(pk__in=list(with_jobs), agenda_time__lte=local.time())
        .filter(Q(agenda_sent_on__isnull=True) | Q(agenda_sent_on__lt=today))
        .order_by("agenda_time", "id")[:batch_size]
    )
    counts = {"sent": 0, "lost_claims": 0, "no_jobs": 0}
    for pro in due:
        if not claim(pro.pk, today):
            counts["lost_claims"] += 1  # another beat or worker sent it
            continue
        days = jobs_by_day(pro, [today])
        if not days:  # the jobs were cancelled or moved since the read above
            counts["no_jobs"] += 1
            continue
        outbox.queue_text(pro.chat_id, texts.pro_agenda(Span.TODAY, days), topic=TOPIC)
        counts["sent"] += 1
    return counts


def preview(pro: Pro, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """What the pro would read now for today and tomorrow, for the pro's admin page."""
    now = now or timezone.now()
    return [(span.value, agenda_text(pro, span, now)[0]) for span in (Span.TODAY, Span.TOMORROW)]
