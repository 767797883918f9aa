"""Green API webhook payloads, normalised into one internal message.

Every documented shape is read: text, extended text, both quoted-reply forms, image,
video, audio/voice note, document, location, and the three button-reply shapes (with the
field spellings seen in real traffic). Anything else is kept as `other` with its raw
payload, never rejected: Green API resends what we refuse.

Some notifications a customer produces are not a new message of their own; `subtype` says
which (messaging.models.Subtype), while `kind` keeps saying what the content is:

- a call (`incomingCall`): the caller is the top-level `from`; no text;
- an edit (`editedMessage`): kind text, the new text, and the edited message's id as the
  quoted id (messaging.notifications.apply_edit puts it on the original);
- a reaction (`reactionMessage`): the emoji as text and the reacted-to id as the quoted id
  (an empty emoji is a reaction taken back);
- a contact card (`contactMessage`): "name: phone, phone", read from the vCard.

Stickers, polls, group invites and button menus (a menu received, not a button pressed)
stay `other` with no subtype: none of them is a customer's words.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from fixi.links import web_url
from messaging.models import MessageKind, Subtype


class PayloadError(ValueError):
    """The body is JSON but not a webhook we can store (no type)."""


INCOMING = "incomingMessageReceived"
OUTGOING_TYPES = {"outgoingMessageReceived", "outgoingAPIMessageReceived"}
STATUS = "outgoingMessageStatus"
STATE = "stateInstanceChanged"
CALL = "incomingCall"

FILE_KINDS = {
    "imageMessage": MessageKind.IMAGE,
    "videoMessage": MessageKind.VIDEO,
    "audioMessage": MessageKind.AUDIO,
    "documentMessage": MessageKind.DOCUMENT,
}
BUTTON_TYPES = {
    "interactiveButtonsResponse",
    "buttonsResponseMessage",
    "templateButtonsReplyMessage",
    "templateButtonReplyMessage",
}


@dataclass
class Normalised:
    webhook_type: str
    provider_message_id: str
    status: str = ""
    chat_id: str = ""
    sender_name: str = ""
    kind: str = MessageKind.OTHER
    text: str = ""
    media_url: str = ""
    media_mime_type: str = ""
    file_name: str = ""
    button_id: str = ""
    quoted_message_id: str = ""
    location: dict = field(default_factory=dict)
    sent_at: dt.datetime | None = None
    state: str = ""
    subtype: str = Subtype.NONE


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def _timestamp(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def normalise(payload: dict) -> Normalised:
    """The internal message for a webhook body (already known to be a JSON object)."""
    webhook_type = _str(payload.get("typeWebhook")).strip()
    if not webhook_type:
        raise PayloadError("typeWebhook is missing")
    message = Normalised(
        webhook_type=webhook_type[:40],
        provider_message_id=_str(payload.get("idMessage"))[:128],
        sent_at=_timestamp(payload.get("timestamp")),
    )
    if webhook_type == STATUS:
        _read_status(message, payload)
    elif webhook_type == STATE:
        _read_state(message, payload)
    elif webhook_type == CALL:
        _read_call(message, payload)
    else:
        _read_sender(message, _dict(payload.get("senderData")))
        _read_message_data(message, _dict(payload.get("messageData")))
    if not message.provider_message_id:
        message.provider_message_id = _synthetic_id(message, payload)
    return message


def _synthetic_id(message: Normalised, payload: dict) -> str:
    """Webhooks without idMessage (state, calls) are keyed by what makes them distinct."""
    instance = _str(_dict(payload.get("instanceData")).get("idInstance"))
    stamp = _str(payload.get("timestamp"))
    return f"{message.webhook_type}:{instance}:{stamp}:{message.state}"[:128]


def _read_status(message: Normalised, payload: dict) -> None:
    message.kind = MessageKind.STATUS
    message.status = _str(payload.get("status"))[:20]
    message.chat_id = _str(payload.get("chatId"))[:64]
    message.text = _str(payload.get("description"))[:500]


def _read_state(message: Normalised, payload: dict) -> None:
    message.kind = MessageKind.STATE
    message.state = _str(payload.get("stateInstance"))[:40]
    message.text = message.state


def _read_call(message: Normalised, payload: dict) -> None:
    """Green API reports a call once per state (offer, pickUp, hangUp...) under one idMessage;
    the state is left out of the key on purpose, so a call is one message, not three."""
    message.kind = MessageKind.OTHER
    message.subtype = Subtype.CALL
    message.chat_id = _str(payload.get("from"))[:64]


def _read_sender(message: Normalised, sender: dict) -> None:
    message.chat_id = _str(sender.get("chatId"))[:64]
    name = sender.get("senderName") or sender.get("senderContactName") or sender.get("chatName")
    message.sender_name = _str(name)[:120]


def _read_message_data(message: Normalised, data: dict) -> None:
    type_message = _str(data.get("typeMessage"))
    quoted = _dict(data.get("quotedMessage"))
    message.quoted_message_id = _str(quoted.get("stanzaId"))[:128]
    if type_message in FILE_KINDS:
        _read_file(message, FILE_KINDS[type_message], _dict(data.get("fileMessageData")))
    elif type_message in BUTTON_TYPES:
        _read_button(message, data, type_message)
    elif type_message in READERS:
        READERS[type_message](message, data)
    else:
        message.kind = MessageKind.OTHER
    message.text = message.text[:20_000]


def _read_text(message: Normalised, data: dict) -> None:
    message.kind = MessageKind.TEXT
    message.text = _str(_dict(data.get("textMessageData")).get("textMessage"))


def _read_extended_text(message: Normalised, data: dict) -> None:
    message.kind = MessageKind.TEXT
    extended = _dict(data.get("extendedTextMessageData"))
    message.text = _str(extended.get("text")) or _str(extended.get("description"))


def _read_deprecated_quote(message: Normalised, data: dict) -> None:
    """The legacy reply form may carry the quoted id only as extendedTextMessageData's
    stanzaId (documented there as the quoted message's id)."""
    _read_extended_text(message, data)
    extended = _dict(data.get("extendedTextMessageData"))
    message.quoted_message_id = message.quoted_message_id or _str(extended.get("stanzaId"))[:128]


def _read_edit(message: Normalised, data: dict) -> None:
    edited = _dict(data.get("editedMessageData"))
    message.kind = MessageKind.TEXT
    message.subtype = Subtype.EDIT
    message.text = _str(edited.get("textMessage"))
    message.quoted_message_id = _str(edited.get("stanzaId"))[:128]


def _read_reaction(message: Normalised, data: dict) -> None:
    # The reacted-to id is quotedMessage.stanzaId, already read.
    message.kind = MessageKind.OTHER
    message.subtype = Subtype.REACTION
    message.text = _str(_dict(data.get("extendedTextMessageData")).get("text")).strip()


def _read_contact(message: Normalised, data: dict) -> None:
    message.kind = MessageKind.OTHER
    message.subtype = Subtype.CONTACT
    message.text = contact_line(read_contact(_dict(data.get("contactMessageData"))))


def _read_file(message: Normalised, kind: str, file_data: dict) -> None:
    message.kind = kind
    message.text = _str(file_data.get("caption"))
    # Only a web address: the admin shows this link, and a javascript: URL would run in the
    # manager's session. Anything else is stored as none; the file is then fetched through
    # Green API's downloadFile, and the payload keeps what was sent.
    message.media_url = web_url(_str(file_data.get("downloadUrl"))[:1000])
    message.media_mime_type = _str(file_data.get("mimeType"))[:100]
    message.file_name = _str(file_data.get("fileName"))[:200]


def _read_location(message: Normalised, data: dict) -> None:
    location = _dict(data.get("locationMessageData"))
    message.kind = MessageKind.LOCATION
    message.location = {
        key: location[key]
        for key in ("latitude", "longitude", "nameLocation", "address")
        if isinstance(location.get(key), (int, float, str))
    }
    message.text = ", ".join(
        _str(location.get(key)) for key in ("nameLocation", "address") if location.get(key)
    )


def _read_button(message: Normalised, data: dict, type_message: str) -> None:
    """Three shapes, with the field spellings seen in real traffic."""
    reply = (
        _dict(data.get(type_message))
        or _dict(data.get("templateButtonReplyMessage"))
        or _dict(data.get("templateButtonsReplyMessage"))
        or _dict(data.get("interactiveButtonsResponse"))
        or _dict(data.get("buttonsResponseMessage"))
    )
    message.kind = MessageKind.BUTTON
    message.button_id = _str(reply.get("selectedId") or reply.get("selectedButtonId"))[:64]
    message.text = _str(reply.get("selectedDisplayText") or reply.get("selectedButtonText"))
    message.quoted_message_id = _str(reply.get("stanzaId"))[:128] or message.quoted_message_id
    index = reply.get("selectedIndex")
    if not message.button_id and isinstance(index, int) and not isinstance(index, bool):
        # Fixi's button ids are their 1-based positions; selectedIndex counts from 0.
        message.button_id = str(index + 1)


READERS = {
    "textMessage": _read_text,
    "extendedTextMessage": _read_extended_text,
    "quotedMessage": _read_deprecated_quote,
    "locationMessage": _read_location,
    "editedMessage": _read_edit,
    "reactionMessage": _read_reaction,
    "contactMessage": _read_contact,
}


MAX_CONTACT_PHONES = 5
MAX_CONTACT_LINE = 200
_VCARD_FOLD = re.compile(r"\r?\n[ \t]")


def read_contact(contact: dict) -> dict:
    """A shared contact card as {"name", "phones"}: the display name (or the vCard's FN) and
    the card's TEL numbers as written, at most MAX_CONTACT_PHONES of them."""
    vcard = _VCARD_FOLD.sub("", _str(contact.get("vcard")))  # unfold continued lines
    name, phones = _str(contact.get("displayName")).strip(), []
    for line in vcard.splitlines():
        head, _, value = line.partition(":")
        prop, *params = head.split(";")
        prop = prop.rsplit(".", 1)[-1].strip().upper()  # "item1.TEL" is a grouped TEL
        if prop == "FN" and not name:
            name = value.strip()
        elif prop == "TEL" and (phone := value.strip() or _whatsapp_number(params)):
            phones += [phone] if phone not in phones else []
    return {"name": name[:120], "phones": phones[:MAX_CONTACT_PHONES]}


def contact_in(payload: dict) -> dict:
    """The contact card of a stored contactMessage webhook body (see read_contact)."""
    return read_contact(_dict(_dict(payload.get("messageData")).get("contactMessageData")))


def _whatsapp_number(params: list[str]) -> str:
    """Some cards carry the number only as the WhatsApp id: "TEL;waid=972541234567"."""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "waid" and value.strip().isdigit():
            return f"+{value.strip()}"
    return ""


def contact_line(card: dict) -> str:
    """The card in one short readable line: "Dana Levi: +972 54-123-4567"."""
    phones = ", ".join(card["phones"])
    line = f"{card['name']}: {phones}" if card["name"] and phones else card["name"] or phones
    return line[:MAX_CONTACT_LINE]


MAX_STORED_DEPTH = 32
_INT64 = 2**63


def storable(value, depth: int = 0):
    """The payload as both databases can keep it, unchanged for every real webhook.

    MongoDB documents refuse integers beyond 64 bits, NUL bytes and a leading "$" in keys,
    and nesting past 100 levels; a hostile or broken body must still be stored, not 500.
    """
    if depth >= MAX_STORED_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {_storable_key(k): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return str(value)
    return value


def _storable_key(key: str) -> str:
    key = str(key).replace("\x00", "\\u0000").replace(".", "\uff0e")
    return f"_{key}" if key.startswith("$") else key
