"""What a customer's turn is for, read by rules (the offline side of the dispatcher's
`intent`).

Keys (ai.types.Intent): describe (telling us about the job; the default), price, eta
("when is he coming?"), earlier, later, other_day, thanks (thanks, ok, small talk), human
(asks for a person), question (a question none of the rules answers).

Word lists are matched on whole words after Hebrew prefix letters are allowed, in one
linear pass (no pattern backtracks over the text). The first family found in this order
wins: human, earlier/later/other_day, eta, price, thanks, question; a turn that also tells
us about the job (a city, a trade, a time) is still read for those by the dispatcher, so
"leak in Haifa, how much?" is a price question *and* details.
"""

import re

from ai.offline_issue import fold_letters
from ai.types import Intent

HE = "\u05d0-\u05ea"
_PREFIX = "(?:[ובלמהש]{0,2})"

PHRASES = {
    Intent.HUMAN: [
        "נציג", "נציגה", "בן אדם", "אדם אמיתי", "לדבר עם מישהו", "מנהל", "מישהו אמיתי",
        "human", "agent", "representative", "real person", "speak to someone", "talk to someone",
        "a person", "manager",
        "بدي احكي مع حدا", "بدي احكي مع انسان", "موظف", "انسان حقيقي", "شخص حقيقي", "المدير",
        "مدير", "خدمة الزبائن", "оператор", "живой человек", "менеджер", "с человеком",
        "позовите человека",
    ],
    Intent.EARLIER: [
        "מוקדם יותר", "יותר מוקדם", "להקדים", "להקדים את", "תקדימו", "אפשר להקדים",
        "earlier", "sooner", "come earlier", "any earlier",
        "ابكر", "أبكر", "بكير اكتر", "اقدم الموعد", "نقدم الموعد", "раньше", "пораньше",
    ],
    Intent.LATER: [
        "מאוחר יותר", "יותר מאוחר", "לדחות", "לאחר את", "תדחו", "אפשר לדחות",
        "come later", "a bit later", "later time", "postpone", "push it back",
        "اتأخر شوي", "أجل الموعد", "اجل الموعد", "تأجيل", "بعدين شوي", "позже", "попозже",
        "отложить",
    ],
    Intent.OTHER_DAY: [
        "יום אחר", "מועד אחר", "לשנות את המועד", "לשנות מועד", "לשנות את השעה", "תאריך אחר",
        "another day", "different day", "another time", "different time", "reschedule",
        "change the time", "change the date",
        "يوم تاني", "يوم ثاني", "يوم آخر", "موعد تاني", "موعد آخر", "غير الموعد", "تغيير الموعد",
        "نغير الموعد", "другой день", "другое время", "перенести", "изменить время",
    ],
    Intent.ETA: [
        "מתי הוא מגיע", "מתי הוא יגיע", "מתי היא מגיעה", "מתי מגיעים", "מתי תגיעו", "מתי יגיע",
        "הוא בדרך", "היא בדרך", "איפה הוא", "איפה היא", "מתי הטכנאי", "מתי האינסטלטור",
        "מתי החשמלאי", "מה עם הטכנאי", "מגיעים היום",
        "when is he coming", "when will he", "when is she coming", "when will she",
        "when are you coming", "is he on the way", "is she on the way", "on his way",
        "on her way", "where is he", "where is she", "eta", "when will the",
        "what time is he", "what time will", "is he coming", "is she coming", "are you coming",
        "is anyone coming", "is someone coming", "when will someone", "any update", "any news",
        "האם הוא מגיע", "הוא מגיע?", "היא מגיעה?", "מישהו מגיע", "יש עדכון", "מה קורה עם",
        "وين الفني", "وينه", "وين صار", "امتى جاي", "إمتى جاي", "متى جاي", "متى رح يجي",
        "امتى رح يجي", "هو بالطريق", "بالطريق؟", "في حدا جاي", "когда он приедет",
        "когда приедет", "когда будет мастер", "он в пути", "где мастер", "где он", "скоро будет",
    ],
    Intent.PRICE: [
        "כמה זה עולה", "כמה עולה", "כמה יעלה", "כמה זה יעלה", "מה המחיר", "מחיר", "מחירים",
        "מחירון", "כמה לוקח", "כמה גובה", "כמה גובים", "עלות", "הצעת מחיר",
        "how much", "price", "prices", "cost", "costs", "quote", "charge", "rates", "fee",
        "قديش", "قديه", "كم السعر", "كم سعر", "بكم", "كم بكلف", "كم بتكلف", "سعر", "السعر",
        "اسعار", "الأسعار", "تكلفة", "сколько стоит", "сколько будет стоить", "цена", "цены",
        "стоимость", "прайс",
    ],
}  # fmt: skip
THANKS_WORDS = {
    "תודה", "תודה רבה", "תודה!", "רבה", "סבבה", "אוקיי", "אוקי", "אוקיי תודה", "מעולה", "יופי",
    "אחלה", "בסדר", "מצוין", "תודה לכם", "תודה לך", "שבוע טוב", "שבת שלום", "לילה טוב",
    "בוקר טוב", "יום טוב", "נהדר", "קיבלתי", "הבנתי", "ok", "okay", "k", "thanks",
    "thank you", "thx", "ty", "great", "cool", "perfect", "fine", "got it", "sounds good",
    "awesome", "nice", "good", "cheers", "👍", "🙏", "❤️", "😊", "👌", "✅",
    "شكرا", "شكراً", "شكرا كتير", "مشكور", "يعطيك العافية", "الله يعطيك العافية", "تمام", "ماشي",
    "اوكي", "منيح", "ممتاز", "تسلم", "спасибо", "спс", "ок", "хорошо", "отлично", "понял",
    "поняла", "ладно", "супер", "договорились", "спасибо большое",
}  # fmt: skip
THANKS_WORDS = {fold_letters(word) for word in THANKS_WORDS}  # "شكراً" as the text is read
_QUESTION_WORDS = re.compile(
    rf"(?:^|\s)[ו]?(?:מה|מתי|איך|למה|האם|איפה|כמה|מי)(?![{HE}])"
    r"|\b(?:what|when|how|why|where|who|can|could|do|does|is|are|will|would)\b"
    r"|(?<!\w)(?:شو|ايش|متى|امتى|كيف|ليش|وين|قديش|مين|هل|ممكن|بتقدر)(?!\w)"
    r"|\b(?:что|когда|как|почему|где|сколько|кто|можно|ли|можете)\b",
    re.IGNORECASE,
)
_TRIM = re.compile(r"[\s!.,?،؟🙏👍]+")


