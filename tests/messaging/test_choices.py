import pytest

from messaging import outbox
from messaging.choices import answered_buttons, match_choice
from messaging.models import OutboundMessage

APPROVE_REJECT = [{"id": "1", "text": "אשר"}, {"id": "2", "text": "דחה"}]
CHAT = "972541234567@c.us"


@pytest.mark.parametrize(
    ("button_id", "text", "expected"),
    [
        ("1", "", "1"),
        ("2", "דחה", "2"),
        ("", "1", "1"),
        ("", " 2. ", "2"),
        ("", "אשר", "1"),
        ("", "אשר!", "1"),
        ("", "מאשר", "1"),
        ("", "Approve", "1"),
        ("", "yes", "1"),
        ("", "דחה", "2"),
        ("", "reject", "2"),
        ("", "decline", "2"),
        ("", "3", None),
        ("", "אולי", None),
        ("", "", None),
        ("9", "", None),
    ],
)
def test_presses_numbers_and_words_read_alike(button_id, text, expected):
    chosen = match_choice(APPROVE_REJECT, button_id, text)

    assert (chosen or {}).get("id") == expected


@pytest.mark.django_db
def test_a_typed_answer_answers_the_last_button_message_of_the_chat():
    outbox.queue_buttons(CHAT, "ליד ישן", [("1", "אשר"), ("2", "דחה")])
    latest = outbox.queue_buttons(CHAT, "ליד חדש", [("1", "אשר"), ("2", "דחה")])

    question, chosen = answered_buttons(CHAT, text="2")

    assert question.pk == latest.pk and chosen["text"] == "דחה"


@pytest.mark.django_db
def test_a_press_answers_the_message_it_quotes():
    older = outbox.queue_buttons(CHAT, "ליד ישן", [("1", "אשר"), ("2", "דחה")])
    OutboundMessage.objects.filter(pk=older.pk).update(provider_message_id="BAE5OLD")
    outbox.queue_buttons(CHAT, "ליד חדש", [("1", "אשר"), ("2", "דחה")])

    question, chosen = answered_buttons(CHAT, button_id="1", quoted_id="BAE5OLD")

    assert question.pk == older.pk and chosen["id"] == "1"


@pytest.mark.django_db
def test_a_press_on_a_message_whose_send_is_not_recorded_answers_that_message():
    # The offer of one job reached the pro, but the worker died before it recorded Green
    # API's id for it; the offer of another job came after it.
    first = outbox.queue_buttons(CHAT, "עבודה א", [("approve:A", "אשר"), ("reject:A", "דחה")])
    later = outbox.queue_buttons(CHAT, "עבודה ב", [("approve:B", "אשר"), ("reject:B", "דחה")])
    OutboundMessage.objects.filter(pk=later.pk).update(provider_message_id="BAE5B")

    question, chosen = answered_buttons(CHAT, "approve:A", "אשר", quoted_id="BAE5A")

    assert question.pk == first.pk and chosen["id"] == "approve:A"


@pytest.mark.django_db
def test_no_question_no_answer():
    assert answered_buttons(CHAT, text="1") is None
