"""Replies to customers in a pro's voice, with prices only from the pro's price list.

The model sees the pro (name, persona, tone, rating and review count) and the price list
without prices; it answers with `reply_text`, an intent and the ids of relevant price
items. We build the final text: the model's words, then one line per price item of this
pro that it named, with the price from the database.

The model's words are checked before a customer sees them. Any of these replaces the
whole text with a templated reply in the customer's language:

- the canary from the persona prompt, in any spelling we can recognise (then the intent
  and price items are dropped too: a model that leaks its prompt was talked into
  something);
- a run of words from the prompt's rules (the prompt was recited);
- a price, in any of the four languages: a currency (₪, ש"ח, shekel, NIS, شيكل, шекель,
  $...) anywhere; a price word (price, cost, מחיר, עלות, سعر, تكلفة, цена, стоимость...)
  next to a number; "free", a discount (مجانًا, خصم, бесплатно, скидка) or a percentage; or any
  amount the pro's price list does not hold. Every number is an amount unless it is
  shown to be something else: a time (14:30, 9am, at 10, ב-10 בבוקר), a date (8/12,
  20.12, the 9th, 17 בדצמבר), a duration or count with its unit (2 hours, 3 ימים, 127
  reviews, floor 3), a phone number, this year or next, the pro's rating or review count,
  or a number in the persona. Thousands are amounts ("2.5k", "1.2 אלף", "2 thousand"),
  digits split by spaces are one number ("4 9 9" is 499), and full-width digits or
  invisible characters between digits change nothing;
- the wrong language (most of its letters in another language's script), or no text.

The text that reaches the customer has each line's direction set (fixi.texts.directed), as
every other customer text does.

Why replace and not cut the numbers out: a sentence with its price removed still makes
the promise ("from now on the price is  shekels"), and a garbled reply is worse than a
plain one. The cost is that some honest replies (a street number such as "Herzl 5")
become the template: "Herzl 49" and "for 49" cannot be told apart. The model is told to
write no numbers but times and dates, so that is rare. What is not caught: an amount
spelled in words with no currency or price word near it, and a whole number up to 24
right after a word that introduces a clock hour ("at 20", "ב-20"), which reads as a time.

The pro is any object with name, persona, tone, rating, review_count and price_items (a
related manager of items with id, service, price and note): this module does not import
from the layers above it.
"""

import base64
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from ai import gemini, prompts
from ai.schemas import INTENTS, PersonaReplySchema
from fixi import texts
from fixi.vocabulary import Language, language_of

logger = logging.getLogger(__name__)

MAX_PRICE_LINES = 6
MAX_REPLY_CHARS = 1200
ECHO_WORDS = 6  # this many words in a row from the prompt's rules is a recital


@dataclass
class PersonaReply:
    text: str
    intent: str
    price_items: list = field(default_factory=list)  # the pro's PriceItems quoted in text
    source: str = "template"  # "template" | "gemini:<model>"


def persona_reply(
    pro, customer_text: str, language: str, context: dict | None = None
) -> PersonaReply:
    """The reply to `customer_text` in `pro`'s voice, in `language` ("he", "en", "ar" or
    "ru"; any other is Hebrew)."""
    language = language if language in Language.values else Language.HEBREW
    if not gemini.is_configured():
        return _templated(pro, language)
    items = list(pro.price_items.all())
    try:
        answer = gemini.generate_structured(
            system=prompts.persona_system(_pro_facts(pro), _price_list(items), language),
            parts=[prompts.persona_user_part(customer_text, context or {})],
            schema=PersonaReplySchema,
        )
    except gemini.AiUnavailable as error:
        logger.warning("persona reply for pro %s templated: %s", pro.pk, error)
        return _templated(pro, language)
    return _checked(answer.parsed, pro, items, language, source=f"gemini:{answer.model}")


