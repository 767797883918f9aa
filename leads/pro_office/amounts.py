"""Amounts of money as pros write them on WhatsApp, read strictly: one amount or none.

    "450", "₪450", "450 ש"ח", "450 NIS", "1,200", "1.2 אלף", "2.5k", "באלף"  → the amount
    "450-500", "450 או 500", "4 5 0", "450 ... 500", "בערך 400", "about 400",
    "כ-400", "400+", "1.200", "12,50", "$450", "10%"                          → a problem

Money is never guessed: whatever could be read two ways comes back as a Problem, and the
caller asks the pro again. The same amount written twice ("450 ₪ (450)") is one amount.

Pure Python, no Django: any layer may use it (the persona's price filter reads amounts
in the model's prose, a looser job, but the shapes of a number are the same).
"""

import itertools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

MAX_AMOUNT = Decimal("9999999.99")  # what a price field (9 digits, 2 decimals) holds
CENTS = Decimal("0.01")
_HE = "\u05d0-\u05ea"


class Problem(StrEnum):
    """Why a text gave no amount."""

    MISSING = "missing"  # no amount in digits
    RANGE = "range"  # 450-500, 450 to 500, 450 או 500, 450/500
    SPLIT = "split"  # 4 5 0, 1 200: digits kept apart by spaces
    SEVERAL = "several"  # two different amounts
    APPROXIMATE = "approximate"  # about 400, בערך 400, כ-400, 400+, up to 400
    MALFORMED = "malformed"  # 1.200, 12,50, 4.5.0, 10%: a number read two ways, or none
    CURRENCY = "currency"  # dollars, euros: not shekels
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class AmountReading:
    amount: Decimal | None
    problem: Problem | None
    rest: str = ""  # the words around the amount, without currency (a service's name)

    @property
    def ok(self) -> bool:
        return self.amount is not None


# Every character class below works on folded text (see _fold): ASCII digits, '"' for
# gershayim, '-' for every dash.
_CURRENCY = re.compile(
    rf"₪|ש\"ח|(?<![{_HE}])[בל]?-?(?:שקלים|שקל|שח)(?:\s+חדשים)?(?![{_HE}])"
    r"|(?<![a-z])(?:nis|ils|shekels?|sheqels?)(?![a-z])",
    re.IGNORECASE,
)
_FOREIGN = re.compile(r"[$€£]|\b(?:usd|eur|dollars?|euros?|bucks)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s*%|%\s*\d")
_APPROX_WORDS_BEFORE = (
    r"about|around|approx\.?|approximately|roughly|circa|ca\.|up\s+to|at\s+least|at\s+most"
    r"|from|starting\s+(?:at|from)|max\.?|maximum|min\.?|minimum|something\s+like|estimated"
    rf"|(?<![{_HE}])(?:בערך|בסביבות|סביב|בקירוב|כמעט|עד|לפחות|מינימום|מקסימום|החל\s+מ-?"
    rf"|משהו\s+כמו|פלוס\s+מינוס)"
)
_APPROX_WORDS_AFTER = (
    rf"\+|-?ish\b|or\s+so\b|plus\b|(?:בערך|פלוס|בקירוב|לערך|ומעלה|או\s+משהו)(?![{_HE}])"
)
_MULTIPLIER = rf"(?:k|thousands?|grand|אלפים|אלף)(?![a-z{_HE}])"
_APPROXIMATE = re.compile(
    rf"(?<!\w)(?:{_APPROX_WORDS_BEFORE})\s{{0,3}}[:\-]?\s{{0,3}}(?:₪\s{{0,3}})?\d"
    rf"|\d\s{{0,3}}(?:{_MULTIPLIER})?\s{{0,3}}(?:₪|ש\"ח|שח|nis)?\s{{0,3}}(?:{_APPROX_WORDS_AFTER})"
    rf"|(?<![\w\"'])כ-?\s?\d|[~±≈]",  # כ-400, but not סה"כ 400
    re.IGNORECASE,
)
_APPROXIMATE_WORDS = re.compile(
    rf"(?<!\w)(?:{_APPROX_WORDS_BEFORE}|{_APPROX_WORDS_AFTER})|(?<![\w\"'])כ(?=-?\s?\d)",
    re.IGNORECASE,
)
_RANGE_WORDS = re.compile(r"(?<!\w)(?:to|or|and|עד|או|בין|between|ו|ל)(?!\w)", re.IGNORECASE)
_NUMBER = re.compile(rf"(?<![\d.,])(\d+(?:[.,]\d+)*)(?:\s?({_MULTIPLIER}))?", re.IGNORECASE)
_PLAIN = re.compile(r"\d+(?:\.\d{1,2})?")  # 450, 12.5, 12.50
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?")  # 1,200 and 1,200.50
_SCALED = re.compile(r"\d+(?:\.\d+)?")  # before a multiplier: 1.2 אלף, 2.5k
_RANGE_GAP = re.compile(r"^\s*(?:-|/|\bto\b|\bor\b|\band\b|עד|או|ל-?|ו-?)\s*$", re.IGNORECASE)
_SPACES_ONLY = re.compile(r"^[^\S\n]{1,3}$")
# A thousand, or two, in words ("באלף", "אלפיים"): common enough to read; any other number
# in words is asked again in digits.
_WORD_AMOUNTS = {"אלף": Decimal(1000), "אלפיים": Decimal(2000)}
_WORD_AMOUNT = re.compile(rf"(?<![{_HE}])[בל]?-?(אלפיים|אלף)(?![{_HE}])")
_NUMBER_WORDS = re.compile(
    rf"(?<![{_HE}])[בלו]?(?:אחד|אחת|שתיים|שניים|שתי|שני|שלוש|ארבע|חמש|שש|שבע|שמונה|תשע|עשר"
    rf"|עשרים|שלושים|ארבעים|חמישים|שישים|שבעים|שמונים|תשעים|מאה|מאות|מאתיים|אלפים)(?![{_HE}])"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|thousand)\b",
    re.IGNORECASE,
)
_TRIM = " \t\n,.:;!?-()[]\"'"


