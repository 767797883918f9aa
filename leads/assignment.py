"""Putting a pro on a lead, and taking one off.

Assigning is three claims, each one conditional update whose row count is checked:

1. a place in the pro's load (`pros.routing.route` / `claim_pro`, under the cap);
2. the lead itself (`pro IS NULL` in the WHERE clause): of two workers routing the same
   lead, one wins and the other gives its pro's place back;
3. the pro's slot at the asked time (`scheduling.booking.book`).

Then the lead moves to awaiting_pro and the pro gets the job with approve/reject buttons.
When the pro has no slot at that time, the customer is offered the pro's three nearest
free slots by number (the lead keeps its pro while the customer chooses). A pro with no
free slot at all is passed over for this round.

Taking a pro off (a rejection, a timeout, a manager's reassignment, a cancellation) is
one conditional transition that names the pro; only its winner releases the slot and the
load, so nothing is released twice. The same holds inside `assign`: a pro given back for
want of a free slot is given back by a conditional update, and the pro is asked only if
the move to awaiting_pro won; a lead that was cancelled or reassigned in between is left
to whoever moved it (with a slot claimed after that freed again), and nobody is told.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from fixi import texts
from leads import lifecycle
from leads.models import Actor, ExclusionReason, Lead, LeadExclusion, LeadStatus
from leads.understanding import missing_fields
from messaging import outbox
from pros import routing
from pros.models import Pro
from scheduling import booking
from scheduling.models import Slot

log = logging.getLogger(__name__)

ROUTABLE = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.UNASSIGNED]
HOLDING = [LeadStatus.CONTACTED, LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]
MOVABLE = [LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]  # a customer may move the visit

ASKED_PRO = "asked_pro"
OFFERED_SLOTS = "offered_slots"
UNASSIGNED = "unassigned"
TAKEN = "taken"  # someone else assigned the lead first, or it is not open for routing
NOT_READY = "not_ready"
NO_SLOTS = "no_slots"  # the chosen pro has no free slot


class AssignmentError(ValueError):
    """A manager's request that cannot be carried out (the message says why)."""


@dataclass
class Assignment:
    outcome: str
    pro: Pro | None = None
    slot: Slot | None = None
    alternatives: list[Slot] = field(default_factory=list)
    reason: dict = field(default_factory=dict)


def slot_topic(lead_id) -> str:
    return f"slots:{lead_id}"


def offer_topic(lead_id) -> str:
    return f"offer:{lead_id}"


def reschedule_topic(lead_id) -> str:
    return f"reschedule:{lead_id}"


def reminder_topic(lead_id) -> str:
    return f"reminder:{lead_id}"


def slot_start(lead: Lead):
    """When the lead's job is: the start of the slot it holds, else the asked time."""
    start = Slot.objects.filter(lead=lead).values_list("start", flat=True).first()
    return start or lead.appointment_time


def excluded_pro_ids(lead_id) -> list:
    return list(LeadExclusion.objects.filter(lead_id=lead_id).values_list("pro_id", flat=True))


def _load(lead_id) -> Lead:
    return Lead.objects.select_related("customer", "city", "pro").get(pk=lead_id)


