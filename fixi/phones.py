"""Phone numbers and Green API chat ids, read and shown through Google's libphonenumber.

Israelis write one number many ways (054-1234567, 054 123 4567, (054) 123-4567,
+972-54-123-4567, +972 (0)54..., 00972541234567, 972541234567), and pros abroad write
+44 20... or +1...; `phonenumbers` knows every country's numbering plan, so it reads them
all. A number without a country is Israeli (DEFAULT_REGION).

Stored form, unchanged by this module: international digits without '+'
('972541234567'), and the chat id Green API wants ('972541234567@c.us'). Group chats
('...@g.us') pass through as they are.

What is refused, with a reason a manager can act on (InvalidPhone):
- anything that is not a number of a country's plan: 'abc', '12', '0000000000', too long;
- an extension ('ext. 12', 'x12', 'שלוחה 12'): WhatsApp reaches a phone, not an
  extension, and a number with one is a switchboard. Dropping it silently would store the
  switchboard as somebody's WhatsApp, so the number is refused and the manager writes the
  person's own number;
- by `whatsapp_phone`, for numbers Fixi must reach on WhatsApp (a pro's, ADMIN_WHATSAPP):
  a landline (03-1234567), a VoIP, toll-free or premium number, which cannot receive
  WhatsApp messages. Customers' chat ids come from WhatsApp itself and the simulator's
  numbers are made up, so there any number of the plan is accepted.

A number is accepted when libphonenumber finds it possible and inside its country's plan,
even in a block the metadata does not list as assigned yet (054-1234567): a range opened
after this release of the metadata must not lock a pro out. Its kind (mobile, landline...)
is known only for assigned blocks, so only a known landline or service number is refused.

Layer 0: imports nothing from the apps.
"""

import re
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "IL"
WA_ME = "https://wa.me/"
PRIVATE_CHAT = "@c.us"
GROUP_CHAT = "@g.us"
MAX_INPUT = 64  # longer text is not a phone number, and libphonenumber refuses 250+

# The kinds of number a WhatsApp account may be on; UNKNOWN is a number of the plan in a
# block the metadata does not list (see the module's docstring).
WHATSAPP_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.UNKNOWN,
}
NOT_MOBILE = "not a mobile number"
_KINDS = {
    PhoneNumberType.FIXED_LINE: "a landline",
    PhoneNumberType.VOIP: "a VoIP line",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.UAN: "a company's switchboard number",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
    PhoneNumberType.PAGER: "a pager",
    PhoneNumberType.PERSONAL_NUMBER: "a forwarding (personal) number",
}
# 'שלוחה 12', 'שלוחה: 12', "שלוח' 12": libphonenumber knows 'ext.', 'x', '#' and others,
# not the Hebrew word, so it is rewritten into one it knows before parsing.
_HEBREW_EXTENSION = re.compile(r"(?:שלוחה|שלוח['׳])\s*[:.]?\s*(?=\d)")
_CHAT_DIGITS = re.compile(r"\d{1,20}", re.ASCII)
_SEARCHED = re.compile(r"\+?[\d\s().\-]+", re.ASCII)


class Reason(StrEnum):
    """Why a number was refused; the admin shows each in the manager's language."""

    NOT_A_NUMBER = "not_a_number"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    UNKNOWN_COUNTRY = "unknown_country"
    NOT_IN_PLAN = "not_in_plan"
    EXTENSION = "extension"
    GROUP = "group"
    NOT_WHATSAPP = "not_whatsapp"


class InvalidPhone(ValueError):
    """A number Fixi cannot use. str() says why in English (import errors, logs, checks);
    `reason`, `raw`, `kind` and `extension` let a page say it in its own language."""

    def __init__(self, raw, reason: Reason, *, kind="", extension="", code=0):
        self.raw, self.reason, self.kind, self.extension = raw, reason, kind, extension
        self.code = code  # the country calling code, for NOT_IN_PLAN
        super().__init__(self._explain())

    def _explain(self) -> str:
        shown = repr(self.raw if isinstance(self.raw, str) else str(self.raw))
        return {
            Reason.NOT_A_NUMBER: f"{shown} is not a phone number",
            Reason.TOO_SHORT: f"{shown} is not a phone number (too few digits)",
            Reason.TOO_LONG: f"{shown} is not a phone number (too many digits)",
            Reason.UNKNOWN_COUNTRY: f"{shown} is not a phone number (no such country code)",
            Reason.NOT_IN_PLAN: (
                f"{shown} is not a phone number (not in the numbering plan of +{self.code})"
            ),
            Reason.EXTENSION: (
                f"{shown} has an extension ({self.extension}): WhatsApp reaches a phone, "
                "not an extension; write the person's own number without it"
            ),
            Reason.GROUP: f"{shown} is a WhatsApp group, not a phone number",
            Reason.NOT_WHATSAPP: (
                f"{shown} is {self.kind}: WhatsApp messages cannot reach it; write a mobile number"
            ),
        }[self.reason]


