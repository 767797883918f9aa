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
- a price: a currency (₪, ש"ח, shekel, NIS, $...) anywhere; a price word (price, cost,
  מחיר, עלות, תשלום...) next to a number; "free", a discount or a percentage; or any number
  of 50 or more that is not a time, a date, a phone number, this year or next, the
  pro's review count, a number in the persona, or a price in the list;
- the wrong language, or no text.

Why replace and not cut the numbers out: a sentence with its price removed still makes
the promise ("from now on the price is  shekels"), and a garbled reply is worse than a
plain one. The cost is that some honest replies (a street number such as "Herzl 120")
become the template; the model is told to write no numbers but times and dates, so that
is rare. An amount spelled in words with no currency or price word near it is not caught.

The pro is any object with name, persona, tone, rating, review_count and price_items (a
related manager of items with id, service, price and note): this module does not import
from the layers above it.
"""

import base64
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from ai import gemini, prompts
from ai.schemas import INTENTS, PersonaReplySchema
from fixi import texts
from fixi.vocabulary import Language

logger = logging.getLogger(__name__)

MAX_PRICE_LINES = 6
MAX_REPLY_CHARS = 1200
BARE_NUMBER_LIMIT = 50
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
    """The reply to `customer_text` in `pro`'s voice, in `language` ("he" or "en")."""
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
    return PersonaReply(_with_prices(text, chosen), intent, chosen, source)


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
_CURRENCY = re.compile(
    rf"₪|[$€£]|ש[\"״'׳]{{1,2}}ח|(?<![{_HE}])[בלוהכ]?-?(?:שקל(?:ים)?|שח|אגורות|אגורה)(?![{_HE}])"
    r"|\b(?:nis|ils|shekels?|sheqels?|shekalim|agorot|usd|eur|dollars?|euros?|bucks)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|nothing|"
    r"אפס|אחד|אחת|שתיים|שניים|שלוש|ארבע|חמש|שש|שבע|שמונה|תשע|עשר|עשרים|שלושים|ארבעים|"
    r"חמישים|שישים|שבעים|שמונים|תשעים|מאה|מאות|מאתיים|אלף|אלפים"
)
_PRICE_WORD = (
    r"\b(?:prices?|pricing|costs?|costing|charges?|fees?|pay|paying|payment|quote|rate|"
    r"tariff|total|deposit)\b"
    rf"|(?<![{_HE}])[בלוהכ]?(?:מחיר|מחירים|מחירון|עלות|יעלה|תעלה|יעלו|תשלום|לשלם|תשלם|"
    rf"משלמים|מקדמה|סה[\"״]כ)(?![{_HE}])"
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
    r"|(?:ללא|בלי) (?:תשלום|עלות|חיוב)|חצי מחיר",
    re.IGNORECASE,
)
# Things with digits that are not amounts, masked before numbers are read. The first set
# is unambiguous; the second (dotted dates and times) is masked only for bare numbers, so
# "the price is 12.50" still counts as a price word next to a number.
_NOT_AMOUNTS = [
    re.compile(r"(?:\+?972[-\s]?|\b0)\d{1,2}[-\s]?\d{3}[-\s]?\d{4}\b"),  # Israeli phones
    re.compile(r"\*\d{3,5}\b|\b\d{9,}\b"),  # *2700 short numbers, other long numbers
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),  # 2026-05-12
    re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?:/(?:\d{4}|\d{2}))?\b"),
    re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b"),  # 14:30
]
_DOTTED_DATES_AND_TIMES = [
    re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])(?:\.(?:\d{4}|\d{2}))?\b"),
    re.compile(r"\b(?:[01]?\d|2[0-3])\.[0-5]\d\b"),  # 14.30
]
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _price_claim(text: str, allowed: set[Decimal]) -> str:
    if _CURRENCY.search(text):
        return "names a currency"
    if _FREE_OR_DISCOUNT.search(text):
        return "free, discount or percentage"
    masked = _masked(text, _NOT_AMOUNTS)
    if _PRICE_NEAR_NUMBER.search(masked):
        return "a price word next to a number"
    for match in _NUMBER.finditer(_masked(masked, _DOTTED_DATES_AND_TIMES)):
        value = _number(match.group())
        if value is not None and value >= BARE_NUMBER_LIMIT and value not in allowed:
            return "a number that is not in the price list"
    return ""


def _masked(text: str, patterns: list[re.Pattern]) -> str:
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return text


def _number(raw: str) -> Decimal | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):  # 1,200 or 1,200.50
        raw = raw.replace(",", "")
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None  # e.g. 1.2.3: not one number; the masks took dates already


def _allowed_numbers(pro, items: list) -> set[Decimal]:
    year = timezone.localdate().year
    allowed = {Decimal(item.price) for item in items}
    allowed |= {Decimal(year), Decimal(year + 1), Decimal(int(pro.review_count or 0))}
    allowed |= {
        value for raw in _NUMBER.findall(pro.persona or "") if (value := _number(raw)) is not None
    }
    return allowed


def _wrong_language(text: str, language: str) -> bool:
    hebrew = len(re.findall(rf"[{_HE}]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if language == "he":
        return hebrew == 0 and latin > 0
    return hebrew > latin
