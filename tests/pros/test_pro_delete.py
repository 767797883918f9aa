"""Deleting a pro in the admin: refused while the pro holds an open lead (the manager is
told to deactivate the pro and reassign or cancel those leads, which tells the people
involved), allowed otherwise; the pro's closed leads stay, without a pro."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from leads.models import Lead, LeadStatus
from pros.models import Pro
from tests.factories import LeadFactory, ProFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def delete_url(pro) -> str:
    return reverse("admin:pros_pro_delete", args=[pro.pk])


def bulk_delete(client, pros, confirm: bool):
    data = {"action": "delete_selected", "_selected_action": [str(pro.pk) for pro in pros]}
    if confirm:
        data["post"] = "yes"
    return client.post(reverse("admin:pros_pro_changelist"), data)


@pytest.mark.parametrize("status", [LeadStatus.AWAITING_PRO, LeadStatus.BOOKED])
def test_a_pro_with_an_open_lead_is_not_deleted_and_the_manager_is_told_why(manager, status):
    pro = ProFactory(name="Yossi Cohen", current_load=1)
    lead = LeadFactory(pro=pro, status=status)

    page = manager.get(delete_url(pro))
    confirmed = manager.post(delete_url(pro), {"post": "yes"})

    for response in (page, confirmed):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:pros_pro_change", args=[pro.pk])
        refusals = [n for n in notes(response) if "cannot be deleted" in n]
        assert refusals and all(
            "Yossi Cohen" in n and "1 open lead" in n and "Deactivate" in n for n in refusals
        )
    assert Pro.objects.filter(pk=pro.pk).exists()
    assert Lead.objects.get(pk=lead.pk).pro == pro


def test_the_bulk_delete_refuses_pros_with_open_leads_and_deletes_none(manager):
    busy = ProFactory(name="Yossi Cohen")
    idle = ProFactory(name="Rina Levi")
    LeadFactory(pro=busy, status=LeadStatus.CONTACTED)

    asked = bulk_delete(manager, [busy, idle], confirm=False)
    confirmed = bulk_delete(manager, [busy, idle], confirm=True)

    for response in (asked, confirmed):
        assert response.status_code == 302
        assert any("Yossi Cohen" in n and "open leads" in n for n in notes(response))
    assert Pro.objects.filter(pk__in=[busy.pk, idle.pk]).count() == 2


def test_a_pro_whose_leads_are_all_closed_can_be_deleted_and_the_leads_stay(manager):
    gone = ProFactory(name="Yossi Cohen")
    also_gone = ProFactory(name="Rina Levi")
    done = LeadFactory(pro=gone, status=LeadStatus.COMPLETED)
    cancelled = LeadFactory(pro=also_gone, status=LeadStatus.CANCELLED)

    single = manager.post(delete_url(gone), {"post": "yes"})
    bulk = bulk_delete(manager, [also_gone], confirm=True)

    assert single.status_code == 302 and bulk.status_code == 302
    assert not Pro.objects.exists()
    assert {lead.pk: lead.pro_id for lead in Lead.objects.all()} == {
        done.pk: None,
        cancelled.pk: None,
    }


def test_the_refusal_speaks_hebrew_in_a_hebrew_admin(admin_client):
    admin_client.cookies["django_language"] = "he"
    busy = ProFactory(name="Yossi Cohen")
    LeadFactory(pro=busy, status=LeadStatus.BOOKED)

    single = admin_client.post(delete_url(busy), {"post": "yes"})
    bulk = bulk_delete(admin_client, [busy], confirm=True)

    assert any("אי אפשר למחוק את Yossi Cohen" in n for n in notes(single))
    assert any("שום דבר לא נמחק: לYossi Cohen" in n for n in notes(bulk))
