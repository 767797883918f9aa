"""The street address, the customer's name and a one-line summary, from Hebrew, English,
Arabic or Russian.

Addresses: a street keyword and a house number ("רחוב הרצל 12", "ברח' ויצמן 5",
"שד' רוטשילד 10 דירה 4", "Rechov Herzl 12"), a street name after ב/ל and a number
("בהרצל 12", with a stop list of words that are not streets: "בקומה 3", "בחדר 2"), "הכתובת
הרצל 12", a part of a line that is only a street and a number ("אני בחיפה, הרצל 10", the
reply "הרצל 10" to "what is the address?"), English
"12 Herzl St" / "Herzl street 12" / "10 Rothschild Blvd", or a "כתובת:" / "Address:" label.
House numbers are 1–4 digits and never part of a longer number (a phone) or followed by
":" / am / pm (a time) or a unit ("ב-3 עותקים").

Arabic and Russian addresses: a street keyword, the street and a number ("شارع هرتسل 10",
"بشارع الجبل ١٢", "ул. Герцля 10", "улица Жаботинского, д. 5, кв. 3"), a label ("العنوان:",
"адрес:"), or a part of a line that is only a street and a number ("حيفا، الجبل 12",
"Хайфа, Герцля 10"). Arabic-Indic digits count as digits.

Names: "קוראים לי דני", "שמי מיכל כהן", "אני מיכל" (at the start of a sentence, and not one
of the many words that follow "אני" in a request: "אני צריך", "אני גרה"), "my name is
John", "this is Sarah", "I'm Dave", "اسمي محمد", "меня зовут Ольга", and a
sign-off ("תודה, רונית", "Thanks, Sarah", "شكرا، رنا", "Спасибо, Ольга").
"""

import re

from ai.gazetteer import find_city
from ai.offline_when import MONTHS_HE, WEEKDAYS_EN, WEEKDAYS_HE

HE = "\u05d0-\u05ea"
B = rf"(?<![{HE}])"
E = rf"(?![{HE}])"
HE_WORD = rf"[{HE}][{HE}'׳\"״\-]*"
# Street words are capped. Any letter after a hyphen or a quote mark can start one, so in a
# long run of joined words ("בא-בא-בא-…") an uncapped word read from each start to the end
# of the run: quadratic time. No street name comes near this length. Possessive ("}+"): a
# space follows a street word, so giving letters back never helps.
LONGEST_WORD = 40
STREET_WORD = rf"[{HE}][{HE}'׳\"״\-]{{0,{LONGEST_WORD}}}+"
# After a house number: not a time, an amount or a count ("ב-3 עותקים", "בשעה 5 דקות").
NOT_HOUSE = (
    r"\s*(?:%|₪|דק|שעות|ימים|שבוע|חודש|שנ|ש[\"״]?ח|שקל|אחוז|מטר|ס[\"״]?מ|מעלות|עותק|פעמים|"
    r"(?i:min|hour|day|week|month|year|degree|nis|shekel|times|copies|percent|[ap]\.?m\b))"
)
NUM = rf"(?<![\d\-+])\d{{1,4}}(?:\s?[אבגד]{E})?(?:/\d{{1,3}})?(?![\d:])(?!{NOT_HOUSE})"
# "\s*(?:,\s*)?", not "\s*,?\s*": two stars around an optional comma try every split of a
# run of spaces before giving up, quadratic in the run.
APT_HE = r"(?:\s*(?:,\s*)?(?:דירה|דירת|קומה|כניסה|ד['׳]|ק['׳])\s*\d{1,3}[אבגד]?)*"
STREET_HE = r"(?:רחוב|רח['׳\"״.]|שדרות|שדרת|שד['׳.]|דרך|סמטת|סמ['׳]|כיכר|ככר|משעול|מעלה)"

