"""The conversation workflow: what Fixi does with each stored customer message."""

import logging

from leads.customers import customer_for_chat
from messaging import inbox
from messaging.models import MessageKind, ProcessingState

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


def process_inbound(inbound_id) -> str:
    """Process one stored message exactly once; returns what happened, for logs and tests."""
    message = inbox.claim(inbound_id)
    if message is None:
        return "skipped"
    if message.kind not in CONVERSATION_KINDS or not message.chat_id:
        inbox.finish(message.pk, ProcessingState.IGNORED)
        return "ignored"
    try:
        customer_for_chat(message.chat_id, message.sender_name)
    except Exception as error:
        inbox.finish(message.pk, ProcessingState.FAILED, f"{error.__class__.__name__}: {error}")
        raise
    inbox.finish(message.pk)
    log.info("processed inbound message %s", message.pk)
    return "processed"
