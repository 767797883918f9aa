"""Reading Green API's journal of outgoing messages to settle sends that ended without an
answer (layer 1: messages only).

A send whose answer was lost (a read timeout, a dropped connection, a gateway that gave
up) may be on the customer's phone, and Green API has no idempotency key, so the outbox
reads the journal before sending such a row again. What the journal documents, and what
this module therefore relies on:

- An entry has chatId, typeMessage, idMessage, sendByApi, statusMessage and `timestamp`,
  the time of the *last action* on the message (read at 18:05, sent at 18:00, it says
  18:05). So the time window only bounds entries from below, and the time a row was sent
  is the outbox's own (when its attempt was claimed), never the journal's.
- The payload depends on the type: `textMessage` for plain text; an
  `extendedTextMessage` object with `text` when the text has a link; the buttons'
  object (`interactiveButtonsReply` or `interactiveButtons`, with `header`, `body`,
  `footer`, or as seen in traffic `titleText`, `contentText`, `footerText`) for button
  messages, whose body is the text Fixi sent; `downloadUrl` and `caption` for files,
  which carry no file name. A `quotedMessage` object is the message being answered, not
  this one, and is skipped.
- An entry can take up to 2 minutes to appear: a row is only judged "not sent" once its
  attempt is older than that (the caller's `settled_after`).

Messages to one chat leave one at a time (the outbox holds later rows back), so a chat
has at most one unconfirmed row; still, an entry whose id another row already holds is
someone else's message with the same text, and one entry settles at most one row.
"""

import math
from datetime import datetime, timedelta

from messaging.models import OutboundKind, OutboundMessage

# Green API's clock and ours may differ by this much.
CLOCK_SKEW_SECONDS = 60
MAX_MINUTES = 24 * 60  # the journal's default and longest useful window

TYPES = {
    OutboundKind.TEXT: {"textMessage", "extendedTextMessage", "quotedMessage"},
    OutboundKind.BUTTONS: {
        "interactiveButtonsReply",
        "interactiveButtons",
        "buttonsMessage",
        "templateMessage",
        "listMessage",
    },
    OutboundKind.FILE: {
        "documentMessage",
        "imageMessage",
        "videoMessage",
        "audioMessage",
        "stickerMessage",
    },
}
# Objects of an entry that hold its own text, and the fields that carry it.
_NESTED = (
    "extendedTextMessage",
    "extendedTextMessageData",
    "interactiveButtonsReply",
    "interactiveButtons",
    "buttonsMessage",
    "templateMessage",
    "listMessage",
)
# A header or footer alone is no message's text: Fixi sends its buttons' text as the body.
_NESTED_TEXT = ("text", "body", "contentText")


def window_minutes(rows: list[OutboundMessage], now: datetime) -> int:
    """How many minutes back one read must reach to cover every row's attempt."""
    earliest = min(row.unconfirmed_since for row in rows) - timedelta(seconds=CLOCK_SKEW_SECONDS)
    minutes = math.ceil((now - earliest).total_seconds() / 60)
    return min(max(minutes, 1), MAX_MINUTES)


def match(rows: list[OutboundMessage], entries: list[dict]) -> dict:
    """{row pk: the journal entry of its message} for the rows the journal shows.

    Rows are settled in the order given (oldest first); an entry goes to one row only,
    and never to a row when another row already holds its id."""
    candidates = {
        row.pk: [entry for entry in entries if is_this_message(row, entry)] for row in rows
    }
    ids = {entry["idMessage"] for found in candidates.values() for entry in found}
    holders = dict(
        OutboundMessage.objects.filter(provider_message_id__in=ids).values_list(
            "provider_message_id", "pk"
        )
    )
    used, found = set(), {}
    for row in rows:
        for entry in candidates[row.pk]:
            id_message = entry["idMessage"]
            if id_message in used or holders.get(id_message, row.pk) != row.pk:
                continue
            used.add(id_message)
            found[row.pk] = entry
            break
    return found


def is_this_message(row: OutboundMessage, entry: dict) -> bool:
    """Chat, type, time window and content: the entry may be this row's message."""
    timestamp, id_message = entry.get("timestamp"), entry.get("idMessage")
    since = (row.unconfirmed_since - timedelta(seconds=CLOCK_SKEW_SECONDS)).timestamp()
    return (
        entry.get("chatId") == row.chat_id
        and entry.get("type", "outgoing") == "outgoing"
        and entry.get("sendByApi") is not False  # not typed on the phone
        and entry.get("typeMessage") in TYPES[row.kind]
        and isinstance(timestamp, int | float)
        and timestamp >= since  # the last action on it cannot precede its sending
        and isinstance(id_message, str)
        and bool(id_message)
        and same_content(row, entry)
    )


def same_content(row: OutboundMessage, entry: dict) -> bool:
    mine = row.text.strip()
    if row.kind == OutboundKind.FILE:
        # The file's own link, or its caption: the journal lists both, not the file's name.
        caption = entry.get("caption")
        same_link = bool(row.file_url) and entry.get("downloadUrl") == row.file_url
        same_caption = bool(mine) and isinstance(caption, str) and caption.strip() == mine
        return same_link or same_caption
    texts = entry_texts(entry)
    if row.kind == OutboundKind.BUTTONS:
        # The journal may carry the body alone, part of it, or header, body and footer.
        return any(mine.startswith(text) or mine in text for text in texts)
    return mine in texts


def entry_texts(entry: dict) -> list[str]:
    """Every text an entry carries as its own: textMessage and caption at the top, and
    the text fields of its message object (extended text, buttons); not a quoted one."""
    found = [entry.get("textMessage"), entry.get("caption")]
    for key in _NESTED:
        nested = entry.get(key)
        if isinstance(nested, dict):
            found += [nested.get(field) for field in _NESTED_TEXT]
    return [text.strip() for text in found if isinstance(text, str) and text.strip()]
