"""The conversation workflow: what Fixi does with each stored customer message."""

import logging

from django.db import transaction
from django.utils import timezone

from ai import dispatcher, replies
from fixi.models import BusinessSettings
from fixi.vocabulary import language_of
from leads import lifecycle, understanding
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
    if Pro.objects.filter(chat_id=message.chat_id).exists():
        # A pro's answers (approve, reject, job status) are the lead lifecycle's to read;
        # a pro is never made a customer with a lead of their own.
        log.info("message %s is from a pro; kept for the pro's conversation", message.pk)
        return "pro"
    customer = customer_for_chat(message.chat_id, message.sender_name)
    language = language_of(message.text) or customer.language
    limit = BusinessSettings.load().flood_limit_per_minute
    rank = inbox.flood_rank(message)
    if rank > limit:
        if rank == limit + 1:  # exactly one notice per burst, whichever worker gets here
            outbox.queue_text(message.chat_id, replies.flood_notice(language), topic="flood")
        return "flood"
    lead, created = open_lead_for(customer, language)
    media = _add_to_lead(lead, message)
    was_urgent = lead.urgent
    reading = dispatcher.dispatch(_text_for_ai(lead, message), media=media)
    understanding.apply_reading(lead, reading)
    reply = _reply(lead, customer, reading, created, was_urgent)
    outbox.queue_text(message.chat_id, reply, topic=f"lead:{lead.pk}")
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
    return "processed"


def _text_for_ai(lead: Lead, message: InboundMessage) -> str:
    """Everything the customer has told us on this lead, so no detail is lost between
    messages (the latest last)."""
    lead.refresh_from_db(fields=["description"])
    return lead.description or message.text


def _reply(lead, customer, reading, created: bool, was_urgent: bool) -> str:
    """Every customer message gets an answer: greeting, safety first, then the one thing
    still missing."""
    language = lead.language
    parts = []
    if created:
        parts.append(replies.received(language, customer.first_name))
    if lead.urgent and not was_urgent:
        parts.append(replies.urgent_note(lead.urgency_reason, language))
    missing = understanding.missing_fields(lead)
    if missing:
        parts.append(replies.ask_for(missing[0], language))
    elif not created:
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
    if message.text and message.kind != MessageKind.BUTTON:
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
