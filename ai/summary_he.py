"""The pro's one-line Hebrew summary of a customer's request, whatever language it came in.

    hebrew_summary(reading, text, today) -> "אינסטלציה · נזילה · חיפה · דחוף · מחר 17:00"

Built from the reading (the trade's Hebrew name, the city's Hebrew name, urgent and why,
the day and time asked for) and from the customer's words: the problem named in them
(נזילה, סתימה, מזגן לא מקרר, ...), found by the same kind of rules as the trade, in
Hebrew, English, Arabic and Russian. Pros read Hebrew; the customer's own words stay in
the reading's `summary`, and in the conversation.
"""

import datetime as dt

from django.utils import translation

from ai.offline_issue import fold, rx
from fixi.vocabulary import IssueType

SEPARATOR = " · "
URGENT = "דחוף"
REASONS_HE = {
    "gas_smell": "ריח גז",
    "sparks": "ניצוצות או עשן",
    "flooding": "הצפה",
    "locked_out": "נעילה בחוץ",
    "no_power": "אין חשמל",
}
# Problems the urgency already names: a gas leak is not a water leak ("تسريب غاز").
_NAMED_BY_REASON = {"gas_smell": ("נזילה",)}
PARTS_HE = {"morning": "בבוקר", "afternoon": "אחה״צ", "evening": "בערב"}
WEEKDAYS_HE = ["שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת", "ראשון"]

# The Hebrew name of each problem, and its words in Hebrew, English, Arabic and Russian: the
# first problem found is named. Two-part problems ("the AC does not cool") come first.
PROBLEMS = {
    "מזגן לא מקרר": (
        r"@(מזגן|מזגנים)~(\s+\S+){0,2}\s+(לא מקרר|לא קר|לא עובד)",
        r"\b(a/?c|air ?con\w*)\b(\s+\S+){0,3}\s+(not|isn'?t|doesn'?t|won'?t) (cool|work)\w*",
        r"&(مكيف|مزغان|مزجان|تكييف)~(\s+\S+){0,2}\s+(ما|مش|مش عم|ما عم) ?(بيبرد|يبرد|بيشتغل)",
        r"\b(кондиц\w*|конде[йяюе]\w*|кондер\w*|мазган\w*)(\s+\S+){0,2}\s+не (холод|охлажд)\w*",
    ),
    "אין מים חמים": (
        r"@(אין מים חמים|בלי מים חמים)",
        r"\bno hot water\b",
        r"&(ما في مي سخنه|مافي مي سخنه|ما في ميه سخنه|ما في مياه ساخنه|ما بيسخن|مش عم يسخن)",
        r"\b(нет горячей воды|не гре\w*|не нагрева\w*)",
    ),
    "סתימה": (
        r"@(סתימה|סתום|סתומה|נסתם|נסתמה)",
        r"\b(clog+ed|clogs?|blocked|blockage)\b",
        r"&(انسداد|مسدود|انسد|سداد)",
        r"\b(засор\w*|забил(ся|ась|ось|ись)|забит[аоы]?\b)",
    ),
    "נזילה": (
        r"@(נזילה|נזילות|דולף|דולפת|דליפה|מטפטף|מטפטפת|טפטוף)",
        r"\b(leak\w*|drip\w*)",
        r"&(تسريب|تسرب|بتسرب|بيسرب|بسرب|تنقيط|بتنقط|بنقط|بينقط|بيدلف|بتدلف)",
        r"\b(теч(ь|ет|ут)\b|протека\w*|протечк\w*|подтека\w*|потекл\w*|капа\w*)",
    ),
    "קפיצת חשמל": (
        r"@(קפץ|קופץ|קפצה|מקפיץ|מקפיצה|הפחת|פחת)",
        r"\btrip(s|ped|ping)?\b",
        r"&(بيفصل|بتفصل|بيطير الفيوز|طار الفيوز|نزل الفيوز)|&(الفيوز|القاطع)~\s+(بيطير|طار|بيفصل)#",
        r"\b(выбива\w*|выбил[оа]?\b|вышиба\w*|срабатыва\w*|сработал\w*)",
    ),
    "שקע": (
        r"@(שקע|שקעים|תקע)#",
        r"\b(outlets?|sockets?|plugs?)\b",
        r"&(بريزه|بريزات|برايز|مقبس|فيشه)",
        r"\bрозетк\w*",
    ),
    "תאורה": (
        r"@(מנורה|מנורות|תאורה|נורה|נורות|ספוטים)",
        r"\b(lights?|lamps?|light fixtures?)\b",
        r"&(ضو|ضوء|اضاءه|اناره|لمبه|لمبات)#",
        r"\b(лампоч\w*|люстр\w*|светильник\w*)",
    ),
    "מקרר": (
        r"@(מקרר|מקפיא)#",
        r"\b(fridge|refrigerator|freezer)s?\b",
        r"&(ثلاجه|تلاجه|فريزر)|&براد#",
        r"\b(холодильник\w*|морозил\w*)",
    ),
    "מכונת כביסה": (
        r"@(מכונת כביסה|מכונת הכביסה)",
        r"\b(washing machine|washer)\b",
        r"&غساله(?! صحون)",
        r"\b(стиральн\w*|стиралк\w*)",
    ),
    "מדיח כלים": (r"@(מדיח)", r"\bdishwasher", r"&(جلايه|غساله صحون)", r"\bпосудомо\w*"),
    "תנור": (
        r"@(תנור|כיריים)#",
        r"\b(oven|stove|cooktop)s?\b",
        r"&(فرن|طباخ)#",
        r"\b(духовк\w*|плит[аыуе]\b)",
    ),
    "מנעול": (
        r"@(מנעול|מנעולים|צילינדר|בריח)",
        r"\b(locks?|cylinder|deadbolt)\b",
        r"&(قفل|كالون|سلندر|سيلندر)#",
        r"\b(замок|замка|замки|цилиндр\w*|личинк\w*)",
    ),
    "עובש": (
        r"@(עובש|טחב)",
        r"\bmou?ld\w*",
        r"&(عفن|عفونه|فطريات)",
        r"\b(плесен\w*|плесн\w*|грибок|грибк\w*)",
    ),
    "רטיבות": (
        r"@(רטיבות|רטוב|רטובה)#",
        r"\b(damp\w*|moisture)\b",
        r"&(رطوبه|نشع|بنش|بينش)#",
        r"\bсырост\w*",
    ),
    "גג": (
        r"@(גג|גגות|רעפים)#",
        r"\b(roofs?|roofing)\b",
        r"&(سطح|سطوح|قرميد)#",
        r"\b(крыш\w*|кровл\w*)",
    ),
    "תליית טלוויזיה": (
        r"@(טלוויזיה)",
        r"\b(tv|television)\b",
        r"&(تلفزيون|تلفاز|شاشه)#",
        r"\bтелевизор\w*",
    ),
    "מדפים": (
        r"@(מדף|מדפים)",
        r"\bshel(f|ves)\b",
        r"&(رف|رفوف)#",
        r"\b(полк[аиуеой]?\b|полочк\w*)",
    ),
    "הרכבת רהיטים": (
        r"@(להרכיב|הרכבת|הרכבה|איקאה|רהיט)",
        r"\b(assembl\w*|ikea|furniture)\b",
        r"&(تجميع|ايكيا|اثاث)",
        r"\b(сборк\w* мебел\w*|собрать (мебель|шкаф)|икеа)",
    ),
    "ברז": (
        r"@(ברז|ברזים)#",
        r"\b(faucets?|taps?)\b",
        r"&(حنفي|خلاط)",
        r"\b(кран|крана|краны|смесител\w*)\b",
    ),
    "אסלה": (
        r"@(אסלה|אסלת|ניאגרה)",
        r"\b(toil+et|cistern)",
        r"&(مرحاض|تواليت|سيفون|نياجرا|نياغرا)",
        r"\b(унитаз\w*|бачок|бачк\w*)",
    ),
    "ביוב": (r"@(ביוב|ביובית)", r"\b(sewage|sewer)", r"&(مجاري|صرف صحي|بالوع)", r"\bканализац\w*"),
    "דוד": (
        r"@(דוד|דוד שמש|בוילר)#",
        r"\b(water heater|boiler)",
        r"&(سخان|بويلر|دود شمسي)",
        r"\b(бойлер\w*|водонагревател\w*|дуд(а|е|у|ом)?\b)",
    ),
}
PROBLEM_RX = [(label, rx("|".join(words))) for label, words in PROBLEMS.items()]


