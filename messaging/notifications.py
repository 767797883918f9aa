"""What a customer's notifications do to the messages they are about (layer 1: messages
only, never leads).

- An edit changes the message it edits: the original row takes the new text and keeps the
  text as first received, so the conversation reads what the customer means now and a
  manager can still see what was said before.
- A reaction is kept on the message it reacts to: Fixi's own outgoing messages first (a
  👍 to a reminder is an answer), then the customer's own.
- A contact card is read from the stored payload for the inbox.

The conversation workflow calls these while it holds the chat, so a chat's notifications
are applied in the provider's order; the conditional updates below keep them correct even
when one is applied twice or, for edits, out of order.
"""

from django.db.models import QuerySet

from messaging.models import InboundMessage, OutboundMessage, Subtype
from messaging.payloads import INCOMING, contact_in

REACTION_CHARS = 16  # InboundMessage.reaction / OutboundMessage.reaction

# Reactions that say "yes" to what Fixi asked (a reminder, a proposed time): thumbs up,
# the two check marks, OK hand, and folded hands (read in Israel as "thanks, agreed").
# Skin tones and the emoji/text presentation selectors do not change the meaning, so
# 👍🏽 and ✔️ (U+2714 U+FE0F) count like 👍 and ✔.
CONFIRMATIONS = frozenset({"👍", "✅", "✔", "👌", "🙏"})
_MODIFIERS = frozenset({"\ufe0e", "\ufe0f"} | {chr(code) for code in range(0x1F3FB, 0x1F400)})


def apply_edit(message: InboundMessage) -> InboundMessage | None:
    """Put an edit's new text on the message it edits; that message, or None when Fixi never
    received it (the edit then stands as a message of its own).

    Two attempts always suffice: the first fails only when another edit was applied since
    the original was read (edited_at is then set) or a newer edit is already there; the
    second, on a fresh read, applies over an older edit or rightly leaves a newer one.
    Applying the same edit again writes the same values: it is idempotent.
    """
    original = _edited_message(message)
    if original is None:
        return None
    at = message.sent_at or message.created_at
    if not _apply_edit(original, message.text, at):
        original.refresh_from_db()
        _apply_edit(original, message.text, at)
    original.refresh_from_db()
    return original


def _edited_message(message: InboundMessage) -> InboundMessage | None:
    if message.subtype != Subtype.EDIT or not message.quoted_message_id:
        return None
    return (
        InboundMessage.objects.filter(
            chat_id=message.chat_id,
            webhook_type=INCOMING,
            provider_message_id=message.quoted_message_id,
        )
        .exclude(pk=message.pk)
        .first()
    )


def _apply_edit(original: InboundMessage, text: str, at) -> bool:
    rows = InboundMessage.objects.filter(pk=original.pk)
    if original.edited_at is None:
        # The first edit keeps the text as first received; later edits leave it alone.
        first = rows.filter(edited_at__isnull=True)
        return first.update(original_text=original.text, text=text, edited_at=at) == 1
    # An edit older than the one already applied (delivered late) changes nothing.
    return rows.filter(edited_at__lte=at).update(text=text, edited_at=at) == 1


def record_reaction(message: InboundMessage) -> OutboundMessage | InboundMessage | None:
    """Keep a reaction's emoji on the message it reacts to and return that message; an empty
    emoji is a reaction taken back and clears it. None when the message is unknown."""
    if message.subtype != Subtype.REACTION or not message.quoted_message_id:
        return None
    emoji = message.text.strip()[:REACTION_CHARS]
    for rows in _reacted_to(message):
        if rows.update(reaction=emoji):
            return rows.first()
    return None


def _reacted_to(message: InboundMessage) -> list[QuerySet]:
    """Where the reacted-to message can be, Fixi's own messages first."""
    same = {"chat_id": message.chat_id, "provider_message_id": message.quoted_message_id}
    return [
        OutboundMessage.objects.filter(**same),
        InboundMessage.objects.filter(webhook_type=INCOMING, **same),
    ]


def contact_card(message: InboundMessage) -> dict:
    """The shared contact as {"name", "phones": [...]}, read from the stored payload."""
    return contact_in(message.raw if isinstance(message.raw, dict) else {})


def is_confirmation(emoji: str) -> bool:
    """Whether a reaction says yes (CONFIRMATIONS, any skin tone)."""
    bare = "".join(char for char in (emoji or "").strip() if char not in _MODIFIERS)
    return bare in CONFIRMATIONS
