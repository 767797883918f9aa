"""Delivery statuses and instance-state changes from Green API."""

import logging

from django.conf import settings

from fixi import texts
from fixi.phones import InvalidPhone, chat_id_for
from messaging import inbox, outbox
from messaging.models import InboundMessage, MessageKind, ProcessingState
from messaging.payloads import STATE

log = logging.getLogger(__name__)
AUTHORIZED = "authorized"


def process_event(inbound_id) -> str:
    message = inbox.claim(inbound_id)
    if message is None:
        return "skipped"
    if message.kind == MessageKind.STATUS:
        matched = outbox.apply_provider_status(
            message.provider_message_id, message.status, message.text
        )
        inbox.finish(message.pk, ProcessingState.DONE if matched else ProcessingState.IGNORED)
        return "status"
    if message.kind == MessageKind.STATE:
        _state_changed(message)
        inbox.finish(message.pk)
        return "state"
    inbox.finish(message.pk, ProcessingState.IGNORED)
    return "ignored"


def instance_state() -> tuple[str, object] | None:
    """The WhatsApp instance's last reported state and when, for the dashboard."""
    last = (
        InboundMessage.objects.filter(webhook_type=STATE)
        .order_by("-created_at")
        .values_list("text", "created_at")
        .first()
    )
    return tuple(last) if last else None


def _previous_state(message: InboundMessage) -> str:
    previous = (
        InboundMessage.objects.filter(webhook_type=STATE, created_at__lt=message.created_at)
        .order_by("-created_at")
        .values_list("text", flat=True)
        .first()
    )
    return previous or AUTHORIZED


def _state_changed(message: InboundMessage) -> None:
    state = message.text
    if state != AUTHORIZED:
        # WhatsApp cannot carry this alert while the instance is down: the dashboard shows it.
        log.error("WhatsApp instance state is %s", state)
        return
    previous = _previous_state(message)
    if previous != AUTHORIZED and settings.ADMIN_WHATSAPP:
        try:
            admin_chat = chat_id_for(settings.ADMIN_WHATSAPP)
        except InvalidPhone:
            log.error("ADMIN_WHATSAPP=%r is not a phone number or chat id", settings.ADMIN_WHATSAPP)
            return
        outbox.queue_text(
            admin_chat,
            texts.whatsapp_reconnected(previous),
            topic="instance-state",
        )
