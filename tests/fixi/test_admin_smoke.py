"""Every admin page a manager can open renders: list, search, add and change, per model."""

import pytest
from django.contrib import admin
from django.urls import reverse

from fixi.models import BusinessSettings, Heartbeat
from tests.factories import (
    CustomerFactory,
    InboundMessageFactory,
    LeadFactory,
    PriceItemFactory,
    SlotFactory,
)

PROJECT_APPS = {"fixi", "pros", "scheduling", "leads", "messaging", "auth"}
MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in PROJECT_APPS
)


def make_one(model, admin_user):
    """One row of each model, so the change page has something to show."""
    makers = {
        "lead": LeadFactory,
        "customer": CustomerFactory,
        "pro": lambda: PriceItemFactory().pro,
        "slot": SlotFactory,
        "inboundmessage": InboundMessageFactory,
        "businesssettings": BusinessSettings.load,
        "heartbeat": lambda: Heartbeat.objects.create(
            name="worker", seen_at=admin_user.date_joined
        ),
        "user": lambda: admin_user,
        "sosreport": lambda: _report_with_a_lead(),
    }
    maker = makers.get(model._meta.model_name)
    if maker is not None:
        return maker()
    from django.contrib.auth.models import Group

    from pros.models import City

    if model is City:
        return City.objects.create(slug="haifa", name_he="חיפה", name_en="Haifa")
    if model is Group:
        return Group.objects.create(name="dispatchers")
    return model.objects.create(chat_id="972501234567@c.us", text="שלום")  # outbox


def _report_with_a_lead():
    from leads.models import SosReport

    report = SosReport.objects.create(text="🆘 Fixi", lead_count=1)
    LeadFactory(status="unassigned", sos_report=report)
    return report


@pytest.fixture
def staff(admin_client, django_user_model):
    return admin_client, django_user_model.objects.get(username="boss")


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model_name"), MODEL_ADMINS)
def test_admin_pages_render(staff, app, model_name):
    client, user = staff
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    obj = make_one(model, user)

    changelist = client.get(reverse(f"admin:{app}_{model_name}_changelist"), follow=True)
    search = client.get(reverse(f"admin:{app}_{model_name}_changelist"), {"q": "x"}, follow=True)
    change = client.get(reverse(f"admin:{app}_{model_name}_change", args=[obj.pk]))
    add = client.get(reverse(f"admin:{app}_{model_name}_add"))

    assert changelist.status_code == 200
    assert search.status_code == 200
    assert change.status_code == 200
    model_admin = admin.site._registry[model]
    expected_add = 200 if model_admin.has_add_permission(change.wsgi_request) else 403
    assert add.status_code == expected_add


@pytest.mark.django_db
def test_dashboard_renders_for_staff(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert b"Fixi" in response.content


@pytest.mark.django_db
def test_the_dashboard_alerts_when_whatsapp_is_disconnected(admin_client):
    from messaging import inbox
    from messaging.events import process_event
    from tests.messaging import shapes

    process_event(inbox.ingest(shapes.state("notAuthorized")).inbound_id)

    response = admin_client.get(reverse("admin:index"))

    assert b'id="whatsapp-alert"' in response.content
    assert "notAuthorized" in response.content.decode()
