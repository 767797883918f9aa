"""What a customer can do by a word or a number: cancel, choose an offered slot, rate a job."""

import re

from django.utils import timezone

from fixi import texts
from leads import assignment, lifecycle
from leads.models import OPEN_STATUSES, Actor, Customer, Lead, LeadStatus
from leads.pro_conversation import add_review
from messaging import outbox
from messaging.choices import answered_buttons, plain_text
from scheduling import booking

# Hebrew, English, Arabic (with and without hamza, as phones type it) and Russian.
CANCEL_WORDS = {
    *("ביטול", "בטל", "לבטל", "תבטלו", "בטלו", "cancel", "cancel please"),
    *("إلغاء", "الغاء", "ألغي", "الغي", "ألغوا", "الغوا", "بدي الغي"),
    *("отмена", "отменить", "отмените", "отменяю"),
}
# A rating in Western or Arabic-Indic digits (٥).
_RATING = re.compile(r"^\s*([1-5١-٥])\s*(?:/\s*[5٥])?\s*[.!]*\s*$")
_STARS = re.compile(r"^\s*(⭐️?){1,5}\s*$")
CANCEL_ATTEMPTS = 3  # re-read and retry when a pro or the healer acted at the same moment


def is_cancel(text: str) -> bool:
    return plain_text(text) in CANCEL_WORDS


def rating_in(text: str) -> int | None:
    """1–5 from "4", "4/5", "5!" or a row of stars; None for anything else."""
    found = _RATING.match(text or "")
    if found:
        return int(found.group(1))
    if _STARS.match(text or ""):
        return (text or "").count("⭐")
    return None


def _reply(customer: Customer, text: str, topic: str) -> None:
    outbox.queue_text(customer.chat_id, text, topic=topic)


def cancel(customer: Customer, language: str, now=None) -> str:
    """Cancel the customer's open lead before its appointment: slot and pro released, the
    pro told."""
    now = now or timezone.now()
    for _attempt in range(CANCEL_ATTEMPTS):
        lead = (
            customer.leads.select_related("customer", "city", "pro")
            .filter(status__in=OPEN_STATUSES)
            .order_by("-created_at")
            .first()
        )
        if lead is None:
            _reply(customer, texts.nothing_to_cancel(language), "cancel")
            return "nothing_to_cancel"
        started = lead.appointment_time is not None and lead.appointment_time <= now
        if lead.status == LeadStatus.BOOKED and started:
            _reply(customer, texts.cancel_too_late(language), f"lead:{lead.pk}")
            return "cancel_too_late"
        cancelled = cancel_lead(
            lead,
            now,
            actor=Actor.CUSTOMER,
            actor_name=customer.name,
            reason="the customer cancelled",
            pro_text=texts.pro_customer_cancelled(lead),
        )
        if cancelled:
            _reply(customer, texts.cancelled(language), f"lead:{lead.pk}")
            return "cancelled"
    raise RuntimeError(f"lead of {customer.pk} kept changing while it was being cancelled")


def cancel_lead(
    lead: Lead, now, *, actor: str, actor_name: str, reason: str, pro_text: str
) -> bool:
    """Cancel an open lead as it stands (its status and pro as read): one conditional
    transition; only its winner frees the slot and the pro's place, and the pro is sent
    `pro_text` when they had been asked. False when the lead moved meanwhile.

    The customer's "ביטול" and a manager's cancel in the admin both end here."""
    common = {
        "actor": actor,
        "actor_name": actor_name,
        "action": "cancelled",
        "reason": reason,
        "cancelled_at": now,
    }
    if lead.pro_id is None:
        return lifecycle.transition(
            lead.pk, [lead.status], LeadStatus.CANCELLED, match={"pro__isnull": True}, **common
        )
    pro_was_asked = lead.status in (LeadStatus.AWAITING_PRO, LeadStatus.BOOKED)
    cancelled = assignment.take_off(
        lead,
        lead.pro_id,
        from_statuses=[lead.status],
        to_status=LeadStatus.CANCELLED,
        keep_pro=True,
        **common,
    )
    if cancelled and pro_was_asked:
        outbox.queue_text(lead.pro.chat_id, pro_text, topic=f"lead:{lead.pk}")
    return cancelled


