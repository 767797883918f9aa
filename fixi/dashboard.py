"""The manager's home page: how today and this week are going, at a glance.

Every figure comes from a fixed handful of aggregate queries, so the page costs the same
number of queries with ten leads or ten thousand; Python only reshapes the grouped rows
(at most days x statuses of them). Revenue, response time and the SOS queue filter on
indexed fields (status, assigned_at, status + sos_reported_at); the per-day counts read the
last 30 days of created_at. Days and weeks are Israel's: they start at local midnight, and
the week starts on Sunday.

Each panel is shown, and its queries run, only for staff allowed to see what it is about
(PANEL_PERMISSIONS): being staff is not enough to see customers' and pros' names or the
takings. The WhatsApp state and the background jobs' heartbeats are for every staff user.
"""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncDay
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from fixi.models import BusinessSettings, Heartbeat
from leads.models import Lead, LeadStatus, QuoteStatus, SosReport
from messaging.events import AUTHORIZED, instance_state
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState
from pros.models import Pro

CHART_DAYS = 14
FUNNEL_DAYS = 30  # conversion and revenue look back this far
RESPONSE_DAYS = 7
TOP_PROS = 8
SOS_SHOWN = 5

# A panel is shown to staff holding any of its permissions (superusers hold them all).
PANEL_PERMISSIONS = {
    # today's and this week's leads, the chart, the funnel, the pros' response time
    "leads": ("leads.view_lead",),
    "revenue": ("leads.view_lead",),
    "sos": ("leads.view_lead",),  # names the customers waiting
    "pros": ("pros.view_pro",),
    "messages": ("messaging.view_inboundmessage", "messaging.view_outboundmessage"),
}
ALL_PANELS = frozenset(PANEL_PERMISSIONS)

S = LeadStatus
# How far a lead got, judged by where it is now. Cancelled leads stopped at a stage we do
# not know, so they count among the leads and nowhere further down the funnel.
CONTACTED_OR_LATER = {S.CONTACTED, S.AWAITING_PRO, S.UNASSIGNED, S.BOOKED, S.COMPLETED}
BOOKED_OR_LATER = {S.BOOKED, S.COMPLETED}
# A quote counts as takings while nothing better is known, unless the customer declined it.
COUNTED_QUOTES = [QuoteStatus.NONE, QuoteStatus.SENT, QuoteStatus.ACCEPTED]

# Chart.js takes colours as CSS; unfold resolves var(--color-...) from its theme.
STATUS_COLOURS = {
    S.NEW: "var(--color-primary-300)",
    S.CONTACTED: "var(--color-primary-500)",
    S.AWAITING_PRO: "#f59e0b",
    S.BOOKED: "#0ea5e9",
    S.COMPLETED: "#16a34a",
    S.CANCELLED: "var(--color-base-400)",
    S.UNASSIGNED: "#dc2626",
}


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def week_start(day: dt.date) -> dt.date:
    """The Sunday on or before `day` (Python counts Monday as 0, Sunday as 6)."""
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def dashboard_callback(request, context):
    shown = panels_for(request.user)
    context.update(
        figures(timezone.now(), rtl=get_language_bidi(), panels=shown), title=_("Dashboard")
    )
    return context


def panels_for(user) -> frozenset[str]:
    return frozenset(
        panel
        for panel, permissions in PANEL_PERMISSIONS.items()
        if any(user.has_perm(permission) for permission in permissions)
    )