# A label, then the address: the rest of its sentence or line up to its last digit, and on to
# a comma. Read in two steps, see _labelled_address.
ADDRESS_LABEL = re.compile(r"(?:כתובת|عنوان|العنوان|عنواني|(?i:address|адрес))\s*[:\-–]\s*")
LABELLED = re.compile(r"[^\n.;]*\d[^\n.;,]*")
SENTENCE_OR_LINE_END = re.compile(r"[\n.;]|$")
ADDRESS_HE = re.compile(
    rf"{B}[ובלמ]?(?P<a>{STREET_HE}\s*{STREET_WORD}(?:\s+{STREET_WORD}){{0,3}}?\s+{NUM}{APT_HE})"
)
# "בהרצל 12": only after ב, and the number must end the phrase (punctuation, the end, a flat
# or floor, or a word opening with a preposition or "and"), so "התקנת 3 שקעים" is a count.
ADDRESS_HE_BARE = re.compile(
    rf"{B}ו?ב(?P<a>(?P<w>{STREET_WORD})(?:\s+(?P<w2>{STREET_WORD}))?\s+{NUM}{APT_HE})"
    rf"(?=\s*$|\s*[.,;!?)\-–]|\s+[ובלמש])"
)
# "הכתובת הרצל 12", "הכתובת שלי היא ויצמן 5": the label without a colon, then a street.
ADDRESS_SAID = re.compile(
    rf"{B}ו?ה?כתובת(?:\s+(?:שלי|שלנו|החדשה|הנכונה))?(?:\s+(?:היא|זה|זו))?\s*,?\s+"
    rf"(?P<a>{STREET_WORD}(?:\s+{STREET_WORD})?\s+{NUM}{APT_HE})(?![\d{HE}])"
)
# A part of a line that is nothing but a street and a number: "אני בחיפה, הרצל 10", a
# reply "הרצל 10 דירה 3" to "what is the address?". Parts are split at commas and line
# ends, each read whole against a bounded pattern, so the reading stays linear.
PART = re.compile(r"[^,،\n]+")
SHORT_PART = 80
ADDRESS_PART = re.compile(
    rf"\s*(?P<a>(?P<w>{STREET_WORD})(?:\s+(?P<w2>{STREET_WORD}))?\s+{NUM}{APT_HE})\s*[.!]?\s*"
)
# Words that make "<word> <number>" a count, an age, a time or a request, never a street.
NOT_STREET_WORDS = {
    "יש", "לי", "לו", "לה", "לנו", "להם", "עוד", "בעוד", "כל", "רק", "עם", "של", "את", "זה",
    "זו", "כמה", "אחרי", "לפני", "עד", "מעל", "מתחת", "בן", "בת", "גיל", "מחר", "היום",
    "מחרתיים", "ב", "אני", "אנחנו", "צריך", "צריכה", "אולי", "בשעה", "שעה", "בסביבות", "רוצה",
    "תודה", "מספר", "טלפון", "פלאפון", "נייד", "קוד", "דלת", "חדר", "קומה", "דירה", "בניין",
    "מחיר", "עולה", "שקל", "שקלים", "אחד", "אחת", "פעם", "פעמים", "לילה", "ערב", "בוקר",
    "שעתיים", "יומיים", "שבועיים",
}  # fmt: skip
NOT_STREETS = {
    "שעה", "שעות", "קומה", "דירה", "חדר", "חדרים", "עוד", "ערך", "סביבות", "יום", "ימים", "בית",
    "גיל", "מחיר", "סך", "מספר", "כניסה", "בניין", "שנת", "שנה", "שנים", "חודש", "אזור", "קו",
    "מרחק", "גובה", "אורך", "רוחב", "תאריך", "לוח", "שקע", "מקום", "כיתה", "סה\"כ", "משך",
    "טווח", "עלות", "תוך", "מעל", "פחות", "יותר", "כ", "כמעט", "רק", "בערך", "גודל", "סוף",
    "דקות", "שבוע", "שבועות", "פעם", "מטבח", "סלון", "מקלחת", "שירותים", "אמבטיה", "מרפסת",
    "ממ\"ד", "חניה", "מחסן", "גג", "תקרה", "קיר", "מזגן", "מקרר", "ערב", "בוקר", "צהריים",
    *MONTHS_HE, *WEEKDAYS_HE,
}  # fmt: skip

