"""Answers to button messages: a press, a number, or a word, all read the same way.

Buttons do not render on every WhatsApp client, so every button message also lists its
options by number, and people type "1", "אשר" or "approve" instead of pressing.
"""

import re

from fixi import texts
from messaging.models import OutboundKind, OutboundMessage

# Hebrew, English, Arabic and Russian: the words of fixi.texts' buttons and their everyday
# stand-ins.
SYNONYMS = [
    {"אשר", "אישור", "מאשר", "מאשרת", "כן", "approve", "approved", "accept", "yes", "ok"}
    | {"نعم", "اه", "أه", "ايوا", "أيوه", "موافق", "موافقة", "تمام"}
    | {"да", "ок", "принять", "согласен", "согласна"},
    {"דחה", "דחייה", "דוחה", "לא", "reject", "decline", "no"}
    | {"لا", "رفض", "مش موافق"}
    | {"нет", "отклонить", "не согласен", "не согласна"},
    {"ביטול", "בטל", "cancel", "إلغاء", "الغاء", "отмена", "отменить"},
    {"אישור הגעה", "confirm", "تأكيد", "تاكيد", "подтвердить", "подтверждаю"},
    {"שינוי מועד", "reschedule", "تغيير الموعد", "перенести"},
]
# "2", "2.", "2)" in Western or Arabic-Indic digits (٢).
_NUMBER = re.compile(r"^\s*([1-9١-٩])\s*[.)]?\s*$")
_PUNCTUATION = re.compile(r"[^\w\s]+")


def plain_text(text: str) -> str:
    """Lower-case words without punctuation: what a typed answer means, not how."""
    return _PUNCTUATION.sub("", text or "").strip().casefold()


def numbered_fallback(buttons: list[dict], language: str = "he") -> str:
    """'1 - אשר / 2 - דחה' lines that make a button message answerable by text."""
    lines = [f"{index} - {button['text']}" for index, button in enumerate(buttons, 1)]
    # Each numbered line opens with its digit: set it in the reader's direction.
    return texts.directed(texts.reply_with_number(language) + "\n" + "\n".join(lines), language)


def match_choice(buttons: list[dict], button_id: str = "", text: str = "") -> dict | None:
    """The button an answer means, or None. `buttons` are [{"id", "text"}] in order."""
    if button_id:
        found = next((b for b in buttons if b["id"] == button_id), None)
        if found:
            return found
    number = _NUMBER.match(text or "")
    if number and int(number.group(1)) <= len(buttons):
        return buttons[int(number.group(1)) - 1]
    word = plain_text(text)
    if not word:
        return None
    for button in buttons:
        if plain_text(button["text"]) == word:
            return button
    group = next((g for g in SYNONYMS if word in g), None)
    if group:
        return next((b for b in buttons if plain_text(b["text"]) in group), None)
    return None


def answered_buttons(chat_id: str, button_id: str = "", text: str = "", quoted_id: str = ""):
    """(the button message a reply answers, the chosen button), or None.

    A press quotes its message; a typed answer answers the last button message sent to
    the chat. A press whose quoted message is not known by its id yet (the send's id is
    recorded after Green API answers it, and a worker that died in between leaves it
    unrecorded until the journal is read) answers the latest message carrying the button
    pressed: read against the last message, "approve" on one job would approve another.
    """
    asked = OutboundMessage.objects.filter(chat_id=chat_id, kind=OutboundKind.BUTTONS)
    question = None
    if quoted_id:
        question = asked.filter(provider_message_id=quoted_id).first()
    if question is None and button_id:
        question = _carrying(asked, button_id)
    if question is None:
        question = asked.order_by("-created_at").first()
    if question is None:
        return None
    chosen = match_choice(question.buttons, button_id, text)
    return (question, chosen) if chosen else None


PRESS_LOOKBACK = 50  # the chat's latest button messages a press is looked for in


def _carrying(asked, button_id: str) -> OutboundMessage | None:
    # In Python: a JSON `contains` lookup does not run on MongoDB.
    for question in asked.order_by("-created_at")[:PRESS_LOOKBACK]:
        if any(button.get("id") == button_id for button in question.buttons):
            return question
    return None
