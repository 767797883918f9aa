"""A pro closes or opens times by WhatsApp, on a fixed clock: Tuesday 8 December 2026,
09:30 in Israel.

Every request is shown first (the slots that change, the booked jobs that do not) and
changes nothing until the pro confirms; the confirmation changes exactly the slots shown,
once, and never a booked slot. Messages go through `pro_conversation.handle`, the way a
worker hands a pro's turn, so the order of the office's commands is part of what is tested.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from leads import pro_conversation
from leads.models import LeadStatus
from leads.pro_office import availability as office
from messaging.models import OutboundKind, OutboundMessage
from pros.models import ProCommand, ProCommandState
from scheduling import booking
from scheduling.models import Slot
from tests.concurrency import in_threads
from tests.factories import (
    CityFactory,
    CustomerFactory,
    InboundMessageFactory,
    LeadFactory,
    ProFactory,
    SlotFactory,
)

pytestmark = pytest.mark.django_db

ISRAEL = ZoneInfo("Asia/Jerusalem")
TUESDAY = dt.date(2026, 12, 8)
WEDNESDAY, FRIDAY, SATURDAY = (TUESDAY + dt.timedelta(days=k) for k in (1, 3, 4))
NOW = dt.datetime.combine(TUESDAY, dt.time(9, 30), tzinfo=ISRAEL)
HOURS = range(8, 17)  # a working day's slots: 08:00 to 17:00, an hour each


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ISRAEL)


def day_slots(pro, day: dt.date, hours=HOURS) -> list[Slot]:
    return [
        SlotFactory(pro=pro, start=local(day, hour), end=local(day, hour) + dt.timedelta(hours=1))
        for hour in hours
    ]


def book(slot: Slot, name="Dana Levi", address="הרצל 10"):
    lead = LeadFactory(
        pro=slot.pro,
        customer=CustomerFactory(name=name),
        status=LeadStatus.BOOKED,
        full_address=address,
        city=CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa"),
        appointment_time=slot.start,
    )
    assert booking.claim_slot(slot.pk, lead.pk, now=NOW - dt.timedelta(days=1))
    return lead


@pytest.fixture
def pro():
    return ProFactory(name="Yossi Cohen", phone="0521112222")


def write(pro, text: str = "", now=NOW, button_id: str = "") -> str:
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text, button_id=button_id)
    return pro_conversation.handle(message, pro, now=now)


def last_to(pro) -> OutboundMessage:
    return OutboundMessage.objects.filter(chat_id=pro.chat_id).order_by("-created_at").first()


def closed_starts(pro) -> list[dt.datetime]:
    return list(
        Slot.objects.filter(pro=pro, closed=True).order_by("start").values_list("start", flat=True)
    )


def free_starts(pro, day: dt.date) -> list[str]:
    slots = Slot.objects.filter(pro=pro, lead__isnull=True, closed=False).order_by("start")
    return [
        f"{timezone_local(s.start):%H:%M}" for s in slots if timezone_local(s.start).date() == day
    ]


def timezone_local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ISRAEL)


def waiting(pro) -> ProCommand:
    return ProCommand.objects.get(pro=pro, command=office.COMMAND, state=ProCommandState.AWAITING)


# --- closing ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["חסום מחר", "block tomorrow", "I'm off tomorrow"])
def test_blocking_tomorrow_closes_its_free_slots_only_after_the_pro_confirms(pro, text):
    tuesday, wednesday, thursday = (
        day_slots(pro, TUESDAY + dt.timedelta(days=k)) for k in range(3)
    )
    job = book(wednesday[4])  # 12:00

    assert write(pro, text) == "availability_proposed"

    preview = last_to(pro)
    assert preview.kind == OutboundKind.BUTTONS
    assert [b["text"] for b in preview.buttons] == ["אישור", "ביטול"]
    assert "לסגור ביומן" in preview.text and "יום רביעי 9/12" in preview.text
    assert "08:00–12:00, 13:00–17:00 (8 חלונות)" in preview.text
    assert "לא נוגע ב:" in preview.text
    assert "Dana" in preview.text and "הרצל 10" in preview.text and "12:00" in preview.text
    assert "1 - אישור" in preview.text and "2 - ביטול" in preview.text
    assert closed_starts(pro) == []  # nothing changes before the confirmation
    command = waiting(pro)
    assert command.text == text
    assert {s["id"] for s in command.details["close"]} == {
        str(s.pk) for s in wednesday if s.pk != wednesday[4].pk
    }
    (untouched,) = command.details["untouched"]
    assert (untouched["slot"], untouched["lead"]) == (str(wednesday[4].pk), str(job.pk))
    assert dt.datetime.fromisoformat(untouched["start"]) == local(WEDNESDAY, 12)

    assert write(pro, "1") == "availability_applied"

    assert closed_starts(pro) == [s.start for s in wednesday if s.pk != wednesday[4].pk]
    held = Slot.objects.get(pk=wednesday[4].pk)
    assert held.lead_id == job.pk and not held.closed  # the booked job is not touched
    assert not Slot.objects.filter(pk__in=[s.pk for s in tuesday + thursday], closed=True).exists()
    command.refresh_from_db()
    assert command.state == ProCommandState.APPLIED and command.applied_at == NOW
    assert command.details["applied"] == {"closed": 8, "opened": 0, "created": 0, "skipped": 0}
    assert last_to(pro).text == "✅ בוצע: נסגרו 8 חלונות ביומן."


@pytest.mark.parametrize("text", ["לא זמין היום אחרי 14:00", "not available today after 2pm"])
def test_not_available_today_after_two_closes_the_afternoon_and_leaves_the_morning(pro, text):
    today = day_slots(pro, TUESDAY)
    book(today[7])  # 15:00

    assert write(pro, text) == "availability_proposed"
    assert "14:00–15:00, 16:00–17:00 (2 חלונות)" in last_to(pro).text
    command = waiting(pro)

    pressed = write(pro, "אישור", button_id=f"{office.APPLY}:{command.pk}")

    assert pressed == "availability_applied"
    assert [f"{timezone_local(s):%H:%M}" for s in closed_starts(pro)] == ["14:00", "16:00"]
    assert free_starts(pro, TUESDAY) == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"]
    assert Slot.objects.get(pk=today[7].pk).lead_id is not None


@pytest.mark.parametrize("text", ["חופש 20-24/12", "off 20-24/12", "vacation Dec 20-24"])
def test_a_vacation_closes_every_free_slot_of_its_days_and_lists_the_jobs_left(pro, text):
    by_day = {
        day: day_slots(pro, day, hours=(9, 12))
        for day in (dt.date(2026, 12, d) for d in range(19, 26))
    }
    kept = book(by_day[dt.date(2026, 12, 22)][1], name="Rina Katz", address="ויצמן 5")

    write(pro, text)

    preview = last_to(pro).text
    for day in ("20/12", "21/12", "22/12", "23/12", "24/12"):
        assert day in preview
    assert "19/12" not in preview.split("לא נוגע ב:")[0] and "25/12" not in preview
    assert "Rina" in preview.split("לא נוגע ב:")[1] and "ויצמן 5" in preview

    assert write(pro, "כן") == "availability_applied"

    closed = {s.pk for s in Slot.objects.filter(pro=pro, closed=True)}
    expected = set(
        Slot.objects.filter(
            start__gte=local(dt.date(2026, 12, 20), 0),
            start__lt=local(dt.date(2026, 12, 25), 0),
            lead__isnull=True,
        ).values_list("pk", flat=True)
    )
    assert closed == expected and len(closed) == 9
    assert Slot.objects.get(lead=kept).closed is False


# --- opening ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["פתח שישי 8-12", "open Friday 8-12"])
def test_opening_friday_morning_reopens_closed_slots_and_adds_the_missing_ones(pro, text):
    day_slots(pro, TUESDAY)  # the pro's slots are an hour long
    closed_nine = SlotFactory(pro=pro, start=local(FRIDAY, 9), end=local(FRIDAY, 10), closed=True)
    booked_ten = SlotFactory(pro=pro, start=local(FRIDAY, 10), end=local(FRIDAY, 11))
    job = book(booked_ten)
    closed_noon = SlotFactory(pro=pro, start=local(FRIDAY, 12), end=local(FRIDAY, 13), closed=True)

    assert write(pro, text) == "availability_proposed"
    preview = last_to(pro).text
    assert "לפתוח ביומן" in preview and "יום שישי 11/12" in preview
    assert "08:00–10:00, 11:00–12:00 (3 חלונות)" in preview
    assert Slot.objects.filter(pro=pro, start__gte=local(FRIDAY, 0)).count() == 3

    assert write(pro, "1") == "availability_applied"

    assert free_starts(pro, FRIDAY) == ["08:00", "09:00", "11:00"]
    assert Slot.objects.get(pk=booked_ten.pk).lead_id == job.pk
    assert Slot.objects.get(pk=closed_noon.pk).closed  # 12:00-13:00 is outside 8-12
    assert Slot.objects.get(pk=closed_nine.pk).closed is False
    new = Slot.objects.get(pro=pro, start=local(FRIDAY, 8))
    assert new.end - new.start == dt.timedelta(hours=1)
    assert last_to(pro).text == "✅ בוצע: נפתחו 3 חלונות ביומן."


def test_opening_hours_outside_working_hours_adds_slots_of_the_pros_length(pro):
    SlotFactory(pro=pro, start=local(TUESDAY, 10), end=local(TUESDAY, 11, 30))  # 90 minutes
    SlotFactory(pro=pro, start=local(TUESDAY, 11, 30), end=local(TUESDAY, 13))

    write(pro, "פתח שבת 9-13")
    write(pro, "1")

    assert [
        (f"{timezone_local(s.start):%H:%M}", f"{timezone_local(s.end):%H:%M}")
        for s in Slot.objects.filter(pro=pro, start__gte=local(SATURDAY, 0)).order_by("start")
    ] == [("09:00", "10:30"), ("10:30", "12:00")]


def test_opening_a_day_without_hours_opens_the_pros_working_hours(pro):
    wednesday = day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    write(pro, "1")
    assert len(closed_starts(pro)) == len(wednesday)

    write(pro, "פתח מחר")
    # Working hours are 08:00-18:00: nine slots open again and one is added at 17:00.
    assert "08:00–18:00 (10 חלונות)" in last_to(pro).text
    write(pro, "1")

    assert closed_starts(pro) == []
    assert free_starts(pro, WEDNESDAY) == [f"{hour:02}:00" for hour in range(8, 18)]


def test_opening_by_a_part_of_the_day_or_on_a_day_off_asks_which_hours(pro):
    assert write(pro, "פתח שישי בבוקר") == "availability_asked"
    assert "באילו שעות" in last_to(pro).text
    assert write(pro, "פתח שבת") == "availability_asked"  # Shabbat has no working hours
    assert "באילו שעות" in last_to(pro).text
    assert not ProCommand.objects.filter(state=ProCommandState.AWAITING).exists()
    assert not Slot.objects.exists()


# --- cancelling, replacing, confirming once ----------------------------------------------


@pytest.mark.parametrize("answer", ["2", "ביטול", "לא", "no", "cancel"])
def test_cancelling_changes_nothing(pro, answer):
    day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    command = waiting(pro)

    assert write(pro, answer) == "availability_cancelled"

    command.refresh_from_db()
    assert command.state == ProCommandState.CANCELLED
    assert closed_starts(pro) == []
    assert last_to(pro).text == "בוטל. לא שינינו כלום ביומן."
    # The preview's button pressed later finds nothing waiting.
    assert write(pro, button_id=f"{office.APPLY}:{command.pk}") == "availability_not_waiting"
    assert closed_starts(pro) == []


def test_a_duplicate_confirmation_applies_once(pro):
    wednesday = day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    command = waiting(pro)
    button = f"{office.APPLY}:{command.pk}"
    assert write(pro, "אישור", button_id=button) == "availability_applied"
    # A manager opens one of the closed slots again; the pro's second press must not close it.
    Slot.objects.filter(pk=wednesday[0].pk).update(closed=False)

    assert write(pro, "אישור", button_id=button) == "availability_not_waiting"
    assert last_to(pro).text == "השינוי הזה כבר בוצע ✔️"
    assert write(pro, "1") == "pro_unknown"  # a typed "1" with nothing waiting is not ours

    assert Slot.objects.get(pk=wednesday[0].pk).closed is False
    assert ProCommand.objects.get(pk=command.pk).details["applied"]["closed"] == 9


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_confirmation_at_the_same_moment_apply_it_once(pro):
    day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    command = waiting(pro)

    outcomes = in_threads(2, lambda _i: office.apply(command.pk, pro, NOW))

    assert sorted(outcomes) == ["availability_applied", "availability_not_waiting"]
    done = OutboundMessage.objects.filter(chat_id=pro.chat_id, text__startswith="✅")
    assert done.count() == 1


def test_a_new_request_replaces_the_one_waiting(pro):
    wednesday = day_slots(pro, WEDNESDAY)
    friday = day_slots(pro, FRIDAY, hours=(8, 9))
    write(pro, "חסום מחר")
    first = waiting(pro)

    write(pro, "חסום שישי")

    first.refresh_from_db()
    assert first.state == ProCommandState.CANCELLED and "replaced" in first.outcome
    second = waiting(pro)
    assert "הבקשה הקודמת שחיכתה לאישור בוטלה" in last_to(pro).text
    assert write(pro, button_id=f"{office.APPLY}:{first.pk}") == "availability_not_waiting"
    assert closed_starts(pro) == []

    write(pro, "1")

    second.refresh_from_db()
    assert second.state == ProCommandState.APPLIED
    assert closed_starts(pro) == [s.start for s in friday]
    assert not Slot.objects.filter(pk__in=[s.pk for s in wednesday], closed=True).exists()


def test_a_slot_booked_between_the_preview_and_the_confirmation_stays_booked(pro):
    wednesday = day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    lead = LeadFactory(pro=pro)
    assert booking.claim_slot(wednesday[2].pk, lead.pk, now=NOW)

    write(pro, "1")

    taken = Slot.objects.get(pk=wednesday[2].pk)
    assert taken.lead_id == lead.pk and not taken.closed
    assert len(closed_starts(pro)) == 8
    assert "חלון אחד השתנה בינתיים" in last_to(pro).text


def test_a_closed_slot_cannot_be_booked(pro):
    wednesday = day_slots(pro, WEDNESDAY)
    write(pro, "block tomorrow")
    write(pro, "1")

    assert booking.book(pro.pk, LeadFactory().pk, local(WEDNESDAY, 10), now=NOW).slot is None
    assert not Slot.objects.filter(pk__in=[s.pk for s in wednesday], lead__isnull=False).exists()


def test_a_job_offer_after_the_preview_takes_the_typed_number(pro):
    """The last question asked is the one a typed "1" answers: a job offer sent after the
    preview is approved, the calendar change keeps waiting for its own button."""
    day_slots(pro, WEDNESDAY)
    write(pro, "חסום מחר")
    slot = SlotFactory(pro=pro, start=local(FRIDAY, 10), end=local(FRIDAY, 11))
    lead = LeadFactory(pro=pro, status=LeadStatus.AWAITING_PRO, full_address="הרצל 10")
    booking.claim_slot(slot.pk, lead.pk, now=NOW)
    from leads.assignment import notify_pro

    notify_pro(lead, pro, slot)

    assert write(pro, "1") == "approved"
    assert waiting(pro).state == ProCommandState.AWAITING
    assert closed_starts(pro) == []


# --- asked back, never guessed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("חסום", "לאיזה יום?"),
        ("לא זמין אחרי 14", "לאיזה יום?"),
        ("block tomorrow at 10", "לא הצלחנו להבין"),
        ("חופש עד ראשון", "לא הצלחנו להבין"),
        ("חסום 1/12", "כבר עבר"),
        ("לא זמין היום עד 9", "כבר עבר"),
        ("חופש 1/12-15/1", "יותר מ-31 ימים"),
    ],
)
def test_an_ambiguous_request_is_asked_back_and_changes_nothing(pro, text, question):
    day_slots(pro, TUESDAY)
    day_slots(pro, WEDNESDAY)

    assert write(pro, text) == "availability_asked"

    answer = last_to(pro)
    assert answer.kind == OutboundKind.TEXT
    assert question in answer.text and '"חסום מחר"' in answer.text
    command = ProCommand.objects.get(pro=pro, command=office.COMMAND)
    assert command.state == ProCommandState.ANSWERED and command.details["problem"]
    assert closed_starts(pro) == []


def test_a_request_that_changes_nothing_says_so_and_lists_the_jobs(pro):
    for slot in day_slots(pro, WEDNESDAY, hours=(9,)):
        book(slot, name="Avi Mor")

    assert write(pro, "חסום מחר") == "availability_nothing"

    text = last_to(pro).text
    assert "אין אז זמנים פנויים לסגור" in text and "Avi" in text and "לא נוגע ב:" in text
    assert not ProCommand.objects.filter(state=ProCommandState.AWAITING).exists()


@pytest.mark.parametrize("text", ["מחר", "הפסקה", "1", "2", "לא", "סגור"])
def test_other_messages_are_not_this_commands(pro, text):
    day_slots(pro, WEDNESDAY)
    message = InboundMessageFactory(chat_id=pro.chat_id, text=text)

    assert office.handle(message, pro, NOW) is None
    assert not ProCommand.objects.filter(command=office.COMMAND).exists()