# --- reading ------------------------------------------------------------------------------


def parse(raw, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber:
    """The number `raw` stands for: a number written any common way (a number without a
    country is of `region`), or a private chat id. InvalidPhone says why not."""
    text = _as_text(raw)
    if text.endswith(GROUP_CHAT):
        raise InvalidPhone(raw, Reason.GROUP)
    if text.endswith(PRIVATE_CHAT):  # Green API's chat ids are international digits
        digits = text.removesuffix(PRIVATE_CHAT)
        if not _CHAT_DIGITS.fullmatch(digits):
            raise InvalidPhone(raw, Reason.NOT_A_NUMBER)
        text = f"+{digits}"
    text = _HEBREW_EXTENSION.sub(" ext. ", text)
    numbers, refusal = [], None
    for reading in _readings(text):
        try:
            numbers.append(_read(raw, reading, region))
        except InvalidPhone as error:
            if error.reason == Reason.EXTENSION:
                raise
            refusal = refusal or error
    if not numbers:
        raise refusal
    return next((number for number in numbers if phonenumbers.is_valid_number(number)), numbers[0])


def _readings(text: str) -> list[str]:
    """How `text` may be meant. A number that starts with a digit other than 0 has no
    trunk prefix, so it may be international digits without the '+' (972541234567, the
    stored form, or 447911123456) as well as a number of the region written without its 0
    (541234567, as a spreadsheet shows 0541234567). `parse` keeps the reading in an
    assigned block, else the region's: so stored numbers of every country read back as
    they are, and 14155550100 is never taken for an Israeli 1-xxx number."""
    if text[:1] in "123456789":
        return [text, f"+{text}"]
    return [text]


def _read(raw, text: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        raise InvalidPhone(raw, _parse_reason(error)) from None
    if number.extension:
        raise InvalidPhone(raw, Reason.EXTENSION, extension=number.extension)
    _check_plan(raw, number)
    return number


def _as_text(raw) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidPhone(raw, Reason.NOT_A_NUMBER)
    text = str(raw).strip()
    if not text or len(text) > MAX_INPUT:
        raise InvalidPhone(raw, Reason.NOT_A_NUMBER)
    return text


def _parse_reason(error: NumberParseException) -> Reason:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: Reason.UNKNOWN_COUNTRY,
        NumberParseException.TOO_SHORT_AFTER_IDD: Reason.TOO_SHORT,
        NumberParseException.TOO_SHORT_NSN: Reason.TOO_SHORT,
        NumberParseException.TOO_LONG: Reason.TOO_LONG,
    }.get(error.error_type, Reason.NOT_A_NUMBER)


_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: Reason.TOO_SHORT,
    phonenumbers.ValidationResult.TOO_LONG: Reason.TOO_LONG,
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: Reason.UNKNOWN_COUNTRY,
    phonenumbers.ValidationResult.INVALID_LENGTH: Reason.NOT_IN_PLAN,
}


def _check_plan(raw, number: phonenumbers.PhoneNumber) -> None:
    """Refuses a number of an impossible length or outside every pattern of its country's
    plan (a valid number, i.e. in an assigned block, is inside by definition)."""
    length = phonenumbers.is_possible_number_with_reason(number)
    if length != phonenumbers.ValidationResult.IS_POSSIBLE:  # local-only: no area code
        reason = _LENGTH_REASONS.get(length, Reason.NOT_A_NUMBER)
        raise InvalidPhone(raw, reason, code=number.country_code)
    if phonenumbers.is_valid_number(number) or _in_plan(number):
        return
    raise InvalidPhone(raw, Reason.NOT_IN_PLAN, code=number.country_code)


