"""Delivery statuses and instance-state changes from Green API."""

import logging

from messaging import inbox, instance, outbox
from messaging.instance import AUTHORIZED
from messaging.models import InboundMessage, MessageKind, ProcessingState
from messaging.payloads import STATE

log = logging.getLogger(__name__)
__all__ = ["AUTHORIZED", "instance_state", "process_event"]


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
    """The WhatsApp instance's state and since when, for the dashboard: what the notices
    and the health check recorded (messaging.instance), else the last notice stored."""
    connection = instance.current()
    if connection is not None:
        return connection.state, connection.state_since
    last = (
        InboundMessage.objects.filter(webhook_type=STATE)
        .order_by("-created_at")
        .values_list("text", "created_at")
        .first()
    )
    return tuple(last) if last else None


def _state_changed(message: InboundMessage) -> None:
    outcome = instance.observe(message.text, message.sent_at or message.created_at)
    log.info("WhatsApp instance state notice %s: %s", message.text, outcome)
