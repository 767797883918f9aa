"""The offline dispatcher reads any text in linear time.

A customer (or anything that posts to the webhook) can send 100,000 characters of
anything: repeated dates, sign-offs, runs of spaces or empty lines, digits, punctuation,
Hebrew prefix letters, words joined by hyphens. Each reader of the offline dispatcher, and
the whole dispatch, must read that in well under a second. A regular expression that
backtracks over the text, or a loop that rescans it, shows here as a time that grows with
the square of the length: 10× the text, 100× the time.

Each case grows one seed to 1,000 and to 100,000 characters (optionally between a head
and a tail, so that a long run can follow a name or an address) and checks that the large
reading takes under LARGE_LIMIT seconds and under RATIO_LIMIT times the small one (100 is
linear; the limits leave room for a shared, noisy machine, and a quadratic reader misses
them by far).
"""

import datetime as dt
import gc
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ai.gazetteer import find_all_cities, find_city, normalise
from ai.offline import dispatch
from ai.offline_details import find_address, find_name, summarise
from ai.offline_issue import classify
from ai.offline_urgency import urgency
from ai.summary_he import problem_of
from fixi.vocabulary import language_of

SMALL, LARGE = 1_000, 100_000
LARGE_LIMIT = 2.0  # seconds for 100,000 characters
RATIO_LIMIT = 300  # large / small; linear is 100, quadratic 10,000
FLOOR = 5e-4  # seconds: below it fixed costs, not growth, decide a small reading's time

READERS = {
    "language_of": language_of,
    "normalise": normalise,
    "find_city": find_city,
    "find_all_cities": find_all_cities,
    "classify": classify,
    "urgency": urgency,
    "find_address": find_address,
    "find_name": find_name,
    "summarise": summarise,
    "problem_of": problem_of,
}

# Pieces that the readers' patterns look for, and the characters between them that made
# some of them backtrack: joiners (hyphen, maqaf, quotes), runs of spaces and line breaks.
PIECES = [
    "תודה", "תודה רבה, יוסי", "בתודה", "Thanks", "Sarah", " Cohen", "שמי ", "קוראים לי ",
    "אני ", "ואני ", "שלום", "היי ", "I'm ", "my name is ", "רחוב ", "רח' ", "שד' ", "ב", "בא",
    "בהרצל", "הרצל ", "Herzl", " St", "street ", "apt ", "דירה ", "קומה ", "כתובת: ", "address: ",
    "12", "1234", "5א", "12/05", "10:30", "מחר", "ב-10", "tomorrow ", "מריח", "גז", "שקע", "לוח",
    "נמס", "ריח", "צינור", "התפוצץ", "מפתח", "בפנים", "תינוק", "smell", "panel", "melt", "pipe",
    "burst", "baby", "inside", "דחוף", "לא דחוף", "urgent", "ת\"א", "תל אביב", "חיפה", "Haifa",
    "Jerusalm", "Tel Aviv", "ראשון", "ו", "ה", "מה", "כש", "a", "A", "İ", "\u212a", "\u05b8",
    "\u200f", " ", "  ", "\n", "\n\n", "\t", "-", "־", "'", "\"", "״", "׳", ".", ",", "!", "?",
    ";", ":", "(", ")", "/", "!!!", "...",
    # Arabic: prefix letters and the article, names, rule words, Arabic-Indic digits, vowel
    # marks and the tatweel (which folding drops), Arabic punctuation.
    "و", "ب", "ال", "لل", "بال", "حيفا", "بالناصرة", "أم الفحم", "شارع ", "هرتسل ", "١٠", "٥",
    "الساعة ", "بكرا", "بعد ", "الظهر", "ريحة ", "غاز", "تسريب", "الولد ", "جوا", "مش ",
    "مستعجل", "اسمي ", "شكرا، ", "عنواني: ", "\u064e", "\u0651", "\u0640", "،", "؟",
    # Russian: case endings, prepositions, rule words, abbreviations with a dot.
    "в ", "из ", "Хайфе", "Бат-Яме", "Тель-", "ул. ", "Герцля ", "д. ", "кв. ", "завтра ",
    "в 5 ", "без четверти ", "половине ", "через ", "пахнет ", "газом", "течёт", "не ",
    "срочно", "меня зовут ", "Спасибо, ", "адрес: ", "Ё", "й",
]  # fmt: skip
seeds = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)
# Arbitrary characters too, a few at a time.
seeds = seeds | st.text(min_size=1, max_size=6)
shapes = st.tuples(
    st.sampled_from(
        ["", "תודה יוסי", "רחוב הרצל 12", "12 Herzl St", "شارع هرتسل 10", "ул. Герцля 10"]
    ),
    seeds,
)

