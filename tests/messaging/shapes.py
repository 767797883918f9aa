"""Green API webhook bodies in every documented shape (see shared/reference/green-api.md)."""

import itertools

_ids = itertools.count(1)
CUSTOMER = "972541234567@c.us"


def envelope(message_data: dict, chat_id: str = CUSTOMER, id_message: str | None = None) -> dict:
    return {
        "typeWebhook": "incomingMessageReceived",
        "instanceData": {
            "idInstance": 1101000001,
            "wid": "972500000000@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": 1790000000,
        "idMessage": id_message or f"BAE5F4{next(_ids):010X}",
        "senderData": {
            "chatId": chat_id,
            "sender": chat_id,
            "chatName": "Dana",
            "senderName": "Dana Levi",
            "senderContactName": "",
        },
        "messageData": message_data,
    }


def text(body="יש לי נזילה מתחת לכיור בחיפה", **kw):
    return envelope({"typeMessage": "textMessage", "textMessageData": {"textMessage": body}}, **kw)


def extended_text(body="Leaking pipe, see https://example.com/x", **kw):
    return envelope(
        {
            "typeMessage": "extendedTextMessage",
            "extendedTextMessageData": {
                "text": body,
                "description": "",
                "title": "",
                "previewType": "None",
                "jpegThumbnail": "",
                "forwardingScore": 0,
                "isForwarded": False,
            },
        },
        **kw,
    )


def quoted_legacy(body="מחר בבוקר מתאים", **kw):
    return envelope(
        {
            "typeMessage": "quotedMessage",
            "extendedTextMessageData": {
                "text": body,
                "stanzaId": "BAE5QUOTED1",
                "participant": "972500000000@c.us",
            },
            "quotedMessage": {
                "stanzaId": "BAE5QUOTED1",
                "participant": "972500000000@c.us",
                "typeMessage": "textMessage",
                "textMessage": "מתי נוח לך?",
            },
        },
        **kw,
    )


def quoted_current(body="yes, tomorrow", **kw):
    return envelope(
        {
            "typeMessage": "textMessage",
            "textMessageData": {"textMessage": body},
            "quotedMessage": {
                "stanzaId": "BAE5QUOTED2",
                "participant": "972500000000@c.us",
                "typeMessage": "textMessage",
                "textMessage": "When suits you?",
            },
        },
        **kw,
    )


def file_message(type_message, mime, caption="", file_name="file", **kw):
    return envelope(
        {
            "typeMessage": type_message,
            "fileMessageData": {
                "downloadUrl": "https://do-media-7105.fra1.digitaloceanspaces.com/7105/x.bin",
                "caption": caption,
                "fileName": file_name,
                "jpegThumbnail": "",
                "mimeType": mime,
                "isForwarded": False,
                "forwardingScore": 0,
            },
        },
        **kw,
    )


def image(**kw):
    return file_message("imageMessage", "image/jpeg", caption="הנזילה", file_name="a.jpg", **kw)


def video(**kw):
    return file_message("videoMessage", "video/mp4", file_name="a.mp4", **kw)


def voice(**kw):
    return file_message("audioMessage", "audio/ogg; codecs=opus", file_name="a.oga", **kw)


def document(**kw):
    return file_message("documentMessage", "application/pdf", file_name="quote.pdf", **kw)


def location(**kw):
    return envelope(
        {
            "typeMessage": "locationMessage",
            "locationMessageData": {
                "nameLocation": "Fixi HQ",
                "address": "הרצל 10, חיפה",
                "latitude": 32.81,
                "longitude": 34.99,
                "jpegThumbnail": "",
            },
        },
        **kw,
    )


def interactive_reply(selected_id="1", text="אשר", **kw):
    return envelope(
        {
            "typeMessage": "interactiveButtonsResponse",
            "interactiveButtonsResponse": {
                "stanzaId": "BAE5BUTTONS",
                "selectedIndex": 0,
                "selectedId": selected_id,
                "selectedDisplayText": text,
            },
        },
        **kw,
    )


def interactive_reply_alt(**kw):
    return envelope(
        {
            "typeMessage": "interactiveButtonsResponse",
            "interactiveButtonsResponse": {
                "stanzaId": "BAE5BUTTONS",
                "selectedButtonId": "2",
                "selectedButtonText": "דחה",
            },
        },
        **kw,
    )


def buttons_response(**kw):
    return envelope(
        {
            "typeMessage": "buttonsResponseMessage",
            "buttonsResponseMessage": {
                "stanzaId": "BAE5BUTTONS",
                "selectedButtonId": "1",
                "selectedButtonText": "אשר",
            },
        },
        **kw,
    )


def template_reply(type_message="templateButtonsReplyMessage", **kw):
    return envelope(
        {
            "typeMessage": type_message,
            "templateButtonReplyMessage": {
                "stanzaId": "BAE5BUTTONS",
                "selectedIndex": 1,
                "selectedId": "2",
                "selectedDisplayText": "דחה",
            },
        },
        **kw,
    )


def status(id_message="BAE5OUT1", value="delivered"):
    return {
        "typeWebhook": "outgoingMessageStatus",
        "chatId": CUSTOMER,
        "instanceData": {
            "idInstance": 1101000001,
            "wid": "972500000000@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": 1790000001,
        "idMessage": id_message,
        "status": value,
        "description": "",
        "sendByApi": True,
    }


def state(value="notAuthorized", timestamp=1790000002):
    return {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {
            "idInstance": 1101000001,
            "wid": "972500000000@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": timestamp,
        "stateInstance": value,
    }


def incoming_call():
    return {
        "typeWebhook": "incomingCall",
        "instanceData": {"idInstance": 1101000001},
        "timestamp": 1790000003,
        "from": CUSTOMER,
        "status": "offer",
        "idMessage": "CALL1",
    }


def incoming_block():
    return {
        "typeWebhook": "incomingBlock",
        "instanceData": {"idInstance": 1101000001},
        "timestamp": 1790000004,
        "chatId": CUSTOMER,
        "idMessage": "BLOCK1",
    }


def quoted_deprecated(body="מחר בבוקר מתאים", **kw):
    """The legacy reply form with no quotedMessage object: the id is only the stanzaId."""
    return envelope(
        {
            "typeMessage": "quotedMessage",
            "extendedTextMessageData": {
                "text": body,
                "stanzaId": "BAE5QUOTED3",
                "participant": "972500000000@c.us",
            },
        },
        **kw,
    )


def edited(body="הכתובת היא הרצל 12", original_id="BAE5ORIGINAL", timestamp=None, **kw):
    payload = envelope(
        {
            "typeMessage": "editedMessage",
            "editedMessageData": {"textMessage": body, "stanzaId": original_id},
        },
        **kw,
    )
    payload["timestamp"] = timestamp or payload["timestamp"] + 60
    return payload


def reaction(emoji="👍", reacted_to="BAE5OUT1", **kw):
    return envelope(
        {
            "typeMessage": "reactionMessage",
            "extendedTextMessageData": {"text": emoji},
            "quotedMessage": {"stanzaId": reacted_to, "participant": "972500000000@c.us"},
        },
        **kw,
    )


def contact(name="Yossi Cohen", vcard_tel="item1.TEL;waid=972521112222:+972 52-111-2222", **kw):
    vcard = f"BEGIN:VCARD\nVERSION:3.0\nN:;{name};;;\nFN:{name}\n{vcard_tel}\nEND:VCARD"
    return envelope(
        {
            "typeMessage": "contactMessage",
            "contactMessageData": {"displayName": name, "vcard": vcard},
        },
        **kw,
    )
