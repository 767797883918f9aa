"""The quiet window and the urgent timeout are business settings a manager changes in the
admin, like the others: their environment variables only set the first value."""

import decimal

import pytest
from django.urls import reverse
from django.utils import translation

from fixi.models import BusinessSettings

pytestmark = pytest.mark.django_db


def change_url(row) -> str:
    return reverse("admin:fixi_businesssettings_change", args=[row.pk])


def form_data(page) -> dict:
    form = page.context["adminform"].form
    return {name: str(form[name].value()) for name in form.fields}


def test_both_are_on_the_form_with_their_help(admin_client, business_settings):
    page = admin_client.get(change_url(business_settings), HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert 'name="quiet_window_seconds"' in html and 'name="urgent_timeout_minutes"' in html
    assert "QUIET_WINDOW_SECONDS only sets the first value" in html
    assert "URGENT_TIMEOUT_MINUTES only sets the first value" in html


def test_a_manager_reads_their_help_in_hebrew(admin_client, business_settings):
    with translation.override("he"):
        page = admin_client.get(change_url(business_settings), HTTP_ACCEPT_LANGUAGE="he")

    html = page.content.decode()
    assert "חלון שקט" in html and "ממתינה זמן זה אחרי ההודעה האחרונה" in html
    assert "עוברת לבעל המקצוע הבא (עבודות אחרות" in html


def test_a_change_is_saved_and_read_by_the_workers(admin_client, business_settings):
    data = form_data(admin_client.get(change_url(business_settings)))
    data.update(quiet_window_seconds="1.5", urgent_timeout_minutes="7")

    saved = admin_client.post(change_url(business_settings), data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    row = BusinessSettings.load()
    assert (row.quiet_window_seconds, row.urgent_timeout_minutes) == (decimal.Decimal("1.5"), 7)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quiet_window_seconds", "-1"),
        ("quiet_window_seconds", "30.5"),
        ("quiet_window_seconds", "1.25"),
        ("urgent_timeout_minutes", "0"),
    ],
)
def test_values_that_would_break_the_conversation_are_refused(
    admin_client, business_settings, field, value
):
    before = (business_settings.quiet_window_seconds, business_settings.urgent_timeout_minutes)
    data = form_data(admin_client.get(change_url(business_settings)))
    data[field] = value

    page = admin_client.post(change_url(business_settings), data)

    assert page.status_code == 200 and field in page.context["adminform"].form.errors
    row = BusinessSettings.objects.get()
    assert (row.quiet_window_seconds, row.urgent_timeout_minutes) == before


def test_zero_answers_every_message_on_its_own(admin_client, business_settings):
    data = form_data(admin_client.get(change_url(business_settings)))
    data["quiet_window_seconds"] = "0"

    assert admin_client.post(change_url(business_settings), data).status_code == 302
    assert BusinessSettings.load().quiet_window_seconds == 0
