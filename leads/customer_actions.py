"""What a customer can do by a word or a number: cancel, choose an offered slot, rate a job."""

import re

from django.utils import timezone

from leads import assignment, lifecycle, texts
from leads.models import OPEN_STATUSES, Actor, Customer, Lead, LeadStatus
from leads.pro_conversation import add_review
from messaging import outbox
from messaging.choices import answered_buttons, plain_text

CANCEL_WORDS = {"ביטול", "בטל", "לבטל", "תבטלו", "בטלו", "cancel", "cancel please"}
_RATING = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]*\s*$")
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
        if _cancel(lead, now):
            _reply(customer, texts.cancelled(language), f"lead:{lead.pk}")
            return "cancelled"
    raise RuntimeError(f"lead of {customer.pk} kept changing while it was being cancelled")


def _cancel(lead: Lead, now) -> bool:
    common = {
        "actor": Actor.CUSTOMER,
        "actor_name": lead.customer.name,
        "action": "cancelled",
        "reason": "the customer cancelled",
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
        outbox.queue_text(
            lead.pro.chat_id, texts.pro_customer_cancelled(lead), topic=f"lead:{lead.pk}"
        )
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


def chosen_slot(lead: Lead, message) -> str | None:
    """The slot id the customer picked from the offer for this lead, or None."""
    if lead.pro_id is None or lead.status not in assignment.ROUTABLE:
        return None
    answered = answered_buttons(
        lead.customer.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is None:
        return None
    question, chosen = answered
    key, _, slot_id = chosen["id"].partition(":")
    if question.topic != assignment.slot_topic(lead.pk) or key != "slot":
        return None
    return slot_id
