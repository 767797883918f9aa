"""The dashboard shows each panel only to staff allowed to see what it is about: lead figures,
revenue and the SOS queue with leads.view_lead, the pros' load with pros.view_pro, the
message counts with a view permission on messages. Being staff alone shows none of them."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from leads.models import LeadStatus
from messaging.models import OutboundMessage, OutboundStatus
from tests.factories import CustomerFactory, LeadFactory, ProFactory

LEAD_PANELS = ["today-leads", "week-leads", "revenue", "response-time", "leads-chart", "funnel"]
PRO_NAME = "Avraham Pro-Name"
SOS_CUSTOMER = "Moshe SOS-Customer"
REVENUE = "₪12,345"


@pytest.fixture
def busy_day(db):
    now = timezone.now()
    pro = ProFactory(name=PRO_NAME, current_load=2)
    LeadFactory(
        status=LeadStatus.COMPLETED,
        pro=pro,
        created_at=now,
        completed_at=now,
        final_price=Decimal("12345"),
    )
    LeadFactory(status=LeadStatus.UNASSIGNED, customer=CustomerFactory(name=SOS_CUSTOMER))
    OutboundMessage.objects.create(
        chat_id="972501234567@c.us", text="x", status=OutboundStatus.FAILED
    )


@pytest.fixture
def clerk(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    client.force_login(user)
    return user


def grant(user, *names):
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def dashboard(client) -> str:
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def panels_on(page: str) -> set[str]:
    ids = [*LEAD_PANELS, "pro-load", "sos-queue", "message-counts"]
    return {panel for panel in ids if f'id="{panel}"' in page}


def test_staff_without_permissions_see_no_names_no_revenue_and_no_panels(busy_day, client, clerk):
    page = dashboard(client)

    assert panels_on(page) == set()
    assert PRO_NAME not in page
    assert SOS_CUSTOMER not in page
    assert REVENUE not in page
    assert 'id="no-panels"' in page  # says why the page is empty


def test_view_pro_shows_the_pros_and_nothing_about_leads(busy_day, client, clerk):
    grant(clerk, "pros.view_pro")

    page = dashboard(client)

    assert panels_on(page) == {"pro-load"}
    assert PRO_NAME in page
    assert SOS_CUSTOMER not in page
    assert REVENUE not in page
    assert 'id="no-panels"' not in page


def test_view_lead_shows_the_lead_panels_revenue_and_sos_but_not_the_pros(busy_day, client, clerk):
    grant(clerk, "leads.view_lead")

    page = dashboard(client)

    assert panels_on(page) == {*LEAD_PANELS, "sos-queue"}
    assert REVENUE in page
    assert SOS_CUSTOMER in page
    assert PRO_NAME not in page


def test_message_counts_need_a_view_permission_on_messages(busy_day, client, clerk):
    grant(clerk, "messaging.view_outboundmessage")

    page = dashboard(client)

    assert panels_on(page) == {"message-counts"}


def sos_badge(page: str) -> str:
    """The SOS reports link in the sidebar, with its badge, without spaces."""
    link = page[page.index('href="/admin/leads/sosreport/"') :]
    return "".join(link[: link.index("</a>")].split())


def test_the_sos_badge_needs_view_lead(busy_day, client, clerk):
    grant(clerk, "leads.view_sosreport")
    without_leads = dashboard(client)
    grant(clerk, "leads.view_lead")
    with_leads = dashboard(client)

    assert ">1<" not in sos_badge(without_leads)
    assert ">1<" in sos_badge(with_leads)


def test_a_superuser_sees_every_panel(busy_day, admin_client):
    page = dashboard(admin_client)

    assert panels_on(page) == {*LEAD_PANELS, "pro-load", "sos-queue", "message-counts"}
    assert PRO_NAME in page
    assert SOS_CUSTOMER in page
    assert REVENUE in page
