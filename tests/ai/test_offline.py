"""The offline dispatcher's rule families, one message at a time.

`now` is fixed on Tuesday 2026-11-24 10:00 in Israel, so "tomorrow" is Wednesday the 25th.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ai.offline import dispatch, preferred_start
from fixi import texts

ISRAEL = ZoneInfo("Asia/Jerusalem")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ISRAEL)  # a Tuesday
TODAY = NOW.date()


def read(text):
    return dispatch(text, now=NOW)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def at(date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=ISRAEL)


# --- issue type --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issue_type"),
    [
        ("יש נזילה מהברז במטבח", "plumbing"),
        ("סתימא באסלה", "plumbing"),
        ("הביוב עולה במקלחת", "plumbing"),
        ("the toliet is clogged", "plumbing"),
        ("need a plumber, the drain is blocked", "plumbing"),
        ("יש קצר בחשמל והממסר פחת קופץ", "electrical"),
        ("השקע בסלון לא עובד", "electrical"),
        ("electrisian needed to replace the fuse box", "electrical"),
        ("צריך טכנאי מזגנים", "hvac"),
        ("my aircon is blowing warm air", "hvac"),
        ("מכונת הכביסה לא מסחררת", "appliances"),
        ("the dishwasher doesn't drain", "appliances"),
        ("התנור לא מחמם", "appliances"),
        ("the dryer is making a loud noise", "appliances"),
        ("מנעלן בבקשה, צריך להחליף צילינדר", "locksmith"),
        ("need a locksmith to change the lock", "locksmith"),
        ("הנדימן לתליית מדפים", "handyman"),
        ("looking for a handy man to assemble furniture", "handyman"),
        ("צריך איטום גגות לפני החורף", "sealing"),
        ("waterproofing for the balcony", "sealing"),
        ("כמה עולה הדברה?", "other"),
        ("hi, what are your hours?", "other"),
    ],
)
def test_trades_in_both_languages(text, issue_type):
    assert read(text).issue_type == issue_type


@pytest.mark.parametrize(
    ("text", "issue_type"),
    [
        # A dripping or leaking air conditioner is the AC technician's, not the plumber's.
        ("המזגן מטפטף מים על הרצפה", "hvac"),
        ("the AC is leaking water down the wall", "hvac"),
        ("מזגן מיני מרכזי מטפטף מהתקרה", "hvac"),
        # A fridge or freezer that doesn't cool is an appliance; an AC that doesn't is hvac.
        ("המקרר לא מקרר", "appliances"),
        ("the freezer isn't cooling anymore", "appliances"),
        ("המזגן לא מקרר", "hvac"),
        ("המזגן לא מחמם, רק מקרר", "hvac"),
        # Water through the ceiling or roof, damp and mould are sealing, unless pipes are named.
        ("יורדים מים מהתקרה כשיש גשם", "sealing"),
        ("damp walls and black mould in the bedroom", "sealing"),
        ("נזילה מהגג לסלון", "sealing"),
        ("water coming through the ceiling from the neighbour's pipes upstairs", "plumbing"),
        # A burning smell from an outlet is electrical, whatever is plugged in.
        ("יש ריח שרוף מהשקע של התנור", "electrical"),
        ("burning smell from the socket behind the oven", "electrical"),
        # A boiler that doesn't heat: plumbing, electrical for thermostat/element/electricity.
        ("הדוד לא מחמם", "plumbing"),
        ("הדוד החשמלי לא מחמם מים", "plumbing"),
        ("הדוד לא מחמם, כנראה התרמוסטט", "electrical"),
        ("the water heater doesn't heat, probably the heating element", "electrical"),
        # The AC trips the breaker: hvac, unless the message is about the panel.
        ("המזגן מקפיץ את החשמל", "hvac"),
        ("the AC trips the breaker", "hvac"),
        ("the AC trips the main breaker and the electrical panel smells", "electrical"),
        ("can you install an outlet for the AC?", "electrical"),
        # An appliance that trips it is the appliance; several together is the circuit.
        ("my microwave trips the breaker", "appliances"),
        ("the kettle and microwave together trip the breaker", "electrical"),
        # An appliance named as a place is not the subject.
        ("השקע ליד המקרר לא עובד", "electrical"),
        # Not our trades: gas, pests, movers.
        ("smell of gas in the kitchen", "other"),
        ("need movers for a fridge and a washing machine", "other"),
        ("ג'וקים יוצאים מהביוב", "other"),
    ],
)
def test_confusable_cases(text, issue_type):
    assert read(text).issue_type == issue_type


def test_the_deciding_rule_is_noted():
    assert read("המזגן מטפטף").notes == ["issue rule: air-conditioner"]


# --- urgency and safety tips --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason", "tip_part"),
    [
        ("הצפה בדירה, מים בכל הבית", "flooding", "ברז המים הראשי"),
        ("פיצוץ צינור במטבח", "flooding", "ברז המים הראשי"),
        ("burst pipe, water everywhere", "flooding", "main water valve"),
        ("אין חשמל בכל הבית", "no_power", "103"),
        ("no power in the whole flat", "no_power", "103"),
        ("ננעלתי בחוץ והתינוק בפנים", "locked_out", "100"),
        ("locked out, my baby is inside", "locked_out", "101"),
        ("יש ריח גז במטבח", "gas_smell", "102"),
        ("I smell gas", "gas_smell", "102"),
        ("יוצאים ניצוצות מהשקע", "sparks", "המפסק הראשי"),
        ("smoke coming out of the socket", "sparks", "main breaker"),
    ],
)
def test_named_dangers_are_urgent_with_a_tip_in_the_customers_language(text, reason, tip_part):
    reading = read(text)

    assert (reading.urgent, reading.urgency_reason) == (True, reason)
    assert tip_part in reading.safety_tip
    assert reading.safety_tip == texts.safety_tip(reason, reading.language)


@pytest.mark.parametrize(
    "text", ["נזילה בכיור, דחוף!", "leaking tap, ASAP please", "URGENT: no hot water"]
)
def test_plain_urgency_has_reason_other_and_no_tip(text):
    reading = read(text)

    assert (reading.urgent, reading.urgency_reason, reading.safety_tip) == (True, "other", "")


@pytest.mark.parametrize(
    "text",
    [
        "נזילה קטנה בברז, לא דחוף",
        "small drip from the tap, not urgent",
        "no rush, the shelf can wait",
        "חצי בית בלי חשמל אחרי קצר",
        "no power in the kitchen only",
        "the fridge stopped and the ice cream melted",
    ],
)
def test_not_urgent(text):
    reading = read(text)

    assert (reading.urgent, reading.urgency_reason, reading.safety_tip) == (False, "", "")


def test_the_gas_tip_calls_the_fire_service_and_says_not_to_switch_anything():
    tip = texts.safety_tip("gas_smell", "en")

    assert "102" in tip and "Don't switch" in tip and "windows" in tip


# --- language, city, summary, source ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [("המזגן לא עובד", "he"), ("the AC is broken", "en"), ("AC לא עובד", "he"), ("👍", "he")],
)
def test_language(text, language):
    assert read(text).language == language


def test_city_name_is_in_the_messages_language():
    hebrew, english = read("נזילה בחיפה"), read("leak in Haifa")

    assert (hebrew.city, hebrew.city_name) == ("haifa", "חיפה")
    assert (english.city, english.city_name) == ("haifa", "Haifa")


def test_no_city():
    assert (read("the tap drips").city, read("the tap drips").city_name) == ("", "")


def test_summary_is_the_first_sentence_without_the_greeting():
    reading = read("שלום רב, יש נזילה מתחת לכיור במטבח כבר שבוע. היא מחמירה. אפשר מחר?")

    assert reading.summary == "יש נזילה מתחת לכיור במטבח כבר שבוע."
    assert reading.source == "offline"


def test_a_very_short_first_sentence_takes_the_next_along():
    assert read("הצפה בדירה!!! הצינור התפוצץ").summary == "הצפה בדירה! הצינור התפוצץ"


def test_summary_is_one_line_of_at_most_120_characters():
    summary = read("Hi! " + "The shower drain is blocked and " * 10 + "\nsecond line").summary

    assert len(summary) <= 120 and "\n" not in summary and summary.endswith("…")


# --- dates and times ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("אפשר היום?", day(0)),
        ("can you come today?", day(0)),
        ("מחר", day(1)),
        ("tomorrow", day(1)),
        ("מחרתיים", day(2)),
        ("the day after tomorrow", day(2)),
        ("ביום חמישי", day(2)),
        ("ביום ה'", day(2)),
        ("יום ראשון", day(5)),
        ("ברביעי", day(1)),
        ("ביום שלישי", day(7)),  # today's weekday means next week
        ("this Thursday", day(2)),
        ("on Friday", day(3)),
        ("Sunday", day(5)),
        ("5/12", dt.date(2026, 12, 5)),
        ("5.12", dt.date(2026, 12, 5)),
        ("3/1/27", dt.date(2027, 1, 3)),
        ("3/1/2027", dt.date(2027, 1, 3)),
        ("1/1", dt.date(2027, 1, 1)),  # nearer next year than this year
        ("10 בדצמבר", dt.date(2026, 12, 10)),
        ("December 10th", dt.date(2026, 12, 10)),
    ],
)
def test_dates(text, date):
    reading = read(text)

    assert reading.requested_date == date
    assert reading.requested_time is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("מחר ב-10", at(day(1), 10)),
        ("מחר ב10", at(day(1), 10)),
        ("היום בשעה 5", at(day(0), 17)),  # an hour 1–7 is read inside working hours
        ("בשעה 17:30", at(day(0), 17, 30)),
        ("tomorrow at 10am", at(day(1), 10)),
        ("5pm", at(day(0), 17)),
        ("at 9", at(day(1), 9)),  # 09:00 has passed today
        ("ביום ה' בשמונה בערב", at(day(2), 20)),
        ("מחר ב-8 בבוקר", at(day(1), 8)),
        ("בשעה 10.30", at(day(0), 10, 30)),
        ("Friday at noon", at(day(3), 12)),
    ],
)
def test_times(text, expected):
    reading = read(text)

    assert reading.requested_time == expected
    assert reading.requested_time.tzinfo is not None
    assert reading.requested_date == expected.date()


@pytest.mark.parametrize(
    ("text", "date", "part", "start_hour"),
    [
        ("מחר בבוקר", day(1), "morning", 9),
        ('אחה"צ', day(0), "afternoon", 13),
        ("אחרי הצהריים ביום חמישי", day(2), "afternoon", 13),
        ("בערב", day(0), "evening", 17),
        ("tomorrow evening", day(1), "evening", 17),
        ("tonight", day(0), "evening", 17),
        ("in the morning", day(0), "morning", 9),  # mornings last until 12:00; it is 10:00
    ],
)
def test_parts_of_the_day(text, date, part, start_hour):
    reading = read(text)

    assert (reading.requested_date, reading.time_of_day) == (date, part)
    assert reading.requested_time is None
    assert preferred_start(reading) == at(date, start_hour)


@pytest.mark.parametrize(
    "text",
    [
        "the fridge stopped since this morning",
        "התקשרו אליי 050-1234567",
        "הברז מטפטף כל הלילה",
        "שכפול מפתחות ל-3 עותקים",
        "לפני 10 דקות",
        "I sat on the stool and it broke",
    ],
)
def test_no_time_or_date(text):
    reading = read(text)

    assert (reading.requested_date, reading.requested_time, reading.time_of_day) == (None, None, "")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1/11", "past"),  # 23 days ago is nearer than next November
        ("ב-20/11 בשעה 10:00", "past"),
        ("32/13", "unreadable"),
        ("on the 31st of November", "unreadable"),
    ],
)
def test_a_day_gone_or_unreadable_is_asked_back_never_today(text, problem):
    reading = read(text)

    assert (reading.requested_date, reading.requested_time) == (None, None)
    assert reading.when_problem == problem


def test_a_readable_day_has_no_problem():
    assert read("מחר ב-10").when_problem == ""


def test_the_first_mention_that_is_not_in_the_past_counts():
    reading = read("It got worse after the rain on Sunday. Thursday afternoon would be best.")

    assert (reading.requested_date, reading.time_of_day) == (day(2), "afternoon")


def test_now_defaults_to_the_current_time_in_israel():
    assert dispatch("היום").requested_date == dt.datetime.now(ISRAEL).date()


# --- addresses and names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("אני גר ברחוב הרצל 12 בחולון", "רחוב הרצל 12"),
        ("ברח' ויצמן 5, כפר סבא", "רח' ויצמן 5"),
        ("בהרצל 12, חולון", "הרצל 12"),
        ("שד' רוטשילד 10 דירה 4", "שד' רוטשילד 10 דירה 4"),
        ("כתובת: בן יהודה 30, תל אביב", "בן יהודה 30"),
        ("12 Herzl St, Holon", "12 Herzl St"),
        ("I live on Herzl street 12", "Herzl street 12"),
        ("10 Rothschild Blvd apt 4", "10 Rothschild Blvd apt 4"),
        # As people answer on WhatsApp: a street and a number after the city, or alone.
        ("אני בחיפה, הרצל 10", "הרצל 10"),
        ("הרצל 10", "הרצל 10"),
        ("אבן גבירול 30 דירה 4", "אבן גבירול 30 דירה 4"),
        ("חיפה, הרצל 10, דירה 4", "הרצל 10"),
        ("הכתובת הרצל 12", "הרצל 12"),
        ("חיפה הרצל 10", "הרצל 10"),
        ("הרצל 10 בתל אביב", "הרצל 10"),
        ("תל אביב דיזנגוף 50", "דיזנגוף 50"),
        ("בעצם הכתובת שלי היא ויצמן 5 דירה 3", "ויצמן 5 דירה 3"),
    ],
)
def test_addresses(text, address):
    assert read(text).address == address


@pytest.mark.parametrize(
    "text",
    [
        "call me on 050-1234567",
        "אפשר בשעה 12?",
        "שכפול מפתחות ל-3 עותקים",
        "המזגן בחדר 2 מטפטף",
        "צריך חשמלאי להתקנת 3 שקעים",
        "come at 5pm please",
        "אפשר ב-10:30?",
        "יש לי 2",
        "הילד בן 5",
        "צריך 2 מזגנים",
        "מחר ב-10",
        "כמה זה 250",
        "תל אביב 5",
    ],
)
def test_phone_numbers_times_and_counts_are_not_addresses(text):
    assert read(text).address == ""


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("קוראים לי דני, יש נזילה", "דני"),
        ("שמי מיכל כהן", "מיכל כהן"),
        ("היי, אני מיכל מחולון, המזגן לא עובד", "מיכל"),
        ("my name is john and my fridge is broken", "John"),
        ("This is Sarah, the oven won't heat", "Sarah"),
        ("...המכונה לא עובדת. תודה, רונית", "רונית"),
    ],
)
def test_names(text, name):
    assert read(text).customer_name == name


@pytest.mark.parametrize(
    "text", ["אני צריך אינסטלטור", "אני גרה בחיפה", "this is urgent", "I'm in Haifa", "תודה מראש"]
)
def test_no_name(text):
    assert read(text).customer_name == ""


# --- templated replies -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["city", "issue", "address", "time", "name"])
@pytest.mark.parametrize("language", ["he", "en"])
def test_one_short_question_per_missing_field(field, language):
    question = texts.ask_for(field, language)

    assert question and len(question) < 100 and "\n" not in question
    assert any("\u05d0" <= c <= "\u05ea" for c in question) == (language == "he")


def test_an_unknown_field_is_an_error():
    with pytest.raises(ValueError, match="phone"):
        texts.ask_for("phone", "he")


def test_urgent_note_is_the_tip_or_that_we_are_on_it():
    assert texts.urgent_note("flooding", "he") == texts.safety_tip("flooding", "he") != ""
    assert texts.urgent_note("other", "en") == "Got it, it's urgent: we're on it first."


def test_no_pro_available_is_signed():
    assert texts.no_pro_available("he").endswith("Fixi Support")
    assert texts.no_pro_available("en").endswith("Fixi Support")


def test_received_greets_by_name_when_known():
    assert texts.received("he", "דני").startswith("תודה דני!")
    assert texts.received("en", "").startswith("Thanks!")
