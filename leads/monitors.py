"""The periodic jobs that keep leads moving: the SOS healer and reporter, the stale-job
monitor and the customer reminders.

Every job reads a batch of due leads through an index (status plus the time it waits
on) and claims each lead with a conditional update before acting on it, so two beats or
two workers running the same job at the same moment act once per lead, and a sweep's
cost grows with the leads that are due, not with all leads. The time is passed in, so
tests (and `sos_sweep`) run them on a controlled clock.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fixi import leases, texts
from fixi.models import BusinessSettings
from fixi.phones import InvalidPhone, chat_id_for
from fixi.vocabulary import IssueType
from leads import assignment, lifecycle
from leads.models import Actor, ExclusionReason, Lead, LeadStatus, SosReport
from messaging import outbox

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # leads each job reads and claims per query
STRANDED_WINDOW = dt.timedelta(days=1)  # older stuck leads are the manager's, not the healer's
REPORT_LEASE = "sos_report"
REPORT_MAX_LEADS = 50  # one WhatsApp message; the rest wait for the next report
REMINDER_2H = dt.timedelta(hours=2)


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def __str__(self):
        return (
            ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in self.counts.items())
            or "nothing due"
        )


def _leads():
    return Lead.objects.select_related("customer", "city", "pro")


# --- the healer --------------------------------------------------------------------------


def heal(now=None, batch_size: int = BATCH_SIZE) -> Summary:
    """Send leads whose pro was deleted to the next pro; replace pros who did not answer
    in time; free slots a silent customer was offered; route leads left with every
    detail and no pro (a worker stopped between steps)."""
    now = now or timezone.now()
    business = BusinessSettings.load()
    timeout = dt.timedelta(minutes=business.sos_timeout_minutes)
    cutoff = now - timeout
    summary = Summary()
    for lead in _without_their_pro()[:batch_size]:
        _replace_deleted_pro(lead, now, summary)
    urgent_timeout = dt.timedelta(minutes=business.urgent_timeout_minutes)
    if urgent_timeout < timeout:  # an emergency does not wait the normal SOS timeout
        urgent = _leads().filter(
            status=LeadStatus.AWAITING_PRO,
            urgent=True,
            assigned_at__lt=now - urgent_timeout,
            pro__isnull=False,
        )
        for lead in urgent.order_by("assigned_at")[:batch_size]:
            _replace_silent_pro(lead, urgent_timeout, now, summary)
    silent = _leads().filter(
        status=LeadStatus.AWAITING_PRO, assigned_at__lt=cutoff, pro__isnull=False
    )
    for lead in silent.order_by("assigned_at")[:batch_size]:
        _replace_silent_pro(lead, timeout, now, summary)
    offered = _leads().filter(
        status=LeadStatus.CONTACTED, pro__isnull=False, assigned_at__lt=cutoff
    )
    for lead in offered.order_by("assigned_at")[:batch_size]:
        _expire_offer(lead, now, summary)
    for lead in _stranded(cutoff)[:batch_size]:
        outcome = assignment.assign(lead.pk, actor=Actor.HEALER, now=now)
        if outcome.outcome != assignment.TAKEN:
            summary.add("stranded_routed")
            assignment.tell_customer_after_reroute(lead.pk, outcome)
    return summary


def _stranded(cutoff):
    complete = (
        Q(city__isnull=False, appointment_time__isnull=False)
        & ~Q(issue_type__in=["", IssueType.OTHER])
        & ~Q(full_address="")
    )
    return (
        _leads()
        .filter(
            complete,
            status__in=[LeadStatus.NEW, LeadStatus.CONTACTED],
            updated_at__lt=cutoff,
            updated_at__gte=cutoff - STRANDED_WINDOW,
            pro__isnull=True,
        )
        .order_by("updated_at")
    )


def _without_their_pro():
    """Leads waiting for or booked with a pro who no longer exists: the admin refuses to
    delete a pro with open leads, but a pro can be deleted from the shell, or a moment
    after the admin's check while a router gives the pro a lead."""
    return (
        _leads()
        .filter(status__in=[LeadStatus.AWAITING_PRO, LeadStatus.BOOKED], pro__isnull=True)
        .order_by("updated_at")
    )


def _replace_deleted_pro(lead: Lead, now, summary: Summary) -> None:
    moved = assignment.take_off(
        lead,
        None,
        from_statuses=[lead.status],
        actor=Actor.HEALER,
        action="pro_gone",
        reason="the pro was deleted",
    )
    if not moved:  # another sweep took it a moment ago
        return
    summary.add("pro_gone")
    outcome = assignment.assign(lead.pk, actor=Actor.HEALER, now=now)
    summary.add(f"then_{outcome.outcome}")
    assignment.tell_customer_after_reroute(lead.pk, outcome)