def assign(
    lead_id,
    *,
    actor=Actor.BOT,
    actor_name: str = "",
    to_pro: Pro | None = None,
    now=None,
    lead: Lead | None = None,
    excluded: list | None = None,
) -> Assignment:
    """Route the lead, claim its slot and ask the pro; or offer slots; or mark it for SOS.

    Messages to the pro are queued here. The customer's message is the caller's to
    write (`tell_customer`), so a conversation can answer in one message.

    A caller that has just read the lead passes it (`lead`, with its customer, city and
    pro): it is used instead of reading it again, and is kept as written here. The claims
    below do not trust it: each is a conditional update on the lead's row. `excluded`
    says who may not be asked when the caller knows it (nobody, for a lead it opened).
    """
    now = now or timezone.now()
    if lead is None:
        lead = _load(lead_id)
    if lead.pro_id is not None or lead.status not in ROUTABLE:
        return Assignment(TAKEN, pro=lead.pro)
    missing = missing_fields(lead)
    if missing:
        return Assignment(NOT_READY, reason={"missing": missing})
    # An emergency with no time given (or rerouted after one): the earliest free time.
    asap = lead.appointment_time is None or (lead.urgent and lead.routing_reason.get("asap"))
    if excluded is None:
        excluded = excluded_pro_ids(lead.pk)
    if asap:
        urgent = _earliest_today(lead, actor, actor_name, now, excluded)
        if urgent is not None:
            return urgent
        Lead.objects.filter(pk=lead.pk).update(appointment_time=now)
        lead.appointment_time = now
    passed_over = []
    while True:
        result = _pick(lead, to_pro, [*excluded, *passed_over], now)
        if result.pro is None:
            return _unassigned(lead, result.reason, actor, actor_name)
        pro = result.pro
        if asap:
            result.reason["asap"] = True
        taken = Lead.objects.filter(pk=lead.pk, pro__isnull=True, status__in=ROUTABLE).update(
            pro=pro, assigned_at=now, routing_reason=result.reason, updated_at=now
        )
        if taken != 1:
            routing.release_pro(pro.pk)
            return Assignment(TAKEN)
        lead.pro, lead.assigned_at, lead.routing_reason = pro, now, result.reason
        booked = booking.book(pro.pk, lead.pk, lead.appointment_time, now=now)
        if booked.slot is not None:
            return _ask_pro(lead, pro, booked.slot, result.reason, actor, actor_name)
        if asap and booked.alternatives:
            # As soon as possible: the pro's earliest free time, no question to the customer.
            earliest = booked.alternatives[0]
            if booking.claim_slot(earliest.pk, lead.pk, now=now):
                earliest.lead_id, earliest.booked_at = lead.pk, now  # as claimed
                Lead.objects.filter(pk=lead.pk).update(appointment_time=earliest.start)
                lead.appointment_time = earliest.start
                return _ask_pro(lead, pro, earliest, result.reason, actor, actor_name)
        if booked.alternatives:
            lifecycle.note(
                lead.pk,
                actor=actor,
                action="slots_offered",
                reason=f"{pro.name} has no free slot at the asked time",
                data={"pro": str(pro.pk), "slots": [str(s.pk) for s in booked.alternatives]},
            )
            return Assignment(
                OFFERED_SLOTS, pro, alternatives=booked.alternatives, reason=result.reason
            )
        # No free slot at all: give the lead and the place back, try the next pro.
        if not _give_back(lead, pro):
            return Assignment(TAKEN)
        lifecycle.note(
            lead.pk,
            actor=actor,
            action="pro_passed_over",
            reason=f"{pro.name} has no free slot in the calendar",
            data={"pro": str(pro.pk)},
        )
        if to_pro is not None:
            return Assignment(NO_SLOTS, pro)
        passed_over.append(pro.pk)


def _earliest_today(lead, actor, actor_name, now, excluded) -> Assignment | None:
    """An emergency: the earliest free slot today among the eligible pros, claimed for the
    pro who has it; None when nobody has one today (or it was taken a moment ago)."""
    page = routing.eligible_pros(lead.city_id, lead.issue_type, excluded)[: routing.CANDIDATE_PAGE]
    candidates = {pro.pk: pro for pro in page}
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    slot = booking.earliest_free_slot(candidates, now, midnight + dt.timedelta(days=1))
    if slot is None or not routing.claim_pro(slot.pro_id, now):
        return None
    pro = candidates[slot.pro_id]
    reason = {
        "asap": True,
        "chosen": {"id": str(pro.pk), "name": pro.name},
        "why": f"{pro.name}: urgent, the earliest free time today among "
        f"{len(candidates)} eligible pros ({texts.when(slot.start, 'en')}).",
        "candidates": [{"id": str(p.pk), "name": p.name} for p in candidates.values()],
    }
    taken = Lead.objects.filter(pk=lead.pk, pro__isnull=True, status__in=ROUTABLE).update(
        pro=pro, assigned_at=now, routing_reason=reason, updated_at=now
    )
    if taken != 1:
        routing.release_pro(pro.pk)
        return Assignment(TAKEN)
    if not booking.claim_slot(slot.pk, lead.pk, now=now):
        return None if _give_back(lead, pro) else Assignment(TAKEN)
    slot.lead_id, slot.booked_at = lead.pk, now  # as claimed
    Lead.objects.filter(pk=lead.pk).update(appointment_time=slot.start)
    lead.pro, lead.appointment_time = pro, slot.start
    lead.assigned_at, lead.routing_reason = now, reason
    return _ask_pro(lead, pro, slot, reason, actor, actor_name)


