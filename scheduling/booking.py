"""Booking: a lead claims a pro's slot, or is offered the nearest free ones.

Every change of who holds a slot is one conditional update whose row count is checked
(DESIGN.md, data layer): no transactions and no row locks, so the same code is race-free
on SQLite and on MongoDB. This module is layer 2, so leads are passed in by id.

One customer's lead holds at most one slot. No single row can enforce that (the claims
land on different slot rows, and no unique constraint fits a nullable lead on both
backends), so a claim is made first and checked after:

1. Claim the slot: `filter(free, open, future).update(lead=..., booked_at=now)`; zero
   rows means someone else has it (or it is closed or past). Booking by time
   (`claim_slot_at`) claims the same way every such slot of the pro that contains the
   time: one, unless slots overlap.
2. Read every slot the lead now holds, in one fixed order: (booked_at, start, id). The
   first of them is the lead's booking.
   - Ours is not first: release ours (conditionally: only while this lead holds it) and
     answer False. A lead that already held a slot keeps it, since it was booked earlier.
   - Ours is first: release the lead's other slots. This closes the one window a
     check-then-release cannot: a claim whose `now` is earlier than that of a claim that
     already checked and found itself alone.

Why this leaves exactly one slot after concurrent claims by the same lead: let W be the
first, in that order, of the slots the lead's claims take. W's own check never sees a slot
before it, so W is kept. Every other claim either checks after W was claimed (it then sees
W before it and releases itself) or was claimed before W's check (W's check releases it).
Nobody releases W, so the lead ends with W alone; neither "both released" nor "both kept"
can happen. The cost is the rare case of the second bullet: a claim that answered True can
lose its slot to an earlier-stamped claim of the same lead made at the same moment.

Moving a booking is the one exception, on purpose: `claim_another` takes the new slot
while the lead keeps its old one, and the caller then frees one of the two. Claiming first
means a move that loses its slot leaves the booking where it was, never nowhere.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from scheduling.models import Slot

NEAREST_COUNT = 3


@dataclass
class BookingResult:
    slot: Slot | None
    alternatives: list[Slot] = field(default_factory=list)


def _free(pro_id, now: dt.datetime):
    return Slot.objects.filter(pro_id=pro_id, lead__isnull=True, closed=False, start__gt=now)


def claim_slot(slot_id, lead_id, now: dt.datetime | None = None) -> bool:
    """Give the slot to the lead if it is free, open and in the future; True if it did."""
    now = now or timezone.now()
    claimed = Slot.objects.filter(
        pk=slot_id, lead__isnull=True, closed=False, start__gt=now
    ).update(lead_id=lead_id, booked_at=now, updated_at=now)
    if claimed != 1:
        return False
    held = list(
        Slot.objects.filter(lead_id=lead_id)
        .order_by("booked_at", "start", "id")
        .values_list("pk", flat=True)
    )
    return _kept_first(held, {slot_id}, lead_id) is not None


def _kept_first(held: list, ours: set, lead_id):
    """Step 2 of a claim: of the slots the lead holds (`held`, in the claim order), keep
    the first when it is one of this claim's (`ours`) and release the others; else
    release ours. The kept one, or None."""
    ours = {str(pk) for pk in ours}
    first = held[0] if held else None
    first_pk = getattr(first, "pk", first)
    if first is not None and str(first_pk) in ours:
        for other in held[1:]:
            release_slot(getattr(other, "pk", other), lead_id)
        return first
    for other in held:
        if str(getattr(other, "pk", other)) in ours:
            release_slot(getattr(other, "pk", other), lead_id)
    return None


def claim_slot_at(pro_id, lead_id, when: dt.datetime, now: dt.datetime) -> Slot | None:
    """Give the lead the pro's free, open, future slot that contains `when` (as slot_at
    and claim_slot one after the other, with one statement fewer); the slot, or None.

    Step 1 claims by the time instead of by the slot's id: every free, open, future slot
    of the pro that contains `when` (one, unless a manager made slots that overlap).
    Step 2 reads the slots the lead holds, in full, and goes on as claim_slot does, this
    claim's slots being those of this pro that contain `when` (another claim of the same
    lead for the same pro and time would be this one again): the first kept, the others
    released, so of overlapping slots the earliest stays, as slot_at would choose it."""
    containing = Slot.objects.filter(
        pro_id=pro_id,
        lead__isnull=True,
        closed=False,
        start__lte=when,
        end__gt=when,
        start__gt=now,
    )
    if not containing.update(lead_id=lead_id, booked_at=now, updated_at=now):
        return None
    held = list(Slot.objects.filter(lead_id=lead_id).order_by("booked_at", "start", "id"))
    ours = {
        slot.pk
        for slot in held
        if str(slot.pro_id) == str(pro_id) and slot.start <= when < slot.end
    }
    return _kept_first(held, ours, lead_id)


def claim_another(slot_id, lead_id, now: dt.datetime | None = None) -> bool:
    """The first half of moving a booking: give the slot to the lead if it is free, open
    and in the future, leaving the lead's current slot alone. True if it did.

    Unlike `claim_slot`, the lead's other slots are not checked: for a moment the lead
    holds two, and the caller ends that at once by releasing the old one (the move went
    through) or this one (it did not). Claiming before releasing means a lost claim
    leaves the lead with its old slot, never with none."""
    now = now or timezone.now()
    claimed = Slot.objects.filter(
        pk=slot_id, lead__isnull=True, closed=False, start__gt=now
    ).update(lead_id=lead_id, booked_at=now, updated_at=now)
    return claimed == 1


def release_slot(slot_id, lead_id) -> bool:
    """Free the slot if this lead holds it; it can then be booked again."""
    released = Slot.objects.filter(pk=slot_id, lead_id=lead_id).update(
        lead=None, booked_at=None, updated_at=timezone.now()
    )
    return released == 1


def release_lead_slots(lead_id) -> int:
    """Free every slot the lead holds; the number freed."""
    return Slot.objects.filter(lead_id=lead_id).update(
        lead=None, booked_at=None, updated_at=timezone.now()
    )


def slot_at(pro_id, when: dt.datetime) -> Slot | None:
    """The pro's free, open slot that contains `when` (start <= when < end)."""
    return (
        Slot.objects.filter(
            pro_id=pro_id, lead__isnull=True, closed=False, start__lte=when, end__gt=when
        )
        .order_by("start")
        .first()
    )


