"""Conditional updates that lose a race: each test makes a second actor (a customer's
cancel, a manager's cancel, another customer's booking) write between the moment Fixi read
the lead or the slot and the moment its conditional update runs, and checks that the
loser acts on its loss: it sends nothing, gives back only what it holds, and leaves the
lead with exactly the slot and the load it should have.

The second actor runs through Fixi's own functions and the ORM (tests/leads/races.py);
nothing of Fixi's is replaced.
"""

import datetime as dt

import pytest
from django.utils import timezone

from leads import assignment, customer_actions, manager_actions
from leads.models import Lead, LeadEvent, LeadStatus
from messaging.models import OutboundMessage
from pros.models import Pro
from scheduling import booking
from scheduling.models import Slot
from tests.factories import CityFactory, CustomerFactory, LeadFactory, ProFactory, SlotFactory
from tests.leads.races import Rule, competing, targets

pytestmark = pytest.mark.django_db


def local_day_at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def tomorrow_at(hour: int) -> dt.datetime:
    return local_day_at(timezone.localdate() + dt.timedelta(days=1), hour)


@pytest.fixture
def haifa():
    return CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")


@pytest.fixture
def yossi(haifa):
    # One open job elsewhere already: a place given back twice shows as a load of 0.
    return ProFactory(
        name="Yossi Cohen",
        rating=4.9,
        review_count=120,
        current_load=1,
        trades=["plumbing"],
        cities=[haifa],
    )


@pytest.fixture
def rina(haifa):
    return ProFactory(
        name="Rina Levi", rating=4.5, review_count=40, trades=["plumbing"], cities=[haifa]
    )


def ready_lead(haifa, **fields):
    every_detail = {
        "customer": CustomerFactory(),
        "status": LeadStatus.CONTACTED,
        "city": haifa,
        "full_address": "הרצל 10",
        "appointment_time": tomorrow_at(10),
    }
    return LeadFactory(**{**every_detail, **fields})


def customer_cancels(lead):
    return lambda: customer_actions.cancel(lead.customer, "he")


def load(pro) -> int:
    return Pro.objects.get(pk=pro.pk).current_load


def to(pro):
    return OutboundMessage.objects.filter(chat_id=pro.chat_id)


def claims_for(lead):
    """The update that gives a slot to `lead`."""
    return lambda queryset, values: values.get("lead_id") == lead.pk


def claims_slot_for(lead, slot):
    return lambda queryset, values: values.get("lead_id") == lead.pk and targets(queryset, slot)


def gives_the_lead_back(queryset, values):
    """assign's give-back: the lead's pro cleared without a status change."""
    return values.get("pro", "kept") is None and "status" not in values


# --- asking the pro ------------------------------------------------------------------------


def test_a_cancel_before_the_slot_is_claimed_leaves_the_slot_free_and_the_pro_unasked(haifa, yossi):
    lead = ready_lead(haifa)
    slot = SlotFactory(pro=yossi, start=tomorrow_at(10), end=tomorrow_at(11))
    race = Rule("customer cancels", Slot, claims_for(lead), customer_cancels(lead))

    with competing(race) as fired:
        result = assignment.assign(lead.pk)

    assert fired == ["customer cancels"]
    assert result.outcome == assignment.TAKEN
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).lead_id is None  # not held by a cancelled lead
    assert not to(yossi).exists()  # no job offer for a cancelled lead
    assert load(yossi) == 1  # this lead's place was given back once, by the cancel
    assert not LeadEvent.objects.filter(lead=lead, action="assigned").exists()


def test_a_cancel_before_the_pro_is_asked_sends_the_pro_nothing(haifa, yossi):
    lead = ready_lead(haifa)
    slot = SlotFactory(pro=yossi, start=tomorrow_at(10), end=tomorrow_at(11))
    asking = Rule(
        "customer cancels",
        Lead,
        lambda queryset, values: values.get("status") == LeadStatus.AWAITING_PRO,
        customer_cancels(lead),
    )

    with competing(asking) as fired:
        result = assignment.assign(lead.pk)

    assert fired == ["customer cancels"]
    assert result.outcome == assignment.TAKEN
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).lead_id is None
    assert not to(yossi).exists()
    assert load(yossi) == 1


def test_a_customer_choosing_a_slot_of_a_lead_cancelled_meanwhile_asks_nobody(haifa, yossi):
    lead = ready_lead(haifa, pro=yossi, assigned_at=timezone.now())
    chosen = SlotFactory(pro=yossi, start=tomorrow_at(12), end=tomorrow_at(13))
    lead = Lead.objects.select_related("customer", "pro").get(pk=lead.pk)
    race = Rule("customer cancels", Slot, claims_for(lead), customer_cancels(lead))

    with competing(race) as fired:
        result = assignment.choose_slot(lead, chosen.pk)

    assert fired == ["customer cancels"]
    assert result.outcome == assignment.TAKEN
    assert Slot.objects.get(pk=chosen.pk).lead_id is None
    assert not to(yossi).exists()