def _give_back(lead, pro) -> bool:
    """Take `pro` off a lead it was given a moment ago but cannot serve, and give back the
    place claimed in the pro's load. False when the lead moved meanwhile (a cancel, a
    manager): whoever moved it took the pro off and gave the place back, so nothing is
    given back twice."""
    given_back = Lead.objects.filter(pk=lead.pk, pro=pro, status__in=ROUTABLE).update(
        pro=None, assigned_at=None, updated_at=timezone.now()
    )
    if given_back != 1:
        return False
    lead.pro, lead.assigned_at = None, None
    routing.release_pro(pro.pk)
    return True


def _pick(lead, to_pro, excluded, now) -> routing.RoutingResult:
    if to_pro is None:
        return routing.route(lead.city_id, lead.issue_type, excluded, now=now)
    if not routing.claim_pro(to_pro.pk, now):
        raise AssignmentError(f"{to_pro.name} is inactive or at the load cap")
    why = f"{to_pro.name}: chosen by a manager."
    serves = to_pro.service_areas.filter(city_id=lead.city_id).exists()
    does = to_pro.trades.filter(trade=lead.issue_type).exists()
    if not (serves and does):
        why += " Note: outside the pro's cities or trades."
    reason = {"chosen": {"id": str(to_pro.pk), "name": to_pro.name}, "why": why, "manual": True}
    return routing.RoutingResult(to_pro, reason)


def _ask_pro(lead, pro, slot, reason, actor, actor_name) -> Assignment:
    """Move the lead to awaiting_pro and send the pro the job; TAKEN (and nothing sent)
    when the lead moved meanwhile."""
    asked = lifecycle.transition(
        lead.pk,
        ROUTABLE,
        LeadStatus.AWAITING_PRO,
        actor=actor,
        actor_name=actor_name,
        action="assigned",
        reason=reason.get("why", ""),
        data={"pro": str(pro.pk), "slot": str(slot.pk), "start": slot.start.isoformat()},
        match={"pro_id": pro.pk},
        current=lead.status,
    )
    if not asked:
        _drop_claimed_slot(lead, pro, slot)
        return Assignment(TAKEN, pro=pro)
    lead.status = LeadStatus.AWAITING_PRO
    notify_pro(lead, pro, slot)
    return Assignment(ASKED_PRO, pro, slot=slot, reason=reason)


def _drop_claimed_slot(lead, pro, slot) -> None:
    """The lead left this pro (cancelled, reassigned) between claiming the slot and asking
    the pro: whoever moved it freed the slots the lead held then and gave the pro's place
    back, but not a slot claimed after that. Free it, unless the lead is with this pro
    and waiting or booked after all (then the slot is its booking)."""
    holding = Lead.objects.filter(
        pk=lead.pk, pro=pro, status__in=[LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]
    ).exists()
    if not holding and booking.release_slot(slot.pk, lead.pk):
        log.info("lead %s moved while its pro was being asked: slot %s freed", lead.pk, slot.pk)


def notify_pro(lead: Lead, pro: Pro, slot: Slot):
    """The job offer with its buttons, then the customer's photos and files, each sent to
    the pro once (a local file is no link on WhatsApp)."""
    buttons = [(f"{key}:{lead.pk}", label) for key, label in texts.pro_buttons()]
    offer = outbox.queue_buttons(
        pro.chat_id, texts.pro_job_offer(lead, slot.start), buttons, topic=offer_topic(lead.pk)
    )
    files = texts.forwarded_files(lead.media)
    if files:
        caption = texts.pro_file_caption(lead)
        outbox.queue_files(pro.chat_id, files, caption, topic=offer_topic(lead.pk))
    return offer


def _unassigned(lead, reason, actor, actor_name) -> Assignment:
    moved = lifecycle.transition(
        lead.pk,
        [LeadStatus.NEW, LeadStatus.CONTACTED],
        LeadStatus.UNASSIGNED,
        actor=actor,
        actor_name=actor_name,
        action="no_pro",
        reason=reason.get("why", ""),
        match={"pro__isnull": True},
        current=lead.status,
        routing_reason=reason,
    )
    if not moved:
        # Either it was waiting for SOS already (keep the newest reason), or another
        # worker assigned it while this one found every place taken (by that worker).
        still = Lead.objects.filter(
            pk=lead.pk, status=LeadStatus.UNASSIGNED, pro__isnull=True
        ).update(routing_reason=reason)
        if not still:
            return Assignment(TAKEN)
        lifecycle.note(lead.pk, actor=actor, action="still_no_pro", reason=reason.get("why", ""))
    lead.status, lead.routing_reason = LeadStatus.UNASSIGNED, reason
    return Assignment(UNASSIGNED, reason=reason)


