"""When the customer wants the visit, read from Arabic and Russian: the words and the rules
that ai.offline_when's reader adds to its Hebrew and English ones.

The reader folds the text first (ai.offline_issue.fold_letters: Arabic letters in one form,
no vowel marks, Arabic-Indic digits as 0-9, Cyrillic in lower case with е for ё; the
Arabic comma, semicolon and question mark as ",", ";", "?"), so the words here are folded
too ("الساعه" is الساعة, "بكرا" is also written بكرة/بكره).

What is read
- Arabic: اليوم, بكرا/بكرة/غدًا, بعد بكرا, weekdays with their article or after يوم ("يوم
  التنين", "الخميس الجاي", "الأحد القادم"), الأسبوع الجاي; months in both calendars
  ("٨ ديسمبر", "١٧ كانون الأول", "٢٠ تموز"); الساعة ٥, الساعة خمسة ونص, ٣ إلا ربع, بين ١٠
  و١٢, بعد الساعة ٤, ع ٥; الصبح/صباحًا (morning), الظهر/بعد الظهر/العصر (afternoon),
  قبل الظهر (morning), المسا/مساءً/بالليل (evening), الليلة and هالمسا (this evening);
  بعد يومين, بعد ٣ أيام, بعد أسبوع, بعد ساعة; هلأ/هلق/هسا/حالًا/فورًا/بأسرع وقت (now).
- Russian: сегодня, завтра, послезавтра, weekdays in every case ("во вторник", "в
  следующую пятницу", "до пятницы"), на следующей неделе; "8 декабря"; в 5, в 17:00, к
  пяти, около 4, после 4, с 10 до 12, в пять вечера, в 3 часа дня, в половине
  одиннадцатого, полпятого, без четверти три, четверть пятого; утром/с утра/до обеда
  (morning), днём/после обеда/в обед (afternoon), вечером/ночью (evening); через неделю,
  через два дня, через 3 дня, через час, через полчаса; сейчас, немедленно, как можно
  скорее (now).

What tells the story, not the request (as in Hebrew and English): yesterday (امبارح,
вчера), "since" (من امبارح, من يوم الجمعة, من يومين, من الصبح; с пятницы, со вчера, but
not "с утра" or "с 10"), a weekday gone (الخميس الماضي/اللي فات, в прошлую пятницу), past
verbs (صار له, خرب, حجزت; сломался, начало, записывался), a day just before or right after
a refusal (مش فاضي بكرا, بكرا ما بقدر; не завтра, завтра не могу).
"""

import datetime as dt

from ai.offline_days import Clock, Day

# --- words (folded), by family: as ai.offline_when.HE_WORDS ------------------------------

