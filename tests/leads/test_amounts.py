"""The strict amount reader: one amount in shekels, or the reason it was not read."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.pro_office.amounts import MAX_AMOUNT, Problem, has_amount_shape, other_words, read_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("450", "450"),
        ("₪450", "450"),
        ("450₪", "450"),
        ('450 ש"ח', "450"),
        ("450 ש״ח", "450"),  # gershayim
        ("450 שקל", "450"),
        ("450 NIS", "450"),
        ("1,200", "1200"),
        ("1,200.50", "1200.50"),
        ("12.50", "12.50"),
        ("1.2 אלף", "1200"),
        ("1.2אלף", "1200"),
        ("2.5k", "2500"),
        ("3K ₪", "3000"),
        ("2 thousand", "2000"),
        ("באלף", "1000"),
        ("אלפיים שקל", "2000"),
        ("ב-450", "450"),
        ('סה"כ 450', "450"),  # "total", not the 'about' prefix כ
        ("450 ₪ (450)", "450"),  # the same amount twice is one amount
        ("450.-", "450"),
        ("１２００", "1200"),  # full-width digits
        ("٤٥٠", "450"),  # Arabic-Indic digits
        ("0", "0"),
    ],
)
def test_an_amount_written_any_usual_way_is_read(text, amount):
    reading = read_amount(text)

    assert reading.ok and reading.problem is None
    assert reading.amount == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("450-500", Problem.RANGE),
        ("450 – 500", Problem.RANGE),
        ("450 עד 500", Problem.RANGE),
        ("450 או 500", Problem.RANGE),
        ("450 or 500", Problem.RANGE),
        ("450/500", Problem.RANGE),
        ("בין 450 ל-500", Problem.RANGE),
        ("4 5 0", Problem.SPLIT),
        ("1 200", Problem.SPLIT),
        ("450 and then 500", Problem.SEVERAL),
        ("450 ... 500", Problem.SEVERAL),
        ("14:30", Problem.SEVERAL),
        ("about 400", Problem.APPROXIMATE),
        ("around 400", Problem.APPROXIMATE),
        ("400 or so", Problem.APPROXIMATE),
        ("400ish", Problem.APPROXIMATE),
        ("up to 500", Problem.APPROXIMATE),
        ("בערך 400", Problem.APPROXIMATE),
        ("400 בערך", Problem.APPROXIMATE),
        ("בסביבות 400", Problem.APPROXIMATE),
        ("כ-400", Problem.APPROXIMATE),
        ("כ400", Problem.APPROXIMATE),
        ("עד 500", Problem.APPROXIMATE),
        ("לפחות 300", Problem.APPROXIMATE),
        ("400+", Problem.APPROXIMATE),
        ("~400", Problem.APPROXIMATE),
        ("בערך אלף", Problem.APPROXIMATE),
        ("1.200", Problem.MALFORMED),  # 1200 or 1.2?
        ("12,50", Problem.MALFORMED),
        ("1,20", Problem.MALFORMED),
        ("4.5.0", Problem.MALFORMED),
        ("1,5 אלף", Problem.MALFORMED),
        ("10%", Problem.MALFORMED),
        ("$450", Problem.CURRENCY),
        ("450 dollars", Problem.CURRENCY),
        ("0501234567", Problem.TOO_LARGE),
        ("", Problem.MISSING),
        ("שלום", Problem.MISSING),
        ("אלף וחמש מאות", Problem.MISSING),  # in digits, please
        ("four hundred", Problem.MISSING),
    ],
)
def test_anything_that_reads_two_ways_is_a_problem_not_a_guess(text, problem):
    reading = read_amount(text)

    assert reading.amount is None and not reading.ok
    assert reading.problem == problem


def test_the_words_around_the_amount_are_kept_without_the_currency():
    assert read_amount("450 החלפת ברז").rest == "החלפת ברז"
    assert read_amount('החלפת ברז 450 ש"ח').rest == "החלפת ברז"
    assert read_amount("tap replacement ₪450").rest == "tap replacement"
    assert read_amount("ב-450").rest == ""


def test_what_is_said_besides_an_amount():
    assert other_words('גביתי 450 ש"ח') == "גביתי"
    assert other_words("450-500") == ""
    assert other_words("בערך 400") == ""
    assert other_words("בדרך, אגיע ב-15:00") == "בדרך אגיע ב"
    assert has_amount_shape("450") and has_amount_shape("₪") and has_amount_shape("אלף")
    assert not has_amount_shape("תודה רבה")


separators = st.sampled_from(["", " "])
currencies = st.sampled_from(["", "₪", 'ש"ח', "NIS", "שקל"])


@given(st.integers(min_value=0, max_value=9_999_999), currencies, separators, st.booleans())
def test_any_whole_amount_reads_back_with_or_without_thousands_commas(value, currency, gap, before):
    written = f"{value:,}" if value % 2 else str(value)
    text = f"{currency}{gap}{written}" if before else f"{written}{gap}{currency}"

    assert read_amount(text).amount == Decimal(value)


@given(
    st.integers(min_value=1, max_value=99_999),
    st.integers(min_value=1, max_value=99_999),
    st.sampled_from(["-", " - ", " עד ", " או ", " to ", "/"]),
)
def test_two_different_amounts_are_never_one(low, high, joint):
    reading = read_amount(f"{low}{joint}{high}")

    assert reading.amount is None
    assert reading.problem in (Problem.RANGE, Problem.SEVERAL) or low == high


def test_the_largest_amount_a_price_holds_and_one_above():
    assert read_amount("9,999,999.99").amount == MAX_AMOUNT
    assert read_amount("10,000,000").problem == Problem.TOO_LARGE
