"""A pro's calendar feed: /calendar/<token>.ics, read back with the icalendar library."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from leads.calendar import feed, rotate_token
from leads.models import Lead, LeadStatus
from pros.models import Pro
from tests.factories import CityFactory, CustomerFactory, LeadFactory, ProFactory, SlotFactory

pytestmark = pytest.mark.django_db

JERUSALEM = ZoneInfo("Asia/Jerusalem")


def at(days: int, hour: int) -> dt.datetime:
    """`hour` o'clock local time, `days` from today (the feed is read at the real time)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JERUSALEM)


def job(pro, status, start, **fields):
    lead = LeadFactory(
        pro=pro,
        status=status,
        appointment_time=start,
        customer=CustomerFactory(name="Dana Levi"),
        **fields,
    )
    SlotFactory(pro=pro, start=start, end=start + dt.timedelta(minutes=90), lead=lead)
    return lead


def events(client, pro) -> dict:
    response = client.get(f"/calendar/{pro.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def pro():
    return ProFactory(name="Moshe Cohen")


@pytest.fixture
def haifa():
    return CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")


def test_booked_job_has_local_time_address_name_and_phone(client, pro, haifa):
    lead = job(
        pro,
        LeadStatus.BOOKED,
        at(8, 10),
        city=haifa,
        full_address="הרצל 12",
        summary="נזילה מתחת לכיור",
    )
    event = events(client, pro)[f"{lead.pk}@fixi"]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start.tzinfo is not None and start.astimezone(JERUSALEM).hour == 10
    assert str(start.tzinfo) == "Asia/Jerusalem"
    assert end - start == dt.timedelta(minutes=90)
    assert str(event["status"]) == "CONFIRMED"
    assert "Dana" in str(event["summary"])
    assert str(event["location"]) == "הרצל 12, חיפה"
    description = str(event["description"])
    digits = lead.customer.chat_id.partition("@")[0]
    assert "נזילה מתחת לכיור" in description
    assert f"+{digits}" in description and f"https://wa.me/{digits}" in description
    assert "https://waze.com/ul?q=" in description and "navigate=yes" in description


def test_job_awaiting_approval_is_tentative_without_the_customers_details(client, pro):
    lead = job(pro, LeadStatus.AWAITING_PRO, at(9, 14), full_address="דיזנגוף 50")
    event = events(client, pro)[f"{lead.pk}@fixi"]
    assert str(event["status"]) == "TENTATIVE"
    text = str(event["summary"]) + str(event["description"])
    assert "Dana" not in text and lead.customer.chat_id.partition("@")[0] not in text


def test_cancelled_others_and_old_jobs_are_left_out(client, pro):
    kept = job(pro, LeadStatus.BOOKED, at(10, 9))
    job(pro, LeadStatus.CANCELLED, at(10, 11))
    job(ProFactory(), LeadStatus.BOOKED, at(10, 12))
    job(pro, LeadStatus.COMPLETED, at(-45, 9))
    recent = job(pro, LeadStatus.COMPLETED, at(-5, 9))
    assert set(events(client, pro)) == {f"{kept.pk}@fixi", f"{recent.pk}@fixi"}


def test_times_follow_israels_clock_change(pro):
    # Israel's clock went back on Sunday 25 October 2026 at 02:00.
    summer = job(pro, LeadStatus.BOOKED, dt.datetime(2026, 10, 20, 9, tzinfo=JERUSALEM))
    winter = job(pro, LeadStatus.BOOKED, dt.datetime(2026, 10, 27, 9, tzinfo=JERUSALEM))
    now = dt.datetime(2026, 10, 18, 8, 0, tzinfo=dt.UTC)
    calendar = Calendar.from_ical(feed(pro, now=now))
    found = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    for lead in (summer, winter):
        start = found[f"{lead.pk}@fixi"].decoded("dtstart")
        assert start.astimezone(JERUSALEM).hour == 9
    assert found[f"{summer.pk}@fixi"].decoded("dtstart").utcoffset() == dt.timedelta(hours=3)
    assert found[f"{winter.pk}@fixi"].decoded("dtstart").utcoffset() == dt.timedelta(hours=2)


def test_feed_follows_changes(client, pro):
    lead = job(pro, LeadStatus.AWAITING_PRO, at(11, 10))
    before = events(client, pro)[f"{lead.pk}@fixi"]
    lead.status = LeadStatus.BOOKED
    lead.appointment_time = at(11, 12)
    lead.save()
    # The change comes later than the first reading (the sequence counts seconds).
    Lead.objects.filter(pk=lead.pk).update(updated_at=lead.updated_at + dt.timedelta(seconds=5))
    SlotFactory(pro=pro, start=at(11, 12), lead=lead)
    after = events(client, pro)[f"{lead.pk}@fixi"]
    assert after.decoded("dtstart").astimezone(JERUSALEM).hour == 12
    assert str(after["status"]) == "CONFIRMED"
    assert int(after["sequence"]) > int(before["sequence"])


def test_rotated_token_is_a_404_and_the_new_one_works(client, pro):
    job(pro, LeadStatus.BOOKED, at(8, 10))
    old = pro.calendar_token
    new = rotate_token(pro)
    assert new != old and Pro.objects.get(pk=pro.pk).calendar_token == new
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_unknown_tokens_all_get_the_same_empty_404(client, pro):
    answers = [
        client.get(f"/calendar/{token}.ics")
        for token in ("A" * 43, "x", pro.calendar_token[:-1] + "!", "")
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert len({a.content for a in answers}) == 1
    assert pro.name.encode() not in answers[0].content


def test_only_reading_is_allowed(client, pro):
    url = reverse("pro-calendar", args=[pro.calendar_token])
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_every_pro_has_a_secret_of_its_own():
    tokens = {ProFactory().calendar_token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)


def test_a_manager_rotates_the_link_from_the_pros_page(admin_client, pro):
    old = pro.calendar_token
    url = reverse("admin:pros_pro_rotate_calendar_link", args=[pro.pk])
    page = admin_client.get(reverse("admin:pros_pro_change", args=[pro.pk]))
    assert url in page.content.decode()
    assert admin_client.get(url).status_code == 200  # the confirmation dialog; nothing yet
    assert Pro.objects.get(pk=pro.pk).calendar_token == old
    answer = admin_client.post(url, {"_form_submitted": "1"})
    assert answer.status_code == 302
    new = Pro.objects.get(pk=pro.pk).calendar_token
    assert new != old
    assert admin_client.get(f"/calendar/{old}.ics").status_code == 404
    assert admin_client.get(f"/calendar/{new}.ics").status_code == 200


def test_staff_without_change_permission_cannot_rotate(client, django_user_model, pro):
    viewer = django_user_model.objects.create_user("viewer", password="pw-123456", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_pro"))
    client.force_login(viewer)
    url = reverse("admin:pros_pro_rotate_calendar_link", args=[pro.pk])
    answer = client.post(url, {"_form_submitted": "1"})
    assert answer.status_code in (302, 403)
    assert Pro.objects.get(pk=pro.pk).calendar_token == pro.calendar_token