WEEKDAYS_AR = {
    "الاحد": 6, "الاثنين": 0, "الاتنين": 0, "التنين": 0, "الثنين": 0, "الثلاثاء": 1,
    "الثلاثا": 1, "التلاتا": 1, "التلاتاء": 1, "الاربعاء": 2, "الاربعا": 2, "الخميس": 3,
    "الجمعه": 4, "السبت": 5,
}  # fmt: skip
# Without the article only after يوم: bare احد is "someone", اثنين "two", جمعه "a week".
BARE_WEEKDAYS_AR = {
    "احد": 6, "اثنين": 0, "اتنين": 0, "تنين": 0, "ثلاثاء": 1, "ثلاثا": 1, "تلاتا": 1,
    "اربعاء": 2, "اربعا": 2, "خميس": 3, "جمعه": 4, "سبت": 5,
}  # fmt: skip
MONTHS_AR = {
    "يناير": 1, "فبراير": 2, "شباط": 2, "مارس": 3, "اذار": 3, "ابريل": 4, "نيسان": 4,
    "مايو": 5, "ايار": 5, "يونيو": 6, "يونيه": 6, "حزيران": 6, "يوليو": 7, "يوليه": 7,
    "تموز": 7, "اغسطس": 8, "اب": 8, "سبتمبر": 9, "ايلول": 9, "اكتوبر": 10, "نوفمبر": 11,
    "ديسمبر": 12,
}  # fmt: skip
_FIRST, _SECOND = ("الاول", "اول"), ("الثاني", "ثاني", "التاني", "تاني")
# The two-word months: كانون الثاني (January), تشرين الأول (October), ...
TWO_WORD_MONTHS = {
    "كانون": {**dict.fromkeys(_SECOND, 1), **dict.fromkeys(_FIRST, 12)},
    "تشرين": {**dict.fromkeys(_FIRST, 10), **dict.fromkeys(_SECOND, 11)},
}
HOUR_WORDS_AR = {
    "وحده": 1, "واحده": 1, "ثنتين": 2, "تنتين": 2, "اثنتين": 2, "اتنين": 2, "ثلاثه": 3,
    "تلاته": 3, "ثلاث": 3, "تلات": 3, "اربعه": 4, "اربع": 4, "خمسه": 5, "خمس": 5, "سته": 6,
    "ست": 6, "سبعه": 7, "سبع": 7, "ثمانيه": 8, "تمانيه": 8, "ثمان": 8, "تمن": 8, "تسعه": 9,
    "تسع": 9, "عشره": 10, "عشر": 10, "حدعش": 11, "احدعش": 11, "اطنعش": 12, "اتناعش": 12,
    "ثنعش": 12, "طنعش": 12,
}  # fmt: skip
AR_WORDS = {
    "اليوم": ("day", 0), "بكرا": ("day", 1), "بكره": ("day", 1), "بكري": ("day", 1),
    "غدا": ("day", 1), "غدوه": ("day", 1), "امبارح": ("ago", -1), "مبارح": ("ago", -1),
    "امس": ("ago", -1), "البارحه": ("ago", -1), "يوم": ("yom", 0),
    **{name: ("weekday", n) for name, n in WEEKDAYS_AR.items()},
    **{name: ("month", n) for name, n in MONTHS_AR.items()},
    **{name: ("hourword", n) for name, n in HOUR_WORDS_AR.items()},
    **dict.fromkeys(
        ["الصبح", "الصباح", "صباحا", "صباح", "الصبحيه", "صبحيه", "صبحا"], ("part", "morning")
    ),
    **dict.fromkeys(
        ["الظهر", "الضهر", "ضهر", "ظهرا", "الظهريه", "ظهريه", "العصر", "عصرا", "العصريه"],
        ("part", "afternoon"),
    ),
    **dict.fromkeys(
        ["المسا", "مسا", "المساء", "مساء", "عشيه", "العشيه", "الليل", "ليلا"], ("part", "evening")
    ),
    "الليله": ("tonight", 0), "الساعه": ("hour", 0),
    **dict.fromkeys(["بين", "حوالي", "على", "ع", "قرابه"], ("at", 0)),
    "بعد": ("after", 0), "قبل": ("before", 0), "من": ("since", 0),
    **dict.fromkeys(
        ["هلا", "هلق", "هلقيت", "هسا", "هسه", "هسع", "الحين", "الان", "حالا", "فورا"], ("now", 0)
    ),
    "اسرع": ("soonest", 0), "اقرب": ("soonest", 0),
}  # fmt: skip
# Letters a word opens with before the word itself: و ف (and), ب (in, at), ل (for), ع (on,
# at: "عالساعه"), ه (this: "هالمسا"); ل before the article is written لل ("للمسا").
AR_PREFIXES = ("و", "ب", "ل", "ع", "ف", "ه", "وب", "ول", "وع", "فب", "فع")

