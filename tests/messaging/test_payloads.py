import pytest

from messaging.models import MessageKind
from messaging.payloads import PayloadError, normalise
from tests.messaging import shapes


@pytest.mark.parametrize(
    ("payload", "kind", "text"),
    [
        (shapes.text(), MessageKind.TEXT, "יש לי נזילה מתחת לכיור בחיפה"),
        (shapes.extended_text(), MessageKind.TEXT, "Leaking pipe, see https://example.com/x"),
        (shapes.quoted_legacy(), MessageKind.TEXT, "מחר בבוקר מתאים"),
        (shapes.quoted_current(), MessageKind.TEXT, "yes, tomorrow"),
        (shapes.image(), MessageKind.IMAGE, "הנזילה"),
        (shapes.video(), MessageKind.VIDEO, ""),
        (shapes.voice(), MessageKind.AUDIO, ""),
        (shapes.document(), MessageKind.DOCUMENT, ""),
        (shapes.location(), MessageKind.LOCATION, "Fixi HQ, הרצל 10, חיפה"),
    ],
)
def test_every_message_shape_becomes_one_internal_message(payload, kind, text):
    message = normalise(payload)

    assert (message.kind, message.text) == (kind, text)
    assert message.chat_id == shapes.CUSTOMER
    assert message.sender_name == "Dana Levi"
    assert message.provider_message_id == payload["idMessage"]
    assert message.sent_at is not None


def test_files_keep_their_link_and_type():
    message = normalise(shapes.voice())

    assert message.media_url.startswith("https://")
    assert message.media_mime_type == "audio/ogg; codecs=opus"


@pytest.mark.parametrize(
    ("payload", "button_id", "text"),
    [
        (shapes.interactive_reply(), "1", "אשר"),
        (shapes.interactive_reply_alt(), "2", "דחה"),
        (shapes.buttons_response(), "1", "אשר"),
        (shapes.template_reply(), "2", "דחה"),
        (shapes.template_reply("templateButtonReplyMessage"), "2", "דחה"),
    ],
)
def test_the_three_button_reply_shapes_read_alike(payload, button_id, text):
    message = normalise(payload)

    assert (message.kind, message.button_id, message.text) == (MessageKind.BUTTON, button_id, text)
    assert message.quoted_message_id == "BAE5BUTTONS"


def test_both_quoted_forms_keep_what_they_answer():
    assert normalise(shapes.quoted_legacy()).quoted_message_id == "BAE5QUOTED1"
    assert normalise(shapes.quoted_current()).quoted_message_id == "BAE5QUOTED2"


def test_a_delivery_status_is_keyed_by_message_and_status():
    message = normalise(shapes.status("BAE5OUT9", "read"))

    assert (message.kind, message.provider_message_id, message.status) == (
        MessageKind.STATUS,
        "BAE5OUT9",
        "read",
    )


def test_a_state_change_without_message_id_gets_a_stable_key():
    first = normalise(shapes.state("notAuthorized"))
    again = normalise(shapes.state("notAuthorized"))

    assert first.kind == MessageKind.STATE and first.state == "notAuthorized"
    assert first.provider_message_id == again.provider_message_id


def test_unknown_shapes_are_kept_as_other():
    assert normalise(shapes.envelope({"typeMessage": "stickerMessage"})).kind == MessageKind.OTHER
    assert normalise(shapes.incoming_call()).kind == MessageKind.OTHER


@pytest.mark.parametrize("payload", [{}, {"typeWebhook": ""}, {"typeWebhook": None}])
def test_a_body_without_a_type_is_refused(payload):
    with pytest.raises(PayloadError):
        normalise(payload)


def test_wrong_types_inside_are_tolerated():
    payload = shapes.text()
    payload["senderData"] = ["not", "a", "dict"]
    payload["messageData"]["textMessageData"] = {"textMessage": {"nested": 1}}
    payload["timestamp"] = "yesterday"

    message = normalise(payload)

    assert (message.chat_id, message.text, message.sent_at) == ("", "", None)
