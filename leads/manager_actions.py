"""What a manager does to a lead from the admin: cancel it, mark it completed, take over
the WhatsApp conversation, write to the customer and hand the conversation back.

Nothing here has rules of its own: cancelling is the customer's cancel
(`customer_actions.cancel_lead`), completing is the pro's "סיימתי"
(`pro_conversation.complete`), reassigning is `assignment.reassign`. The manager is named
in every event (actor admin, the manager's username). A request that cannot be carried
out raises `AssignmentError` with a sentence for the manager.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from fixi import texts
from leads import customer_actions, lifecycle, pro_conversation
from leads.assignment import AssignmentError
from leads.models import OPEN_STATUSES, Actor, Lead, LeadStatus
from messaging import outbox
from messaging.greenapi import MAX_MESSAGE_CHARS
from messaging.models import OutboundMessage


def _load(lead_id) -> Lead:
    lead = Lead.objects.select_related("customer", "city", "pro").filter(pk=lead_id).first()
    if lead is None:
        raise AssignmentError(_("There is no such lead."))
    return lead


def _closed(lead: Lead) -> AssignmentError:
    return AssignmentError(
        _("The lead is %(status)s; nothing was changed.") % {"status": lead.get_status_display()}
    )


def cancel_lead(
    lead_id, *, actor_name: str, reason: str = "", tell_customer: bool = True, now=None
) -> Lead:
    """Cancel an open lead: its slot and the pro's place are freed and a pro who had been
    asked is told; the customer is told when `tell_customer`. Unlike the customer, a
    manager may cancel after the appointment has started (a pro who never came)."""
    now = now or timezone.now()
    for _attempt in range(customer_actions.CANCEL_ATTEMPTS):
        lead = _load(lead_id)
        if not lead.is_open:
            raise _closed(lead)
        cancelled = customer_actions.cancel_lead(
            lead,
            now,
            actor=Actor.ADMIN,
            actor_name=actor_name,
            reason=reason or "cancelled by a manager",
            pro_text=texts.pro_cancelled_by_fixi(lead),
        )
        if cancelled:
            if tell_customer:
                outbox.queue_text(
                    lead.customer.chat_id, texts.cancelled(lead.language), topic=f"lead:{lead.pk}"
                )
            return lead
    raise AssignmentError(_("The lead kept changing while it was being cancelled; try again."))


def complete_lead(lead_id, *, actor_name: str, now=None) -> Lead:
    """Mark a booked job completed, as the pro's "סיימתי" does: the pro's place is freed
    and the customer is asked for a rating."""
    lead = _load(lead_id)
    if lead.status != LeadStatus.BOOKED or lead.pro_id is None:
        raise AssignmentError(
            _("Only a booked job can be marked completed; this lead is %(status)s.")
            % {"status": lead.get_status_display()}
        )
    done = pro_conversation.complete(
        lead,
        actor=Actor.ADMIN,
        actor_name=actor_name,
        reason="marked completed by a manager",
        now=now,
    )
    if not done:
        raise AssignmentError(_("The lead changed meanwhile; reload the page and try again."))
    return lead


def pause_bot(lead_id, *, actor_name: str) -> bool:
    """Take over an open lead's conversation: the customer's messages are kept on the lead
    and the bot does not answer them. False when it was paused already."""
    paused = Lead.objects.filter(pk=lead_id, bot_paused=False, status__in=OPEN_STATUSES).update(
        bot_paused=True, updated_at=timezone.now()
    )
    if paused == 1:
        lifecycle.note(
            lead_id,
            actor=Actor.ADMIN,
            actor_name=actor_name,
            action="bot_paused",
            reason="a manager took over the conversation",
        )
        return True
    lead = _load(lead_id)
    if lead.bot_paused:
        return False
    raise _closed(lead)


def resume_bot(lead_id, *, actor_name: str) -> bool:
    """Hand the conversation back to the bot; it answers the customer's next message.
    False when the bot was not paused."""
    resumed = Lead.objects.filter(pk=lead_id, bot_paused=True).update(
        bot_paused=False, updated_at=timezone.now()
    )
    if resumed != 1:
        _load(lead_id)  # an unknown lead is an error; an active bot is not
        return False
    lifecycle.note(
        lead_id,
        actor=Actor.ADMIN,
        actor_name=actor_name,
        action="bot_resumed",
        reason="the manager handed the conversation back to the bot",
    )
    return True


def message_customer(lead_id, text: str, *, actor_name: str) -> OutboundMessage:
    """Write to the lead's customer on WhatsApp through the outbox, in the manager's words."""
    text = (text or "").strip()
    if not text:
        raise AssignmentError(_("The message is empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise AssignmentError(
            _("The message is too long (at most %(limit)s characters).")
            % {"limit": MAX_MESSAGE_CHARS}
        )
    lead = _load(lead_id)
    row = outbox.queue_text(lead.customer.chat_id, text, topic=f"lead:{lead.pk}")
    # A manager has answered: the lead no longer waits for one (no row updated: it did
    # not wait, or another manager's answer cleared it first; either way it is clear).
    Lead.objects.filter(pk=lead.pk, needs_manager_at__isnull=False).update(needs_manager_at=None)
    lifecycle.note(
        lead.pk,
        actor=Actor.ADMIN,
        actor_name=actor_name,
        action="manager_message",
        reason=text[:500],
        data={"outbound": str(row.pk)},
    )
    return row