def choose_slot(lead: Lead, slot_id, *, actor=Actor.CUSTOMER, now=None) -> Assignment:
    """The customer picked one of the offered slots: book it and ask the pro."""
    now = now or timezone.now()
    if lead.pro_id is None or lead.status not in ROUTABLE:
        return Assignment(TAKEN, pro=lead.pro)
    pro = lead.pro
    try:
        slot_id = uuid.UUID(str(slot_id))
    except ValueError:
        return Assignment(TAKEN, pro=pro)
    if not Slot.objects.filter(pk=slot_id, pro=pro).exists() or not booking.claim_slot(
        slot_id, lead.pk, now=now
    ):
        asked = Slot.objects.filter(pk=slot_id).values_list("start", flat=True).first()
        alternatives = booking.nearest_free_slots(pro.pk, asked or lead.appointment_time, now=now)
        return Assignment(OFFERED_SLOTS, pro, alternatives=alternatives)
    slot = Slot.objects.get(pk=slot_id)
    Lead.objects.filter(pk=lead.pk).update(appointment_time=slot.start)
    lead.appointment_time = slot.start
    reason = {"why": f"{pro.name}: the customer chose {texts.when(slot.start, 'en')}."}
    return _ask_pro(lead, pro, slot, reason, actor, lead.customer.name)


def rebook(lead: Lead, *, now=None) -> Assignment:
    """The customer named another time while choosing among offered slots."""
    now = now or timezone.now()
    booked = booking.book(lead.pro_id, lead.pk, lead.appointment_time, now=now)
    if booked.slot is None:
        return Assignment(OFFERED_SLOTS, lead.pro, alternatives=booked.alternatives)
    reason = {"why": f"{lead.pro.name}: free at the new time the customer asked for."}
    return _ask_pro(lead, lead.pro, booked.slot, reason, Actor.CUSTOMER, lead.customer.name)


def tell_customer(lead: Lead, assignment: Assignment, before: list[str] = ()) -> None:
    """The customer's message about an assignment, after `before` (a greeting, a tip)."""
    language = lead.language
    parts = [part for part in before if part]
    chat_id = lead.customer.chat_id
    nearby = assignment.reason.get("nearby") if assignment.pro is not None else None
    if nearby and (assignment.outcome == ASKED_PRO or assignment.alternatives):
        parts.append(texts.pro_nearby(nearby, language))  # the pro comes from the next town
    if assignment.outcome == OFFERED_SLOTS and assignment.alternatives:
        parts.append(texts.offer_slots(assignment.pro, lead.appointment_time, language))
        offer_times(
            lead, "\n\n".join(parts), assignment.alternatives, slot_topic(lead.pk), language
        )
        return
    if assignment.outcome == ASKED_PRO:
        parts.append(texts.asked_pro(assignment.pro, assignment.slot.start, language))
    elif assignment.outcome in (UNASSIGNED, OFFERED_SLOTS):  # offered, but nothing is free
        parts.append(texts.no_pro_available(language))
    if parts:
        outbox.queue_text(chat_id, "\n\n".join(parts), topic=f"lead:{lead.pk}")


def tell_customer_after_reroute(lead_id, assignment: Assignment) -> None:
    """After a pro was replaced (rejection, timeout, a manager): a new pro asked for the
    same time needs no word to the customer; offered times and "nobody can take it" do."""
    if assignment.outcome in (ASKED_PRO, TAKEN, NOT_READY):
        return
    tell_customer(_load(lead_id), assignment)


def offer_times(lead: Lead, body: str, slots: list[Slot], topic: str, language: str) -> None:
    """Free times as buttons ("slot:<id>"), answerable by number too."""
    buttons = [(f"slot:{slot.pk}", texts.slot_label(slot.start, language)) for slot in slots]
    outbox.queue_buttons(lead.customer.chat_id, body, buttons, topic=topic, language=language)


