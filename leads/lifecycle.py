"""The lead's state machine. Every change is one conditional update whose row count is
checked, and every change that happens writes a LeadEvent: who, what, why.

    new → contacted → awaiting_pro → booked → completed
    (a rejection, a timeout or a manager's reassignment takes the pro off the lead and
    returns it to contacted until the next pro is asked; cancelled and unassigned (nobody
    can take it) are reachable from the open states)
"""

from django.utils import timezone

from leads.models import Actor, Lead, LeadEvent, LeadStatus

S = LeadStatus
TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.CONTACTED, S.AWAITING_PRO, S.UNASSIGNED, S.CANCELLED},
    S.CONTACTED: {S.CONTACTED, S.AWAITING_PRO, S.UNASSIGNED, S.CANCELLED},
    S.AWAITING_PRO: {S.CONTACTED, S.AWAITING_PRO, S.BOOKED, S.UNASSIGNED, S.CANCELLED},
    S.BOOKED: {S.CONTACTED, S.AWAITING_PRO, S.COMPLETED, S.CANCELLED},
    S.UNASSIGNED: {S.CONTACTED, S.AWAITING_PRO, S.CANCELLED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}


class IllegalTransition(ValueError):
    pass


def transition(
    lead_id,
    from_statuses: list[str],
    to_status: str,
    *,
    actor: str,
    action: str,
    reason: str = "",
    actor_name: str = "",
    data: dict | None = None,
    match: dict | None = None,
    current: str | None = None,
    also: list[LeadEvent] = (),
    **fields,
) -> bool:
    """Move a lead from one of `from_statuses` to `to_status`; False when it was not in
    one of them any more (someone else acted first), and then nothing is written.

    `match` adds conditions to the update (`{"pro_id": pro.pk}`: only while this pro
    still holds the lead); `fields` are set along with the status. `current`, the status
    the caller last saw, is tried first (it is most likely the one that matches). `also`
    are events that happened before this one and are not written yet: they are written
    with it, in one insert, or on their own when the lead does not move."""
    illegal = [s for s in from_statuses if to_status not in TRANSITIONS[s]]
    if illegal:
        raise IllegalTransition(f"{illegal} → {to_status} is not a lead transition")
    if current in from_statuses:
        from_statuses = [current, *(s for s in from_statuses if s != current)]
    for from_status in from_statuses:  # one update per status, so the event names it
        moved = Lead.objects.filter(pk=lead_id, status=from_status, **(match or {})).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
        if moved == 1:
            event = LeadEvent(
                lead_id=lead_id,
                actor=actor,
                actor_name=actor_name[:120],
                action=action,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                data=data or {},
            )
            LeadEvent.objects.bulk_create([*also, event])
            return True
    if also:
        LeadEvent.objects.bulk_create(also)
    return False


def note(
    lead_id,
    *,
    actor: str = Actor.SYSTEM,
    action: str,
    reason: str = "",
    actor_name: str = "",
    data=None,
):
    """An event that changes no status (a question asked, a late answer, a rating)."""
    return LeadEvent.objects.create(
        lead_id=lead_id,
        actor=actor,
        actor_name=actor_name[:120],
        action=action,
        reason=reason,
        data=data or {},
    )
