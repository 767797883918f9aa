"""fixi.phones: numbers read in every common spelling, kept in the stored form, shown the
Israeli way with a WhatsApp link; what is no number, or cannot receive WhatsApp, refused."""

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from fixi import phones
from fixi.phones import InvalidPhone, Reason

ISRAELI_SPELLINGS = [
    "054-1234567",
    "0541234567",
    "054 123 4567",
    "054-123-4567",
    "+972-54-123-4567",
    "+972 54 123 4567",
    "+972 (0)54-123-4567",
    "+972 054 1234567",
    "00972541234567",
    "972541234567",
    "(054) 123-4567",
    " 054.123.4567 ",
    "054–123–4567",  # en dashes, as word processors write them
    "٠٥٤١٢٣٤٥٦٧",  # Arabic-Indic digits
    541234567,  # a spreadsheet's number cell: the leading 0 is gone
    "972541234567@c.us",
]


@pytest.mark.parametrize("raw", ISRAELI_SPELLINGS)
def test_every_common_spelling_is_one_stored_number(raw):
    assert phones.normalize_phone(raw) == "972541234567"
    assert phones.whatsapp_phone(raw) == "972541234567"
    assert phones.chat_id_for(raw) == "972541234567@c.us"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("03-1234567", "97231234567"),
        ("04-8123456", "97248123456"),
        ("02 123 4567", "97221234567"),
        ("+44 20 7946 0958", "442079460958"),
        ("+44 7911 123456", "447911123456"),
        ("+1 415 555 0100", "14155550100"),
        ("001 212 555 0123", "12125550123"),
        ("14155550100", "14155550100"),  # international digits without '+'
        ("447911123456", "447911123456"),
    ],
)
def test_landlines_and_numbers_abroad_are_read(raw, stored):
    assert phones.normalize_phone(raw) == stored


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ("", Reason.NOT_A_NUMBER, "'' is not a phone number"),
        ("abc", Reason.NOT_A_NUMBER, "'abc' is not a phone number"),
        (None, Reason.NOT_A_NUMBER, "'None' is not a phone number"),
        (True, Reason.NOT_A_NUMBER, "'True' is not a phone number"),
        ("12", Reason.TOO_SHORT, "'12' is not a phone number (too few digits)"),
        ("054-12", Reason.TOO_SHORT, "'054-12' is not a phone number (too few digits)"),
        ("9" * 16, Reason.TOO_LONG, f"'{'9' * 16}' is not a phone number (too many digits)"),
        ("x" * 100, Reason.NOT_A_NUMBER, f"'{'x' * 100}' is not a phone number"),
        (
            "0000000000",
            Reason.NOT_IN_PLAN,
            "'0000000000' is not a phone number (not in the numbering plan of +972)",
        ),
        ("+999 5551234", Reason.UNKNOWN_COUNTRY, "(no such country code)"),
        ("abc@c.us", Reason.NOT_A_NUMBER, "'abc@c.us' is not a phone number"),
        ("120363043968066561@g.us", Reason.GROUP, "is a WhatsApp group, not a phone number"),
        ("054-1234567 ext. 12", Reason.EXTENSION, "has an extension (12)"),
        ("054-1234567 x12", Reason.EXTENSION, "has an extension (12)"),
        ("054-1234567 שלוחה 12", Reason.EXTENSION, "has an extension (12)"),
        ("03-1234567 שלוחה: 105", Reason.EXTENSION, "has an extension (105)"),
    ],
)
def test_what_is_no_usable_number_is_refused_with_the_reason(raw, reason, message):
    with pytest.raises(InvalidPhone) as refused:
        phones.normalize_phone(raw)

    assert refused.value.reason == reason
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("03-1234567", "a landline"),
        ("04-8123456", "a landline"),
        ("+44 20 7946 0958", "a landline"),
        ("077-1234567", "a VoIP line"),
        ("1-800-123-456", "a toll-free number"),
        ("1234567", phones.NOT_MOBILE),  # a short Israeli number of no assigned block
    ],
)
def test_a_whatsapp_number_must_be_able_to_receive_whatsapp(raw, kind):
    phones.normalize_phone(raw)  # a number, and a fine one where no WhatsApp is needed

    with pytest.raises(InvalidPhone) as refused:
        phones.whatsapp_phone(raw)

    assert (refused.value.reason, refused.value.kind) == (Reason.NOT_WHATSAPP, kind)
    assert str(refused.value) == (
        f"{raw!r} is {kind}: WhatsApp messages cannot reach it; write a mobile number"
    )


@pytest.mark.parametrize("raw", ["+1 415 555 0100", "+44 7911 123456", "053-100-0004"])
def test_mobiles_here_and_abroad_are_whatsapp_numbers(raw):
    assert phones.whatsapp_phone(raw) == phones.normalize_phone(raw)