EN_WORD = rf"[A-Za-z][A-Za-z'’\-]{{0,{LONGEST_WORD}}}+"  # capped like STREET_WORD
EN_SUFFIX = r"(?i:st|street|rd|road|ave|avenue|blvd|boulevard|ln|lane|way|sq|square)"
EN_PREFIX = r"(?i:rechov|rehov|derech|sderot|shderot|street|st\.)"
EN_NUM = r"(?<![\d\-+])\d{1,4}[A-Za-z]?(?![\d:])(?!\s*(?i:am|pm|a\.m|p\.m)\b)"
APT_EN = (
    r"(?:\s*(?:,\s*)?(?i:apt\.?|apartment|flat|floor|fl\.|entrance|unit|#)\s*\d{1,3}[A-Za-z]?)*"
)
ADDRESS_EN = [
    re.compile(rf"\b(?P<a>{EN_NUM}\s+(?P<n>{EN_WORD}(?:\s+{EN_WORD}){{0,3}}?)\s+{EN_SUFFIX}\b\.?"
               rf"{APT_EN})"),
    re.compile(rf"\b(?P<a>(?P<n>{EN_WORD}(?:\s+{EN_WORD}){{0,3}}?)\s+{EN_SUFFIX}\b\.?,?\s*"
               rf"{EN_NUM}{APT_EN})"),
    re.compile(rf"\b(?P<a>{EN_PREFIX}\s+(?P<n>{EN_WORD}(?:\s+{EN_WORD}){{0,2}}?)\s+{EN_NUM}"
               rf"{APT_EN})"),
]  # fmt: skip
EN_LEAD_WORDS = {
    "i", "we", "live", "lives", "living", "on", "in", "at", "the", "my", "our", "is", "are", "to",
    "from", "address", "come", "a", "an", "and", "near", "of", "for", "it's", "its", "it", "by",
    "apartment", "flat", "house", "building", "please", "pls", "street", "st", "is:",
}  # fmt: skip

AR = "\u0621-\u064a"
AR_WORD = rf"[{AR}][{AR}\u064b-\u0652\u0640'\-]{{0,{LONGEST_WORD}}}+"
RU_WORD = rf"[А-Яа-яЁё][А-Яа-яЁё'’\-]{{0,{LONGEST_WORD}}}+"
APT_AR = r"(?:\s*(?:[,،]\s*)?(?:شقه|شقة|طابق|ط)\s*\d{1,3})*"
APT_RU = r"(?:\s*(?:,\s*)?(?i:кв\.?|квартира|этаж|подъезд)\s*\d{1,3})*"
STREET_AR = r"(?:شارع|بشارع|وبشارع|الشارع|طريق|بطريق)"
STREET_RU = r"(?i:ул\.?|улица|улице|улицу|пр\.|проспект|бульвар|шоссе|пер\.|переулок)"
ADDRESS_AR = re.compile(
    rf"(?<![{AR}])(?P<a>{STREET_AR}\s+{AR_WORD}(?:\s+{AR_WORD}){{0,3}}?\s*[,،]?\s+{NUM}{APT_AR})"
)
ADDRESS_RU = re.compile(
    rf"(?<![А-Яа-яЁё])(?P<a>{STREET_RU}\s*{RU_WORD}(?:\s+{RU_WORD}){{0,3}}?\s*,?\s+"
    rf"(?:(?i:д\.|дом)\s*)?{NUM}{APT_RU})"
)
# A part of a line that is only a street and a number: "حيفا، الجبل 12", "Хайфа, Герцля 10".
ADDRESS_PART_AR_RU = re.compile(
    rf"\s*(?P<a>(?P<w>{AR_WORD}|{RU_WORD})(?:\s+(?P<w2>{AR_WORD}|{RU_WORD}))?\s+{NUM}"
    rf"(?:{APT_AR}|{APT_RU}))\s*[.!]?\s*"
)
# Words before a number that make it a time, a count or an age, not a house number.
NOT_STREET_WORDS_AR_RU = {
    "الساعه", "الساعة", "ساعه", "ساعة", "بعد", "قبل", "من", "الى", "إلى", "حوالي", "على", "ع",
    "في", "بين", "بكرا", "بكره", "اليوم", "يوم", "عمري", "عمره", "رقم", "طابق", "شقة", "شقه",
    "تلفون", "تلفوني", "جوال", "موبايل", "كود", "سعر", "بسعر", "ب", "لل", "عندي", "فيه",
    "в", "во", "к", "до", "после", "около", "через", "с", "со", "на", "по", "за", "мне", "нам",
    "уже", "лет", "года", "завтра", "сегодня", "телефон", "номер", "код", "цена", "стоит",
    "этаж", "квартира", "кв", "дом", "примерно", "часов", "часа", "минут", "где-то",
}  # fmt: skip

