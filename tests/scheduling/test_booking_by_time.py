"""Booking by time (scheduling.booking.claim_slot_at): the pro's free slot that contains
the time is claimed by one conditional update and checked as a claim by id is, so a lead
ends with one slot whatever overlaps or races. Runs on both database lanes."""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling.booking import claim_slot, claim_slot_at
from scheduling.models import Slot
from tests.concurrency import in_threads
from tests.factories import LeadFactory, ProFactory, SlotFactory

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def base():
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


@pytest.fixture
def pro(db):
    return ProFactory()


def slot(pro, start, hours=1, **fields):
    return SlotFactory(pro=pro, start=start, end=start + hours * HOUR, **fields)


def held_by(lead):
    return list(Slot.objects.filter(lead=lead).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_slot_containing_the_time_is_the_one_claimed(pro, base):
    lead = LeadFactory()
    slot(pro, base)
    wanted = slot(pro, base + HOUR)
    slot(ProFactory(), base + HOUR)  # another pro's slot at the same time

    claimed = claim_slot_at(pro.pk, lead.pk, base + HOUR + dt.timedelta(minutes=30), now=base)

    assert claimed.pk == wanted.pk and claimed.lead_id == lead.pk
    assert held_by(lead) == [wanted.pk]


@pytest.mark.django_db
def test_of_overlapping_slots_the_earliest_is_kept_and_the_other_freed(pro, base):
    lead = LeadFactory()
    late = slot(pro, base + dt.timedelta(minutes=30))
    early = slot(pro, base, hours=2)

    claimed = claim_slot_at(pro.pk, lead.pk, base + HOUR, now=base - HOUR)

    assert claimed.pk == early.pk
    assert held_by(lead) == [early.pk]
    assert Slot.objects.get(pk=late.pk).lead_id is None


@pytest.mark.django_db
def test_a_taken_closed_or_started_slot_is_not_claimed(pro, base):
    lead = LeadFactory()
    slot(pro, base, lead=LeadFactory(), booked_at=base - HOUR)
    slot(pro, base + HOUR, closed=True)
    slot(pro, base + 2 * HOUR)

    for when, now in ((base, base - HOUR), (base + HOUR, base), (base + 2 * HOUR, base + 2 * HOUR)):
        assert claim_slot_at(pro.pk, lead.pk, when + dt.timedelta(minutes=5), now=now) is None
    assert held_by(lead) == []


@pytest.mark.django_db
def test_a_lead_that_holds_an_earlier_booking_keeps_it(pro, base):
    lead = LeadFactory()
    first = slot(pro, base)
    assert claim_slot(first.pk, lead.pk, now=base - 2 * HOUR)
    later = slot(pro, base + HOUR)

    assert claim_slot_at(pro.pk, lead.pk, base + HOUR, now=base - HOUR) is None
    assert held_by(lead) == [first.pk]
    assert Slot.objects.get(pk=later.pk).lead_id is None


@pytest.mark.django_db(transaction=True)
def test_leads_racing_for_one_time_get_it_once(pro, base):
    wanted = slot(pro, base)
    leads = [LeadFactory() for _ in range(8)]

    won = in_threads(8, lambda i: claim_slot_at(pro.pk, leads[i].pk, base, now=base - HOUR))

    winners = [claimed for claimed in won if claimed is not None]
    assert len(winners) == 1 and winners[0].pk == wanted.pk
    assert Slot.objects.get(pk=wanted.pk).lead_id == winners[0].lead_id