def _example_numbers():
    """libphonenumber's example mobile and landline of every country it knows."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield region, number


def test_the_stored_form_of_every_country_reads_back_unchanged():
    # The stored form must survive Pro.save and re-imports, whatever the country: the
    # digits of +508 55 12 34 are also 050-855-1234 without its 0, typed.
    checked = 0
    for region, number in _example_numbers():
        stored = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        local = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)

        assert phones.normalize_stored(stored) == stored, region
        assert phones.normalize_phone(f"{stored}@c.us") == stored, region
        assert phones.normalize_phone(international) == stored, region
        assert phones.normalize_phone(local, region) == stored, region
        checked += 1
    assert checked > 400


def test_typed_digits_prefer_the_israeli_reading_the_stored_ones_the_international():
    assert phones.normalize_phone("508551234") == "972508551234"  # 050-855-1234 without 0
    assert phones.normalize_stored("508551234") == "508551234"  # Saint Pierre
    assert phones.normalize_stored("054-1234567") == "972541234567"  # typed, it is read


@pytest.mark.parametrize(
    ("raw", "chat_id"),
    [
        ("054-123 4567", "972541234567@c.us"),
        ("+972 54 123 4567", "972541234567@c.us"),
        ("00972541234567", "972541234567@c.us"),
        ("972541234567@c.us", "972541234567@c.us"),
        ("14155550100@c.us", "14155550100@c.us"),
        ("120363043968066561@g.us", "120363043968066561@g.us"),
        (" 120363043968066561@g.us ", "120363043968066561@g.us"),
    ],
)
def test_phone_numbers_become_green_api_chat_ids(raw, chat_id):
    assert phones.chat_id_for(raw) == chat_id


def test_the_phone_of_a_chat_id_is_its_digits():
    assert phones.phone_of("972541234567@c.us") == "972541234567"


@pytest.mark.parametrize(
    ("stored", "shown", "link"),
    [
        ("972541234567", "054-123-4567", "https://wa.me/972541234567"),
        ("972541234567@c.us", "054-123-4567", "https://wa.me/972541234567"),
        ("972505550901", "050-555-0901", "https://wa.me/972505550901"),
        ("97231234567", "03-123-4567", "https://wa.me/97231234567"),
        ("97248123456", "04-812-3456", "https://wa.me/97248123456"),
        ("447911123456", "+44 7911 123456", "https://wa.me/447911123456"),
        ("14155550100@c.us", "+1 415-555-0100", "https://wa.me/14155550100"),
        ("120363043968066561@g.us", "120363043968066561@g.us", ""),
        ("", "", ""),
        ("not a number", "not a number", ""),
        ("12", "12", ""),
    ],
)
def test_stored_numbers_are_shown_nationally_with_a_whatsapp_link(stored, shown, link):
    assert phones.national(stored) == shown
    assert phones.wa_me_url(stored) == link


@pytest.mark.parametrize(
    ("searched", "digits"),
    [
        ("054-123-4567", "972541234567"),
        ("054 123", "97254123"),
        ("+972 54 123", "97254123"),
        ("00972 54", "97254"),
        ("972541", "972541"),
        ("4567", "4567"),
        ("(054) 123", "97254123"),
        ("12", ""),  # a house number more likely than a phone
        ("Dana", ""),
        ("הרצל 12", ""),
        ("", ""),
    ],
)
def test_a_searched_number_is_looked_for_in_the_stored_form(searched, digits):
    assert phones.search_digits(searched) == digits


# --- ADMIN_WHATSAPP -----------------------------------------------------------------------


def _admin_whatsapp_errors() -> list:
    from django.core.checks import run_checks

    return [m for m in run_checks() if m.id == "fixi.E003"]


@pytest.mark.parametrize(
    "value",
    ["", "054-555-0199", "+972 54 555 0199", "972545550199@c.us", "120363043968066561@g.us"],
)
def test_admin_whatsapp_may_be_unset_a_mobile_or_a_chat(settings, value):
    settings.ADMIN_WHATSAPP = value

    assert _admin_whatsapp_errors() == []


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("03-1234567", "'03-1234567' is a landline: WhatsApp messages cannot reach it"),
        ("054-555", "'054-555' is not a phone number (too few digits)"),
        ("manager", "'manager' is not a phone number"),
        ("054-5550199 ext. 2", "'054-5550199 ext. 2' has an extension (2)"),
    ],
)
def test_an_admin_whatsapp_that_whatsapp_cannot_reach_is_a_check_error(settings, value, why):
    settings.ADMIN_WHATSAPP = value

    [error] = _admin_whatsapp_errors()

    assert error.msg.startswith(f"ADMIN_WHATSAPP: {why}")
    assert "SOS reports and WhatsApp alerts cannot be sent to it" in error.msg