def nearest_free_slots(
    pro_id, when: dt.datetime, count: int = NEAREST_COUNT, now: dt.datetime | None = None
) -> list[Slot]:
    """The pro's `count` free future slots starting nearest to `when`, sorted by start.

    Ties in distance go to the earlier slot. Two bounded queries on the (pro, lead, start)
    index: the `count` starting before `when` and the `count` from `when` on.
    """
    free = _free(pro_id, now or timezone.now())
    before = list(free.filter(start__lt=when).order_by("-start")[:count])
    after = list(free.filter(start__gte=when).order_by("start")[:count])
    nearest = sorted(before + after, key=lambda slot: (abs(slot.start - when), slot.start))
    return sorted(nearest[:count], key=lambda slot: slot.start)


def free_slots_toward(
    pro_id, current: dt.datetime, direction: str, count: int = NEAREST_COUNT, now=None
) -> list[Slot]:
    """The pro's free slots nearest to `current` in the asked direction: "earlier" (before
    it, from now on), "later" (after it, the same day first) or "other_day" (from the next
    day on), sorted by start."""
    now = now or timezone.now()
    free = _free(pro_id, now)
    if direction == "earlier":
        return sorted(free.filter(start__lt=current).order_by("-start")[:count], key=_start)
    if direction == "later":
        return list(free.filter(start__gt=current).order_by("start")[:count])
    next_day = timezone.localtime(current).replace(hour=0, minute=0, second=0, microsecond=0)
    next_day += dt.timedelta(days=1)
    return list(free.filter(start__gte=next_day).order_by("start")[:count])


def earliest_free_slot(pro_ids, now: dt.datetime, before: dt.datetime) -> Slot | None:
    """The earliest free slot among these pros between now and `before` (an emergency)."""
    return (
        Slot.objects.filter(
            pro_id__in=list(pro_ids), lead__isnull=True, closed=False, start__gte=now
        )
        .filter(start__lt=before)
        .order_by("start")
        .first()
    )


def _start(slot: Slot) -> dt.datetime:
    return slot.start


def book(pro_id, lead_id, when: dt.datetime, now: dt.datetime | None = None) -> BookingResult:
    """Book the pro's slot at `when` for the lead; if it cannot be had, the nearest free
    slots for the customer to choose from."""
    now = now or timezone.now()
    slot = claim_slot_at(pro_id, lead_id, when, now)
    if slot is not None:
        return BookingResult(slot=slot)
    return BookingResult(slot=None, alternatives=nearest_free_slots(pro_id, when, now=now))