def hebrew_summary(reading, text: str, today: dt.date) -> str:
    """The pro's line for a reading (an ai.types.Dispatch) of `text`, read on `today`."""
    from ai.gazetteer import by_slug  # the gazetteer's data loads once, when first needed

    city = by_slug(reading.city) if reading.city else None
    parts = [
        _trade(reading.issue_type),
        problem_of(text, exclude=_NAMED_BY_REASON.get(reading.urgency_reason, ())),
        city.name_he if city else "",
        _urgency(reading.urgent, reading.urgency_reason),
        _when(reading, today),
    ]
    return SEPARATOR.join(part for part in parts if part)


def problem_of(text: str, exclude: tuple[str, ...] = ()) -> str:
    """The Hebrew name of the first problem named in the text (but those in `exclude`), or
    ""."""
    folded = fold(text or "")
    for label, pattern in PROBLEM_RX:
        if label not in exclude and pattern.search(folded):
            return label
    return ""


def _trade(issue_type: str) -> str:
    if issue_type not in IssueType.values or issue_type == IssueType.OTHER:
        return ""
    with translation.override("he"):
        return str(IssueType(issue_type).label)


def _urgency(urgent: bool, reason: str) -> str:
    if not urgent:
        return ""
    return f"{URGENT}: {REASONS_HE[reason]}" if reason in REASONS_HE else URGENT


def _when(reading, today: dt.date) -> str:
    day = reading.requested_date
    if day is None:
        return ""
    offset = (day - today).days
    named = {0: "היום", 1: "מחר", 2: "מחרתיים"}.get(offset)
    words = [named or f"יום {WEEKDAYS_HE[day.weekday()]} {day.day}/{day.month}"]
    if reading.requested_time:
        words.append(reading.requested_time.strftime("%H:%M"))
    elif reading.time_of_day in PARTS_HE:
        words.append(PARTS_HE[reading.time_of_day])
    return " ".join(words)