NAME_HE = re.compile(
    rf"{B}(?:קוראים לי|שמי|השם שלי(?: הוא)?)\s+(?P<n>{HE_WORD})(?:\s+(?P<s>{HE_WORD}))?"
)
# After punctuation, spaces but no line break: the last break before "אני" opens the match,
# so a run of empty lines is not read again from each of its breaks (quadratic).
NAME_HE_ANI = re.compile(
    rf"(?:^|[.!?,\n][^\S\n]*|(?:שלום|היי|הי|אהלן|בוקר טוב|ערב טוב){E}[,!]?\s+)"
    rf"ו?אני\s+(?P<n>{HE_WORD})"
    rf"(?=\s*$|\s*[.,!?\-]|\s+(?:מ|ו|ו?אני|גר|גרה|יש|צריך|צריכה|רציתי|ורציתי|פונה)\S*)"
)
EN_SURNAME = r"(?:\s+(?P<s>[A-Z][a-z'’\-]+))?"
NAME_AR = re.compile(rf"(?<![{AR}])(?:اسمي|إسمي)\s+(?P<n>{AR_WORD})")
NAME_RU = re.compile(r"(?i:меня зовут|моё имя|мое имя)\s+(?P<n>[А-ЯЁа-яё][а-яё\-]+)"
                     r"(?:\s+(?P<s>[А-ЯЁ][а-яё\-]+))?")  # fmt: skip
NAME_EN = [
    re.compile(rf"\b(?i:my name is|my name's|name:)\s+(?P<n>[A-Za-z][a-z'’\-]+){EN_SURNAME}"),
    re.compile(rf"\b(?i:this is|i'?m|i am|it'?s)\s+(?P<n>[A-Z][a-z'’\-]+){EN_SURNAME}"),
]
# It ends "\s*(?:[.!]\s*)?$", not "\s*[.!]?\s*$": two stars around an optional stop try
# every split of trailing spaces (quadratic in the run).
SIGN_OFF = re.compile(
    rf"(?:תודה(?: רבה)?|בתודה|شكرا|شكراً|(?i:thanks|thank you|regards|cheers|best|спасибо))"
    rf"[,،!.\s]+(?P<n>{HE_WORD}|[A-Z][a-z'’\-]+|{AR_WORD}|[А-ЯЁ][а-яё\-]+)"
    rf"(?:\s+(?P<s>{HE_WORD}|[A-Z][a-z'’\-]+|[А-ЯЁ][а-яё\-]+))?\s*(?:[.!]\s*)?$"
)
NOT_NAMES = {
    "צריך", "צריכה", "צריכים", "רוצה", "רוצים", "מחפש", "מחפשת", "גר", "גרה", "לא", "פה", "כאן",
    "בבית", "בעבודה", "זקוק", "זקוקה", "מבקש", "מבקשת", "יכול", "יכולה", "חושב", "חושבת", "מקווה",
    "פונה", "כותב", "כותבת", "שואל", "שואלת", "מתקשר", "מתקשרת", "מנסה", "לבד", "עם", "בחוץ",
    "תקוע", "תקועה", "נמצא", "נמצאת", "עובד", "עובדת", "מאוד", "ממש", "כבר", "בדיוק", "אמא", "אבא",
    "שוכר", "שוכרת", "דייר", "דיירת", "מעוניין", "מעוניינת", "מזמין", "מזמינה", "רק", "גם",
    "עדיין", "חייב", "חייבת", "מרגיש", "מרגישה", "רואה", "שומע", "עכשיו", "בהריון", "חולה",
    "מבוגר", "מבוגרת", "נכה", "בעל", "בעלת", "הבעלים", "ננעלתי", "שוב", "אחרי", "לפני", "מצטער",
    "מצטערת", "סטודנט", "סטודנטית", "זה", "זאת", "יודע", "יודעת", "מראש", "רבה", "מכם", "לכם",
    "urgent", "not", "in", "from", "the", "a", "an", "very", "so", "having", "looking", "trying",
    "calling", "writing", "locked", "stuck", "home", "here", "back", "sorry", "your", "just",
    "still", "also", "out", "at", "on", "now", "again", "afraid", "worried", "interested",
    "available", "new", "renting", "living", "moving", "pregnant", "alone", "outside", "inside",
    "sure", "fine", "good", "great", "ok", "okay", "advance", "guys", "all", "team", "you",
    "tomorrow", "today", "urgently", "emergency", "asap",
    "كتير", "كثير", "جزيلا", "جزيلاً", "سلفا", "سلفاً", "مسبقا", "مسبقاً", "الك", "لك", "الكم",
    "لكم", "بستنى", "مستني", "مستنيه", "بانتظار", "ردك", "يعطيك", "العافيه", "العافية", "حبيبي",
    "اخي", "خيي", "جدا", "كمان", "هو", "هي", "ضروري", "مستعجل",
    *(day.lower() for day in WEEKDAYS_EN),
}  # fmt: skip