WEEKDAYS_RU = {
    **dict.fromkeys(["понедельник", "понедельника"], 0),
    **dict.fromkeys(["вторник", "вторника"], 1),
    **dict.fromkeys(["среда", "среду", "среды"], 2),
    **dict.fromkeys(["четверг", "четверга"], 3),
    **dict.fromkeys(["пятница", "пятницу", "пятницы"], 4),
    **dict.fromkeys(["суббота", "субботу", "субботы"], 5),
    **dict.fromkeys(["воскресенье", "воскресенья"], 6),
}
MONTHS_RU = {
    name: n
    for n, names in enumerate(
        [("января", "январь"), ("февраля", "февраль"), ("марта", "март"), ("апреля", "апрель"),
         ("мая", "май"), ("июня", "июнь"), ("июля", "июль"), ("августа", "август"),
         ("сентября", "сентябрь"), ("октября", "октябрь"), ("ноября", "ноябрь"),
         ("декабря", "декабрь")],
        1,
    )
    for name in names
}  # fmt: skip
HOUR_WORDS_RU = {
    "час": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "двух": 2, "трех": 3,
    "четырех": 4, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "девяти": 9, "десяти": 10,
    "одиннадцати": 11, "двенадцати": 12,
}  # fmt: skip
GENITIVE_HOURS_RU = {"двух", "трех", "четырех", "пяти", "шести", "семи", "восьми", "девяти",
                     "десяти", "одиннадцати", "двенадцати"}  # fmt: skip
# "в половине одиннадцатого" (10:30), "четверть пятого" (4:15): the hour that is running.
ORDINALS_RU = {
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6,
    "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11,
    "двенадцатого": 12,
}  # fmt: skip
MINUTES_BEFORE_RU = {"четверти": 15, "пятнадцати": 15, "двадцати": 20, "десяти": 10, "пяти": 5}
RU_WORDS = {
    "сегодня": ("day", 0), "завтра": ("day", 1), "послезавтра": ("day", 2),
    "вчера": ("ago", -1), "позавчера": ("ago", -2), "вчерашнего": ("ago", -1),
    **{name: ("weekday", n) for name, n in WEEKDAYS_RU.items()},
    **{name: ("month", n) for name, n in MONTHS_RU.items()},
    **{name: ("hourword", n) for name, n in HOUR_WORDS_RU.items()},
    **{name: ("ordinal", n) for name, n in ORDINALS_RU.items()},
    **dict.fromkeys(["утром", "утра", "утро", "утречком"], ("part", "morning")),
    **dict.fromkeys(["днем", "днём"], ("part", "afternoon")),
    **dict.fromkeys(["вечером", "вечера", "вечер", "вечерком", "ночью"], ("part", "evening")),
    **dict.fromkeys(["обед", "обеда", "обеду"], ("lunch", 0)), "дня": ("dnya", 0),
    **dict.fromkeys(["в", "во", "к", "ко", "около", "районе", "примерно"], ("at", 0)),
    "с": ("since", 0), "со": ("since", 0), "после": ("after", 0), "через": ("in", 0),
    **dict.fromkeys(["сейчас", "немедленно", "сразу"], ("now", 0)),
    "как": ("how", 0), "ближайшее": ("soonest", 0), "полдень": ("noon", 0),
    **dict.fromkeys(["половине", "половина", "пол"], ("half", 0)),
    "четверть": ("quarter", 0), "без": ("without", 0),
}  # fmt: skip

# --- what ai.offline_when's tables gain ---------------------------------------------------

