"""The conversation workflow: what Fixi does with each stored customer message."""

import logging

from django.db import transaction
from django.utils import timezone

from ai import dispatcher, replies
from ai.persona import persona_reply
from fixi.models import BusinessSettings
from fixi.vocabulary import language_of
from leads import assignment, customer_actions, lifecycle, pro_conversation, texts, understanding
from leads.customers import customer_for_chat
from leads.models import OPEN_STATUSES, Actor, Customer, Lead, LeadEvent, LeadStatus
from messaging import greenapi, inbox, outbox
from messaging.media import MediaRejected, store_inbound_media
from messaging.models import InboundMessage, MessageKind, ProcessingState
from pros.models import Pro

log = logging.getLogger(__name__)

CONVERSATION_KINDS = {
    MessageKind.TEXT,
    MessageKind.IMAGE,
    MessageKind.VIDEO,
    MessageKind.AUDIO,
    MessageKind.DOCUMENT,
    MessageKind.LOCATION,
    MessageKind.BUTTON,
}
MEDIA_KINDS = {MessageKind.IMAGE, MessageKind.VIDEO, MessageKind.AUDIO, MessageKind.DOCUMENT}
AI_MEDIA_KINDS = {MessageKind.IMAGE, MessageKind.VIDEO, MessageKind.AUDIO}


def process_inbound(inbound_id) -> str:
    """Process one stored message exactly once; returns what happened, for logs and tests."""
    message = inbox.claim(inbound_id)
    if message is None:
        return "skipped"
    if message.kind not in CONVERSATION_KINDS or not message.chat_id:
        inbox.finish(message.pk, ProcessingState.IGNORED)
        return "ignored"
    try:
        outcome = _converse(message)
    except greenapi.GreenApiError as error:
        if not error.retryable:
            raise
        inbox.release(message.pk, error.reason)  # the recovery sweep tries again
        return "retry"
    except Exception as error:
        inbox.finish(message.pk, ProcessingState.FAILED, f"{error.__class__.__name__}: {error}")
        raise
    final = ProcessingState.IGNORED if outcome == "flood" else ProcessingState.DONE
    inbox.finish(message.pk, final)
    log.info("inbound message %s: %s", message.pk, outcome)
    return outcome


def _converse(message: InboundMessage) -> str:
    pro = Pro.objects.filter(chat_id=message.chat_id).first()
    if pro is not None:
        # A pro's answers (approve, reject, job status); a pro is never made a customer.
        return pro_conversation.handle(message, pro)
    customer = customer_for_chat(message.chat_id, message.sender_name)
    language = language_of(message.text) or customer.language
    limit = BusinessSettings.load().flood_limit_per_minute
    rank = inbox.flood_rank(message)
    if rank > limit:
        if rank == limit + 1:  # exactly one notice per burst, whichever worker gets here
            outbox.queue_text(message.chat_id, replies.flood_notice(language), topic="flood")
        return "flood"
    if customer_actions.is_cancel(message.text):
        return customer_actions.cancel(customer, language)
    stars = customer_actions.rating_in(message.text)
    if stars and customer_actions.record_rating(customer, stars, language):
        return "rated"
    lead, created = open_lead_for(customer, language)
    if lead.bot_paused:
        _add_to_lead(lead, message)
        lifecycle.note(lead.pk, actor=Actor.CUSTOMER, action="message_while_paused")
        return "paused"  # a manager is answering this conversation
    answer = customer_actions.booking_answer(lead, message)
    if answer is not None:
        return customer_actions.act_on_booking(lead, customer, language, answer)
    slot_id = customer_actions.chosen_slot(lead, message)
    if slot_id is not None:
        outcome = assignment.choose_slot(lead, slot_id)
        before = [] if outcome.outcome == assignment.ASKED_PRO else [texts.slot_gone(language)]
        assignment.tell_customer(lead, outcome, before)
        return "slot_chosen" if outcome.outcome == assignment.ASKED_PRO else "slot_gone"
    media = _add_to_lead(lead, message)
    was_urgent = lead.urgent
    reading = dispatcher.dispatch(_text_for_ai(lead, message), media=media)
    holds_slot = lead.status in (LeadStatus.AWAITING_PRO, LeadStatus.BOOKED)
    understanding.apply_reading(lead, reading, keep_time=holds_slot)
    missing = understanding.missing_fields(lead)
    lifecycle.transition(
        lead.pk,
        [LeadStatus.NEW],
        LeadStatus.CONTACTED,
        actor=Actor.BOT,
        action="replied",
        reason=f"asked for {missing[0]}" if missing else "all details received",
        data={"source": reading.source, "missing": missing},
    )
    before = _opening(lead, customer, created, was_urgent)
    if not missing and lead.pro_id is None and lead.status in assignment.ROUTABLE:
        outcome = assignment.assign(lead.pk, actor=Actor.BOT)
        if outcome.outcome != assignment.TAKEN:
            lead.refresh_from_db()
            before += _in_persona(outcome, lead)
            assignment.tell_customer(lead, outcome, before)
            return f"processed:{outcome.outcome}"
    elif lead.pro_id is not None and lead.status in assignment.ROUTABLE:
        # Choosing among offered slots: a new time in words is tried at once; anything
        # else brings the offer back.
        outcome = assignment.rebook(lead)
        assignment.tell_customer(lead, outcome, before)
        return f"processed:{outcome.outcome}"
    outbox.queue_text(message.chat_id, _reply(lead, before, missing), topic=f"lead:{lead.pk}")
    return "processed"


