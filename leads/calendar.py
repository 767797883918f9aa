"""A pro's jobs as an iCalendar feed, to subscribe to from Google Calendar or an iPhone.

GET /calendar/<token>.ics answers with the pro's jobs from the last 30 days on: booked ones
(approved) as confirmed events, jobs awaiting the pro's answer as tentative ones, finished
ones kept as history. Cancelled jobs and jobs moved to another pro drop out; calendar apps
re-read the whole feed, so a change shows at their next refresh. Each event carries the
issue, the address as its location with a Waze link, and, once the pro approved the job,
the customer's first name and phone.

The token is the only key: 256 random bits, shown and rotated on the pro's admin page.
An unknown or rotated token is the site's plain 404, the same for every wrong guess.
"""

import datetime as dt
import re
import secrets
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, vCalAddress, vText

from fixi import texts
from leads.models import Lead, LeadStatus
from pros.models import Pro, new_calendar_token

HISTORY = dt.timedelta(days=30)
DEFAULT_LENGTH = dt.timedelta(hours=1)  # a job booked without a slot (an ASAP booking)
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
SHOWN = {
    LeadStatus.AWAITING_PRO: "TENTATIVE",
    LeadStatus.BOOKED: "CONFIRMED",
    LeadStatus.COMPLETED: "CONFIRMED",
}
APPROVED = {LeadStatus.BOOKED, LeadStatus.COMPLETED}


def rotate_token(pro: Pro) -> str:
    """A new secret for the pro's feed; the old URL stops working at once."""
    token = new_calendar_token()
    Pro.objects.filter(pk=pro.pk).update(calendar_token=token)
    pro.calendar_token = token
    return token


def feed(pro: Pro, now: dt.datetime | None = None) -> bytes:
    """The pro's jobs as an RFC 5545 calendar, times in Asia/Jerusalem."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    calendar = Calendar()
    calendar.add("prodid", "-//Fixi//Pro jobs//HE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Fixi — {pro.name}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", dt.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for lead in _jobs(pro, now):
        calendar.add_component(_event(lead, zone, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _jobs(pro: Pro, now: dt.datetime):
    return (
        Lead.objects.select_related("customer", "city")
        .prefetch_related("slots")
        .filter(
            pro=pro,
            status__in=list(SHOWN),
            appointment_time__isnull=False,
            appointment_time__gte=now - HISTORY,
        )
        .order_by("appointment_time")
    )


def _event(lead: Lead, zone, now: dt.datetime) -> Event:
    start = lead.appointment_time.astimezone(zone)
    slot = next((s for s in lead.slots.all() if s.start == lead.appointment_time), None)
    end = slot.end.astimezone(zone) if slot else start + DEFAULT_LENGTH
    approved = lead.status in APPROVED
    issue = texts.issue_label(lead.issue_type) if lead.issue_type else "עבודה"
    title = f"{issue} — {lead.customer.first_name}" if approved else f"{issue} (ממתין לאישור)"
    if lead.urgent:
        title = f"דחוף: {title}"
    address = _address(lead)
    lines = [lead.summary or issue]
    if lead.urgent and lead.urgency_reason:
        lines.append(f"דחוף: {lead.urgency_reason}")
    if address:
        lines.append(f"ניווט: {_waze(address)}")
    if approved:
        lines.append(f"{lead.customer.name or lead.customer.first_name}: {_phone(lead)}")
        lines.append(f"וואטסאפ: https://wa.me/{_digits(lead)}")
    event = Event()
    event.add("uid", f"{lead.pk}@fixi")
    event.add("dtstamp", now)
    event.add("last-modified", lead.updated_at)
    # Calendar apps take a change only when the sequence grows: the lead's last change time.
    event.add("sequence", int(lead.updated_at.timestamp()) - 1_700_000_000)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    event.add("status", SHOWN[lead.status])
    event.add("description", "\n".join(lines))
    if address:
        event.add("location", vText(address))
    if approved and lead.customer.name:
        attendee = vCalAddress(f"tel:{_phone(lead)}")
        attendee.params["cn"] = vText(lead.customer.first_name)
        event.add("attendee", attendee)
    return event


def _address(lead: Lead) -> str:
    city = lead.city.name_he if lead.city else lead.city_text
    parts = [part for part in (lead.full_address, city) if part]
    if len(parts) == 2 and parts[1] in parts[0]:
        return parts[0]
    return ", ".join(parts)


def _waze(address: str) -> str:
    return f"https://waze.com/ul?q={quote(address)}&navigate=yes"


def _digits(lead: Lead) -> str:
    return lead.customer.chat_id.partition("@")[0]


def _phone(lead: Lead) -> str:
    return f"+{_digits(lead)}"


@require_safe
def calendar_feed(request, token: str):
    """/calendar/<token>.ics: the feed, or a 404 that says nothing about why."""
    pro = None
    if TOKEN.fullmatch(token):
        pro = Pro.objects.filter(calendar_token=token).first()
    if pro is None or not secrets.compare_digest(pro.calendar_token, token):
        raise Http404
    response = HttpResponse(feed(pro), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="fixi.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