# Shapes that took quadratic time or worse before they were fixed, with the readers they
# were slow in: the seed repeated after the head (and followed by "x").
KNOWN_WORST = [
    (["find_name"], "", "\n"),  # a run of empty lines before "אני"
    (["find_name"], "תודה יוסי", " "),  # spaces after a sign-off
    (["find_address"], "רחוב הרצל 12", " "),  # spaces where a flat number could follow
    (["find_address"], "12 Herzl St", " "),
    (["find_address"], "", "בא-"),  # street words joined by hyphens or quote marks
    (["find_address"], "", "half'"),
    (["find_address"], "", "address: "),  # labels with no number after them
    (["classify", "urgency"], "", "מריח-"),  # joined words that each open a rule's word
    (["urgency"], "", "שקע."),
    (["urgency"], "", "צינור"),
    (["urgency"], "", "panel."),
    (["find_city", "find_all_cities"], "", "a"),  # one long Latin word: its typos were listed
    (["language_of"], "", "0"),  # one long word with no "@": an e-mail pattern rescanned it
    (list(READERS), "", "תודה רבה, יוסי "),
    (list(READERS), "", "מחר 12/05 ב-10 "),
    (list(READERS), "", "بالناصرة بكرا الساعة ٥ "),  # Arabic: prefixes, article, digits
    (list(READERS), "", "в Хайфе завтра в 5, ул. Герцля 10 "),  # Russian: case, abbreviations
    (["find_city", "find_all_cities"], "", "ббббб"),  # one long Cyrillic word
    (["find_address"], "شارع هرتسل 10", " "),  # spaces where a flat number could follow
    (["find_address"], "ул. Герцля 10", " "),
    (["classify", "urgency", "problem_of"], "", "الولد-"),  # joined Arabic rule words
]
KNOWN_CASES = [(name, head, seed) for names, head, seed in KNOWN_WORST for name in names]


def _grown(head: str, seed: str, size: int) -> str:
    body = size - len(head) - 1
    return head + (seed * (body // len(seed) + 1))[:body] + "x"


def _seconds(read, text: str, repeats: int) -> float:
    """The best CPU time of this process for one reading. CPU time, because other
    processes share the machine; the collector paused, because in a full run its passes
    scan the whole suite's heap, which is not the reader's work (readers make no cycles:
    what they drop is freed at once)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        read(text)
        best = min(best, time.process_time() - started)
    return best


def _assert_linear(read, head: str, seed: str) -> None:
    small_text, large_text = _grown(head, seed, SMALL), _grown(head, seed, LARGE)
    gc.collect()
    gc.disable()
    try:
        small = max(_seconds(read, small_text, repeats=5), FLOOR)
        large = _seconds(read, large_text, repeats=1)
        if large >= LARGE_LIMIT or large / small >= RATIO_LIMIT:
            large = _seconds(read, large_text, repeats=1)  # once more: was it a busy moment?
    finally:
        gc.enable()
    shape = f"{head!r} + {seed!r}…"
    assert large < LARGE_LIMIT, f"{LARGE:,} characters of {shape} took {large:.2f} s"
    assert large / small < RATIO_LIMIT, f"{shape}: {small * 1000:.2f} ms → {large * 1000:.0f} ms"


@pytest.mark.parametrize(("name", "head", "seed"), KNOWN_CASES)
def test_each_reader_is_linear_on_the_shapes_that_were_not(name, head, seed):
    _assert_linear(READERS[name], head, seed)


@pytest.mark.parametrize("name", READERS)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes)
def test_each_reader_is_linear_on_any_mix(name, shape):
    _assert_linear(READERS[name], *shape)


def _dispatch(text: str):
    return dispatch(text, now=dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes)
@example(shape=("", "תודה רבה, יוסי\n"))
@example(shape=("", "מחר 12/05 ב-10 "))
@example(shape=("", "\n"))
@example(shape=("תודה יוסי", " "))
@example(shape=("", "בא-"))
@example(shape=("", "מריח-"))
@example(shape=("", "שלום, יש לי נזילה בחיפה, רחוב הרצל 12. אפשר מחר בבוקר? "))
@example(shape=("", "مرحبا، عندي تسريب بحيفا، شارع هرتسل ١٠. ممكن بكرا الساعة ٥؟ "))
@example(shape=("", "Здравствуйте, течёт кран в Хайфе, ул. Герцля 10, завтра в 5. "))
def test_the_whole_offline_dispatch_is_linear(shape):
    _assert_linear(_dispatch, *shape)
