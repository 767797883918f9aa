"""fixi.vocabulary.language_of: a message's language is the script most of its letters are in."""

import pytest

from fixi.vocabulary import Language, language_of, letter_counts


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("המזגן לא עובד", "he"),
        ("the AC is broken", "en"),
        ("عندي تسريب مي تحت المجلى", "ar"),
        ("У меня течёт кран", "ru"),
        # mixed: the script most of the letters are in
        ("У меня течёт кран, ул. הרצל 10", "ru"),
        ("عندي تسريب بشارع הרצל 10", "ar"),
        ("Leaking pipe at הרצל 10", "en"),
        ("AC לא עובד", "he"),
        # Latin letters count half: brand names and codes turn up in every language
        ("המזגן של Tadiran", "he"),
        ("Кондиционер Electra", "ru"),
        ("مكيف Tadiran", "ar"),
        # links and e-mail addresses are nobody's words
        ("תמונה https://photos.example.com/AbCdEfGhIjKlMnOp", "he"),
        ("почта dana.levi@example.com", "ru"),
        # Arabic as keyboards send it: Persian letters, presentation forms
        ("گاز", "ar"),
        ("ﻣﺮﺣﺒﺎ", "ar"),
        ("ok", "en"),
        ("ок", "ru"),
    ],
)
def test_the_language_is_the_script_of_most_letters(text, language):
    assert language_of(text) == language


@pytest.mark.parametrize("text", ["", "12", "👍", "10:00 - 12:00", "!!!", None])
def test_a_text_without_letters_has_no_language(text):
    assert language_of(text) is None


def test_on_a_tie_the_earlier_language_wins():
    assert language_of("אב عل") == "he"
    assert language_of("عل жы") == "ar"
    assert language_of("жы abcd") == "ru"  # four Latin letters weigh two


def test_letters_are_counted_per_script():
    counts = letter_counts("שלום hello مرحبا привет 123")

    assert counts == {
        Language.HEBREW: 4,
        Language.ARABIC: 5,
        Language.RUSSIAN: 6,
        Language.ENGLISH: 5,
    }