# --- giving a pro with no free time back ---------------------------------------------------


def test_a_cancel_before_the_lead_is_given_back_frees_the_pros_place_once(haifa, yossi, rina):
    lead = ready_lead(haifa)  # Yossi has no slot at all; Rina has one
    SlotFactory(pro=rina, start=tomorrow_at(10), end=tomorrow_at(11))
    race = Rule("customer cancels", Lead, gives_the_lead_back, customer_cancels(lead))

    with competing(race) as fired:
        result = assignment.assign(lead.pk)

    assert fired == ["customer cancels"]
    assert result.outcome == assignment.TAKEN
    assert load(yossi) == 1  # the cancel gave this lead's place back; nobody else did
    assert Lead.objects.get(pk=lead.pk).pro == yossi  # a cancelled lead keeps its pro
    assert Pro.objects.get(pk=rina.pk).last_assigned_at is None  # nobody else was tried
    assert not to(yossi).exists() and not to(rina).exists()


def test_an_emergency_whose_slot_and_lead_are_both_taken_frees_the_pros_place_once(haifa, yossi):
    now = local_day_at(timezone.localdate(), 12)
    lead = ready_lead(haifa, urgent=True, appointment_time=None)
    slot = SlotFactory(
        pro=yossi, start=now + dt.timedelta(hours=2), end=now + dt.timedelta(hours=3)
    )
    other = ready_lead(haifa)
    races = [
        Rule(
            "another customer books the slot",
            Slot,
            claims_for(lead),
            lambda: booking.claim_slot(slot.pk, other.pk, now=now),
        ),
        Rule("customer cancels", Lead, gives_the_lead_back, customer_cancels(lead)),
    ]

    with competing(*races) as fired:
        result = assignment.assign(lead.pk, now=now)

    assert fired == ["another customer books the slot", "customer cancels"]
    assert result.outcome == assignment.TAKEN
    assert load(yossi) == 1
    assert Slot.objects.get(pk=slot.pk).lead_id == other.pk
    assert not to(yossi).exists()


# --- moving a booking ----------------------------------------------------------------------


@pytest.fixture
def booked(haifa, yossi):
    """A lead booked with Yossi at 10:00 tomorrow; 12:00 is free."""
    lead = ready_lead(haifa, pro=yossi, assigned_at=timezone.now())
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.BOOKED)
    old = SlotFactory(pro=yossi, start=tomorrow_at(10), end=tomorrow_at(11))
    new = SlotFactory(pro=yossi, start=tomorrow_at(12), end=tomorrow_at(13))
    assert booking.claim_slot(old.pk, lead.pk)
    lead = Lead.objects.select_related("customer", "pro").get(pk=lead.pk)
    return lead, old, new


def test_a_move_whose_new_slot_is_taken_keeps_the_old_one(haifa, booked):
    lead, old, new = booked
    first, second = ready_lead(haifa), ready_lead(haifa)
    races = [
        Rule(
            "another customer books the new slot",
            Slot,
            claims_slot_for(lead, new),
            lambda: booking.claim_slot(new.pk, first.pk),
        ),
        Rule(
            "another customer books the old slot",
            Slot,
            claims_slot_for(lead, old),
            lambda: booking.claim_slot(old.pk, second.pk),
        ),
    ]

    with competing(*races) as fired:
        moved = assignment.move_booking(lead, new.pk)

    assert moved is None
    # The old slot was never let go, so nobody could take it.
    assert fired == ["another customer books the new slot"]
    assert Slot.objects.get(pk=old.pk).lead_id == lead.pk
    assert Slot.objects.get(pk=new.pk).lead_id == first.pk
    assert not LeadEvent.objects.filter(lead=lead, action="rescheduled").exists()


def test_a_move_of_a_lead_cancelled_meanwhile_books_nothing_and_tells_the_pro_nothing(
    booked, yossi
):
    lead, _old, new = booked
    race = Rule(
        "manager cancels",
        Slot,
        lambda queryset, values: True,  # the move's first change to a slot
        lambda: manager_actions.cancel_lead(lead.pk, actor_name="boss", tell_customer=False),
    )

    with competing(race) as fired:
        moved = assignment.move_booking(lead, new.pk)

    assert fired == ["manager cancels"]
    assert moved is None
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CANCELLED
    assert Slot.objects.filter(lead=lead).count() == 0
    assert not LeadEvent.objects.filter(lead=lead, action="rescheduled").exists()
    assert to(yossi).count() == 1  # the cancel notice, and no reschedule after it
