import datetime as dt

import pytest
from django.utils import timezone

from scheduling.booking import (
    book,
    claim_slot,
    nearest_free_slots,
    release_lead_slots,
    release_slot,
    slot_at,
)
from scheduling.models import Slot
from tests.concurrency import in_threads
from tests.factories import LeadFactory, ProFactory, SlotFactory

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def base():
    """A whole hour, a day ahead: slots start on it, `now` lies before it."""
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


@pytest.fixture
def pro(db):
    return ProFactory()


@pytest.fixture
def lead(db):
    return LeadFactory()


def hourly(pro, base, hours):
    """Slots of one hour starting at base + each of `hours`."""
    return [SlotFactory(pro=pro, start=base + h * HOUR, end=base + (h + 1) * HOUR) for h in hours]


def holder(slot):
    return Slot.objects.values_list("lead_id", flat=True).get(pk=slot.pk)


def test_claim_release_and_rebook(pro, lead, base):
    (slot,) = hourly(pro, base, [0])
    other = LeadFactory()

    assert claim_slot(slot.pk, lead.pk)
    assert holder(slot) == lead.pk
    assert not claim_slot(slot.pk, other.pk)
    assert not release_slot(slot.pk, other.pk)
    assert release_slot(slot.pk, lead.pk)
    assert holder(slot) is None
    assert claim_slot(slot.pk, other.pk)
    assert holder(slot) == other.pk


def test_claim_stamps_booked_at(pro, lead, base):
    (slot,) = hourly(pro, base, [0])
    now = base - 2 * HOUR

    claim_slot(slot.pk, lead.pk, now=now)

    slot.refresh_from_db()
    assert slot.booked_at == now
    release_slot(slot.pk, lead.pk)
    slot.refresh_from_db()
    assert slot.booked_at is None


def test_closed_and_past_slots_are_refused(pro, lead, base):
    closed, started = hourly(pro, base, [0, 1])
    Slot.objects.filter(pk=closed.pk).update(closed=True)

    assert not claim_slot(closed.pk, lead.pk)
    assert not claim_slot(started.pk, lead.pk, now=started.start)
    assert not claim_slot(started.pk, lead.pk, now=started.start + dt.timedelta(minutes=5))
    assert Slot.objects.filter(lead__isnull=False).count() == 0


def test_a_lead_holding_a_slot_cannot_take_a_second(pro, lead, base):
    later, earlier = hourly(pro, base, [5, 1])

    assert claim_slot(later.pk, lead.pk)
    assert not claim_slot(earlier.pk, lead.pk)
    assert holder(later) == lead.pk
    assert holder(earlier) is None


def test_release_lead_slots(pro, lead, base):
    slots = hourly(pro, base, [0, 1])
    claim_slot(slots[0].pk, lead.pk)

    assert release_lead_slots(lead.pk) == 1
    assert release_lead_slots(lead.pk) == 0
    assert Slot.objects.filter(lead__isnull=False).count() == 0


def test_slot_at_finds_the_free_slot_containing_the_time(pro, lead, base):
    first, second = hourly(pro, base, [0, 1])

    assert slot_at(pro.pk, base + dt.timedelta(minutes=30)) == first
    assert slot_at(pro.pk, base + HOUR) == second
    assert slot_at(pro.pk, base + 2 * HOUR) is None
    claim_slot(second.pk, lead.pk)
    assert slot_at(pro.pk, base + HOUR) is None


def test_nearest_free_slots_sorted_with_ties_to_the_earlier(pro, lead, base):
    # Free at 0, 1, 3, 4, 6; taken at 2.
    slots = hourly(pro, base, [0, 1, 2, 3, 4, 6])
    claim_slot(slots[2].pk, lead.pk)

    # From 3:30 the distances are 3.5, 2.5, .5, .5, 2.5: the tie of 1 and 6 goes to 1.
    nearest = nearest_free_slots(pro.pk, base + 3.5 * HOUR)

    assert [s.start for s in nearest] == [base + HOUR, base + 3 * HOUR, base + 4 * HOUR]


def test_nearest_free_slots_skip_past_closed_and_other_pros(pro, base):
    slots = hourly(pro, base, [0, 1, 2, 3])
    Slot.objects.filter(pk=slots[1].pk).update(closed=True)
    hourly(ProFactory(), base, [1])

    nearest = nearest_free_slots(pro.pk, base + HOUR, now=base)

    assert [s.start for s in nearest] == [base + 2 * HOUR, base + 3 * HOUR]


def test_book_takes_the_slot_at_the_time(pro, lead, base):
    hourly(pro, base, [0, 1])

    result = book(pro.pk, lead.pk, base + HOUR)

    assert result.slot.start == base + HOUR
    assert result.slot.lead_id == lead.pk
    assert result.alternatives == []


def test_book_a_taken_time_offers_the_three_nearest(pro, lead, base):
    slots = hourly(pro, base, [0, 1, 2, 3, 4])
    claim_slot(slots[2].pk, LeadFactory().pk)

    result = book(pro.pk, lead.pk, base + 2 * HOUR)

    assert result.slot is None
    assert [s.start for s in result.alternatives] == [base, base + HOUR, base + 3 * HOUR]
    assert Slot.objects.filter(lead_id=lead.pk).count() == 0


def test_book_outside_hours_offers_the_three_nearest(pro, lead, base):
    hourly(pro, base, [0, 1, 2, 3])

    result = book(pro.pk, lead.pk, base + 10 * HOUR)

    assert result.slot is None
    assert [s.start for s in result.alternatives] == [base + h * HOUR for h in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_fifty_leads_racing_for_one_slot_book_it_once(base):
    (slot,) = hourly(ProFactory(), base, [0])
    leads = [LeadFactory().pk for _ in range(50)]

    won = in_threads(50, lambda i: claim_slot(slot.pk, leads[i]))

    assert won.count(True) == 1
    assert holder(slot) == leads[won.index(True)]


@pytest.mark.django_db(transaction=True)
def test_one_lead_racing_for_five_slots_holds_exactly_one(base):
    slots = hourly(ProFactory(), base, [0, 1, 2, 3, 4])
    lead = LeadFactory()

    won = in_threads(50, lambda i: claim_slot(slots[i % 5].pk, lead.pk))

    held = list(Slot.objects.filter(lead_id=lead.pk))
    assert len(held) == 1
    # The slot kept is one whose claim answered True. Another True is possible only when
    # an earlier-stamped claim overtook it (see scheduling.booking).
    assert held[0].pk in {slots[i % 5].pk for i, ok in enumerate(won) if ok}
