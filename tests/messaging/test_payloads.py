import pytest

from messaging.models import MessageKind, Subtype
from messaging.payloads import PayloadError, contact_line, normalise, read_contact
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
    assert normalise(shapes.quoted_deprecated()).quoted_message_id == "BAE5QUOTED3"


def test_a_plain_message_is_no_notification():
    assert normalise(shapes.text()).subtype == Subtype.NONE


def test_a_call_comes_from_the_caller_with_no_words():
    message = normalise(shapes.incoming_call())

    assert (message.kind, message.subtype) == (MessageKind.OTHER, Subtype.CALL)
    assert (message.chat_id, message.text) == (shapes.CUSTOMER, "")
    assert message.provider_message_id == "CALL1"
    assert message.status == ""  # a call's offer, pickUp and hangUp are one message


def test_an_edit_carries_the_new_text_and_the_edited_message():
    message = normalise(shapes.edited("הכתובת היא הרצל 12", original_id="BAE5ORIG"))

    assert (message.kind, message.subtype) == (MessageKind.TEXT, Subtype.EDIT)
    assert (message.text, message.quoted_message_id) == ("הכתובת היא הרצל 12", "BAE5ORIG")


@pytest.mark.parametrize("emoji", ["👍🏽", ""])
def test_a_reaction_carries_its_emoji_and_what_it_reacts_to(emoji):
    message = normalise(shapes.reaction(emoji, reacted_to="BAE5OUT7"))

    assert (message.kind, message.subtype) == (MessageKind.OTHER, Subtype.REACTION)
    assert (message.text, message.quoted_message_id) == (emoji, "BAE5OUT7")


def test_a_contact_card_reads_as_name_and_phone():
    message = normalise(shapes.contact("Yossi Cohen"))

    assert (message.kind, message.subtype) == (MessageKind.OTHER, Subtype.CONTACT)
    assert message.text == "Yossi Cohen: +972 52-111-2222"


@pytest.mark.parametrize(
    ("contact", "card"),
    [
        (
            {"displayName": "Dana", "vcard": "FN:Dana\nTEL;type=CELL:050-1\nitem2.TEL:03-2"},
            {"name": "Dana", "phones": ["050-1", "03-2"]},
        ),
        (
            {"vcard": "BEGIN:VCARD\r\nFN:Avi\r\nitem1.TEL;waid=972541112222\r\nEND:VCARD"},
            {"name": "Avi", "phones": ["+972541112222"]},
        ),
        (
            {"displayName": "Folded", "vcard": "TEL:+972 54\n -111-2222\nTEL:+972 54-111-2222"},
            {"name": "Folded", "phones": ["+972 54-111-2222"]},
        ),
        ({"displayName": "No phone", "vcard": "FN:No phone"}, {"name": "No phone", "phones": []}),
        ({"vcard": ["not", "text"]}, {"name": "", "phones": []}),
    ],
)
def test_a_vcard_gives_its_name_and_phones(contact, card):
    assert read_contact(contact) == card


def test_a_contact_line_is_short_and_readable():
    assert contact_line({"name": "Dana", "phones": ["050-1", "03-2"]}) == "Dana: 050-1, 03-2"
    assert contact_line({"name": "", "phones": ["050-1"]}) == "050-1"
    assert contact_line({"name": "Dana", "phones": []}) == "Dana"
    assert len(contact_line({"name": "x" * 120, "phones": ["0" * 40] * 5})) <= 200


@pytest.mark.parametrize(
    "type_message", ["stickerMessage", "pollMessage", "groupInviteMessage", "buttonsMessage"]
)
def test_stickers_polls_invites_and_menus_are_no_notification(type_message):
    message = normalise(shapes.envelope({"typeMessage": type_message}))

    assert (message.kind, message.subtype, message.button_id) == (MessageKind.OTHER, "", "")


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
    assert normalise(shapes.envelope({"typeMessage": "futureMessage"})).kind == MessageKind.OTHER
    assert normalise(shapes.incoming_block()).kind == MessageKind.OTHER


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