def record_rating(customer: Customer, stars: int, language: str) -> bool:
    """The customer's rating of their last, completed job; False when none is waiting
    for one (the message is then an ordinary message)."""
    lead = customer.leads.order_by("-created_at").first()
    if (
        lead is None
        or lead.status != LeadStatus.COMPLETED
        or lead.rating_requested_at is None
        or lead.customer_rating is not None
    ):
        return False
    first = Lead.objects.filter(pk=lead.pk, customer_rating__isnull=True).update(
        customer_rating=stars
    )
    if first == 1 and lead.pro_id is not None:  # the same rating delivered twice counts once
        add_review(lead.pro_id, stars)
        lifecycle.note(
            lead.pk,
            actor=Actor.CUSTOMER,
            actor_name=customer.name,
            action="rated",
            reason=f"{stars}/5",
            data={"stars": stars, "pro": str(lead.pro_id)},
        )
    _reply(customer, texts.rating_thanks(language), f"lead:{lead.pk}")
    return True


def _button_answer(lead: Lead, message) -> tuple[str, str, str] | None:
    """(the question's topic, the chosen button's key, its value) of the customer's
    answer to a button message, or None."""
    answered = answered_buttons(
        lead.customer.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is None:
        return None
    question, chosen = answered
    key, _, value = chosen["id"].partition(":")
    return question.topic, key, value


def chosen_slot(lead: Lead, message) -> str | None:
    """The slot id the customer picked from the offer for this lead, or None."""
    if lead.pro_id is None or lead.status not in assignment.ROUTABLE:
        return None
    answer = _button_answer(lead, message)
    if answer is None:
        return None
    topic, key, slot_id = answer
    if topic != assignment.slot_topic(lead.pk) or key != "slot":
        return None
    return slot_id


def booking_answer(lead: Lead, message) -> tuple[str, str] | None:
    """An answer to a reminder ("confirm", "reschedule", "cancel") or a pick among the
    times offered for moving the visit ("move", slot id; also while the pro has yet to
    answer); None for anything else."""
    if lead.status not in (LeadStatus.AWAITING_PRO, LeadStatus.BOOKED):
        return None
    answer = _button_answer(lead, message)
    if answer is None:
        return None
    topic, key, value = answer
    booked = lead.status == LeadStatus.BOOKED
    reminder_keys = ("confirm", "reschedule", "cancel")
    if booked and topic == assignment.reminder_topic(lead.pk) and key in reminder_keys:
        return key, value
    if topic == assignment.reschedule_topic(lead.pk) and key == "slot":
        return "move", value
    return None


def act_on_booking(lead: Lead, customer: Customer, language: str, answer) -> str:
    key, value = answer
    topic = f"lead:{lead.pk}"
    if key == "cancel":
        return cancel(customer, language)
    if key == "confirm":
        lifecycle.note(lead.pk, actor=Actor.CUSTOMER, actor_name=customer.name, action="confirmed")
        _reply(customer, texts.reminder_confirmed(language), topic)
        return "confirmed"
    if key == "reschedule":
        return offer_other_times(lead, customer, language)
    moved = assignment.move_booking(lead, value)
    if moved is None:
        _reply(customer, texts.slot_gone(language), topic)
        return offer_other_times(lead, customer, language)
    _reply(customer, texts.rescheduled(lead.pro, moved.start, language), topic)
    return "rescheduled"


def offer_other_times(lead: Lead, customer: Customer, language: str) -> str:
    others = booking.nearest_free_slots(lead.pro_id, lead.appointment_time)
    if not others:
        _reply(customer, texts.no_other_times(language), f"lead:{lead.pk}")
        return "no_other_times"
    assignment.offer_times(
        lead,
        texts.reschedule_offer(lead.pro, language),
        others,
        assignment.reschedule_topic(lead.pk),
        language,
    )
    return "reschedule_offered"