def _in_persona(outcome, lead: Lead) -> list[str]:
    """The chosen pro's own words and prices, when Gemini writes them (the offline
    template would only repeat what the status line says)."""
    if outcome.pro is None:
        return []
    answer = persona_reply(outcome.pro, lead.description, lead.language)
    return [answer.text] if answer.source.startswith("gemini") else []


def _text_for_ai(lead: Lead, message: InboundMessage) -> str:
    """Everything the customer has told us on this lead, so no detail is lost between
    messages (the latest last)."""
    lead.refresh_from_db(fields=["description"])
    return lead.description or message.text


def _opening(lead, customer, created: bool, was_urgent: bool) -> list[str]:
    """Greeting a new conversation, and safety first when it just became urgent."""
    parts = []
    if created:
        parts.append(replies.received(lead.language, customer.first_name))
    if lead.urgent and not was_urgent:
        parts.append(replies.urgent_note(lead.urgency_reason, lead.language))
    return parts


def _reply(lead: Lead, before: list[str], missing: list[str]) -> str:
    """Every customer message gets an answer: the one thing still missing, or where the
    job stands."""
    language = lead.language
    parts = list(before)
    if missing:
        parts.append(replies.ask_for(missing[0], language))
    elif lead.status == LeadStatus.AWAITING_PRO and lead.pro_id:
        parts.append(texts.waiting_for_pro(lead.pro, language))
    elif lead.status == LeadStatus.BOOKED and lead.pro_id:
        parts.append(texts.booked_status(lead.pro, assignment.slot_start(lead), language))
    elif lead.status == LeadStatus.UNASSIGNED:
        parts.append(replies.no_pro_available(language))
    elif not before:
        parts.append(replies.all_set(language))
    return "\n\n".join(part for part in parts if part)


def open_lead_for(customer: Customer, language: str) -> tuple[Lead, bool]:
    """The customer's open lead, or a new one when the last was completed or cancelled."""
    lead = customer.leads.filter(status__in=OPEN_STATUSES).order_by("-created_at").first()
    if lead is not None:
        return lead, False
    with transaction.atomic():
        lead = Lead.objects.create(customer=customer, language=language)
        LeadEvent.objects.create(
            lead=lead,
            actor=Actor.CUSTOMER,
            actor_name=customer.name,
            action="created",
            to_status=LeadStatus.NEW,
            reason="first message from the customer",
        )
    return lead, True


def _add_to_lead(lead: Lead, message: InboundMessage) -> list[tuple[bytes, str]]:
    """Keep the customer's words and files on the lead, for the AI and the admin.
    Returns the files' bytes for the dispatcher."""
    # A message taken over from a worker that died after this step is already on the lead.
    already_added = message.attempts > 1 and lead.description.endswith(message.text)
    if message.text and message.kind != MessageKind.BUTTON and not already_added:
        description = f"{lead.description}\n{message.text}".strip()
        Lead.objects.filter(pk=lead.pk).update(description=description[:10_000])
    media = []
    if message.kind in MEDIA_KINDS:
        stored = _attach_media(lead, message)
        if stored is not None and stored.kind in AI_MEDIA_KINDS:
            media.append((stored.content, stored.mime_type))
    Lead.objects.filter(pk=lead.pk).update(last_customer_message_at=timezone.now())
    return media


def _attach_media(lead: Lead, message: InboundMessage):
    try:
        stored = store_inbound_media(message)
    except MediaRejected as error:
        log.warning("media of %s not kept: %s", message.pk, error)
        return None
    except greenapi.GreenApiError as error:
        if error.retryable:
            raise  # the message stays for the recovery sweep
        log.warning("media of %s not fetched: %s", message.pk, error.reason)
        return None
    lead.refresh_from_db(fields=["media"])
    if not any(item.get("message_id") == stored.message_id for item in lead.media):
        Lead.objects.filter(pk=lead.pk).update(media=[*lead.media, stored.as_dict()])
    return stored
