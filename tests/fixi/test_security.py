"""The admin's defences: login lockout, bcrypt passwords, staff-only pages, no secrets shown."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import InboundMessageFactory, LeadFactory, PriceItemFactory, SlotFactory

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"
PASSWORD = "Right-Password-42"


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_user("dana", password=PASSWORD, is_staff=True)


def log_in(client, username, password, **headers):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, **headers)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_four_times(client, username) -> list[int]:
    return [log_in(client, username, f"wrong-{n}").status_code for n in range(4)]


# --- Login lockout ------------------------------------------------------------------------


@pytest.mark.django_db
def test_four_wrong_passwords_lock_the_account(client, manager):
    statuses = fail_four_times(client, "dana")

    right = log_in(client, "dana", PASSWORD)

    assert statuses == [200, 200, 200, 429]
    assert right.status_code == 429
    assert b'id="account-locked"' in right.content
    assert not logged_in(client)


@pytest.mark.django_db
def test_guesses_from_many_addresses_add_up(client, manager):
    statuses = [
        log_in(client, "dana", "wrong", REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(1, 5)
    ]

    assert statuses == [200, 200, 200, 429]
    assert log_in(client, "dana", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_another_account_is_not_locked(client, manager, django_user_model):
    django_user_model.objects.create_user("avi", password=PASSWORD, is_staff=True)
    fail_four_times(client, "dana")

    response = log_in(client, "avi", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_the_lock_holds_for_the_whole_cool_off_and_then_lifts(client, manager, settings):
    fail_four_times(client, "dana")
    locked_at = AccessAttempt.objects.get(username="dana").attempt_time
    almost = settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)

    AccessAttempt.objects.filter(username="dana").update(attempt_time=locked_at - almost)
    still_locked = log_in(client, "dana", PASSWORD)
    AccessAttempt.objects.filter(username="dana").update(
        attempt_time=locked_at - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    after_cool_off = log_in(client, "dana", PASSWORD)

    assert still_locked.status_code == 429
    assert after_cool_off.status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(username="dana").exists()


@pytest.mark.django_db
def test_axes_reset_unlocks(client, manager):
    fail_four_times(client, "dana")

    out = io.StringIO()
    call_command("axes_reset", stdout=out)
    response = log_in(client, "dana", PASSWORD)

    assert "attempts removed" in out.getvalue()
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "minutes", "direction"),
    [("he", "החשבון נעול", "15 דקות", 'dir="rtl"'), ("en", "Account locked", "15 minutes", "")],
)
def test_the_lockout_page_says_how_long(
    client, manager, settings, language, title, minutes, direction
):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    fail_four_times(client, "dana")
    locked_at = AccessAttempt.objects.get(username="dana").attempt_time
    unlock_at = timezone.localtime(locked_at + dt.timedelta(minutes=15))

    page = log_in(client, "dana", PASSWORD, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert title in page
    assert minutes in page
    assert unlock_at.strftime("%H:%M") in page
    assert direction in page


def cool_off_minutes_with(value: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with AXES_COOLOFF_MINUTES=value."""
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fixi.settings", "AXES_COOLOFF_MINUTES": value}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_cool_off_comes_from_the_environment():
    forty = cool_off_minutes_with("40")
    soon = cool_off_minutes_with("soon")

    assert forty.returncode == 0, forty.stderr
    assert forty.stdout.split()[-1] == "40"
    assert soon.returncode != 0
    assert "AXES_COOLOFF_MINUTES='soon' is not a whole number" in soon.stderr


# --- Passwords and staff-only pages ---------------------------------------------------------


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_bcrypt(django_user_model):
    user = django_user_model.objects.create_user("noa", password=PASSWORD)

    assert user.password.startswith("bcrypt_sha256$")


@pytest.mark.django_db
def test_the_simulator_is_closed_to_anonymous_visitors(client):
    response = client.get("/simulator/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_the_simulator_is_closed_to_users_who_are_not_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("customer", password=PASSWORD))

    response = client.get("/simulator/")

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))


# --- No secrets in the admin ----------------------------------------------------------------

CANARIES = {
    "SECRET_KEY": "canary-secret-key-5b1e0c8f2d7a4e9b8c3f6a1d0e7b2c9f4a8d3e6b1c0f",
    "GREEN_API_TOKEN": "canary-green-api-token-a41f9e2c7b",
    "GREEN_API_WEBHOOK_TOKEN": "canary-webhook-token-3c8d1e6f0a",
    "GEMINI_API_KEY": "canary-gemini-key-AIzaSy7e2b9d4f1c",
    "CLOUDINARY_URL": "cloudinary://canary-cloud-key:canary-cloud-password-6f2a@canary-cloud",
}
# Each value, and the Cloudinary password on its own.
SECRETS = [*CANARIES.values(), "canary-cloud-password-6f2a"]


@pytest.fixture
def canaries(settings):
    for name, value in CANARIES.items():
        setattr(settings, name, value)
    settings.GREEN_API_ID = "7103000000"  # with an instance id too, Green API counts as set up


def one_of_everything():
    """A row for each model the admin shows, so every change page has something to show."""
    from django.contrib.auth.models import Group
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from fixi.models import BusinessSettings, Heartbeat
    from leads.models import SosReport
    from messaging.models import OutboundMessage

    LeadFactory(status="unassigned", sos_report=SosReport.objects.create(text="🆘", lead_count=1))
    PriceItemFactory()
    SlotFactory()
    InboundMessageFactory()
    OutboundMessage.objects.create(chat_id="972501234567@c.us", text="שלום")
    BusinessSettings.load()
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    Group.objects.create(name="dispatchers")
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="heartbeat", task="fixi.heartbeat", interval=every_minute)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    CrontabSchedule.objects.create(minute="0", hour="8")
    SolarSchedule.objects.create(event="sunrise", latitude=32.08, longitude=34.78)
    # A failed login and a good one: an access attempt and an access log.
    log_in(Client(), "nobody", "wrong-password")
    log_in(Client(), "boss", "pw-For-tests-1")


def admin_pages():
    """(model name, URL) of every changelist, add page and first row's change page."""
    for model in admin.site._registry:
        name = model._meta.model_name
        prefix = f"admin:{model._meta.app_label}_{name}"
        yield name, reverse(f"{prefix}_changelist")
        yield name, reverse(f"{prefix}_add")
        for row in model.objects.all()[:1]:
            yield f"{name} row", reverse(f"{prefix}_change", args=[row.pk])


def shown_secrets(response) -> list[str]:
    text = response.content.decode(errors="replace") + str(response.headers)
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.django_db
def test_no_admin_page_shows_a_secret(canaries, admin_client):
    one_of_everything()
    pages = [
        *admin_pages(),
        ("dashboard", reverse("admin:index")),
        ("simulator", "/simulator/"),
        ("simulator feed", "/simulator/messages?chat_id=972501234567"),
    ]

    leaks, broken = {}, {}
    for _label, url in pages:
        response = admin_client.get(url, follow=True)
        if response.status_code not in (200, 403):  # 403: an add page a model does not allow
            broken[url] = response.status_code
        if found := shown_secrets(response):
            leaks[url] = found
    login_page = Client().get(LOGIN)

    assert leaks == {}
    assert broken == {}
    assert shown_secrets(login_page) == []
    shown_rows = {label.removesuffix(" row") for label, _ in pages if label.endswith(" row")}
    assert {"lead", "pro", "customer", "slot", "inboundmessage", "outboundmessage"} <= shown_rows
    assert {"businesssettings", "sosreport", "user", "periodictask", "accessattempt"} <= shown_rows
    assert "accesslog" in shown_rows