def _phrase_pattern(phrases: list[str]) -> re.Pattern:
    folded = {fold_letters(p) for p in phrases}
    alternatives = "|".join(re.escape(p) for p in sorted(folded, key=len, reverse=True))
    return re.compile(rf"(?<![{HE}\w]){_PREFIX}(?:{alternatives})(?![{HE}\w])", re.IGNORECASE)


PATTERNS = {intent: _phrase_pattern(phrases) for intent, phrases in PHRASES.items()}


def is_thanks(text: str) -> bool:
    """Only thanks, okays and greetings (short), nothing else."""
    words = " ".join(fold_letters(text).lower().split()).strip(" !.,،")
    if not words or len(words) > 40:
        return False
    if words in THANKS_WORDS:
        return True
    parts = [part for part in _TRIM.split(words) if part]
    return bool(parts) and all(part in THANKS_WORDS for part in parts)


def intent_of(text: str) -> str:
    text = fold_letters(text or "")
    for intent, pattern in PATTERNS.items():
        if pattern.search(text):
            return intent
    if is_thanks(text):
        return Intent.THANKS
    stripped = text.strip()
    if stripped.endswith("?") or stripped.endswith("؟"):
        return Intent.QUESTION if _QUESTION_WORDS.search(stripped[-300:]) else Intent.DESCRIBE
    return Intent.DESCRIBE
