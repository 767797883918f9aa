"""The periodic jobs on a controlled clock: healer, reporter, stale jobs, reminders."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from fixi.models import BusinessSettings
from leads import monitors
from leads.conversation import process_inbound
from leads.models import ExclusionReason, Lead, LeadEvent, LeadExclusion, LeadStatus, SosReport
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro
from scheduling.models import Slot
from tests.concurrency import in_threads
from tests.factories import (
    CityFactory,
    CustomerFactory,
    LeadFactory,
    PriceItemFactory,
    ProFactory,
    SlotFactory,
)
from tests.messaging import shapes

HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"
CUSTOMER = shapes.CUSTOMER
ADMIN = "972500000999"
JERUSALEM = ZoneInfo("Asia/Jerusalem")


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def to(chat_id):
    return OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at")


def after(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.fixture
def admin_whatsapp(settings):
    settings.ADMIN_WHATSAPP = ADMIN
    return f"{ADMIN}@c.us"


@pytest.fixture
def haifa(db):
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pros = [
        ProFactory(name="Yossi", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]),
        ProFactory(name="Rina", rating=4.7, review_count=80, trades=["plumbing"], cities=[haifa]),
    ]
    for pro in pros:
        SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
        PriceItemFactory(pro=pro, price=Decimal("200"))
    return pros


# --- the healer --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pro_silent_past_the_timeout_is_replaced_by_the_next(haifa):
    yossi, rina = haifa
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    assert lead.pro == yossi

    assert monitors.heal(now=after(29)).counts == {}  # not yet: the timeout is 30 minutes

    summary = monitors.heal(now=after(31))

    assert summary.counts == {"timed_out": 1, "then_asked_pro": 1}
    lead.refresh_from_db()
    assert lead.pro == rina and lead.status == LeadStatus.AWAITING_PRO
    exclusion = LeadExclusion.objects.get(lead=lead)
    assert (exclusion.pro, exclusion.reason) == (yossi, ExclusionReason.TIMED_OUT)
    assert Pro.objects.get(pk=yossi.pk).current_load == 0
    assert Slot.objects.get(pro=yossi).lead is None
    assert "לא התקבלה תשובה" in to(yossi.chat_id).last().text
    assert to(rina.chat_id).get().kind == OutboundKind.BUTTONS
    event = LeadEvent.objects.get(lead=lead, action="timed_out")
    assert event.actor == "healer" and "did not answer within 30 minutes" in event.reason


@pytest.mark.django_db
def test_the_timeout_comes_from_the_business_settings(haifa):
    BusinessSettings.objects.update_or_create(
        key=BusinessSettings.SINGLETON_KEY, defaults={"sos_timeout_minutes": 5}
    )
    deliver(shapes.text(HEBREW_JOB))

    assert monitors.heal(now=after(6)).counts["timed_out"] == 1


@pytest.mark.django_db
def test_with_no_pro_left_the_admin_report_lists_the_lead_once(haifa, admin_whatsapp):
    deliver(shapes.text(HEBREW_JOB))
    monitors.heal(now=after(31))  # Yossi times out, Rina is asked
    summary = monitors.heal(now=after(62))  # Rina times out, nobody is left

    assert summary.counts == {"timed_out": 1, "then_unassigned": 1}
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.UNASSIGNED and lead.pro is None
    assert to(CUSTOMER).last().text.endswith("Fixi Support")

    first = monitors.report(now=after(63))

    assert first.counts == {"reported": 1}
    report = to(admin_whatsapp).get()
    assert "פניות שלא שובצו (1)" in report.text and "חיפה · אינסטלציה" in report.text
    assert "excluded" in report.text  # the reason routing gave
    assert SosReport.objects.get().leads.get() == lead
    # Nothing new: nothing is sent, whenever the reporter runs again.
    assert monitors.report(now=after(64)).counts == {"report_not_due": 1}
    assert monitors.report(now=after(63 + 4 * 60 + 1)).counts == {}
    assert to(admin_whatsapp).count() == 1


@pytest.mark.django_db
def test_reports_come_at_most_once_per_interval_and_nothing_is_reported_twice(admin_whatsapp):
    start = timezone.now()
    LeadFactory(status=LeadStatus.UNASSIGNED)

    assert monitors.report(now=start).counts == {"reported": 1}
    LeadFactory(status=LeadStatus.UNASSIGNED)
    assert monitors.report(now=start + dt.timedelta(hours=1)).counts == {"report_not_due": 1}
    assert monitors.report(now=start + dt.timedelta(hours=4, minutes=1)).counts == {"reported": 1}
    texts = [m.text for m in to(admin_whatsapp)]
    assert len(texts) == 2 and all("(1)" in text for text in texts)
    assert Lead.objects.filter(sos_reported_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_without_admin_whatsapp_the_report_is_kept_for_the_admin():
    LeadFactory(status=LeadStatus.UNASSIGNED)

    assert monitors.report().counts == {"reported": 1}
    assert SosReport.objects.get().sent_to == "" and not OutboundMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_started_together_reassign_once_and_send_once(haifa):
    yossi, rina = haifa
    deliver(shapes.text(HEBREW_JOB))
    moment = after(31)

    summaries = in_threads(2, lambda i: monitors.heal(now=moment))

    assert sorted(s.counts.get("timed_out", 0) for s in summaries) == [0, 1]
    lead = Lead.objects.get()
    assert lead.pro == rina
    assert LeadEvent.objects.filter(lead=lead, action="timed_out").count() == 1
    assert LeadEvent.objects.filter(lead=lead, action="assigned").count() == 2
    assert to(rina.chat_id).count() == 1 and to(yossi.chat_id).count() == 2  # offer, moved on
    assert Pro.objects.get(pk=rina.pk).current_load == 1


@pytest.mark.django_db(transaction=True)
def test_two_reporters_started_together_send_one_report(admin_whatsapp):
    for _ in range(3):
        LeadFactory(status=LeadStatus.UNASSIGNED)
    moment = timezone.now()

    in_threads(2, lambda i: monitors.report(now=moment))

    assert to(admin_whatsapp).count() == 1 and "(3)" in to(admin_whatsapp).get().text


@pytest.mark.django_db
def test_a_silent_customer_loses_the_offered_times_and_is_asked_again(haifa):
    yossi, _ = haifa
    Slot.objects.filter(pro=yossi).delete()
    SlotFactory(pro=yossi, start=tomorrow_at(14), end=tomorrow_at(15))
    deliver(shapes.text(HEBREW_JOB))
    lead = Lead.objects.get()
    assert lead.pro == yossi and lead.status == LeadStatus.CONTACTED

    assert monitors.heal(now=after(31)).counts == {"offers_expired": 1}

    lead.refresh_from_db()
    assert lead.pro is None and lead.appointment_time is None
    assert Pro.objects.get(pk=yossi.pk).current_load == 0
    assert "מתי נוח" in to(CUSTOMER).last().text
    assert monitors.heal(now=after(120)).counts == {}  # no time: nothing to route


@pytest.mark.django_db
def test_a_lead_left_complete_without_a_pro_is_routed(haifa):
    yossi, _ = haifa
    lead = LeadFactory(
        status=LeadStatus.CONTACTED,
        city=yossi.service_areas.get().city,
        full_address="הרצל 10",
        appointment_time=tomorrow_at(10),
    )
    Lead.objects.filter(pk=lead.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))

    assert monitors.heal().counts == {"stranded_routed": 1}
    assert Lead.objects.get(pk=lead.pk).pro == yossi


# --- the stale-job monitor ---------------------------------------------------------------


def booked_lead(pro, start, **fields):
    lead = LeadFactory(
        status=LeadStatus.BOOKED,
        pro=pro,
        city=CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa"),
        full_address="הרצל 10",
        appointment_time=start,
        assigned_at=start - dt.timedelta(days=3),
        pro_responded_at=start - dt.timedelta(days=3),
        **fields,
    )
    SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1), lead=lead)
    return lead


@pytest.mark.django_db
def test_stale_jobs_get_one_followup_to_the_pro_then_one_check_with_the_customer():
    pro = ProFactory(name="Yossi")
    start = timezone.now().replace(microsecond=0)
    lead = booked_lead(pro, start)

    def at(hours):
        return monitors.follow_up_stale(now=start + dt.timedelta(hours=hours)).counts

    assert at(3.9) == {}
    assert at(4.1) == {"pro_followups": 1}
    assert at(5) == {}
    assert "סיימת?" in to(pro.chat_id).get().text
    assert at(24.1) == {"customer_checks": 1}
    assert at(30) == {}
    assert "Yossi" in to(lead.customer.chat_id).get().text


# --- reminders ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_go_out_once_each_at_the_right_local_times_across_a_clock_change():
    # Israel leaves summer time on Sunday 25 October 2026 at 02:00 (UTC+3 -> UTC+2).
    appointment = dt.datetime(2026, 10, 25, 10, 0, tzinfo=JERUSALEM)
    assert appointment.utcoffset() == dt.timedelta(hours=2)
    lead = booked_lead(ProFactory(name="Yossi"), appointment)
    chat = lead.customer.chat_id

    def at(local: dt.datetime):
        return monitors.send_reminders(now=local).counts

    day_before = dt.datetime(2026, 10, 24, 10, 0, tzinfo=JERUSALEM)  # UTC+3: 25 real hours
    real_hours = appointment.astimezone(dt.UTC) - day_before.astimezone(dt.UTC)
    assert real_hours == dt.timedelta(hours=25)
    assert at(day_before - dt.timedelta(minutes=1)) == {}
    assert at(day_before) == {"reminders_24h": 1}
    assert at(day_before + dt.timedelta(hours=1)) == {}
    reminder = to(chat).get()
    assert reminder.kind == OutboundKind.BUTTONS and "מחר" in reminder.text
    assert [b["text"] for b in reminder.buttons] == ["אישור הגעה", "שינוי מועד", "ביטול"]
    assert "10:00" in reminder.text

    assert at(appointment - dt.timedelta(hours=2, minutes=1)) == {}
    assert at(appointment - dt.timedelta(hours=2)) == {"reminders_2h": 1}
    assert at(appointment - dt.timedelta(hours=1)) == {}
    assert "בעוד כשעתיים" in to(chat).last().text


@pytest.mark.django_db
def test_a_reminder_whose_moment_passed_before_the_booking_is_skipped():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=5)
    lead = booked_lead(ProFactory(), start)
    Lead.objects.filter(pk=lead.pk).update(pro_responded_at=start - dt.timedelta(hours=6))

    assert monitors.send_reminders(now=start - dt.timedelta(hours=5)).counts == {
        "reminders_24h_skipped": 1
    }
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_answers_to_a_reminder_confirm_reschedule_and_cancel():
    pro = ProFactory(name="Yossi")
    start = tomorrow_at(10)
    lead = booked_lead(pro, start, customer=CustomerFactory(chat_id=CUSTOMER))
    later = [SlotFactory(pro=pro, start=tomorrow_at(h), end=tomorrow_at(h + 1)) for h in (12, 14)]
    monitors.send_reminders(now=start - dt.timedelta(hours=23))

    assert deliver(shapes.text("1")) == "confirmed"
    assert "נתראה" in to(CUSTOMER).last().text

    assert deliver(shapes.text("שינוי מועד")) == "reschedule_offered"
    offer = to(CUSTOMER).last()
    assert [b["text"].split()[-1] for b in offer.buttons] == ["12:00", "14:00"]

    assert deliver(shapes.text("2")) == "rescheduled"
    lead.refresh_from_db()
    assert lead.appointment_time == later[1].start and lead.reminder_24h_at is None
    assert Slot.objects.get(lead=lead) == later[1]
    assert "14:00" in to(pro.chat_id).last().text and "שינוי מועד" in to(pro.chat_id).last().text

    monitors.send_reminders(now=lead.appointment_time - dt.timedelta(hours=2))
    assert deliver(shapes.text("3")) == "cancelled"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CANCELLED
    assert not Slot.objects.filter(lead=lead).exists()


# --- the command and the schedule --------------------------------------------------------


@pytest.mark.django_db
def test_sos_sweep_runs_every_job_once_and_says_what_it_did(haifa, capsys):
    LeadFactory(status=LeadStatus.UNASSIGNED)

    call_command("sos_sweep")

    out = capsys.readouterr().out
    assert "healer: nothing due" in out
    assert "reporter: reported: 1" in out
    assert "stale jobs: nothing due" in out


@pytest.mark.django_db
def test_the_periodic_jobs_are_in_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from fixi.schedule import sync_beat_schedule

    sync_beat_schedule()

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"leads.sos_heal", "leads.sos_report", "leads.stale_jobs", "leads.reminders"} <= tasks