UNITS_AR_RU = {
    "متر", "مترين", "امتار", "شيكل", "شيقل", "شواقل", "سنتي", "سم", "كيلو", "ايام", "ساعات",
    "دقايق", "دقيقه", "مره", "مرات", "غرف", "غرفه", "طابق", "طوابق", "سنه", "سنين", "سنوات",
    "شهر", "اشهر", "اسابيع", "درجه", "درجات", "مكيفات", "راس", "بالميه",
    "раз", "раза", "комнат", "комнаты", "комнатах", "этаж", "этаже", "этажа", "этажей",
    "метр", "метра", "метров", "см", "мм", "кг", "шекель", "шекелей", "шекеля", "шек", "лет",
    "год", "года", "году", "процент", "процентов", "процента", "штук", "штуки", "минут",
    "минуты", "дней", "недели", "недель", "месяц", "месяца", "месяцев", "градус", "градусов",
    "градуса", "человек", "детей", "кондиционера", "кондиционеров", "квартир", "квартиры",
}  # fmt: skip
SPAN_UNITS_AR_RU = {
    "ايام": (1, 0), "يوم": (1, 0), "اسابيع": (7, 0), "ساعات": (0, 60), "دقايق": (0, 1),
    "دقيقه": (0, 1), "день": (1, 0), "дня": (1, 0), "дней": (1, 0), "неделю": (7, 0),
    "недели": (7, 0), "недель": (7, 0), "час": (0, 60), "часа": (0, 60), "часов": (0, 60),
    "минут": (0, 1), "минуты": (0, 1), "минуту": (0, 1),
}  # fmt: skip
ONE_WORD_SPANS_AR_RU = {
    "يومين": (2, 0), "اسبوع": (7, 0), "الاسبوع": (7, 0), "اسبوعين": (14, 0), "ساعه": (0, 60),
    "ساعتين": (0, 120), "неделю": (7, 0), "час": (0, 60), "полчаса": (0, 30), "день": (1, 0),
}  # fmt: skip
HALF_HOUR_PAIRS = {("نص", "ساعه"), ("نصف", "ساعه")}
COUNTS_AR_RU = {
    "ثلاث": 3, "تلات": 3, "ثلاثه": 3, "تلاته": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5,
    "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "عشر": 10, "عشره": 10, "один": 1, "одна": 1,
    "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "десять": 10, "пару": 2,
}  # fmt: skip
HALVES_AR = {"ونص": 30, "ونصف": 30, "وربع": 15, "وثلث": 20}
MINUS_AR = {("الا", "ربع"): 15, ("الا", "ثلث"): 20}
O_CLOCK_RU = {"часов", "часа", "час"}
NEGATIONS_AR_RU = {"مش", "مو", "ما", "مشغول", "مشغوله", "не", "нельзя", "занят", "занята",
                   "заняты"}  # fmt: skip
# A refusal right after the day: "بكرا ما بقدر", "завтра не могу".
REFUSED_AFTER = {"ما", "مش", "مو", "не"}
REFUSALS = {
    "بقدر", "بنفع", "بزبط", "بيزبط", "بتزبط", "فاضي", "فاضيه", "مناسب", "بناسب", "بيناسب",
    "منقدر", "بيمشي", "могу", "можем", "смогу", "сможем", "получится", "выйдет", "удобно",
    "подходит", "буду", "успею",
}  # fmt: skip
PAST_BEFORE_AR_RU = {
    "صار", "صارله", "صارلو", "صرلو", "صرله", "صارلها", "صرلها", "خرب", "خربت", "بطل", "بطلت",
    "حجزت", "حجزنا", "انكسر", "انكسرت", "بلش", "بلشت", "ابتدا", "وقف", "وقفت",
    "начал", "начала", "начало", "началось", "начались", "сломался", "сломалась",
    "сломалось", "сломались", "перестал", "перестала", "перестало", "перестали", "случилось",
    "записывался", "записывалась", "записывались", "записались", "записался", "записалась",
}  # fmt: skip
PAST_AFTER_AR_RU = {"كان", "كانت", "صار", "صارت", "было", "был", "была", "сломался",
                    "сломалась", "сломалось", "случилось"}  # fmt: skip
ADDRESS_WORDS_AR_RU = {"شارع", "بشارع", "الشارع", "عنوان", "العنوان", "عنواني", "ул", "улица",
                       "улице", "адрес", "дом", "кв", "квартира", "проспект", "пр"}  # fmt: skip