def _replace_silent_pro(lead: Lead, timeout, now, summary: Summary) -> None:
    pro = lead.pro
    if pro is None:  # deleted since the query: the next sweep sends the lead on
        return
    minutes = int(timeout.total_seconds() // 60)
    moved = assignment.take_off(
        lead,
        pro.pk,
        from_statuses=[LeadStatus.AWAITING_PRO],
        actor=Actor.HEALER,
        action="timed_out",
        reason=f"{pro.name} did not answer within {minutes} minutes",
        exclusion=ExclusionReason.TIMED_OUT,
        data={"assigned_at": lead.assigned_at.isoformat()},
    )
    if not moved:  # the pro answered, or another sweep took it, a moment ago
        return
    summary.add("timed_out")
    outbox.queue_text(pro.chat_id, texts.pro_timed_out(lead), topic=f"lead:{lead.pk}")
    outcome = assignment.assign(lead.pk, actor=Actor.HEALER, now=now)
    summary.add(f"then_{outcome.outcome}")
    assignment.tell_customer_after_reroute(lead.pk, outcome)


def _expire_offer(lead: Lead, now, summary: Summary) -> None:
    moved = assignment.take_off(
        lead,
        lead.pro_id,
        from_statuses=[LeadStatus.CONTACTED],
        to_status=LeadStatus.CONTACTED,
        actor=Actor.HEALER,
        action="offer_expired",
        reason="the customer did not choose among the offered times",
        appointment_time=None,
    )
    if moved:
        summary.add("offers_expired")
        outbox.queue_text(
            lead.customer.chat_id, texts.offer_expired(lead.language), topic=f"lead:{lead.pk}"
        )


# --- the reporter ------------------------------------------------------------------------


def report(now=None) -> Summary:
    """One WhatsApp message to ADMIN_WHATSAPP listing every lead nobody could take that
    no report has listed yet; nothing when there is nothing new. Runs at most once per
    report interval: the lease is kept for the interval after a report is sent."""
    now = now or timezone.now()
    summary = Summary()
    token = leases.acquire(REPORT_LEASE, seconds=15 * 60, now=now)
    if token is None:
        summary.add("report_not_due")
        return summary
    sent = False
    try:
        sent = _report(now, summary)
    finally:
        if sent:
            hours = BusinessSettings.load().report_interval_hours
            leases.extend(REPORT_LEASE, token, now + dt.timedelta(hours=hours))
        else:
            leases.release(REPORT_LEASE, token, now=now)
    return summary


def _report(now, summary: Summary) -> bool:
    pending = _leads().filter(status=LeadStatus.UNASSIGNED, sos_reported_at__isnull=True)
    claimed = []
    for lead in pending.order_by("created_at")[:REPORT_MAX_LEADS]:
        if Lead.objects.filter(pk=lead.pk, sos_reported_at__isnull=True).update(
            sos_reported_at=now
        ):
            claimed.append(lead)
    if not claimed:
        return False
    text = texts.sos_report([_report_line(lead, now) for lead in claimed])
    admin_chat = _admin_chat()
    report_row = SosReport.objects.create(text=text, lead_count=len(claimed), sent_to=admin_chat)
    Lead.objects.filter(pk__in=[lead.pk for lead in claimed]).update(sos_report=report_row)
    for lead in claimed:
        lifecycle.note(lead.pk, actor=Actor.HEALER, action="sos_reported", reason=str(report_row))
    if admin_chat:
        outbox.queue_text(admin_chat, text, topic=f"sos:{report_row.pk}")
    else:
        log.warning("SOS report of %d leads kept in the admin only: ADMIN_WHATSAPP", len(claimed))
    summary.add("reported", len(claimed))
    return True


def _admin_chat() -> str:
    if not settings.ADMIN_WHATSAPP:
        return ""
    try:
        return chat_id_for(settings.ADMIN_WHATSAPP)
    except InvalidPhone:
        log.error("ADMIN_WHATSAPP=%r is not a phone number or chat id", settings.ADMIN_WHATSAPP)
        return ""


def _report_line(lead: Lead, now) -> str:
    why = (lead.routing_reason or {}).get("why") or "no eligible pro"
    return (
        f"{texts.city_name(lead) or '—'} · {texts.issue_label(lead.issue_type) or '—'} · "
        f"{texts.ago(now - lead.created_at)} · {why}"
    )


# --- the stale-job monitor ---------------------------------------------------------------


def follow_up_stale(now=None, batch_size: int = BATCH_SIZE) -> Summary:
    """Booked jobs not completed some hours after their slot: ask the pro "סיימתי?", and
    later check with the customer; each at most once per lead."""
    now = now or timezone.now()
    business = BusinessSettings.load()
    summary = Summary()
    pro_due = now - dt.timedelta(hours=business.stale_pro_followup_hours)
    customer_due = now - dt.timedelta(hours=business.stale_customer_check_hours)
    # A booked lead whose pro was deleted waits for the healer, not for a follow-up.
    booked = _leads().filter(status=LeadStatus.BOOKED, pro__isnull=False)
    for lead in booked.filter(
        appointment_time__lt=pro_due, stale_pro_followup_at__isnull=True
    ).order_by("appointment_time")[:batch_size]:
        if _claim(lead, "stale_pro_followup_at", now):
            outbox.queue_text(
                lead.pro.chat_id,
                texts.pro_stale_followup(lead, assignment.slot_start(lead)),
                topic=f"lead:{lead.pk}",
            )
            lifecycle.note(lead.pk, actor=Actor.SYSTEM, action="asked_pro_if_done")
            summary.add("pro_followups")
    for lead in booked.filter(
        appointment_time__lt=customer_due, stale_customer_check_at__isnull=True
    ).order_by("appointment_time")[:batch_size]:
        if _claim(lead, "stale_customer_check_at", now):
            outbox.queue_text(
                lead.customer.chat_id,
                texts.customer_stale_check(lead.pro, lead.language),
                topic=f"lead:{lead.pk}",
            )
            lifecycle.note(lead.pk, actor=Actor.SYSTEM, action="checked_with_customer")
            summary.add("customer_checks")
    return summary


def _claim(lead: Lead, stamp: str, now) -> bool:
    """Take a once-per-lead action: True for the one caller whose update set the stamp."""
    return (
        Lead.objects.filter(pk=lead.pk, status=lead.status, **{f"{stamp}__isnull": True}).update(
            **{stamp: now}
        )
        == 1
    )


# --- reminders ---------------------------------------------------------------------------


def day_before(moment: dt.datetime) -> dt.datetime:
    """The same local clock time on the previous calendar day (23 or 25 real hours before
    when the clock changes in between)."""
    local = timezone.localtime(moment)
    return timezone.make_aware(local.replace(tzinfo=None) - dt.timedelta(days=1), local.tzinfo)


def day_ahead(now: dt.datetime) -> dt.datetime:
    """The latest appointment whose day-before reminder is due at `now`."""
    local = timezone.localtime(now)
    return timezone.make_aware(local.replace(tzinfo=None) + dt.timedelta(days=1), local.tzinfo)


def send_reminders(now=None, batch_size: int = BATCH_SIZE) -> Summary:
    """The day before (same local time) and two hours before each booked appointment, with
    "1 confirm / 2 reschedule / 3 cancel". A reminder whose moment passed before the job
    was booked is skipped, not sent late."""
    now = now or timezone.now()
    summary = Summary()
    upcoming = _leads().filter(
        status=LeadStatus.BOOKED, appointment_time__gt=now, pro__isnull=False
    )
    day = upcoming.filter(
        appointment_time__lte=day_ahead(now),
        appointment_time__gt=now + REMINDER_2H,
        reminder_24h_at__isnull=True,
    )
    for lead in day.order_by("appointment_time")[:batch_size]:
        _remind(lead, "reminder_24h_at", 24, day_before(lead.appointment_time), now, summary)
    soon = upcoming.filter(appointment_time__lte=now + REMINDER_2H, reminder_2h_at__isnull=True)
    for lead in soon.order_by("appointment_time")[:batch_size]:
        _remind(lead, "reminder_2h_at", 2, lead.appointment_time - REMINDER_2H, now, summary)
    return summary


def _remind(lead: Lead, stamp: str, hours: int, moment, now, summary: Summary) -> None:
    if not _claim(lead, stamp, now):
        return
    booked_at = lead.pro_responded_at or lead.assigned_at
    if booked_at is not None and booked_at > moment:
        summary.add(f"reminders_{hours}h_skipped")
        return
    language = lead.language
    buttons = [(f"{key}:{lead.pk}", label) for key, label in texts.reminder_buttons(language)]
    outbox.queue_buttons(
        lead.customer.chat_id,
        texts.reminder(lead, lead.pro, assignment.slot_start(lead), hours, language),
        buttons,
        topic=assignment.reminder_topic(lead.pk),
        language=language,
    )
    lifecycle.note(lead.pk, actor=Actor.SYSTEM, action=f"reminded_{hours}h")
    summary.add(f"reminders_{hours}h")


# --- all at once -------------------------------------------------------------------------


def sweep(now=None) -> dict[str, Summary]:
    """Healer, reporter and stale-job monitor once (what `manage.py sos_sweep` runs)."""
    now = now or timezone.now()
    return {
        "healer": heal(now),
        "reporter": report(now),
        "stale jobs": follow_up_stale(now),
    }