def figures(now: dt.datetime, rtl: bool = False, panels=ALL_PANELS) -> dict:
    """What the dashboard shows as of `now`: the figures of `panels`, and the system state."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(tz).date()
    week = week_start(today)
    funnel_from = today - dt.timedelta(days=FUNNEL_DAYS - 1)
    shown = {"panels": panels, **whatsapp_and_jobs(now)}
    if "leads" in panels:
        shown.update(lead_figures(now, today, tz, rtl))
    if "revenue" in panels:
        shown["revenue"] = revenue(*(local_midnight(d, tz) for d in (funnel_from, week, today)))
        shown["funnel_days"] = FUNNEL_DAYS
    if "pros" in panels:
        shown["pro_loads"] = pro_loads()
    if "sos" in panels:
        shown["sos"] = sos_queue()
    if "messages" in panels:
        shown.update(message_counts())
    return shown


def lead_figures(now: dt.datetime, today: dt.date, tz: ZoneInfo, rtl: bool) -> dict:
    daily = leads_per_day(today, tz)
    week = week_start(today)
    funnel_from = today - dt.timedelta(days=FUNNEL_DAYS - 1)
    return {
        "today_counts": status_counts(daily, today, today),
        "week_counts": status_counts(daily, week, today),
        "week_start": week,
        "funnel": funnel(status_counts(daily, funnel_from, today)),
        "funnel_days": FUNNEL_DAYS,
        "response": response_time(now),
        "response_days": RESPONSE_DAYS,
        "chart_data": chart_data(daily, today),
        "chart_options": chart_options(rtl),
        "chart_days": CHART_DAYS,
    }


def leads_per_day(today: dt.date, tz: ZoneInfo) -> dict[tuple[dt.date, str], int]:
    """{(local day, status): leads created that day} for the last FUNNEL_DAYS days: one
    grouped query feeds today's and this week's counts, the funnel and the chart."""
    first = today - dt.timedelta(days=max(FUNNEL_DAYS, CHART_DAYS) - 1)
    rows = (
        Lead.objects.filter(created_at__gte=local_midnight(first, tz))
        .annotate(day=TruncDay("created_at", tzinfo=tz))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    daily: dict[tuple[dt.date, str], int] = {}
    for row in rows:
        key = (row["day"].astimezone(tz).date(), row["status"])
        daily[key] = daily.get(key, 0) + row["n"]
    return daily


def status_counts(daily, first: dt.date, last: dt.date) -> dict:
    """Leads created from `first` to `last` (local days, inclusive), per status."""
    counts = dict.fromkeys(S.values, 0)
    for (day, status), n in daily.items():
        if first <= day <= last and status in counts:
            counts[status] += n
    return {
        "total": sum(counts.values()),
        "by_status": [(value, label, counts[value]) for value, label in S.choices],
    }


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def funnel(counts: dict) -> list[dict]:
    """Leads → contacted → booked → completed; each stage's share of the one before."""
    by_status = {value: n for value, _label, n in counts["by_status"]}
    stages = [
        (_("Leads"), counts["total"]),
        (_("Contacted"), sum(by_status[s] for s in CONTACTED_OR_LATER)),
        (_("Booked"), sum(by_status[s] for s in BOOKED_OR_LATER)),
        (_("Completed"), by_status[S.COMPLETED]),
    ]
    result = []
    for index, (label, n) in enumerate(stages):
        previous = stages[index - 1][1] if index else None
        result.append(
            {
                "label": label,
                "count": n,
                "of_previous": _percent(n, previous) if index else None,
                "of_leads": _percent(n, counts["total"]),
            }
        )
    return result


def revenue(since: dt.datetime, week_from: dt.datetime, today_from: dt.datetime) -> dict:
    """Completed jobs and their takings: the final price, or the quote when none was set
    (unless the customer declined that quote)."""
    quote = Case(
        When(quote_status__in=COUNTED_QUOTES, then=F("quoted_price")),
        output_field=DecimalField(max_digits=9, decimal_places=2),
    )
    price = Coalesce("final_price", quote)
    this_week = Q(completed_at__gte=week_from)
    totals = Lead.objects.filter(status=S.COMPLETED, completed_at__gte=since).aggregate(
        recent=Sum(price),
        recent_jobs=Count("id"),
        week=Sum(price, filter=this_week),
        week_jobs=Count("id", filter=this_week),
        today=Sum(price, filter=Q(completed_at__gte=today_from)),
    )
    return {
        "today": shekels(totals["today"]),
        "week": shekels(totals["week"]),
        "week_jobs": totals["week_jobs"],
        "recent": shekels(totals["recent"]),
        "recent_jobs": totals["recent_jobs"],
    }


def shekels(amount: Decimal | None) -> str:
    return f"₪{amount or 0:,.0f}"


def response_time(now: dt.datetime) -> dict:
    """How long pros took to answer a lead they were asked about, on average."""
    wait = ExpressionWrapper(F("pro_responded_at") - F("assigned_at"), output_field=DurationField())
    answered = Lead.objects.filter(
        assigned_at__gte=now - dt.timedelta(days=RESPONSE_DAYS),
        # A pro replaced after answering leaves an older answer behind: not this pro's.
        pro_responded_at__gte=F("assigned_at"),
    ).aggregate(
        average=Avg(wait),
        answers=Count("id"),
    )
    average = answered["average"]
    minutes = round(average.total_seconds() / 60) if average is not None else None
    return {"minutes": minutes, "answers": answered["answers"], "text": duration_text(minutes)}


