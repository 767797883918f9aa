"""The pro's page shows the pro's office on WhatsApp: the agenda as the pro reads it, the
calendar feed's address, whether the pro is on a break, and the pro's recent commands
with what they changed; the pros list shows who is on a break."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import pro_conversation
from leads.models import LeadStatus
from pros.models import Pro
from tests.factories import CustomerFactory, InboundMessageFactory, LeadFactory, ProFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read English
    return admin_client


@pytest.fixture
def pro(business_settings):
    return ProFactory(name="Avi Cohen")


def page(client, pro) -> str:
    response = client.get(reverse("admin:pros_pro_change", args=[pro.pk]))
    assert response.status_code == 200
    return response.content.decode()


def write(pro, text: str):
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text)
    return pro_conversation.handle(message, pro, now=timezone.now())


def test_the_agenda_preview_is_todays_message(admin_client, pro):
    now = timezone.now().replace(second=0, microsecond=0)
    LeadFactory(
        pro=pro,
        status=LeadStatus.BOOKED,
        appointment_time=now,
        customer=CustomerFactory(name="Dana Levi"),
        full_address="הרצל 10",
    )

    html = page(admin_client, pro)

    assert 'id="pro-office"' in html
    assert "Agenda preview" in html
    assert "העבודות שלך היום" in html
    assert f"{timezone.localtime(now):%H:%M} · Dana" in html
    assert "waze.com/ul?q=" in html
    assert "אין לך עבודות מחר" in html  # tomorrow's view, empty
    assert "Sent each working day at 07:00" in html


def test_the_calendar_feed_address_is_shown_in_full(admin_client, pro):
    html = page(admin_client, pro)

    feed = reverse("pro-calendar", kwargs={"token": pro.calendar_token})
    assert f"http://testserver{feed}" in html
    assert feed.endswith(".ics")


def test_the_break_shows_on_the_page_and_in_the_list(admin_client, pro):
    html = page(admin_client, pro)
    assert "Taking new jobs" in html

    write(pro, "הפסקה")

    html = page(admin_client, pro)
    assert "On a break: gets no new jobs" in html
    assert "On a break since" in html
    listing = admin_client.get(reverse("admin:pros_pro_changelist")).content.decode()
    assert "On a break since" in listing


def test_recent_commands_with_what_they_changed(admin_client, pro):
    write(pro, "הפסקה")
    write(pro, "חזרתי")
    write(pro, "מה קורה עם התשלום?")

    html = page(admin_client, pro)

    assert 'id="pro-commands"' in html
    assert html.count('data-command="pause"') == 1
    assert html.count('data-command="resume"') == 1
    assert html.count('data-command="not_understood"') == 1
    assert "no new jobs until" in html  # the pause's outcome
    assert "מה קורה עם התשלום?" in html
    assert "Applied" in html or "applied" in html


def test_a_manager_can_set_the_agenda_hour_but_not_the_break(admin_client, pro):
    html = page(admin_client, pro)

    assert 'name="agenda_time"' in html
    assert 'name="paused_at"' not in html
    assert Pro.objects.get(pk=pro.pk).agenda_time == dt.time(7, 0)


def test_a_pro_with_no_commands_says_so(admin_client, pro):
    assert "The pro has not written any command yet." in page(admin_client, pro)