def _checked(reply: PersonaReplySchema, pro, items: list, language: str, source: str):
    text = reply.reply_text.strip()
    intent = reply.intent if reply.intent in INTENTS else "other"
    chosen = _chosen_items(reply.price_item_ids, items)
    if _leaks_canary(text):
        logger.warning("persona reply for pro %s leaked the canary: replaced", pro.pk)
        return PersonaReply(_template_text(pro, language), "other", [], source)
    problem = _problem(text, pro, items, language)
    if problem:
        logger.warning("persona reply for pro %s replaced by the template: %s", pro.pk, problem)
        text = _template_text(pro, language)
    text = texts.directed(_with_prices(text, chosen), language)
    return PersonaReply(text, intent, chosen, source)


def _templated(pro, language: str) -> PersonaReply:
    return PersonaReply(_template_text(pro, language), "other", [], "template")


def _template_text(pro, language: str) -> str:
    return texts.persona_fallback(pro, language)


def _pro_facts(pro) -> dict:
    return {
        "name": pro.name,
        "persona": pro.persona,
        "tone": str(pro.get_tone_display() if hasattr(pro, "get_tone_display") else pro.tone),
        "rating": float(pro.rating or 0),
        "review_count": int(pro.review_count or 0),
    }


def _price_list(items: list) -> list[dict]:
    return [{"id": str(item.id), "service": item.service, "note": item.note} for item in items]


def _chosen_items(ids: list[str], items: list) -> list:
    """The pro's items the model named, in its order, once each; other ids are ignored."""
    by_id = {str(item.id).lower(): item for item in items}
    chosen = []
    for raw in ids:
        item = by_id.get(raw.strip().lower())
        if item is not None and item not in chosen:
            chosen.append(item)
    return chosen[:MAX_PRICE_LINES]


def _with_prices(text: str, items: list) -> str:
    lines = [f"• {item.service}: ₪{_shekels(item.price)}" for item in items]
    return "\n\n".join(filter(None, [text[:MAX_REPLY_CHARS], "\n".join(lines)]))


def _shekels(price) -> str:
    price = Decimal(price)
    return f"{price:,.0f}" if price == price.to_integral_value() else f"{price:,.2f}"


# --- Checks of the model's words ----------------------------------------------------------


def _problem(text: str, pro, items: list, language: str) -> str:
    """Why the text may not reach the customer, or ''."""
    if not text:
        return "empty reply"
    if _recites_prompt(text):
        return "recites the prompt"
    price = _price_claim(text, _allowed_numbers(pro, items))
    if price:
        return price
    if _wrong_language(text, language):
        return f"not in {language}"
    return ""


def _leaks_canary(text: str) -> bool:
    canary = prompts.CANARY
    secret = canary.rsplit("-", 1)[-1].lower()
    squashed = _squash(text)
    return (
        any(form in text for form in _base64_forms(canary) | _base64_forms(secret))
        or any(form in squashed for form in (secret, secret[::-1], "fixicanary", "yranacixif"))
        or secret[: len(secret) // 2] in squashed  # half the secret is still a leak
    )


def _base64_forms(secret: str) -> set[str]:
    """What `secret` looks like inside any base64 text, at each of the 3 byte alignments."""
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret.encode()).decode()
        core = encoded[4 if shift else 0 : -4]  # the characters no neighbour can change
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def _squash(text: str) -> str:
    """Lower case letters and digits only, so spacing and dashes hide nothing."""
    return re.sub(r"[\W_]+", "", text.lower())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _rule_shingles() -> set[tuple[str, ...]]:
    rules = prompts.PERSONA_RULES + prompts.DATA_RULES
    words = _words(rules)
    return {tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)}


_RULE_SHINGLES = _rule_shingles()


def _recites_prompt(text: str) -> bool:
    words = _words(text)
    return any(
        tuple(words[i : i + ECHO_WORDS]) in _RULE_SHINGLES
        for i in range(len(words) - ECHO_WORDS + 1)
    )


