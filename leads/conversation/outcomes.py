"""The conversation's vocabulary: what a turn came to, the audit actions it writes, and
the outbox topics it files messages under."""

from enum import StrEnum


class Outcome(StrEnum):
    """What a turn came to (returned by the task, for logs and tests)."""

    SKIPPED = "skipped"  # nothing waiting: done already, or another worker has it
    WAITING = "waiting"  # the chat is not quiet yet; the task comes back after the window
    BUSY = "busy"  # another worker holds the chat; it reads this message too
    IGNORED = "ignored"  # not a conversation message (a status, a sticker)
    RETRY = "retry"  # Green API failed for a moment; the messages wait for the next turn
    HELD_BACK = "held_back"  # a flood: read with the next turn once the burst ends
    CALL = "call"
    REACTION = "reaction"
    CONTACT = "contact"
    EDITED = "edited"  # an edit that changes nothing Fixi knows
    PAUSED = "paused"  # a manager is answering this conversation
    CANCELLED = "cancelled"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    CANCEL_TOO_LATE = "cancel_too_late"
    RATED = "rated"
    # Answers to a reminder or to times offered for moving a booking (leads.customer_actions).
    CONFIRMED = "confirmed"
    RESCHEDULE_OFFERED = "reschedule_offered"
    RESCHEDULED = "rescheduled"
    NO_OTHER_TIMES = "no_other_times"
    SLOT_CHOSEN = "slot_chosen"
    SLOT_GONE = "slot_gone"
    # The customer's answer to a pro's quote (leads.pro_office.prices).
    QUOTE_ACCEPTED = "quote_accepted"
    QUOTE_DECLINED = "quote_declined"
    QUOTE_ALREADY_ANSWERED = "quote_already_answered"
    QUOTE_REPLACED = "quote_replaced"
    ANSWERED = "answered"  # a question after routing (price, when, thanks)
    TIMES_OFFERED = "times_offered"
    FOR_MANAGER = "for_manager"
    DETAIL_CHANGED = "detail_changed"
    ASKED = "asked"  # a detail is still missing; the customer was asked for it
    # All details in: a pro was asked, the pro's free times were offered, or nobody is free.
    ASKED_PRO = "asked_pro"
    OFFERED_SLOTS = "offered_slots"
    NO_PRO = "unassigned"
    STATUS = "status"  # where the job stands


class Action(StrEnum):
    """LeadEvent.action values the conversation writes."""

    CREATED = "created"
    REPLIED = "replied"
    MESSAGE_WHILE_PAUSED = "message_while_paused"
    DETAIL_CHANGED = "detail_changed"
    EDITED = "edited"
    CALLED = "called"
    CONFIRMED = "confirmed"
    NEEDS_MANAGER = "needs_manager"


def lead_topic(lead_id) -> str:
    """The outbox and inbox topic of a lead's messages."""
    return f"lead:{lead_id}"


FLOOD_TOPIC = "flood"
CALL_TOPIC = "call"