NEXT_WEEK_PAIRS = {
    ("الاسبوع", "الجاي"), ("الاسبوع", "القادم"), ("الاسبوع", "الجايه"), ("الجمعه", "الجايه"),
    ("اسبوع", "الجاي"), ("следующей", "неделе"), ("следующая", "неделя"),
}  # fmt: skip
TODAY_WORDS_AR_RU = {"اليوم", "сегодня"}
COMING_AR = {"الجاي", "الجايه", "الجايي", "القادم", "القادمه", "الجاييه"}
LAST_AR = {"الماضي", "الماضيه", "الفايت", "الفايته", "المنصرم"}
GREETED_AR = {"الخير", "الخيرات", "النور", "الفل"}  # صباح الخير, مسا النور: greetings
GREETING_BEFORE_RU = {"доброе", "добрый", "доброго", "доброй", "спокойной", "хорошего",
                      "каждое", "каждый", "каждую", "каждым", "по", "всё", "все"}  # fmt: skip


def ar_info(text: str) -> tuple[str, str, object] | None:
    """(prefix, family, value) of a folded Arabic word, or None."""
    if text in AR_WORDS:
        return ("", *AR_WORDS[text])
    for prefix in AR_PREFIXES:
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest in AR_WORDS:
            return (prefix, *AR_WORDS[rest])
    if text.startswith("لل") and "ال" + text[2:] in AR_WORDS:
        return ("ل", *AR_WORDS["ال" + text[2:]])
    return None


def ru_info(text: str) -> tuple[str, str, object] | None:
    """("", family, value) of a Russian word in lower case, or None; "полпятого" is half past
    four."""
    if text in RU_WORDS:
        return ("", *RU_WORDS[text])
    if text.startswith("пол") and text[3:] in ORDINALS_RU:
        return ("", "halfpast", ORDINALS_RU[text[3:]])
    return None


def borrowed(hour: int, minute: int) -> tuple[int, int]:
    """An hour with minutes before it ("٣ إلا ربع": 3, -15) as a clock time (2:45)."""
    if minute >= 0:
        return hour, minute
    return (hour - 1 if hour > 1 else 12), minute + 60


# --- rules: (reader, index) -> the index after what was read, or 0 ----------------------------


def _day(reader, i: int) -> int:
    days = reader.info[i][2]
    if days == 0 and reader.text[i - 1] in ("كل", "طول", "весь"):
        return 0  # "كل اليوم", "весь день": all day long
    return reader.add_day(i, i + 1, Day(reader.today + dt.timedelta(days=days)))


def _ago(reader, i: int) -> int:
    return 0  # yesterday tells the story: a past marker (ai.offline_when._is_past_marker)


def _weekday_then(reader, i: int, end: int, weekday: int) -> int:
    if reader.text[end] in LAST_AR or reader.text[i - 1].startswith("прошл"):
        return end + 1  # "الخميس الماضي", "в прошлую пятницу": the story
    if reader.text[end] in ("اللي", "الي") and reader.text[end + 1] in ("فات", "راح", "مضي"):
        return end + 2
    end += reader.text[end] in COMING_AR
    return reader.add_day(i, end, reader.weekday_day(i, weekday))


def _weekday(reader, i: int) -> int:
    return _weekday_then(reader, i, i + 1, reader.info[i][2])


def _ar_yom(reader, i: int) -> int:
    """Weekdays after يوم: "يوم الخميس", "يوم خميس", "يوم التنين"."""
    j = i + 1
    weekday = reader.family(j, "weekday", ("", "ال"))
    if weekday is None and reader.kind[j] == "ar":
        weekday = BARE_WEEKDAYS_AR.get(reader.text[j])
    return _weekday_then(reader, i, j + 1, weekday) if weekday is not None else 0


def _ar_part(reader, i: int) -> int:
    prefix, _, part = reader.info[i]
    if reader.text[i - 1] in ("كل", "طول") or reader.text[i + 1] in GREETED_AR:
        return 0  # "كل الليل", "صباح الخير"
    return reader.add_part(i, i + 1, part, today=prefix == "ه")  # "هالمسا": this evening


def _tonight(reader, i: int) -> int:
    return reader.add_part(i, i + 1, "evening", today=True)


