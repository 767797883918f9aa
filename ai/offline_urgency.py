"""Whether a message is urgent, and why (a key of ai.types.URGENCY_REASONS).

The named dangers come first, most dangerous first: a gas smell, then sparks or smoke, a
flood, someone locked out, no power in the whole home. A plain "urgent" / "דחוף" / "ASAP"
is urgent with the reason "other"; "לא דחוף" / "not urgent" / "no rush" is not.
Power missing in part of the home ("חצי בית", "only in the kitchen") is not no_power.

Arabic and Russian say the same things in their own words (ريحة غاز, запах газа; شرارات,
искрит; الدار غرقانة, затопило; الولد جوا والباب مسكّر, ребёнок внутри; ما في كهربا, нет
света; مستعجل, срочно; مش مستعجل, не срочно), written as ai.offline_issue.fold leaves them
and read only in a message that has letters of their script.
"""

import re

from ai.offline_issue import fold, rx, rx_cut, scripts

REASON_PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "gas_smell",
        rx(
            r"@(ריח גז|ריח של גז|ריח חזק של גז|דליפת גז|נזילת גז)"
            r"|@(מריח|מריחה|מריחים)~(\s+\S+){0,2}\s+גז#"
            r"|\bsmell\w* (of |like )?gas|\bgas (smell|leak)"
        ),
    ),
    (
        "sparks",
        rx(
            r"@(ניצוץ|ניצוצות|עשן|מעשן|ריח של שרוף|ריח שרוף|ריח של שריפה|פלסטיק שרוף|נשרף השקע)"
            r"|@(תקע|שקע|כבל|חוט)~(\s+\S+){0,3}\s+נמס"
            r"|@נמס~\s+(\S+\s+){0,2}ב?(שקע|תקע|כבל)"
            r"|@ריח~(\s+\S+){0,3}\s+ה?(מה|ב|מ)?(לוח|שקע|תקע)"
            r"|@(לוח|שקע|תקע)~(\s+\S+){0,4}\s+ו?ריח"
            r"|\b(spark\w*|smoke|smoking|burning smell|smells? (like )?burn\w*|smells hot)\b"
            r"|\bsmell\w*(\s+\S+){0,3}\s+(from|in|at) (the )?(panel|outlet|socket|fuse box)"
            r"|\b(panel|outlet|socket)~(\s+\S+){0,2}\s+smells?\b"
            # "fuse box" has a space, so it cannot open a run of joined words: plain \S*.
            r"|\bfuse box\S*(\s+\S+){0,2}\s+smells?\b"
            r"|\b(plug|outlet|socket|wire|cable)s?\b(\s+\S+){0,3}\s+melt\w*"
            r"|\bmelt\w*\s+(\S+\s+){0,2}(plug|outlet|socket|wire|cable)"
            r"|\b(burnt|burning) (smell|plastic)|\bhot to the touch"
        ),
    ),
    (
        "flooding",
        rx(
            r"@(הצפה|הוצף|הוצפה|מוצף|מוצפת|שיטפון|פיצוץ צינור|פיצוץ בצינור)"
            r"|@(צינור התפוצץ|התפוצץ צינור)"
            r"|צינור~(\s+\S+){0,3}\s+התפוצץ|@(מים בכל ה|מים בכל מקום)"
            r"|@(עולה על גדותיו|עולים על גדותיהם|גולש|גולשים)"
            r"|\b(flood\w*|overflow\w*|burst pipe|pipe (has )?burst)"
            r"|\b(water everywhere|water all over)"
            r"|\bpipe\b(\s+\S+){0,4}\s+burst"
        ),
    ),
    (
        "locked_out",
        rx(
            r"@(ננעלתי בחוץ|ננעלנו בחוץ|ננעלתי מחוץ|ננעלנו מחוץ|נשארתי בחוץ)"
            r"|@(נטרקה לי הדלת|נטרקה הדלת)"
            r"|מפתח~\s+(נשאר\S*\s+)?בפנים"
            r"|@(תינוק|תינוקת|ילד|ילדה|פעוט)~\s+(נשאר\S*\s+)?(נעול\S*\s+)?בפנים"
            r"|(לא מצליח|לא מצליחה|לא יכול|לא יכולה|לא מצליחים)\s+(לפתוח|להיכנס)"
            r"|@(פריצת דלת|לפרוץ|איבדתי את המפתחות|איבדתי מפתחות)"
            r"|@(תקוע|תקועה|תקועים|נשארנו) בחוץ"
            r"|\blocked (myself |ourselves |us |me )?out|\bkeys? (are |is )?(locked )?inside"
            r"|\b(stuck|locked) outside\b|\bdoor slammed\b"
            r"|\b(baby|child|kid|toddler)\b(\s+\S+){0,2}\s+inside|\bcan'?t get in\b"
            r"|\blost (my |our |the )?keys\b"
        ),
    ),
    (
        "no_power",
        rx(
            r"@(אין חשמל|אין לנו חשמל|אין לי חשמל|בלי חשמל|ללא חשמל|הפסקת חשמל)"
            r"|@(הבית בחושך|הדירה בחושך)"
            r"|\b(no power|power (is )?out|power outage|no electricity|lost power|blackout)\b"
        ),
    ),
]
# The same reasons in Arabic and Russian, in the same order.
_CHILD_AR = r"(الولد|ولد|الطفل|طفل|الطفله|البيبي|بيبي|الرضيع|ابني|بنتي|الصغير|الصغيره|ابنى)"
_INSIDE_AR = r"(جوا|جوه|جواه|بالداخل|في الداخل|محبوس|محبوسه|مسكر عليه|مسكر عليها|لحاله جوا)"
REASON_PATTERNS_AR_RU: dict[str, list[tuple[str, re.Pattern]]] = {
    "ar": [
        (
            "gas_smell",
            rx(
                r"&(ريح|رايح)[هت]? (قويه )?(لل|ال|ل)?غاز#"
                r"|&(تسريب|تسرب|بتسرب|بيسرب|بسرب) (في |بال|ال|لل)?غاز#"
                r"|&(شامم|شاممه|شامين|بشم|نشم)~(\s+\S+){0,2}\s+(ال)?غاز#"
            ),
        ),
        (
            "sparks",
            rx(
                r"&(شراره|شرارات|شرار|بيطق شرار|دخان|بيدخن|بتدخن|طالع دخان|ريحه حريق|ريحه احتراق)"
                r"|&(ريحه شي محروق|ريحه محروق|ريحه بلاستيك محروق|ريحه شياط|ريحه حرق)"
                r"|&(ولعت|ولع|اشتعلت|اشتعل|حريق)#"
                r"|&(بريزه|فيشه|كابل|شريط|سلك)~(\s+\S+){0,3}\s+(ذاب|ذابت|ساح|ساحت|احترق|احترقت)#"
                r"|&(ذابت|ذاب|ساحت|ساح|احترقت|احترق)~\s+(\S+\s+){0,2}(ال)?(بريزه|فيشه|كابل|شريط)"
            ),
        ),
        (
            "flooding",
            rx(
                r"&(فيضان|فيضانات|طوفان|غرقان|غرقانه|غرقت|غرق البيت|غرقنا|بتطوف|طافت|طايفه)"
                r"|&(تطوف|بيطوف|طايف|عم تطوف|عم يطوف)#"
                r"|&(انفجار ماسوره|انفجار بالماسوره|ماسوره انفجرت|انفجرت الماسوره|ماسوره فاقعه)"
                r"|&(فقعت الماسوره|الماسوره فقعت|قسطل فاقع|فقع القسطل|انفجر القسطل)"
                r"|&(مي|ميه|المي|الميه|المياه)\s+(بكل|في كل|على كل)\s+(ال)?"
                r"(مكان|البيت|الدار|المطبخ|الصالون|الحمام|الغرفه|الارض)#"
            ),
        ),
        (
            "locked_out",
            rx(
                r"&(انقفل علي|انقفل الباب|انسكر الباب|انسكر علي|سكر الباب علي|انقفلت برا|علقت برا)"
                r"|&(علقت بره|علقنا برا|علقنا بره|ظليت برا|ظلينا برا|بقيت برا|انا برا البيت)"
                r"|&(المفتاح|المفاتيح|مفتاحي|مفاتيحي)~\s+(ضل\S*\s+|ظل\S*\s+|نسيت\S*\s+)?"
                r"(جوا|جوه|بالداخل|في الداخل)"
                r"|&(ضيعت|ضاعت|ضاع|ضيعنا|فقدت|نسيت) (ال)?(مفاتيح|مفتاح)"
                r"|&(الباب|الكالون|القفل)~(\s+\S+){0,2}\s+و?"
                r"(ما عم يفتح|مش عم يفتح|ما بيفتح|مش راضي يفتح)"
                r"|&(ما بقدر|مش قادر|مش قادره|ما بقدرش|ما منقدر|مش قادرين|مش عارف|مش عارفه) "
                r"(افوت|ادخل|افتح|نفوت|ندخل|نفتح)"
                rf"|&{_CHILD_AR}~(\s+\S+){{0,2}}\s+(ال)?{_INSIDE_AR}#"
            ),
        ),
        (
            "no_power",
            rx(
                r"&(ما في كهربا|مافي كهربا|ما فيش كهربا|مفيش كهربا|لا يوجد كهربا|لا توجد كهربا)"
                r"|&(انقطعت الكهربا|انقطاع الكهربا|الكهربا مقطوعه|قطعت الكهربا|راحت الكهربا)"
                r"|&(بدون كهربا|بلا كهربا|البيت عتمه|الدار عتمه|عتمه بالبيت|قاعدين بالعتمه)"
            ),
        ),
    ],
    "ru": [
        (
            "gas_smell",
            rx(
                r"\b(запах\w* газ\w*|пахнет газ\w*|газом пахнет|воня\w* газ\w*|утечк\w* газ\w*)"
                r"|\b(газ\w* утека\w*|чувству\w* газ\w*)"
            ),
        ),
        (
            "sparks",
            rx(
                r"\b(искр(?!ен)\w*|дым\w*|гар(ь|и|ью)\b|горел\w*|пахнет пален\w*|запах пален\w*)"
                r"|\b(оплавил\w*|расплавил\w*|плавит\w*|задымлен\w*)"
                r"|\b(розетк\w*|выключател\w*|щит\w*)(\s+\S+){0,3}\s+(горяч\w*|трещит)"
            ),
        ),
        (
            "flooding",
            rx(
                r"\b(потоп\w*|затопил\w*|затопля\w*|заливает|залил[оаи]?\b|прорвал\w*|прорыв\w*)"
                r"|\b(лопнул\w* труб\w*|труб\w* лопнул\w*|вод(а|ой) (везде|повсюду|по всей))"
                r"|\b(все в воде|по щиколотку|вод\w* по всему|вод\w* по всей)"
                r"|\b((льется|льет\w*|течет|хлещет) на пол)"
            ),
        ),
        (
            "locked_out",
            rx(
                r"\b(захлопнул\w*|не (могу|можем|может) (попасть|войти|зайти)|заперл\w*)"
                r"|\b(не (могу|можем) открыть двер\w*|ключ\w* (остал\w* )?внутри)"
                r"|\b(оставил\w* ключ\w*|забыл\w* ключ\w* (дома|внутри)|потерял\w* ключ\w*)"
                r"|\b(ключ\w* потерял\w*|остал\w* на улице|стою на улице|стоим на улице)"
                r"|\b(ребен\w*|малыш\w*|младен\w*|сын\w*|доч\w*|ребят\w*)(\s+\S+){0,2}\s+"
                r"(внутри|заперт\w*|закрыт\w*|один дома|одна дома)"
            ),
        ),
        (
            "no_power",
            rx(
                r"\b(нет света|нет электричества|пропал\w* свет|свет пропал|пропал\w* электричеств)"
                r"|\b(отключил\w* свет|вырубил\w* свет|свет вырубил\w*|без света|без электричества)"
                r"|\b(погас\w* свет|свет погас\w*|сидим в темноте|весь дом без)"
            ),
        ),
    ],
}
PARTIAL_POWER = rx(
    r"@(חצי|בחלק|חלק מה)|(אין חשמל|בלי חשמל)\s+(רק\s+)?(ב|ל)(חדר|מטבח|סלון|מרפסת|שקע|מזגן)"
    r"|\b(half|part of|some of)\b|\b(no power|no electricity) (only )?(in|to) (the |one |a )?"
    r"(kitchen|room|bedroom|bathroom|outlet|socket|balcony)"
    r"|&(نص البيت|نص الدار|جزء من البيت|بس بالمطبخ|بس بغرفه|بس بالصالون|بس بالحمام|بغرفه وحده)"
    r"|\b(половин\w*|в части|част\w* (дома|квартиры)|в одной комнате|одн\w* розетк\w*)"
    r"|\bтолько (в|на) (кухн\w*|комнат\w*|спальн\w*|ванн\w*|балкон\w*|зал\w*)"
)
URGENT_WORDS = rx(
    r"@(דחוף|דחופה|בדחיפות|חירום|כמה שיותר מהר|מהר בבקשה|בהקדם האפשרי|מיידי)#"
    r"|\b(urgent\w*|asap|a\.s\.a\.p|emergency|right now|immediately|hurry)\b"
    r"|&(مستعجل|مستعجله|مستعجلين|ضروري|ضروريه|عاجل|طارئ|طاري|طوارئ|طواري|بسرعه|فورا|حالا)#"
    r"|&(باسرع وقت|اسرع وقت|عالسريع|ع السريع|دخيلك|الحقوني|الحقني)"
    r"|\b(срочн\w*|экстренн\w*|аварийн\w*|авари(я|ю|и)\b|немедленно|как можно (скорее|быстрее))"
    r"|\b(побыстрее|поскорее|прямо сейчас|помогите срочно|спасите)\b"
)
NOT_URGENT = rx_cut(
    r"@(לא דחוף|לא דחופה|לא בוער|אין לחץ|לא חירום)#"
    r"|\b(not (urgent|an emergency)|isn'?t urgent|no rush|no hurry|not in a hurry)\b"
    r"|&(مش مستعجل|مش مستعجله|مش مستعجلين|مش ضروري|غير مستعجل|مش عاجل|مش طارئ|لا داعي للاستعجال)"
    r"|&(ما في استعجال|مافي استعجال|بدون استعجال|على مهلك|ع مهلك|عمهلك|مش شي طارئ)#"
    r"|\b(не срочн\w*|несрочн\w*|не горит|не к спеху|без спешки|не спеш\w*|не тороп\w*)"
    r"|\b(не экстренн\w*|не авари\w*)"
)


def urgency(text: str) -> tuple[bool, str]:
    """(urgent, reason); reason is "" when not urgent. The most dangerous reason named in
    any of the message's languages wins."""
    folded = fold(text)
    patterns = _patterns(scripts(folded))
    for reason, pattern in patterns:
        if pattern.search(folded) and not (reason == "no_power" and PARTIAL_POWER.search(folded)):
            return True, reason
    if URGENT_WORDS.search(NOT_URGENT.cut(folded)):
        return True, "other"
    return False, ""


def _patterns(present: tuple[str, ...]) -> list[tuple[str, re.Pattern]]:
    """The reason patterns of the scripts present, most dangerous reason first."""
    if present == ("he_en",):
        return REASON_PATTERNS
    extra = [pair for script in present[1:] for pair in REASON_PATTERNS_AR_RU[script]]
    order = [reason for reason, _ in REASON_PATTERNS]
    return sorted([*REASON_PATTERNS, *extra], key=lambda pair: order.index(pair[0]))