def read_amount(text: str) -> AmountReading:
    """The one amount in `text`, in shekels, or the Problem that kept it from being read."""
    folded = _fold(text)
    if _FOREIGN.search(folded):
        return AmountReading(None, Problem.CURRENCY)
    if _PERCENT.search(folded):
        return AmountReading(None, Problem.MALFORMED)
    tokens = list(_NUMBER.finditer(folded))
    if not tokens:
        return _in_words(folded)
    problem = _between(folded, tokens) or (
        Problem.APPROXIMATE if _APPROXIMATE.search(folded) else None
    )
    if problem:
        return AmountReading(None, problem)
    values = {_value(token) for token in tokens}
    if None in values:
        return AmountReading(None, Problem.MALFORMED)
    if len(values) > 1:
        return AmountReading(None, Problem.SEVERAL)
    return _reading(values.pop(), _rest(folded, tokens))


def has_amount_shape(text: str) -> bool:
    """Whether `text` tries to say an amount at all (digits, a currency, a thousand in
    words), so that a reply with none of these is not taken for one."""
    folded = _fold(text)
    return bool(
        re.search(r"\d", folded)
        or _CURRENCY.search(folded)
        or _FOREIGN.search(folded)
        or _WORD_AMOUNT.search(folded)
    )


def other_words(text: str) -> str:
    """What `text` says besides amounts: without numbers, currencies, thousands, the
    words of an estimate or a range, and punctuation ("גביתי 450 ש"ח" → "גביתי")."""
    folded = _fold(text)
    for pattern in (_APPROXIMATE_WORDS, _CURRENCY, _FOREIGN, _NUMBER, _WORD_AMOUNT, _RANGE_WORDS):
        folded = pattern.sub(" ", folded)
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", folded)).strip()


def _fold(text: str) -> str:
    """One way to write each character: compatibility forms (full-width digits, odd
    spaces) folded, invisible format characters dropped, any decimal digit as ASCII,
    Hebrew punctuation and dashes as their ASCII look-alikes."""
    folded = unicodedata.normalize("NFKC", text or "")
    out = []
    for ch in folded:
        if unicodedata.category(ch) == "Cf":
            continue
        if ch.isdecimal() and not ch.isascii():
            ch = str(unicodedata.decimal(ch))
        out.append(_LOOK_ALIKES.get(ch, ch))
    return re.sub(r"[^\S\n]+", " ", "".join(out)).strip()


_LOOK_ALIKES = {"״": '"', "׳": "'", "–": "-", "—": "-", "−": "-", "־": "-", "‐": "-", "‑": "-"}


def _between(text: str, tokens: list[re.Match]) -> Problem | None:
    """A range or split digits, from what stands between neighbouring numbers."""
    found = None
    for left, right in itertools.pairwise(tokens):
        gap = _CURRENCY.sub(" ", text[left.end() : right.start()])
        if _RANGE_GAP.match(gap):
            return Problem.RANGE
        if _SPACES_ONLY.match(text[left.end() : right.start()]) and not left.group(2):
            found = found or Problem.SPLIT
    return found


def _value(token: re.Match) -> Decimal | None:
    digits, multiplier = token.group(1), token.group(2)
    try:
        if multiplier:
            if not _SCALED.fullmatch(digits):
                return None
            value = Decimal(digits) * 1000
        elif _GROUPED.fullmatch(digits):
            value = Decimal(digits.replace(",", ""))
        elif _PLAIN.fullmatch(digits):
            value = Decimal(digits)
        else:
            return None  # 1.200, 12,50, 4.5.0: more than one reading
    except InvalidOperation:  # pragma: no cover - the patterns admit only numbers
        return None
    return value if value == value.quantize(CENTS) else None


def _in_words(text: str) -> AmountReading:
    words = _WORD_AMOUNT.findall(text)
    if len(words) != 1 or _NUMBER_WORDS.search(text):
        return AmountReading(None, Problem.MISSING)
    if _APPROXIMATE.search(text.replace(words[0], "0")):
        return AmountReading(None, Problem.APPROXIMATE)
    return _reading(_WORD_AMOUNTS[words[0]], _WORD_AMOUNT.sub(" ", text))


def _reading(value: Decimal, rest: str) -> AmountReading:
    if value > MAX_AMOUNT:
        return AmountReading(None, Problem.TOO_LARGE)
    return AmountReading(value.quantize(CENTS), None, _clean(rest))


def _rest(text: str, tokens: list[re.Match]) -> str:
    """The text without its numbers (with a Hebrew 'for' stuck to them: ב-450) and
    without currency words."""
    parts, start = [], 0
    for token in tokens:
        before = text[start : token.start()]
        parts.append(re.sub(rf"(?<![{_HE}])[בל]-?$", "", before))
        start = token.end()
    parts.append(text[start:])
    return " ".join(parts)


def _clean(rest: str) -> str:
    words = _CURRENCY.sub(" ", rest)
    return re.sub(r"\s+", " ", words).strip(_TRIM)