def duration_text(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def pro_loads() -> list[dict]:
    """The busiest active pros: open jobs against each one's cap."""
    default_cap = BusinessSettings.load().max_pro_load
    pros = Pro.objects.filter(active=True).order_by("-current_load", "name")[:TOP_PROS]
    rows = []
    for pro in pros.values("id", "name", "current_load", "max_load"):
        cap = pro["max_load"] or default_cap
        rows.append(
            {
                "name": pro["name"],
                "url": reverse("admin:pros_pro_change", args=[pro["id"]]),
                "load": pro["current_load"],
                "cap": cap,
                "percent": min(100, _percent(pro["current_load"], cap) or 0),
                "full": pro["current_load"] >= cap,
            }
        )
    return rows


def sos_queue() -> dict:
    """Leads nobody could take: how many wait for the next SOS report, and the last one."""
    unassigned = Lead.objects.filter(status=S.UNASSIGNED)
    waiting = unassigned.filter(sos_reported_at__isnull=True)
    counts = unassigned.aggregate(
        total=Count("id"), unreported=Count("id", filter=Q(sos_reported_at__isnull=True))
    )
    oldest = waiting.select_related("customer", "city").order_by("created_at")[:SOS_SHOWN]
    last_report = SosReport.objects.order_by("-created_at").values("created_at", "lead_count")
    return {
        **counts,
        "oldest": [
            {
                "lead": lead,
                "url": reverse("admin:leads_lead_change", args=[lead.pk]),
                "city": lead.city or lead.city_text,
            }
            for lead in oldest
        ],
        "last_report": last_report.first(),
        "list_url": reverse("admin:leads_lead_changelist") + f"?status__exact={S.UNASSIGNED}",
    }


def whatsapp_and_jobs(now: dt.datetime) -> dict:
    state = instance_state()
    return {
        "whatsapp_state": state[0] if state else None,
        "whatsapp_state_at": state[1] if state else None,
        "whatsapp_ok": state is None or state[0] == AUTHORIZED,
        "heartbeats": [
            (beat.name, int((now - beat.seen_at).total_seconds()))
            for beat in Heartbeat.objects.all()
        ],
    }


def message_counts() -> dict:
    return {
        "failed_outbound": OutboundMessage.objects.filter(
            status__in=[OutboundStatus.FAILED, OutboundStatus.NO_ACCOUNT]
        ).count(),
        "waiting_inbound": InboundMessage.objects.filter(
            state__in=[ProcessingState.PENDING, ProcessingState.PROCESSING]
        ).count(),
    }


def chart_options(rtl: bool) -> str:
    """Stacked bars with a legend; in Hebrew the days run right to left. JSON only (no
    callbacks): unfold's chart component hands it to Chart.js from a data attribute."""
    return json.dumps(
        {
            "aspectRatio": 2.5,
            "plugins": {
                "legend": {"display": True, "position": "bottom", "rtl": rtl},
                "tooltip": {"rtl": rtl},
            },
            "scales": {
                "x": {"stacked": True, "reverse": rtl, "grid": {"display": False}},
                "y": {"stacked": True, "beginAtZero": True, "ticks": {"precision": 0}},
            },
        }
    )


def chart_data(daily, today: dt.date) -> str:
    """Chart.js data for leads per day and status over the last CHART_DAYS days."""
    days = [today - dt.timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    datasets = [
        {
            "label": str(label),
            "data": [daily.get((day, value), 0) for day in days],
            "backgroundColor": STATUS_COLOURS[value],
            "stack": "leads",
        }
        for value, label in S.choices
    ]
    return json.dumps({"labels": [f"{day:%d/%m}" for day in days], "datasets": datasets})


def sos_badge(request) -> int | None:
    """The sidebar's count of leads nobody could take (None hides the badge), for staff
    who may see the leads."""
    if not request.user.has_perm("leads.view_lead"):
        return None
    return Lead.objects.filter(status=S.UNASSIGNED).count() or None