def find_address(text: str) -> str:
    if labelled := _labelled_address(text):
        return _clean(labelled)
    if m := ADDRESS_SAID.search(text):
        return _clean(m.group("a"))
    if m := ADDRESS_HE.search(text):
        return _clean(m.group("a"))
    for pattern in (ADDRESS_AR, ADDRESS_RU):
        if m := pattern.search(text):
            return _clean(m.group("a"))
    for pattern in ADDRESS_EN:
        for m in pattern.finditer(text):
            words = m.group("n").split()
            lead = 0
            while lead < len(words) and words[lead].lower() in EN_LEAD_WORDS:
                lead += 1
            if lead < len(words):
                start = m.start("n") + m.group("n").index(words[lead]) if lead else m.start("a")
                return _clean(text[start : m.end("a")] if lead else m.group("a"))
    for m in ADDRESS_HE_BARE.finditer(text):
        words = [w for w in (m.group("w"), m.group("w2")) if w]
        if len(words[0]) < 2 or any(w in NOT_STREETS for w in words):
            continue
        if not find_city(" ".join(words)):
            return _clean(m.group("a"))
    return _address_part(text)


def _address_part(text: str) -> str:
    for part in PART.finditer(text):
        if len(part.group()) > SHORT_PART:
            continue  # a street and a number is a few words, not a paragraph
        for candidate in _without_city(part.group()):
            if address := _street_and_number(candidate):
                return address
    return ""


def _without_city(part: str):
    """The part, then the part without a city name before or after it ("חיפה הרצל 10")."""
    yield part
    words = part.split()
    for k in (1, 2):
        if len(words) > k + 1 and find_city(" ".join(words[:k])):
            yield " ".join(words[k:])
        if len(words) > k + 1 and find_city(" ".join(words[-k:])):
            yield " ".join(words[:-k])


def _street_and_number(part: str) -> str:
    m = ADDRESS_PART.fullmatch(part)
    if m is None:
        return _street_and_number_ar_ru(part)
    words = [w for w in (m.group("w"), m.group("w2")) if w]
    if len(words[0]) < 2 or any(w in NOT_STREETS or w in NOT_STREET_WORDS for w in words):
        return ""
    return "" if find_city(" ".join(words)) else _clean(m.group("a"))


