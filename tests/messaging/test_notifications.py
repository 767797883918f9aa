"""A customer's edits and reactions land on the messages they are about; contact cards and
confirming reactions are read."""

import pytest

from messaging import notifications
from messaging.inbox import ingest
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
OTHER_CUSTOMER = "972529999999@c.us"


def stored(payload: dict) -> InboundMessage:
    return InboundMessage.objects.get(pk=ingest(payload).inbound_id)


def sent(provider_id: str, chat_id: str = shapes.CUSTOMER, text="מחר ב-10:00?"):
    return OutboundMessage.objects.create(
        chat_id=chat_id, text=text, status=OutboundStatus.SENT, provider_message_id=provider_id
    )


# --- edits ------------------------------------------------------------------------------


def test_an_edit_changes_the_message_and_keeps_what_was_first_written():
    original = stored(shapes.text("הכתובת היא הרצל 10", id_message="BAE5ORIG"))
    edit = stored(shapes.edited("הכתובת היא הרצל 12", original_id="BAE5ORIG"))

    updated = notifications.apply_edit(edit)

    assert updated.pk == original.pk
    assert (updated.text, updated.original_text) == ("הכתובת היא הרצל 12", "הכתובת היא הרצל 10")
    assert updated.edited_at == edit.sent_at
    assert InboundMessage.objects.get(pk=original.pk).text == "הכתובת היא הרצל 12"


def test_the_same_edit_applied_twice_changes_nothing_more():
    stored(shapes.text("בחיפה", id_message="BAE5ORIG"))
    edit = stored(shapes.edited("בקריית ים", original_id="BAE5ORIG"))

    first = notifications.apply_edit(edit)
    again = notifications.apply_edit(edit)

    assert (again.text, again.original_text, again.edited_at) == (
        first.text,
        first.original_text,
        first.edited_at,
    )
    assert again.original_text == "בחיפה"


def test_a_second_edit_keeps_the_text_as_first_received():
    stored(shapes.text("ביום ראשון", id_message="BAE5ORIG"))
    notifications.apply_edit(stored(shapes.edited("ביום שני", "BAE5ORIG", timestamp=1790000100)))

    updated = notifications.apply_edit(
        stored(shapes.edited("ביום שלישי", "BAE5ORIG", timestamp=1790000200))
    )

    assert (updated.text, updated.original_text) == ("ביום שלישי", "ביום ראשון")


def test_an_older_edit_delivered_late_does_not_undo_a_newer_one():
    stored(shapes.text("ביום ראשון", id_message="BAE5ORIG"))
    newer = stored(shapes.edited("ביום שלישי", "BAE5ORIG", timestamp=1790000200))
    older = stored(shapes.edited("ביום שני", "BAE5ORIG", timestamp=1790000100))
    notifications.apply_edit(newer)

    updated = notifications.apply_edit(older)

    assert (updated.text, updated.original_text) == ("ביום שלישי", "ביום ראשון")
    assert updated.edited_at == newer.sent_at


def test_an_edit_of_an_unknown_message_stands_on_its_own():
    edit = stored(shapes.edited("מחר", original_id="BAE5NEVERSEEN"))

    assert notifications.apply_edit(edit) is None
    assert InboundMessage.objects.get(pk=edit.pk).text == "מחר"


def test_an_edit_touches_only_its_own_chat():
    stored(shapes.text("שלום", chat_id=OTHER_CUSTOMER, id_message="BAE5ORIG"))
    edit = stored(shapes.edited("היי", original_id="BAE5ORIG"))

    assert notifications.apply_edit(edit) is None
    assert InboundMessage.objects.get(chat_id=OTHER_CUSTOMER).text == "שלום"


def test_a_message_that_is_no_edit_changes_nothing():
    stored(shapes.text("שלום", id_message="BAE5ORIG"))
    reply = stored(shapes.quoted_current("כן"))

    assert notifications.apply_edit(reply) is None


# --- reactions --------------------------------------------------------------------------


def test_a_reaction_to_fixis_message_is_kept_on_it():
    reminder = sent("BAE5OUT7")

    target = notifications.record_reaction(stored(shapes.reaction("👍", reacted_to="BAE5OUT7")))

    assert isinstance(target, OutboundMessage) and target.pk == reminder.pk
    assert target.reaction == "👍"
    assert OutboundMessage.objects.get(pk=reminder.pk).reaction == "👍"


def test_a_reaction_to_the_customers_own_message_is_kept_on_it():
    photo = stored(shapes.image(id_message="BAE5PHOTO"))

    target = notifications.record_reaction(stored(shapes.reaction("❤️", reacted_to="BAE5PHOTO")))

    assert isinstance(target, InboundMessage) and target.pk == photo.pk
    assert InboundMessage.objects.get(pk=photo.pk).reaction == "❤️"


def test_fixis_message_comes_first_when_both_carry_the_id():
    stored(shapes.text("שלום", id_message="BAE5SAME"))
    ours = sent("BAE5SAME")

    target = notifications.record_reaction(stored(shapes.reaction("👌", reacted_to="BAE5SAME")))

    assert isinstance(target, OutboundMessage) and target.pk == ours.pk


def test_a_reaction_taken_back_clears_it():
    reminder = sent("BAE5OUT7")
    notifications.record_reaction(stored(shapes.reaction("👍", reacted_to="BAE5OUT7")))

    target = notifications.record_reaction(stored(shapes.reaction("", reacted_to="BAE5OUT7")))

    assert target.pk == reminder.pk and target.reaction == ""


def test_a_changed_reaction_replaces_the_first():
    sent("BAE5OUT7")
    notifications.record_reaction(stored(shapes.reaction("👍", reacted_to="BAE5OUT7")))

    target = notifications.record_reaction(stored(shapes.reaction("😡", reacted_to="BAE5OUT7")))

    assert target.reaction == "😡"


def test_a_reaction_to_an_unknown_or_other_chats_message_is_kept_nowhere():
    sent("BAE5OUT7", chat_id=OTHER_CUSTOMER)

    assert notifications.record_reaction(stored(shapes.reaction(reacted_to="BAE5OUT7"))) is None
    assert notifications.record_reaction(stored(shapes.reaction(reacted_to="BAE5NONE"))) is None
    assert OutboundMessage.objects.get().reaction == ""


# --- contact cards and confirmations ----------------------------------------------------


def test_a_contact_card_is_read_from_the_stored_payload():
    card = stored(
        shapes.contact("Yossi Cohen", vcard_tel="TEL;type=CELL:054-111-2222\nTEL:03-555-6666")
    )

    assert notifications.contact_card(card) == {
        "name": "Yossi Cohen",
        "phones": ["054-111-2222", "03-555-6666"],
    }


def test_a_message_without_a_card_reads_as_an_empty_card():
    assert notifications.contact_card(stored(shapes.text())) == {"name": "", "phones": []}


@pytest.mark.parametrize(
    "emoji", ["👍", "👍🏻", "👍🏽", "👍🏿", "✅", "✔️", "✔", "👌", "👌🏼", "🙏", "🙏🏾", " 👍 "]
)
def test_these_reactions_confirm(emoji):
    assert notifications.is_confirmation(emoji)


@pytest.mark.parametrize("emoji", ["", "👎", "❤️", "😂", "❌", "👍👎", "ok", None])
def test_these_do_not(emoji):
    assert not notifications.is_confirmation(emoji)
