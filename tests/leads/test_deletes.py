"""Deleting leads and pros never leaves the workflow's state behind.

An open lead holds a pro's place and a slot, and its pro and customer count on it, so the
admin refuses to delete it (one at a time and with the bulk action alike) and says to
cancel it first: cancelling frees the slot and the place and tells the pro. A closed lead
can be deleted. A pro deleted some other way (the shell, or a moment after the admin's
check) leaves leads without a pro: the healer sends them to the next pro instead of
failing on every run, and the reminders and the stale-job monitor pass them by.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from leads import monitors
from leads.conversation import process_inbound
from leads.models import Lead, LeadEvent, LeadStatus
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro
from scheduling.models import Slot
from tests.factories import CityFactory, LeadFactory, ProFactory, SlotFactory
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

HEBREW_JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def after(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def to(pro):
    return OutboundMessage.objects.filter(chat_id=pro.chat_id).order_by("created_at")


@pytest.fixture
def manager(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


@pytest.fixture
def plumbers():
    """Two Haifa plumbers free tomorrow at 10:00; Yossi is routed first."""
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    yossi = ProFactory(
        name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
    )
    rina = ProFactory(
        name="Rina Levi", rating=4.7, review_count=80, trades=["plumbing"], cities=[haifa]
    )
    for pro in (yossi, rina):
        SlotFactory(pro=pro, start=tomorrow_at(10), end=tomorrow_at(11))
    return yossi, rina


def a_lead_asking(yossi) -> Lead:
    assert deliver(shapes.text(HEBREW_JOB)) == "asked_pro"
    lead = Lead.objects.get()
    assert lead.pro == yossi and Pro.objects.get(pk=yossi.pk).current_load == 1
    return lead


def a_booked_lead(yossi) -> Lead:
    lead = a_lead_asking(yossi)
    approve = shapes.interactive_reply(
        selected_id=f"approve:{lead.pk}", text="אשר", chat_id=yossi.chat_id
    )
    assert deliver(approve) == "approved"
    return Lead.objects.get(pk=lead.pk)


def delete_url(lead) -> str:
    return reverse("admin:leads_lead_delete", args=[lead.pk])


def bulk_delete(client, leads, confirm: bool):
    data = {"action": "delete_selected", "_selected_action": [str(lead.pk) for lead in leads]}
    if confirm:
        data["post"] = "yes"
    return client.post(reverse("admin:leads_lead_changelist"), data)


# --- the admin: leads ----------------------------------------------------------------------


def test_an_open_lead_is_not_deleted_one_at_a_time_and_the_manager_is_told_to_cancel_it(
    manager, plumbers
):
    yossi, _rina = plumbers
    lead = a_booked_lead(yossi)

    page = manager.get(delete_url(lead))
    confirmed = manager.post(delete_url(lead), {"post": "yes"})

    for response in (page, confirmed):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:leads_lead_change", args=[lead.pk])
        assert any("cannot be deleted" in note and "Cancel" in note for note in notes(response))
    assert Lead.objects.filter(pk=lead.pk, status=LeadStatus.BOOKED).exists()
    assert Slot.objects.get(pro=yossi).lead_id == lead.pk
    assert Pro.objects.get(pk=yossi.pk).current_load == 1


def test_the_bulk_delete_refuses_a_selection_with_an_open_lead_and_deletes_nothing(
    manager, plumbers
):
    yossi, _rina = plumbers
    lead = a_lead_asking(yossi)
    done = LeadFactory(status=LeadStatus.COMPLETED)

    asked = bulk_delete(manager, [lead, done], confirm=False)
    confirmed = bulk_delete(manager, [lead, done], confirm=True)

    for response in (asked, confirmed):
        assert response.status_code == 302
        assert any("1 of the selected leads is open" in note for note in notes(response))
    assert Lead.objects.filter(pk__in=[lead.pk, done.pk]).count() == 2
    assert Slot.objects.get(pro=yossi).lead_id == lead.pk
    assert Pro.objects.get(pk=yossi.pk).current_load == 1


def test_closed_leads_can_be_deleted_one_at_a_time_and_in_bulk(manager, plumbers):
    yossi, _rina = plumbers
    cancelled = a_lead_asking(yossi)
    manager.post(
        reverse("admin:leads_lead_cancel_lead", args=[cancelled.pk]), {"_form_submitted": "1"}
    )
    assert Lead.objects.get(pk=cancelled.pk).status == LeadStatus.CANCELLED
    completed = [LeadFactory(status=LeadStatus.COMPLETED) for _ in range(2)]

    single = manager.post(delete_url(cancelled), {"post": "yes"})
    bulk = bulk_delete(manager, completed, confirm=True)

    assert single.status_code == 302 and bulk.status_code == 302
    assert not Lead.objects.exists()
    assert Pro.objects.get(pk=yossi.pk).current_load == 0
    assert Slot.objects.get(pro=yossi).lead_id is None


# --- the healer and the other jobs: a lead whose pro is gone --------------------------------


def test_the_healer_sends_a_lead_whose_pro_was_deleted_to_the_next_pro(plumbers):
    yossi, rina = plumbers
    lead = a_lead_asking(yossi)
    Pro.objects.filter(pk=yossi.pk).delete()  # not through the admin: the shell, say

    summary = monitors.heal(now=after(1))

    assert summary.counts == {"pro_gone": 1, "then_asked_pro": 1}
    lead.refresh_from_db()
    assert lead.pro == rina and lead.status == LeadStatus.AWAITING_PRO
    assert to(rina).get().kind == OutboundKind.BUTTONS
    event = LeadEvent.objects.get(lead=lead, action="pro_gone")
    assert (event.actor, event.from_status, event.to_status) == (
        "healer",
        LeadStatus.AWAITING_PRO,
        LeadStatus.CONTACTED,
    )
    assert monitors.heal(now=after(40)).counts.get("pro_gone") is None  # once


def test_the_healer_survives_a_silent_lead_whose_pro_is_gone(plumbers):
    yossi, rina = plumbers
    lead = a_lead_asking(yossi)
    Pro.objects.filter(pk=yossi.pk).delete()

    summary = monitors.heal(now=after(31))  # past the timeout too

    assert summary.counts["pro_gone"] == 1 and "timed_out" not in summary.counts
    assert Lead.objects.get(pk=lead.pk).pro == rina


def test_a_booked_lead_whose_pro_is_gone_gets_a_new_pro_and_no_reminder_to_nobody(plumbers):
    yossi, rina = plumbers
    lead = a_booked_lead(yossi)
    Pro.objects.filter(pk=yossi.pk).delete()
    day_before = lead.appointment_time - dt.timedelta(hours=23)

    reminders = monitors.send_reminders(now=day_before)
    stale = monitors.follow_up_stale(now=lead.appointment_time + dt.timedelta(hours=25))
    healed = monitors.heal(now=after(1))

    assert reminders.counts == {} and stale.counts == {}
    assert healed.counts == {"pro_gone": 1, "then_asked_pro": 1}
    lead.refresh_from_db()
    assert lead.pro == rina and lead.status == LeadStatus.AWAITING_PRO
    assert Slot.objects.get(pro=rina).lead_id == lead.pk


def test_the_refusal_speaks_hebrew_in_a_hebrew_admin(admin_client, plumbers):
    admin_client.cookies["django_language"] = "he"
    yossi, _rina = plumbers
    lead = a_lead_asking(yossi)

    single = admin_client.post(delete_url(lead), {"post": "yes"})
    bulk = bulk_delete(admin_client, [lead], confirm=True)

    assert any("אי אפשר למחוק את הפנייה" in n for n in notes(single))
    assert any("פנייה אחת מהנבחרות עדיין פתוחה" in n for n in notes(bulk))