def _ru_part(reader, i: int) -> int:
    if reader.text[i - 1] in GREETING_BEFORE_RU:
        return 0  # "добрый вечер", "каждое утро"
    today = reader.text[i - 1] in ("этим", "этого", "этот", "это")
    return reader.add_part(i, i + 1, reader.info[i][2], today=today)


def _ru_lunch(reader, i: int) -> int:
    """Lunchtime: "после обеда", "в обед" (afternoon), "до обеда" (morning)."""
    before = reader.text[i - 1]
    if before == "до":
        return reader.add_part(i, i + 1, "morning")
    if before in ("после", "в", "во", "к", "на"):
        return reader.add_part(i, i + 1, "afternoon")
    return 0


def _ru_dnya(reader, i: int) -> int:
    """ "в 3 дня", "в 2 часа дня": afternoon, after an hour only ("через 3 дня" is a span)."""
    j = i - 1 - (reader.text[i - 1] in O_CLOCK_RU)
    hour = reader.kind[j] == "num" or reader.family(j, "hourword") is not None
    return reader.add_part(i, i + 1, "afternoon") if hour else 0


def _hour_is_a_count(reader, j: int) -> bool:
    """An hour word or number that counts something: "в три раза", "على ٣ غرف"."""
    return reader.family(j, "hourword") is not None and reader.unit_after(j + 1)


def _at(reader, i: int) -> int:
    """Hours after a word: "в 5", "к пяти", "около 4", "بين ١٠ و١٢", "ع ٥", "على خمسه"."""
    j = i + 1 + (reader.raw[i + 1] in ("-", "\u05be") and reader.glued(i + 1))
    if _hour_is_a_count(reader, j):
        return 0
    if reader.text[i] in ("в", "во") and reader.text[j] in GENITIVE_HOURS_RU:
        return 0  # "в двух местах": an hour after "в" is "в два", never "в двух"
    if reader.family(j, "hour") is not None:  # "على الساعه ٥"
        return reader.hour_after(j, strong=True)
    return reader.hour_after(i, strong=False)


def _ar_hour(reader, i: int) -> int:
    """Hours after الساعة: "الساعه ٥", "الساعه خمسه ونص", "عالساعه 17:30"."""
    return 0 if _hour_is_a_count(reader, i + 1) else reader.hour_after(i, strong=True)


def _ar_after(reader, i: int) -> int:
    """ "بعد بكرا" (the day after tomorrow), "بعد الظهر" (afternoon), "بعد يومين" (a span),
    "بعد الساعه ٤" / "بعد ٤" (an hour)."""
    j = i + 1
    if reader.family(j, "day") == 1:
        return reader.add_day(i, j + 1, Day(reader.today + dt.timedelta(days=2)))
    if reader.family(j, "part") == "afternoon":
        return reader.add_part(i, j + 1, "afternoon")
    if span := reader.span_at(j):
        return reader.add_span(i, span[0], span[1])
    if reader.family(j, "hour") is not None:
        return reader.hour_after(j, strong=True)
    return 0 if _hour_is_a_count(reader, j) else reader.hour_after(i, strong=False)


def _ar_before(reader, i: int) -> int:
    """ "قبل الظهر": morning."""
    if reader.family(i + 1, "part") == "afternoon":
        return reader.add_part(i, i + 2, "morning")
    return 0


def _ru_after(reader, i: int) -> int:
    """ "после 4", "после пяти" (an hour), "после завтра" (the day after tomorrow)."""
    if reader.family(i + 1, "day") == 1:
        return reader.add_day(i, i + 2, Day(reader.today + dt.timedelta(days=2)))
    if reader.family(i + 1, "lunch") is not None:
        return 0  # "после обеда": the lunch rule reads it
    return 0 if _hour_is_a_count(reader, i + 1) else reader.hour_after(i, strong=False)