def take_off(
    lead: Lead,
    pro_id,
    *,
    from_statuses=HOLDING,
    to_status=LeadStatus.CONTACTED,
    actor: str,
    action: str,
    reason: str,
    actor_name: str = "",
    exclusion: str | None = None,
    keep_pro: bool = False,
    data: dict | None = None,
    **fields,
) -> bool:
    """Take `pro_id` off the lead (only while that pro holds it), free the slot and the
    load, and remember the exclusion. False when the lead had moved on already.

    `pro_id` None takes a lead whose pro was deleted: only while it still has none, with
    no place to give back and no one to exclude."""
    if not keep_pro:
        fields.update(pro=None, assigned_at=None)
    moved = lifecycle.transition(
        lead.pk,
        list(from_statuses),
        to_status,
        actor=actor,
        actor_name=actor_name,
        action=action,
        reason=reason,
        data={"pro": str(pro_id) if pro_id is not None else None, **(data or {})},
        match={"pro_id": pro_id} if pro_id is not None else {"pro__isnull": True},
        **fields,
    )
    if not moved:
        return False
    if exclusion and pro_id is not None:
        LeadExclusion.objects.get_or_create(
            lead_id=lead.pk, pro_id=pro_id, defaults={"reason": exclusion}
        )
    booking.release_lead_slots(lead.pk)
    if pro_id is not None:
        routing.release_pro(pro_id)
    return True


def reassign(
    lead_id, *, to_pro: Pro | None = None, actor=Actor.ADMIN, actor_name: str = "", reason=""
) -> Assignment:
    """Move a lead to the next eligible pro, or to `to_pro` (a manager's choice).

    The pro who had it is told and is not asked again for this lead.
    """
    lead = _load(lead_id)
    if not lead.is_open:
        raise AssignmentError(f"the lead is {lead.get_status_display().lower()}")
    if to_pro is not None and lead.pro_id == to_pro.pk:
        raise AssignmentError(f"{to_pro.name} already has this lead")
    missing = missing_fields(lead)
    if missing:
        raise AssignmentError(f"the lead is missing: {', '.join(missing)}")
    if to_pro is not None and not to_pro.active:
        raise AssignmentError(f"{to_pro.name} is inactive")
    previous = lead.pro
    if previous is not None:
        removed = take_off(
            lead,
            previous.pk,
            from_statuses=[lead.status],
            actor=actor,
            actor_name=actor_name,
            action="reassigned",
            reason=reason or "reassigned by a manager",
            exclusion=ExclusionReason.REASSIGNED,
        )
        if not removed:
            raise AssignmentError("the lead changed meanwhile; try again")
        outbox.queue_text(
            previous.chat_id,
            texts.pro_reassigned(lead),
            topic=f"lead:{lead.pk}",
        )
    assignment = assign(lead.pk, actor=actor, actor_name=actor_name, to_pro=to_pro)
    tell_customer_after_reroute(lead.pk, assignment)
    return assignment


def move_booking(lead: Lead, slot_id, *, now=None) -> Slot | None:
    """Move a waiting or booked lead to another free slot of its pro; None (and the old
    slot kept) when that slot was taken meanwhile or the lead moved on.

    The new slot is claimed before the old one is let go, so the lead is never left with
    neither: losing the claim changes nothing. The lead's new time is then written only
    while the lead is still waiting or booked with this pro (a cancel or a reassignment
    meanwhile gives the new slot back and tells nobody), and the old slot is freed last."""
    now = now or timezone.now()
    try:
        slot_id = uuid.UUID(str(slot_id))
    except ValueError:
        return None
    if not Slot.objects.filter(pk=slot_id, pro_id=lead.pro_id).exists():
        return None
    old = Slot.objects.filter(lead=lead).first()
    if not booking.claim_another(slot_id, lead.pk, now=now):
        return None
    new = Slot.objects.get(pk=slot_id)
    kept = Lead.objects.filter(pk=lead.pk, pro_id=lead.pro_id, status__in=MOVABLE).update(
        appointment_time=new.start,
        reminder_24h_at=None,
        reminder_2h_at=None,
        stale_pro_followup_at=None,
        stale_customer_check_at=None,
        updated_at=now,
    )
    if kept != 1:
        booking.release_slot(new.pk, lead.pk)
        return None
    released = old is None or booking.release_slot(old.pk, lead.pk)
    # Not released: someone else freed it, a cancel after the update above (which frees
    # the new slot too) or a manager who deleted the old slot. Only a lead that still
    # holds the new slot has moved.
    if not released and not Slot.objects.filter(pk=new.pk, lead_id=lead.pk).exists():
        return None
    lifecycle.note(
        lead.pk,
        actor=Actor.CUSTOMER,
        actor_name=lead.customer.name,
        action="rescheduled",
        reason=f"moved to {new.start.isoformat()}",
        data={"from": old.start.isoformat() if old else None, "to": new.start.isoformat()},
    )
    outbox.queue_text(
        lead.pro.chat_id, texts.pro_rescheduled(lead, new.start), topic=f"lead:{lead.pk}"
    )
    return new