def _in_plan(number: phonenumbers.PhoneNumber) -> bool:
    national = phonenumbers.national_significant_number(number)
    code = number.country_code
    for region in phonenumbers.region_codes_for_country_code(code):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        pattern = metadata.general_desc.national_number_pattern if metadata else None
        if pattern and re.fullmatch(pattern, national):
            return True
    return False


def _digits(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).removeprefix("+")


def normalize_phone(raw, region: str = DEFAULT_REGION) -> str:
    """International digits only, the stored form: '054-123 4567' -> '972541234567'.
    Any number of a plan, landlines included (see whatsapp_phone)."""
    return _digits(parse(raw, region))


def normalize_stored(value, region: str = DEFAULT_REGION) -> str:
    """normalize_phone for a value given to a stored phone field, which may already be in
    the stored form: digits with no leading 0 are international digits there, and are
    kept as they are. Typed input may mean otherwise (see _readings): '508551234' typed is
    050-855-1234, stored it is +508 55 12 34 in Saint Pierre."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isascii() and text.isdigit() and text[:1] != "0":
        return _digits(_read(value, f"+{text}", region))
    return normalize_phone(value, region)


def whatsapp_phone(raw, region: str = DEFAULT_REGION) -> str:
    """normalize_phone for a number Fixi must reach on WhatsApp: a landline, VoIP or
    service number is refused, since it cannot receive WhatsApp messages."""
    number = parse(raw, region)
    kind = phonenumbers.number_type(number)
    if kind not in WHATSAPP_TYPES or not _mobile_length(number):
        raise InvalidPhone(raw, Reason.NOT_WHATSAPP, kind=_KINDS.get(kind, NOT_MOBILE))
    return _digits(number)


def _mobile_length(number: phonenumbers.PhoneNumber) -> bool:
    """Whether the number has a length its country gives mobiles: of a number in an
    unassigned block, that is all the metadata can tell (a 7-digit Israeli 1-xxx-xxx
    number is no mobile, 054-1234567 may be one)."""
    return any(
        phonenumbers.is_possible_number_for_type_with_reason(number, kind)
        == phonenumbers.ValidationResult.IS_POSSIBLE
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )


def chat_id_for(raw) -> str:
    """The Green API chat id of a phone number or chat id; group ids pass through."""
    text = _as_text(raw)
    if text.endswith(GROUP_CHAT):
        return text
    return f"{normalize_phone(text)}{PRIVATE_CHAT}"


def phone_of(chat_id: str) -> str:
    """The stored phone of a chat id: its digits ('972541234567@c.us' -> '972541234567')."""
    return chat_id.split("@", 1)[0]


# --- showing ------------------------------------------------------------------------------


def _stored(value) -> phonenumbers.PhoneNumber | None:
    """A stored phone (international digits) or private chat id as a number; None for a
    group, an empty value or something that never was a number."""
    text = value.strip() if isinstance(value, str) else ""
    if text.endswith(PRIVATE_CHAT):
        text = text.removesuffix(PRIVATE_CHAT)
    if not text.isdigit() or not text.isascii():
        return None
    try:
        return phonenumbers.parse(f"+{text}")
    except NumberParseException:
        return None


def national(value, region: str = DEFAULT_REGION) -> str:
    """How a stored phone or chat id is shown: a number of `region` the way people there
    write it ('972541234567' -> '054-123-4567'), any other in international form
    ('+44 20 7946 0958'). What is not a number is shown as it is."""
    number = _stored(value)
    if number is None:
        return value or ""
    if phonenumbers.region_code_for_number(number) == region or (
        number.country_code == phonenumbers.country_code_for_region(region)
    ):
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def wa_me_url(value) -> str:
    """WhatsApp's click-to-chat link of a stored phone or chat id
    ('https://wa.me/972541234567'); '' for a group or what is not a number."""
    number = _stored(value)
    return f"{WA_ME}{_digits(number)}" if number is not None else ""


def search_digits(text, region: str = DEFAULT_REGION) -> str:
    """What to look for in stored phones when a manager searches for `text`: its digits in
    the stored form, so '054-123', '+972 54 123' and '972541' all find 972541234567.
    A national prefix becomes the country code; '' when `text` is not (part of) a number."""
    text = text.strip() if isinstance(text, str) else ""
    if not _SEARCHED.fullmatch(text):
        return ""
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) < 3:  # too little to mean a number rather than a house number
        return ""
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return f"{phonenumbers.country_code_for_region(region)}{digits[1:]}"
    return digits