def _since(reader, i: int) -> int:
    """ "с 10 до 12", "с пяти", "من الساعه ٤": from an hour. "Since" a day tells the story
    (ai.offline_when._is_past_marker)."""
    j = i + 1
    if reader.family(j, "hour") is not None:
        return reader.hour_after(j, strong=True)
    if reader.kind[j] == "num" or reader.family(j, "hourword") is not None:
        return 0 if _hour_is_a_count(reader, j) else reader.hour_after(i, strong=False)
    return 0


def _in(reader, i: int) -> int:
    """Spans ahead: "через неделю", "через 3 дня", "через два часа", "через полчаса"."""
    span = reader.span_at(i + 1)
    return reader.add_span(i, span[0], span[1]) if span else 0


def _now(reader, i: int) -> int:
    return reader.add_now(i, i + 1)


def _noon(reader, i: int) -> int:
    """ "в полдень": 12:00."""
    return reader.add_clock(i, i + 1, Clock(12, 0, "pm"))


def _soonest(reader, i: int) -> int:
    """Now: "بأسرع وقت", "بأقرب وقت", "в ближайшее время"."""
    return reader.add_now(i, i + 2) if reader.text[i + 1] in ("وقت", "время") else 0


def _ru_how(reader, i: int) -> int:
    """Now: "как можно скорее", "как можно быстрее", "как можно раньше"."""
    if reader.text[i + 1] != "можно" or reader.text[i + 2] not in ("скорее", "быстрее", "раньше"):
        return 0
    return reader.add_now(i, i + 3)


def _ru_half(reader, i: int) -> int:
    """Half past: "в половине одиннадцатого" (10:30), "пол пятого" (4:30)."""
    hour = reader.family(i + 1, "ordinal")
    return reader.add_clock(i, i + 2, Clock(*borrowed(hour, -30))) if hour else 0


def _ru_half_past(reader, i: int) -> int:
    """ "полпятого": 4:30."""
    return reader.add_clock(i, i + 1, Clock(*borrowed(reader.info[i][2], -30)))


def _ru_quarter(reader, i: int) -> int:
    """ "четверть пятого": 4:15."""
    hour = reader.family(i + 1, "ordinal")
    return reader.add_clock(i, i + 2, Clock(*borrowed(hour, -45))) if hour else 0


def _ru_without(reader, i: int) -> int:
    """ "без четверти три" (2:45), "без десяти пять" (4:50)."""
    minutes = MINUTES_BEFORE_RU.get(reader.text[i + 1])
    j = i + 2
    hour = reader.family(j, "hourword")
    if hour is None and reader.is_num(j):
        hour = int(reader.raw[j])
    if minutes is None or hour is None:
        return 0
    return reader.add_clock(i, j + 1, Clock(*borrowed(hour, -minutes)))


RULES_AR_RU = {
    ("ar", "day"): _day, ("ar", "ago"): _ago, ("ar", "yom"): _ar_yom,
    ("ar", "weekday"): _weekday, ("ar", "part"): _ar_part, ("ar", "tonight"): _tonight,
    ("ar", "hour"): _ar_hour, ("ar", "at"): _at, ("ar", "after"): _ar_after,
    ("ar", "before"): _ar_before, ("ar", "since"): _since, ("ar", "now"): _now,
    ("ar", "soonest"): _soonest,
    ("ru", "day"): _day, ("ru", "ago"): _ago, ("ru", "weekday"): _weekday,
    ("ru", "part"): _ru_part, ("ru", "lunch"): _ru_lunch, ("ru", "dnya"): _ru_dnya,
    ("ru", "at"): _at, ("ru", "since"): _since, ("ru", "after"): _ru_after, ("ru", "in"): _in,
    ("ru", "now"): _now, ("ru", "noon"): _noon, ("ru", "how"): _ru_how, ("ru", "soonest"): _soonest,
    ("ru", "half"): _ru_half, ("ru", "halfpast"): _ru_half_past,
    ("ru", "quarter"): _ru_quarter, ("ru", "without"): _ru_without,
}  # fmt: skip