def _street_and_number_ar_ru(part: str) -> str:
    m = ADDRESS_PART_AR_RU.fullmatch(part)
    if m is None:
        return ""
    words = [w for w in (m.group("w"), m.group("w2")) if w]
    if len(words[0]) < 3 or any(w.lower() in NOT_STREET_WORDS_AR_RU for w in words):
        return ""
    return "" if find_city(" ".join(words)) else _clean(m.group("a"))


def _labelled_address(text: str) -> str:
    """What follows the first label with a digit after it in the same sentence or line. A
    label without one marks the rest of its sentence as read, so that repeated labels
    ("address: address: …") do not each read it again."""
    read_until = -1
    for label in ADDRESS_LABEL.finditer(text):
        if label.end() < read_until:
            continue  # no digit from here to the end of the sentence
        if address := LABELLED.match(text, label.end()):
            return address.group()
        read_until = SENTENCE_OR_LINE_END.search(text, label.end()).start()
    return ""


def find_name(text: str) -> str:
    for pattern in (NAME_HE, *NAME_EN, NAME_AR, NAME_RU, SIGN_OFF):
        for m in pattern.finditer(text):
            first, last = m.group("n"), m.groupdict().get("s")
            if first.lower() in NOT_NAMES or find_city(first):
                continue
            if last and (last.lower() in NOT_NAMES or last.startswith("ו") or find_city(last)):
                last = None
            name = f"{first} {last}" if last else first
            return name[0].upper() + name[1:]
    for m in NAME_HE_ANI.finditer(text):
        if m.group("n") not in NOT_NAMES and not find_city(m.group("n")):
            return m.group("n")
    return ""


GREETING = re.compile(
    rf"^(?:\s*(?:שלום(?: רב)?|היי|הי|הלו|אהלן|בוקר טוב|ערב טוב|צהריים טובים|ערב טוב לכולם)"
    rf"{E}[\s,!.:\-–]*|\s*(?i:hi|hello|hey|good (?:morning|afternoon|evening)|dear \w+)"
    r"(?i:\s+(?:there|all|guys|team))?\b[\s,!.:\-–]*"
    r"|\s*(?:السلام عليكم|مرحبا|مرحباً|مرحبتين|اهلا|أهلا|هاي|صباح الخير|مسا الخير|مساء الخير"
    r"|(?i:здравствуйте|здрасте|привет|добрый день|доброе утро|добрый вечер|шалом))"
    r"(?![\w])[\s,،!.:\-–]*)+"
)
FILLER = re.compile(
    r"^(?i:(?:i )?hope (?:you(?:'re| are) (?:well|good)|this is the right (?:place|number))|"
    r"how are you|so|ok so)[\s,!.?]*$|^(?:מקווה ש?אני פונה למקום הנכון|מה שלומכם|מה נשמע|אז ככה)"
    r"[\s,!.?]*$"
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
SUMMARY_MAX = 120


LEAD_FILLER = re.compile(r"^(?:אז ככה|אז|(?i:so|ok so|well|basically))[,:]?\s+")
SHORT_SENTENCE = 30


def summarise(text: str) -> str:
    """The first sentence that says something, without greetings; a very short one
    ("הצפה בדירה!") takes the next sentences along while they fit."""
    sentences = []
    for sentence in SENTENCE_END.split(GREETING.sub("", text.strip())):
        sentence = LEAD_FILLER.sub("", re.sub(r"([!?.])\1+", r"\1", " ".join(sentence.split())))
        if len(re.findall(r"\w", sentence)) >= 3 and not FILLER.match(sentence):
            sentences.append(sentence)
    if not sentences:
        return _shorten(" ".join(text.split()))
    summary = sentences[0]
    for sentence in sentences[1:]:
        if len(summary) >= SHORT_SENTENCE or len(summary) + 1 + len(sentence) > SUMMARY_MAX:
            break
        summary = f"{summary} {sentence}"
    return _shorten(summary)


def _shorten(sentence: str) -> str:
    if len(sentence) <= SUMMARY_MAX:
        return sentence
    cut = sentence[: SUMMARY_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-– ") + "…"


def _clean(address: str) -> str:
    return " ".join(address.split()).strip(" ,-–")
