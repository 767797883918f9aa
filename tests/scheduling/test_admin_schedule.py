"""The schedule in the admin: one pro's day in Israel time with open/close buttons, and the
bulk generator, which makes exactly the slots `manage.py generate_slots` makes."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from scheduling.admin_views import close_slot, open_slot
from scheduling.models import Slot
from tests.factories import LeadFactory, ProFactory

TZ = ZoneInfo("Asia/Jerusalem")
SATURDAY = 5


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read English
    return admin_client


def next_weekday(weekday: int) -> dt.date:
    """The first such weekday (Monday=0) at least a week ahead: never in the past."""
    day = timezone.localdate() + dt.timedelta(days=7)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def slot_at(pro, day, hour, minute=0, **fields) -> Slot:
    start = local(day, hour, minute)
    return Slot.objects.create(pro=pro, start=start, end=start + dt.timedelta(hours=1), **fields)


@pytest.fixture
def pro(db):
    return ProFactory(name="Avi Cohen")


@pytest.fixture
def day():
    return next_weekday(0)  # a Monday


def day_view(client, pro, day):
    url = reverse("admin:scheduling_slot_day")
    return client.get(url, {"pro": str(pro.pk), "date": day.isoformat()})


# --- the day view ------------------------------------------------------------------------


def test_the_day_view_lists_the_days_slots_in_israel_time(admin_client, pro, day):
    early = slot_at(pro, day, 0, 30)  # 00:30 in Israel is still the evening before in UTC
    free = slot_at(pro, day, 8)
    lead = LeadFactory(pro=pro)
    booked = slot_at(pro, day, 9, lead=lead, booked_at=timezone.now())
    closed = slot_at(pro, day, 10, closed=True)
    before = slot_at(pro, day - dt.timedelta(days=1), 23)
    after = slot_at(pro, day + dt.timedelta(days=1), 8)
    someone_else = slot_at(ProFactory(), day, 8)

    response = day_view(admin_client, pro, day)

    page = response.content.decode()
    assert response.status_code == 200
    for slot in (early, free, booked, closed):
        assert f'data-slot="{slot.pk}"' in page
    for slot in (before, after, someone_else):
        assert f'data-slot="{slot.pk}"' not in page
    assert "00:30–01:30" in page
    assert "08:00–09:00" in page
    assert [row.state for row in response.context["rows"]] == ["free", "free", "booked", "closed"]
    assert reverse("admin:leads_lead_change", args=[lead.pk]) in page
    assert reverse("admin:scheduling_slot_close", args=[free.pk]) in page
    assert reverse("admin:scheduling_slot_open", args=[closed.pk]) in page
    assert reverse("admin:scheduling_slot_close", args=[booked.pk]) not in page


def test_the_day_view_without_a_pro_asks_for_one(admin_client, pro):
    response = admin_client.get(reverse("admin:scheduling_slot_day"))

    assert response.status_code == 200
    assert response.context["rows"] is None


def test_a_free_slot_is_closed_and_opened_again(admin_client, pro, day):
    slot = slot_at(pro, day, 8)

    closing = admin_client.post(reverse("admin:scheduling_slot_close", args=[slot.pk]))

    slot.refresh_from_db()
    assert slot.closed is True
    assert closing.status_code == 302
    assert closing.url == (
        reverse("admin:scheduling_slot_day") + f"?pro={pro.pk}&date={day.isoformat()}"
    )

    admin_client.post(reverse("admin:scheduling_slot_open", args=[slot.pk]))

    slot.refresh_from_db()
    assert slot.closed is False


def test_a_booked_slot_cannot_be_closed(admin_client, pro, day):
    lead = LeadFactory(pro=pro)
    slot = slot_at(pro, day, 8, lead=lead, booked_at=timezone.now())

    response = admin_client.post(
        reverse("admin:scheduling_slot_close", args=[slot.pk]), follow=True
    )

    slot.refresh_from_db()
    assert slot.closed is False
    assert slot.lead_id == lead.pk
    assert "is booked: it cannot be changed" in response.content.decode()


def test_closing_and_opening_are_conditional_updates(pro, day):
    slot = slot_at(pro, day, 8)

    assert close_slot(slot.pk) is True
    assert close_slot(slot.pk) is False  # closed already
    assert open_slot(slot.pk) is True
    assert open_slot(slot.pk) is False  # open already
    Slot.objects.filter(pk=slot.pk).update(lead=LeadFactory(pro=pro))
    assert close_slot(slot.pk) is False


def test_slots_are_closed_only_by_post_and_with_permission(client, django_user_model, pro, day):
    slot = slot_at(pro, day, 8)
    viewer = django_user_model.objects.create_user("viewer", password="pw-For-tests-1")
    viewer.is_staff = True
    viewer.save()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_slot"))
    client.force_login(viewer)

    assert day_view(client, pro, day).status_code == 200
    assert client.get(reverse("admin:scheduling_slot_close", args=[slot.pk])).status_code in (
        403,
        405,
    )
    assert client.post(reverse("admin:scheduling_slot_close", args=[slot.pk])).status_code == 403
    slot.refresh_from_db()
    assert slot.closed is False


def test_a_booked_slots_form_does_not_let_its_times_or_state_be_edited(admin_client, pro, day):
    slot = slot_at(pro, day, 8, lead=LeadFactory(pro=pro), booked_at=timezone.now())

    page = admin_client.get(reverse("admin:scheduling_slot_change", args=[slot.pk]))

    content = page.content.decode()
    assert 'name="closed"' not in content
    assert 'name="start_0"' not in content and 'name="start"' not in content


# --- the generator ------------------------------------------------------------------------


def generate(client, **fields):
    data = {"days": "7", "duration": "60", **{k: str(v) for k, v in fields.items()}}
    return client.post(reverse("admin:scheduling_slot_generate"), data)


def slots_of(pro) -> list[tuple]:
    return list(Slot.objects.filter(pro=pro).order_by("start").values_list("start", "end"))


def test_the_form_makes_the_same_slots_as_the_command_and_skips_shabbat(admin_client):
    by_form, by_command = ProFactory(), ProFactory()  # same default working hours
    sunday = next_weekday(6)

    response = generate(admin_client, pro=by_form.pk, first_day=sunday)
    call_command(
        "generate_slots",
        "--pro",
        str(by_command.pk),
        "--days",
        "7",
        "--duration",
        "60",
        "--from",
        sunday.isoformat(),
        stdout=io.StringIO(),
    )

    assert response.status_code == 200
    made = slots_of(by_form)
    assert made and made == slots_of(by_command)
    days = {start.astimezone(TZ).date() for start, _end in made}
    assert sunday + dt.timedelta(days=6) not in days  # Saturday
    assert all(day.weekday() != SATURDAY for day in days)
    (result,) = response.context["results"]
    assert result.result.created == len(made)
    assert (sunday + dt.timedelta(days=6)) in result.result.skipped_days
    assert f'data-figure="created">{len(made)}<' in response.content.decode()


def test_the_generator_is_idempotent(admin_client, pro):
    monday = next_weekday(0)
    first = generate(admin_client, pro=pro.pk, first_day=monday, start="08:00", end="10:00")
    count = Slot.objects.filter(pro=pro).count()

    second = generate(admin_client, pro=pro.pk, first_day=monday, start="08:00", end="10:00")

    assert Slot.objects.filter(pro=pro).count() == count
    assert second.context["total_created"] == 0
    assert second.context["total_existing"] == first.context["total_created"] == count
    assert f"0 slots created, {count} already there." in second.content.decode()


def test_shabbat_and_holidays_can_be_included(admin_client, pro):
    saturday = next_weekday(SATURDAY)

    generate(
        admin_client,
        pro=pro.pk,
        first_day=saturday,
        days=1,
        start="08:00",
        end="10:00",
        include_holidays="on",
    )

    starts = [start.astimezone(TZ) for start, _end in slots_of(pro)]
    assert [start.strftime("%H:%M") for start in starts] == ["08:00", "09:00"]
    assert {start.date() for start in starts} == {saturday}


def test_without_a_pro_every_active_pro_gets_slots(admin_client, pro):
    inactive = ProFactory(active=False)
    monday = next_weekday(0)

    response = generate(admin_client, first_day=monday, days=1, start="08:00", end="10:00")

    assert Slot.objects.filter(pro=pro).count() == 2
    assert not Slot.objects.filter(pro=inactive).exists()
    assert [r.pro for r in response.context["results"]] == [pro]


@pytest.mark.parametrize(
    ("times", "error"),
    [
        ({"start": "08:00"}, "Give both the start and the end of day, or neither."),
        ({"start": "10:00", "end": "08:00"}, "The start of day must be before its end."),
    ],
)
def test_the_generator_refuses_half_a_day(admin_client, pro, times, error):
    response = generate(admin_client, pro=pro.pk, first_day=next_weekday(0), **times)

    assert error in response.content.decode()
    assert not Slot.objects.exists()


def test_the_generator_starts_from_today_and_the_day_views_pro(admin_client, pro):
    response = admin_client.get(reverse("admin:scheduling_slot_generate"), {"pro": str(pro.pk)})

    form = response.context["form"]
    assert form.initial["first_day"] == timezone.localdate()
    assert str(form.initial["pro"]) == str(pro.pk)


def test_skipped_days_are_named_in_hebrew(admin_client, pro):
    friday = next_weekday(4)

    response = admin_client.post(
        reverse("admin:scheduling_slot_generate"),
        {"pro": pro.pk, "first_day": friday, "days": "2", "duration": "60"},
        HTTP_ACCEPT_LANGUAGE="he",
    )

    saturday = friday + dt.timedelta(days=1)
    (result,) = response.context["results"]
    assert (saturday, "שבת") in result.skipped
    assert "שבת" in response.content.decode()