_HE = r"\u05d0-\u05ea"
_AR = r"\u0620-\u064a"
# Arabic words take their prefixes (و، ب، ل، ال) with no space, so they are looked for
# anywhere in a word; Russian ones at a word's start, with a bounded ending for the case.
_CURRENCY = re.compile(
    rf"₪|[$€£]|ش\.\s?ج|ש[\"״'׳]{{1,2}}ח|(?<![{_HE}])[בלוהכ]?-?(?:שקל(?:ים)?|שח|אגורות|אגורה)(?![{_HE}])"
    r"|\b(?:nis|ils|shekels?|sheqels?|shekalim|agorot|usd|eur|dollars?|euros?|bucks)\b"
    r"|شيكل|شيقل|شواكل|أغورة|اغورة|أغورات|دولار|يورو"
    r"|\b(?:шекел\w{0,3}|шек|агор\w{0,3}|руб\w{0,4}|доллар\w{0,3}|евро)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|nothing|"
    r"אפס|אחד|אחת|שתיים|שניים|שלוש|ארבע|חמש|שש|שבע|שמונה|תשע|עשר|עשרים|שלושים|ארבעים|"
    r"חמישים|שישים|שבעים|שמונים|תשעים|מאה|מאות|מאתיים|אלף|אלפים|"
    r"عشرين|ثلاثين|أربعين|خمسين|ستين|سبعين|ثمانين|تسعين|مائة|مئة|ميتين|ألف|آلاف|"
    r"десять|двадцать|тридцать|сорок|пятьдесят|сто|двести|триста|пятьсот|тысяч\w{0,2}"
)
_PRICE_WORD = (
    r"\b(?:prices?|pricing|costs?|costing|charges?|fees?|pay|paying|payment|quote|rate|"
    r"tariff|total|deposit)\b"
    rf"|(?<![{_HE}])[בלוהכ]?(?:מחיר|מחירים|מחירון|עלות|יעלה|תעלה|יעלו|תשלום|לשלם|תשלם|"
    rf"משלמים|מקדמה|סה[\"״]כ)(?![{_HE}])"
    r"|سعر|أسعار|اسعار|تكلفة|تكلفه|كلفة|يكلف|تكلف|بيكلف|الدفع|تدفعوا|ادفعوا|دفعة|مبلغ|عربون"
    r"|\b(?:цен\w{0,3}|стоимост\w{0,3}|стоит|стоить|оплат\w{0,3}|заплат\w{0,4}|плат\w{0,4}"
    r"|предоплат\w{0,3}|итого|сумм\w{0,3}|тариф\w{0,3})\b"
)
_PRICE_NEAR_NUMBER = re.compile(
    rf"(?:{_PRICE_WORD})[^\n]{{0,25}}?(?:\d|(?<![{_HE}\w])[בלוהכ]?(?:{_NUMBER_WORDS})\b)"
    rf"|\d[^\n\d]{{0,15}}?(?:{_PRICE_WORD})",
    re.IGNORECASE,
)
_FREE_OR_DISCOUNT = re.compile(
    r"%|\b(?:for free|free of charge|free (?:visit|quote|inspection|service|check)"
    r"|no (?:extra )?(?:charge|cost)|at no (?:extra )?(?:charge|cost)|discount\w*"
    r"|half[- ]price|complimentary|on the house)\b"
    r"|\b(?:is|it's|it is|are|be|totally|completely|entirely) free\b"
    r"(?!\s+(?:to|at|on|in|from|tomorrow|today|tonight|now|this|next)\b)"
    rf"|(?<![{_HE}])[בלוהכ]?(?:חינם|הנחה|הנחות)(?![{_HE}])"
    r"|(?:ללא|בלי) (?:תשלום|עלות|חיוב)|חצי מחיר"
    r"|مجان|خصم|تخفيض|بدون مقابل|دون مقابل|نصف السعر|نص السعر"
    r"|\b(?:бесплатн\w{0,3}|скидк\w{0,3}|даром|полцены)\b|без (?:оплаты|доплаты)",
    re.IGNORECASE,
)
# Every number in the model's words is an amount unless it is shown to be something else:
# a price of this pro, a time, a date, a duration or count with its unit, a phone number,
# this year or next, the rating or the review count, or a number the persona holds.
#
# Reading order matters. Thousands ("2.5k", "1.2 אלף") are read first, as the amount they
# name. Then the shapes that cannot be amounts (phones, 14:30, 8/12, 2026-05-12) are
# masked, and a price word next to a number is looked for. Then digits split by spaces
# are joined ("4 9 9" is 499, "1 200" is 1200): after the first masks, so a time and the
# number after it are not glued together, and before the rest, so "at 4 9" is no hour.
# Last, the shapes that are amounts only sometimes are masked: dotted dates and times
# (so "the price is 12.50" still counts as a price word next to a number), clock hours
# after "at"/"ב-" and with am/pm or בבוקר, days of the month, and a number followed by
# a unit that is not money (2 hours, 3 ימים, 127 reviews). Whatever number is left must
# be one the pro's price list holds.
_MASK = " \x00 "  # not a space, so that joining split digits never reaches across a mask
# Separators of bounded length, so no pattern backtracks over a long run of spaces.
_GAP = r"[\s\-־]{0,3}"
_SPACE = r"\s{1,3}"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_HOUR = r"(?:[01]?\d|2[0-4])(?:[:.][0-5]\d)?(?![.,]?\d)"
_ALONE_BEFORE = r"(?<![\d.,/:])"  # not the tail of a longer number, date or time
_ALONE_AFTER = r"(?![.,/:]?\d)"
_MONTHS_EN = (
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_MONTHS_HE = r"ינואר|פברואר|מרץ|מרס|אפריל|מאי|יוני|יולי|אוגוסט|ספטמבר|אוקטובר|נובמבר|דצמבר"
_MONTHS_AR = (
    r"يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|"
    r"نوفمبر|ديسمبر|كانون|شباط|آذار|اذار|نيسان|أيار|ايار|حزيران|تموز|آب|أيلول|ايلول|تشرين"
)
_MONTHS_RU = (
    r"январ\w{0,2}|феврал\w{0,2}|март\w{0,2}|апрел\w{0,2}|ма[йяе]|июн\w{0,2}|июл\w{0,2}|"
    r"август\w{0,2}|сентябр\w{0,2}|октябр\w{0,2}|ноябр\w{0,2}|декабр\w{0,2}"
)
_UNITS_EN = (
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|stars?|reviews?|"
    r"ratings?|customers?|jobs?|floors?|rooms?|people|persons?|technicians?|times"
)
_UNITS_HE = (
    r"דקות|דקה|שעות|שעה|ימים|יום|ימי|שבועות|שבוע|חודשים|חודש|שנים|שנה|שנות|כוכבים|כוכב|"
    r"ביקורות|ביקורת|חוות|לקוחות|לקוח|עבודות|קומות|קומה|חדרים|חדר|טכנאים|אנשים|פעמים|פעם"
)
_UNITS_AR = (
    r"دقائق|دقايق|دقيقة|ساعات|ساعتين|ساعة|أيام|ايام|يوم|أسابيع|أسبوع|اسبوع|أشهر|شهور|شهر|"
    r"سنوات|سنين|سنة|نجوم|نجمة|تقييمات|تقييم|زبائن|زبون|عملاء|طوابق|طابق|غرف|غرفة|مرات|مرة"
)
_UNITS_RU = (
    r"минут\w{0,2}|мин|час\w{0,3}|дн\w{0,3}|день|недел\w{0,2}|месяц\w{0,3}|год\w{0,3}|лет|"
    r"звезд\w{0,2}|отзыв\w{0,3}|оцен\w{0,3}|клиент\w{0,3}|этаж\w{0,3}|комнат\w{0,2}|раз"
)
_THOUSANDS = re.compile(
    rf"{_ALONE_BEFORE}(\d+(?:[.,]\d+)?){_GAP}"
    rf"(k|thousands?|grand|million|אלפים|אלף|מיליון)(?![a-z{_HE}])",
    re.IGNORECASE,
)
_MULTIPLIERS = {"million": 1_000_000, "מיליון": 1_000_000}  # the rest are thousands
_NOT_AMOUNTS = [
    re.compile(r"(?:\+?972[-\s]?|\b0)\d{1,2}[-\s]?\d{3}[-\s]?\d{4}\b"),  # Israeli phones
    re.compile(r"\*\d{3,5}\b|\b\d{9,}\b"),  # *2700 short numbers, other long numbers
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),  # 2026-05-12
    re.compile(rf"{_ALONE_BEFORE}[0-5](?:[.,]\d)?{_GAP}(?:/|out of|מתוך){_GAP}5\b{_ALONE_AFTER}"),
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}/{_MONTH}(?:/(?:\d{{4}}|\d{{2}}))?\b{_ALONE_AFTER}"),
    re.compile(rf"{_ALONE_BEFORE}\b(?:[01]?\d|2[0-3]):[0-5]\d\b{_ALONE_AFTER}"),  # 14:30
]
_SOMETIMES_AMOUNTS = [
    # 20.12, 20.12.2026 and 14.30
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}\.{_MONTH}(?:\.(?:\d{{4}}|\d{{2}}))?\b{_ALONE_AFTER}"),
    re.compile(rf"{_ALONE_BEFORE}\b(?:[01]?\d|2[0-3])\.[0-5]\d\b{_ALONE_AFTER}"),
    # 9am, 4 pm, 10 o'clock, 9:30 in the morning, 8 בערב, 5 مساءً, 10 утра
    re.compile(
        rf"{_ALONE_BEFORE}\b{_HOUR}{_GAP}(?:[ap]\.?m\.?(?![a-z])|o'?clock\b"
        r"|in the (?:morning|afternoon|evening)\b"
        rf"|(?:בבוקר|בערב|בצהריים|בצהרים|בלילה|אחה[\"״]צ|לפנה[\"״]צ)(?![{_HE}])"
        r"|(?:صباحًا|صباحا|الصبح|مساءً|مساء|المسا|ظهرًا|ظهرا|بعد الظهر|ليلًا|ليلا|بالليل)"
        r"|(?:утра|утром|дня|днём|днем|вечера|вечером|ночи)\b)",
        re.IGNORECASE,
    ),
    # A clock hour after a word that introduces one, alone or as a range: at 10,
    # between 8-10, ב-10, בשעה 9, בין 8 ל-10.
    re.compile(
        rf"(?:\b(?:at|by|until|till|til|from|after|before|around|between|since){_SPACE}"
        rf"|(?<![{_HE}])(?:עד השעה|אחרי השעה|לפני השעה|בשעה|משעה|לשעה|השעה|בסביבות|סביב|"
        rf"אחרי|לפני|עד|בין|ב|ל|מ){_GAP}"
        rf"|(?<![{_AR}])(?:الساعة|الساعه|بالساعة|ع الساعة|بعد|قبل|حوالي|حوالى|من|حتى|لغاية|بين)"
        rf"{_SPACE}"
        rf"|\b(?:в|во|к|с|до|после|около|между|от){_SPACE})"
        rf"{_ALONE_BEFORE}{_HOUR}"
        rf"(?:{_GAP}(?:-|–|—|\bto\b|\band\b|\bor\b|\buntil\b|\btill\b|עד|או|ו|ל"
        rf"|إلى|الى|لل|و|\bдо\b|\bи\b|\bили\b){_GAP}{_HOUR})?",
        re.IGNORECASE,
    ),
    # Days of the month: the 9th, December 17, 17 Dec, 17 בדצמבר, 20 לחודש
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}(?:st|nd|rd|th)\b", re.IGNORECASE),
    re.compile(
        rf"\b(?:{_MONTHS_EN})\.?{_SPACE}{_DAY}(?:st|nd|rd|th)?\b{_ALONE_AFTER}(?:,?{_GAP}\d{{4}}\b)?"
        rf"|{_ALONE_BEFORE}\b{_DAY}(?:st|nd|rd|th)?{_SPACE}(?:of{_SPACE})?(?:{_MONTHS_EN})\b",
        re.IGNORECASE,
    ),
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}{_GAP}[בל]?[-־]?(?:{_MONTHS_HE}|חודש)(?![{_HE}])"),
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}{_SPACE}(?:{_MONTHS_AR})(?![{_AR}])"),
    re.compile(rf"{_ALONE_BEFORE}\b{_DAY}{_SPACE}(?:{_MONTHS_RU})\b", re.IGNORECASE),
    # Where in the building: floor 3, apartment 12, קומה 3, דירה 12
    re.compile(
        rf"(?:\b(?:floor|apartment|apt\.?|entrance)|(?<![{_HE}])[בל]?(?:קומה|דירה|כניסה))"
        rf"{_GAP}\d{{1,3}}{_ALONE_AFTER}",
        re.IGNORECASE,
    ),
    # A count or a duration with its unit, a range of them too: 2 hours, 2-3 days, 3 שעות
    re.compile(
        rf"{_ALONE_BEFORE}\d+(?:[.,]\d+)?(?:{_GAP}(?:-|–|\bto\b|\bor\b|עד|או){_GAP}\d+(?:[.,]\d+)?)?"
        rf"(?:{_GAP}(?:{_UNITS_EN})\b|{_GAP}(?:{_UNITS_HE})(?![{_HE}])"
        rf"|{_GAP}(?:{_UNITS_AR})|{_GAP}(?:{_UNITS_RU})\b)",
        re.IGNORECASE,
    ),
]
_SPLIT_DIGITS = re.compile(r"(?<=\d)[^\S\n]+(?=\d)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _price_claim(text: str, allowed: set[Decimal]) -> str:
    text = _plain(text)
    if _CURRENCY.search(text):
        return "names a currency"
    if _FREE_OR_DISCOUNT.search(text):
        return "free, discount or percentage"
    for match in _THOUSANDS.finditer(text):
        value = _thousands(match)
        if value is None or value not in allowed:
            return "an amount in thousands that is not in the price list"
    masked = _masked(_THOUSANDS.sub(_MASK, text), _NOT_AMOUNTS)
    if _PRICE_NEAR_NUMBER.search(masked):
        return "a price word next to a number"
    joined = _SPLIT_DIGITS.sub("", masked)
    for match in _NUMBER.finditer(_masked(joined, _SOMETIMES_AMOUNTS)):
        value = _number(match.group())
        if value is None or value not in allowed:
            return "a number that is not in the price list"
    return ""


def _plain(text: str) -> str:
    """The text as a reader sees it: compatibility forms folded (full-width digits, odd
    spaces) and invisible format characters (zero-width spaces, direction marks) gone,
    so that nothing hidden between two digits keeps them apart."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def _masked(text: str, patterns: list[re.Pattern]) -> str:
    for pattern in patterns:
        text = pattern.sub(_MASK, text)
    return text


def _number(raw: str) -> Decimal | None:
    """The number written, or None when it is not one number (1.2.3)."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):  # 1,200 or 1,200.50
        raw = raw.replace(",", "")
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def _thousands(match: re.Match) -> Decimal | None:
    number = _number(match.group(1))
    if number is None:
        return None
    return number * _MULTIPLIERS.get(match.group(2).lower(), 1000)


def _allowed_numbers(pro, items: list) -> set[Decimal]:
    year = timezone.localdate().year
    rating = float(pro.rating or 0)
    allowed = {Decimal(item.price) for item in items}
    allowed |= {Decimal(year), Decimal(year + 1), Decimal(int(pro.review_count or 0))}
    allowed |= {Decimal(f"{rating:.1f}"), Decimal(str(rating))}
    allowed |= {
        value
        for raw in _NUMBER.findall(_plain(pro.persona or ""))
        if (value := _number(raw)) is not None
    }
    return allowed


def _wrong_language(text: str, language: str) -> bool:
    """Most of the letters are another language's (a Latin pro name in an Arabic reply is
    not: Latin letters count half)."""
    written = language_of(text)
    return written is not None and written != language
