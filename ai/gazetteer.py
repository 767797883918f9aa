"""Israeli cities in customers' messages: the gazetteer and its matcher.

`find_city(text)` finds the first city named in a WhatsApp message, written in Hebrew or
English, informally: with prefix letters (בחיפה, מתל אביב, ובפ"ת), any quote mark or
none in abbreviations (ת"א ת״א תא), hyphen, maqaf or space between words, niqqud, and
Latin in any case ("in Haifa.", "(Tel-Aviv)").

How it works. The data (ai/data/cities.json) is expanded once, at import, into
normalised token sequences indexed by their first token. A message is normalised the
same way (keeping a map back to the original offsets) and cut into word tokens. At each
token the matcher tries the token as written and without its prefix letters, and takes
the longest name that starts there ("קריית מוצקין", "תל אביב יפו", "ראשון לציון" over
"ראשון"). Matching whole tokens means short names never fire inside other words ("תא"
in "מתאים", "PT" in "apt").

Names that are also everyday words are guarded by their context: "ראשון" is not Rishon
LeZion after "יום" or before "בבוקר" (Sunday); "רחובות" is not Rehovot in "ברחובות
העיר" (streets); "תא" and "פת" count only where nothing but punctuation or a plain word
like "יש"/"צריך" follows ("תא מקלחת" is a shower stall); abbreviations do not count after
a number (10 ק"ג is ten kilograms); a name right after "רחוב"/"דרך"/"שדרות" or before
"Street"/"Road" is a street, not a city (רחוב יפו, Jaffa Road); a one-word name right
after "זאת"/"שמי"/"I'm" is a person (זאת אילת). Names that are first names or words
(אלעד, עומר, נשר, "Ariel", "PT") are "strict": see ai/data/__init__.py.

When nothing matches exactly, Latin words (and runs of two or three, for names written
apart or together) may match a Latin name at one edit (typo) away: "Jerusalm", "Hiafa",
"Petach Tikwa". Hebrew has no fuzzy step: too many Hebrew words sit one letter from a
city's name; common Hebrew misspellings are listed as aliases instead.
"""

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ai.data import load_cities


@dataclass(frozen=True)
class City:
    slug: str
    name_he: str
    name_en: str
    aliases: tuple[str, ...] = ()
    name_ar: str = ""
    name_ru: str = ""

    def name_in(self, language: str) -> str:
        """The city's name for a reader of `language` ("he", "en", "ar", "ru"): Arabic and
        Russian when the gazetteer has them, else English."""
        names = {"he": self.name_he, "ar": self.name_ar, "ru": self.name_ru}
        return names.get(language) or self.name_en


@dataclass(frozen=True)
class CityMatch:
    """A city found in a text. `matched` is `text[start:end]`: the name as written,
    without prefix letters (for "בחיפה" it is "חיפה")."""

    city: City
    matched: str
    start: int
    end: int


# --- normalisation ----------------------------------------------------------------------

MARK = '"'  # every quote, geresh and gershayim becomes this one character
_QUOTES = frozenset("\"'`´״׳“”„‟‘’‚‛′″")
_DASHES = frozenset("-_\u05be\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# Niqqud and cantillation (Mn), enclosing marks, and invisible bidi/format characters.
_DROPPED = frozenset({"Mn", "Me", "Cf"})
# "ת.א", "בפ.ת": a dot between two single Hebrew letters (the first may carry prefixes).
_DOTTED_ABBREVIATION = re.compile(
    r"(?<![^\W\d_])([ובלמשכ]{0,3}[\u05d0-\u05ea])\.(?=[\u05d0-\u05ea](?![^\W\d_]))"
)
_TOKEN = re.compile(r'[^\W_]+(?:"[^\W_]+)*')
_HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")
_EXTRA_SPACE = re.compile(r"^ | $|  ")


# Arabic letters written more than one way (after NFKD has taken hamza and madda off the
# alef, waw and yeh): ta marbuta as heh, alef maqsura and Persian yeh as yeh, keheh as kaf,
# the letters Persian and Urdu spellings use for v, p, g, ch, zh as their Arabic twins; the
# tatweel (a stretching stroke) is dropped.
_ARABIC_LETTERS = str.maketrans(
    {"ة": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ک": "ك", "گ": "ك", "ڤ": "ف", "پ": "ب", "چ": "ج",
     "ژ": "ز", "ہ": "ه", "ە": "ه", "ۀ": "ه", "\u0640": None}
)  # fmt: skip


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    if ch in _QUOTES:
        return MARK
    if ch in _DASHES or ch.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _DROPPED)
    return "".join(" " if c.isspace() else c for c in kept).translate(_ARABIC_LETTERS)


def _normalise_mapped(text: str) -> tuple[str, list[int]]:
    """The normalised text, and for each of its characters the index it came from."""
    if _PLAIN.fullmatch(text):  # the common case: one character in, one out
        joined, where = text.translate(_PLAIN_TABLE), list(range(len(text)))
    else:
        folded = [_fold(ch) for ch in text]
        joined = "".join(folded)
        where = [index for index, piece in enumerate(folded) for _ in piece]
    if _EXTRA_SPACE.search(joined):  # collapse runs of spaces, strip both ends
        keep = [k for k, ch in enumerate(joined) if ch != " " or (k and joined[k - 1] != " ")]
        joined = "".join(joined[k] for k in keep)
        where = [where[k] for k in keep]
        if joined.startswith(" "):
            joined, where = joined[1:], where[1:]
        if joined.endswith(" "):
            joined, where = joined[:-1], where[:-1]
    return _DOTTED_ABBREVIATION.sub(r"\1" + MARK, joined), where


# ASCII, Hebrew letters, quotes, dashes and spaces fold to exactly one character each, and
# so do most Arabic and Cyrillic letters.
_PLAIN_CHARACTERS = (
    "".join(
        map(
            chr,
            [*range(0x20, 0x7F), *range(0x05D0, 0x05EB), 0x05BE, 0x05F3, 0x05F4, 0x2013, 0x2014],
        )
    )
    + "\t\n\r\u00a0\u2018\u2019\u201c\u201d"
    + "".join(
        ch
        for ch in map(chr, [*range(0x0400, 0x0460), *range(0x0621, 0x064B)])
        if len(_fold(ch)) == 1
    )
)
_PLAIN = re.compile("[" + re.escape(_PLAIN_CHARACTERS) + "]*")
_PLAIN_TABLE = str.maketrans({ch: _fold(ch) for ch in _PLAIN_CHARACTERS})


def normalise(text: str) -> str:
    """Text as the matcher sees it: quotes, geresh and gershayim unified to `"`, hyphens
    and maqaf as spaces, whitespace collapsed, Latin and Cyrillic casefolded and without
    accents (ё as е, й as и), Hebrew without niqqud, Arabic without vowel marks, hamza
    seats or tatweel and with one form of ta marbuta, yeh and kaf, invisible direction
    marks removed."""
    return _normalise_mapped(text)[0]


def _tokens(normalised: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _TOKEN.finditer(normalised))


def _is_hebrew(word: str) -> bool:
    return bool(_HEBREW_LETTER.search(word))


def _is_arabic(word: str) -> bool:
    return "\u0621" <= word[0] <= "\u064a"


def _is_cyrillic(word: str) -> bool:
    return "\u0400" <= word[0] <= "\u04ff"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- the gazetteer ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """One way of writing a city's name, as normalised tokens."""

    tokens: tuple[str, ...]
    city: City
    strict: bool
    key: str = field(init=False)  # the tokens joined by spaces
    size: int = field(init=False)  # letters, for longest-match ordering
    abbreviation: bool = field(init=False)  # ת"א, ק"ג, ראשל"צ: the mark before the last letter

    def __post_init__(self):
        first = self.tokens[0]
        object.__setattr__(self, "key", " ".join(self.tokens))
        object.__setattr__(self, "size", sum(map(len, self.tokens)))
        short = len(self.tokens) == 1 and _is_hebrew(first) and first[-2:-1] == MARK
        object.__setattr__(self, "abbreviation", short)


def _without_marks(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Latin names lose their apostrophes (Ra'anana, Raanana). Hebrew names lose a
    geresh that marks a sound (סח'נין, סחנין), not gershayim of an abbreviation."""
    result = []
    for token in tokens:
        bare = token.replace(MARK, "")
        if not _is_hebrew(token):
            result.append(bare)
            continue
        pieces = token.split(MARK)
        sound_marks = all(len(piece) >= 2 for piece in pieces[1:])
        result.append(bare if sound_marks and len(bare) >= 4 else token)
    return tuple(result)


_KIRYAT = {"קריית": "קרית", "קרית": "קריית"}
_LATIN_FIRST_WORDS = {
    "kiryat": ("kiriat", "qiryat"),
    "beit": ("bet", "beth"),
    "kfar": ("kefar",),
}


def _variants(alias: str) -> set[tuple[str, ...]]:
    base = _tokens(normalise(alias))
    if not base:
        return set()
    forms = {base, tuple(_KIRYAT.get(token, token) for token in base)}
    forms |= {_without_marks(form) for form in forms}
    if not _is_hebrew(base[0]) and not _is_arabic(base[0]):
        for form in list(forms):
            forms |= {(other, *form[1:]) for other in _LATIN_FIRST_WORDS.get(form[0], ())}
        forms |= {("".join(form),) for form in forms if len(form) > 1 and len("".join(form)) >= 6}
    return forms


# Russian case endings of a name's last word, by how the word ends: Хайфа → в Хайфе, из
# Хайфы, в Хайфу; Нетания → в Нетании; Ашдод → в Ашдоде, из Ашдода; Кармиэль → в
# Кармиэле. Names ending in another vowel (Акко, Яффо) do not decline.
_RUSSIAN_ENDINGS = {
    "ия": ("ии", "ию", "ией", "иею"),
    "я": ("и", "ю", "е", "ей"),
    "ь": ("я", "е", "ю", "ем", "и"),
    "й": ("я", "е", "ю", "ем"),
}
_AFTER_HUSHING = frozenset("гкхжчшщ")  # after these, genitive -ы is written -и


def _declined(alias: str) -> set[str]:
    """The case forms of a Cyrillic name (only its last word declines: в Тель-Авиве, в
    Бат-Яме, из Беэр-Шевы), as written, for _variants to normalise."""
    word = alias.casefold().strip()
    cut = max(word.rfind(" "), word.rfind("-")) + 1
    head, last = word[:cut], word[cut:]
    if len(last) < (2 if head else 3) or not _is_cyrillic(last):
        return set()
    for ending, endings in _RUSSIAN_ENDINGS.items():
        if last.endswith(ending):
            return {head + last[: -len(ending)] + new for new in endings}
    if last.endswith("а"):
        stem = last[:-1]
        genitive = "и" if stem[-1] in _AFTER_HUSHING else "ы"
        return {head + stem + new for new in ("е", genitive, "у", "ой", "ою")}
    if last[-1] in "оеиуыэюё":
        return set()
    return {head + last + new for new in ("а", "е", "у", "ом")}


def _article_less(form: tuple[str, ...]) -> tuple[str, ...] | None:
    """An Arabic name without its article, as customers also write it (ناصره for الناصره,
    written after a preposition as بالناصره or in ناصره alone); None when too short."""
    first = form[0]
    if _is_arabic(first) and first.startswith("ال") and len(first) >= 5:
        return (first[2:], *form[1:])
    return None


def _derived(alias: str, variants: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Forms that grammar derives from an alias: Russian case forms, Arabic names without
    the article. They give way to any name written out, and to each other when two cities
    derive the same form."""
    forms = {form for declined in _declined(alias) for form in _variants(declined)}
    forms |= {bare for form in variants if (bare := _article_less(form))}
    return forms - variants


def _too_short(tokens: tuple[str, ...]) -> bool:
    """An Arabic or Cyrillic name of one or two letters (لد, جت) matches too many words to
    be read alone, and so do a few everyday words (_NEVER_ALONE)."""
    if len(tokens) != 1:
        return False
    word = tokens[0]
    return (len(word) <= 2 or word in _NEVER_ALONE) and (_is_arabic(word) or _is_cyrillic(word))


def _build(records: list[dict]) -> tuple[tuple[City, ...], dict[tuple[str, ...], _Form]]:
    cities = []
    forms: dict[tuple[str, ...], _Form] = {}
    derived: dict[tuple[str, ...], _Form | None] = {}  # None: two cities derive it
    shared: set[tuple[str, ...]] = set()  # Arabic or Cyrillic names two places have
    for record in records:
        strict = record.get("strict", [])
        city = City(
            slug=record["slug"],
            name_he=record["name_he"],
            name_en=record["name_en"],
            aliases=tuple(record["aliases"] + strict),
            name_ar=record.get("name_ar", ""),
            name_ru=record.get("name_ru", ""),
        )
        cities.append(city)
        excluded = {form for alias in record.get("exclude", []) for form in _variants(alias)}
        strict_forms = {form for alias in strict for form in _variants(alias)}
        for alias in dict.fromkeys((city.name_he, city.name_en, city.name_ar, city.name_ru,
                                    *city.aliases)):  # fmt: skip
            variants = _variants(alias) - excluded
            for tokens in variants:
                if _too_short(tokens) or tokens in shared:
                    continue
                other = forms.get(tokens)
                if other is not None and other.city.slug != city.slug:
                    if _is_hebrew(tokens[0]) or tokens[0].isascii():
                        raise ValueError(
                            f"{' '.join(tokens)!r} names {other.city.slug} and {city.slug}"
                        )
                    del forms[tokens]  # "عرعره" is Arara and Arara BaNegev: neither
                    shared.add(tokens)
                    continue
                forms[tokens] = _Form(tokens, city, strict=_strict(tokens, strict_forms))
            alias_strict = any(_strict(tokens, strict_forms) for tokens in variants)
            for tokens in _derived(alias, variants) - excluded:
                strict_form = alias_strict or _strict(tokens, strict_forms)
                other = derived.get(tokens, _Form(tokens, city, strict_form))
                same = other is not None and other.city.slug == city.slug
                derived[tokens] = other if same else None
    for tokens, form in derived.items():
        if form is not None and tokens not in forms and tokens not in shared:
            if _too_short(tokens):
                continue
            forms[tokens] = form
    return tuple(cities), forms


def _strict(tokens: tuple[str, ...], strict_forms: set[tuple[str, ...]]) -> bool:
    return tokens in strict_forms or (len(tokens) == 1 and tokens[0] in _EVERYDAY_NAMES)


# Arabic and Russian names of places that are also everyday words or first names: they
# count only where a place is meant (بشعب, في شعب, в Офре), as the `strict` spellings of
# the data do.
_EVERYDAY_NAMES = _words(
    """شعب بسمه عومر كابول المشهد المزرعه الطيبه طيبه الرامه رامه نحف المغار مغار كسري
    اللقيه الجش جش عين ابطن خضراء الخضراء بركان رمله غجر الغجر ناصره قصرين مطله مجدل
    المجدل زرازير ايله صهيون باقه
    омер офра кабул рама тира тире земер мигдаль элад ариэль шломи шохам атлит кадима
    ганей нешер ака ако акра рахат"""
)
# Arabic and Cyrillic spellings that GeoNames lists for a place but that are first of all
# words: coal (Umm al-Fahm's second word alone), "without", "I visit".
_NEVER_ALONE = _words("فحم الفحم بلا ازور")


CITIES, _FORMS = _build(load_cities())
_BY_SLUG = {city.slug: city for city in CITIES}
_INDEX: dict[str, list[_Form]] = {}
for _form in sorted(_FORMS.values(), key=lambda f: (-len(f.tokens), -f.size)):
    _INDEX.setdefault(_form.tokens[0], []).append(_form)


def by_slug(slug: str) -> City | None:
    return _BY_SLUG.get(slug)


def by_name(name: str) -> City | None:
    """The city this exact name denotes (any alias, in any spelling), with no context
    rules: for a name given on its own, e.g. the city a model or a form returned."""
    form = _FORMS.get(_tokens(normalise(name or "")))
    return form.city if form else None


# --- context words ----------------------------------------------------------------------

# Prefix letters: ו, then ש or כש, then ב, ל, מ or מה ("ובפ"ת", "שבבאר שבע", "מהרצליה").
# No bare ה: Hebrew does not put the article on a city's name, and it would turn
# הגדרה (a setting) into Gedera and התא (the cell) into Tel Aviv.
_PREFIXES = frozenset(
    c + s + p for c in ("", "ו") for s in ("", "ש", "כש") for p in ("", "ב", "ל", "מ", "מה")
) - {""}
_LONGEST_PREFIX = max(map(len, _PREFIXES))
_PREFIX_STEMS = frozenset(p[:k] for p in _PREFIXES for k in range(1, len(p) + 1))
# A prefix written apart, as in "ב-חיפה" (the hyphen became a space).
_STANDALONE_PREFIXES = frozenset(p for p in _PREFIXES if p[-1] in "בלמ" and not p.endswith("מה"))


_NUMBER_WORDS = _words(
    """חצי אחד אחת שני שתי שניים שתיים שלוש שלושה ארבע ארבעה חמש חמישה שש שישה שבע שבעה
    שמונה תשע תשעה עשר עשרה עשרים שלושים ארבעים חמישים מאה מאתיים כמה מספר עשרות מאות הרבה
    half one two three four five six seven eight nine ten few several"""
)
_PLACE_WORDS = _words(
    """עיר העיר בעיר מהעיר לעיר יישוב היישוב ביישוב מהיישוב ישוב הישוב בישוב מהישוב מושב
    המושב במושב מהמושב קיבוץ הקיבוץ בקיבוץ מהקיבוץ מועצה המועצה
    in from at near city town village moshav kibbutz settlement
    في من بمدينه مدينه قريه بقريه بلده ببلده بلد قرب جنب
    в во из с город городе поселке поселок мошав мошаве кибуц кибуце около возле"""
)
# Words before a name at the end of a message that make it a signature, not a place.
_SIGN_OFF_WORDS = _words(
    """תודה רבה מראש בברכה ברכה בתודה שלום היי הי אהלן הלו שמי ממני חתום
    thanks thank you thx ty regards cheers best hi hello hey dear name sincerely
    شكرا تحياتي مع السلامه اسمي спасибо заранее уважением привет здравствуите"""
)
# Words that introduce a person: "זאת אילת", "קוראים לי שוהם", "I'm Ariel".
_INTRODUCTION_WORDS = _words('זה זאת שמי לי בשם אני name called i"m im اسمي انا зовут я это')
_STREET_BEFORE = _words(
    """רחוב רח ברחוב ברח מרחוב לרחוב דרך שדרות שד בשדרות בשד כביש סמטת ככר כיכר שביל
    rehov rechov rechof derech sderot shderot
    شارع بشارع الشارع وشارع طريق بطريق شارعنا
    ул улица улице улицу улицы улиц проспект проспекте пр бульвар бульваре шоссе"""
)
_STREET_AFTER = _words("st str street rd road ave avenue blvd boulevard")
_STREET_ABBREVIATIONS = _words("ул пр רח שד")
# What may follow "תא", "פת" or "שדרות" when they are the city (else: a stall, bread,
# an avenue). Punctuation or the end of the text always may.
_CONTINUATION_WORDS = _words(
    """יש אין אני ואני אנחנו ואנחנו צריך צריכה צריכים מחפש מחפשת מחפשים דחוף בדחיפות בבקשה
    תודה ליד רחוב ברחוב רח ברח שכונת בשכונת באזור אזור מי מישהו אפשר היום מחר עכשיו כבר גם
    עם לי לנו קרוב ממש איפה מתי כמה האם רוצה רוצים אשמח נשמח לגבי בקשר
    i i"m im we and please pls plz need needs urgent urgently asap today tomorrow now near
    area my our have has there is"""
)
_DAY_BEFORE = _words(
    """יום ימי ביום מיום ליום שיום וביום עד ועד בין לפני אחרי מאז כל בכל חוץ מלבד למעט שבת
    שישי שני חמישי או מחר היום ומחר"""
)
_DAY_AFTER = _words(
    """בבוקר בבקר בערב בצהריים בצהרים בלילה אחה"צ אחהצ לפנה"צ הבא הקרוב הזה או עד ועד שני
    ושני שלישי ושלישי רביעי ורביעי חמישי וחמישי שישי ושישי בשעה בשעות מוקדם אחרי לפני בין ב
    השבוע בשבוע"""
)
_ORDINAL_NOUNS = _words(
    """מקום שלב דבר צעד טיפול ביקור חלק סוג מספר דור ילד בן מחזור פרק תור סיבוב חודש שבוע
    ערוץ קו שם ניסיון נסיון תשלום חשבון עותק"""
)
_SCHEDULE_WORDS = _words(
    """אפשר תבוא תבואו לבוא יבוא תגיע תגיעו להגיע יגיע פנוי פנויה פנויים זמין זמינה זמינים
    לקבוע נקבע קבענו תוכל תוכלו מתאים מתאימה נוח רק אולי כבר עדיף מעדיף מעדיפה"""
)
_RESIDENCE_WORDS = _words(
    """גר גרה גרים גרות גרנו אני ואני אנחנו ואנחנו נמצא נמצאת נמצאים ממוקם ממוקמת דירה דירתי
    בית ביתי משרד חנות עסק אצלנו אצלי מחפש מחפשת מחפשים אינסטלטור חשמלאי טכנאי מנעולן
    הנדימן שיפוצניק מזגנים"""
)
_NOT_RISHON_BEFORE = _DAY_BEFORE | _ORDINAL_NOUNS | _SCHEDULE_WORDS
_ADDRESS_AFTER = _words("ברחוב רחוב רח ברח בשכונת שכונת ליד באזור במרכז")
_TIME_WORDS = _words("היום הערב הבוקר השבוע הלילה החודש")
_STREET_QUALIFIERS = _words(
    """צדדיים ראשיים סמוכים אחרים שונים צרים ריקים של רבים קטנים גדולים חסומים מוצפים סגורים
    מרכזיים שקטים ישנים חדשים מסביב באזור בעיר בשכונה"""
)
_BUILDER_WORDS = _words("מי הוא היא לא שלא אשר זה הקבלן מישהו אולי גם שמישהו מה")
_BUILT_THINGS = _words("לי לנו לך לכם את פה כאן מחדש עוד אותו אותה קיר ארון מדף פרגולה מחסן גדר")
_HOLIDAY_BEFORE = _words(
    "לפני אחרי עד ועד אחר מאז חג ערב בערב בחג חגי לקראת במהלך בזמן שאחרי שלפני"
)
_HOLIDAY_AFTER = _words('שמח טוב הקרוב הבא הזה וסוכות ויום ויוה"כ ויו"כ')
# Words that read as a prefix and a name but are everyday words: "a girl" and "black", not
# "in/that Hura"; "deafening", not "from Harish"; "to furnish", not "to Rahat".
_FALSE_FRIENDS = _words("בחורה שחורה מחריש לרהט")


@dataclass(frozen=True)
class _Context:
    """What surrounds a candidate name. `before`/`after` are the neighbouring words when
    no punctuation separates them from the name, else None."""

    prefix: str
    before: str | None
    after: str | None
    isolated: bool  # a word precedes it, and punctuation (or the end) is on both sides
    word_before: str | None  # the neighbouring word even across punctuation


# Arabic letters joined before a name: و or ف (and), then ب (in), ل (to, for) or ك (like);
# ل before the article is written لل (للناصره: to Nazareth).
_AR_PREFIXES = tuple(c + p for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك") if c + p)
_AR_PREFIX_LETTERS = frozenset("وفبلك")


def _arabic_splits(word: str) -> list[tuple[str, str]]:
    """(prefix, rest): an Arabic word as written, and less each run of prefix letters it
    opens with, leaving at least two letters (a name of one word has three: _too_short)."""
    splits = [("", word)]
    for prefix in _AR_PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 2:
            splits.append((prefix, rest))
            if prefix.endswith("ل") and rest.startswith("ل"):
                splits.append((prefix, "ا" + rest))  # لل: ل and the article
    return splits


def _prefix_splits(word: str) -> list[tuple[str, str]]:
    """(prefix, rest): the word as written, and less each run of prefix letters it opens
    with, leaving at least two letters."""
    if _is_arabic(word):
        return _arabic_splits(word)
    splits = [("", word)]
    for k in range(1, min(_LONGEST_PREFIX, len(word) - 2) + 1):
        if word[:k] not in _PREFIX_STEMS:
            break
        if word[:k] in _PREFIXES:
            splits.append((word[:k], word[k:]))
    return splits


def _opens_a_name(word: str) -> bool:
    """Is the word the first token of some name, or such a token with "'s" (Latin)?"""
    if word in _INDEX:
        return True
    return word.endswith(MARK + "s") and not _is_hebrew(word) and word[:-2] in _INDEX


def _false_friend(word: str) -> bool:
    """Is the word, less a leading "ו" and "ש"/"כש", a known false friend?"""
    word = word[1:] if word.startswith("ו") else word
    for conjunction in ("כש", "ש"):
        if word.startswith(conjunction) and word[len(conjunction) :] in _FALSE_FRIENDS:
            return True
    return word in _FALSE_FRIENDS


def _is_number(word: str | None) -> bool:
    return word is not None and (word[0].isdigit() or word in _NUMBER_WORDS)


def _rishon(c: _Context) -> bool:
    """Bare ראשון: Rishon LeZion, or Sunday (יום ראשון, ראשון בבוקר), or "first"."""
    if "ה" in c.prefix or c.before in _NOT_RISHON_BEFORE:
        return False
    if c.after is not None and (c.after in _DAY_AFTER or c.after[0].isdigit()):
        return False
    if c.prefix.endswith("ב"):  # בראשון: "on Sunday" unless someone lives or works there
        return c.before in _RESIDENCE_WORDS or c.after in _ADDRESS_AFTER
    return True


def _rehovot(c: _Context) -> bool:
    """רחובות: Rehovot, or streets (ברחובות העיר, שני רחובות מכאן)."""
    if "ה" in c.prefix or _is_number(c.before):
        return False
    if c.after is None:
        return True
    construct = c.after.startswith("ה") and c.after not in _TIME_WORDS
    return not construct and c.after not in _STREET_QUALIFIERS


def _yavne(c: _Context) -> bool:
    """יבנה: Yavne, or "will build" (מי יבנה לי ארון)."""
    if c.prefix.endswith("ש") or c.before in _BUILDER_WORDS:
        return False
    return c.after not in _BUILT_THINGS


def _followed_by_nothing_else(c: _Context) -> bool:
    """תא (a stall, a cell), פת (bread) and שדרות (an avenue) as a name need nothing but
    punctuation, the end, or a plain word after them."""
    if "ה" in c.prefix or _is_number(c.before):
        return False
    return c.after is None or c.after in _CONTINUATION_WORDS


def _not_a_holiday(c: _Context) -> bool:
    """ר"ה: Ramat HaSharon, or Rosh Hashana (לפני ר"ה, ר"ה שמח)."""
    return c.before not in _HOLIDAY_BEFORE and c.after not in _HOLIDAY_AFTER


_GUARDS: dict[str, Callable[[_Context], bool]] = {
    "ראשון": _rishon,
    "רחובות": _rehovot,
    "יבנה": _yavne,
    "תא": _followed_by_nothing_else,
    "פת": _followed_by_nothing_else,
    "שדרות": _followed_by_nothing_else,
    "sderot": _followed_by_nothing_else,
    "shderot": _followed_by_nothing_else,
    'ר"ה': _not_a_holiday,
}


def _placed(c: _Context) -> bool:
    """A strict name needs to be marked as a place."""
    if c.prefix and c.prefix[-1] in "במب" and "ה" not in c.prefix:
        return True
    if c.before in _PLACE_WORDS:
        return True
    return c.isolated and c.word_before not in _SIGN_OFF_WORDS


def _accepted(form: _Form, c: _Context) -> bool:
    if (not c.prefix and c.before in _STREET_BEFORE) or c.after in _STREET_AFTER:
        return False
    if not c.prefix and c.before is None and c.word_before in _STREET_ABBREVIATIONS:
        return False  # "ул. Яффо", "רח. יפו": the abbreviation's dot stands between
    if not c.prefix and c.before in _INTRODUCTION_WORDS and len(form.tokens) == 1:
        return False
    if form.strict and not _placed(c):
        return False
    if form.abbreviation and _is_number(c.before):
        return False
    guard = _GUARDS.get(form.key)
    return guard is None or guard(c)


# --- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    form: _Form
    start: int  # in the normalised text
    end: int
    next_token: int


class _Scan:
    """One normalised message cut into word tokens, and the search over them."""

    def __init__(self, normalised: str):
        found = list(_TOKEN.finditer(normalised))
        self.words = [m.group() for m in found]
        self.starts = [m.start() for m in found]
        self.ends = [m.end() for m in found]
        # joined[i]: only spaces (or quote marks) between word i - 1 and word i.
        self.joined = (
            [False]
            + [
                not normalised[found[i - 1].end() : found[i].start()].strip(" " + MARK)
                for i in range(1, len(found))
            ]
            + [False]
        )
        self.latin = [word.isascii() and word.isalpha() for word in self.words]

    def context(self, prefix: str, first: int, last: int, prefix_token: bool) -> _Context:
        before_index = first - 1 - prefix_token
        before = self.words[before_index] if before_index >= 0 else None
        joined_before = before is not None and self.joined[before_index + 1]
        joined_after = self.joined[last + 1]
        return _Context(
            prefix=prefix,
            before=before if joined_before else None,
            after=self.words[last + 1] if joined_after else None,
            isolated=before is not None and not joined_before and not joined_after,
            word_before=before,
        )

    def _end_of(self, form: _Form, i: int, trim: int) -> int | None:
        """Where `form` ends if the words from i on spell it (word i already does)."""
        count = len(form.tokens)
        if count == 1:
            return self.ends[i] - trim
        if trim or i + count > len(self.words):
            return None
        for offset in range(1, count):
            word, expected = self.words[i + offset], form.tokens[offset]
            if not self.joined[i + offset]:
                return None
            if word != expected:
                possessive = offset == count - 1 and word == expected + MARK + "s"
                if not possessive or _is_hebrew(word):
                    return None
        last = i + count - 1
        return self.starts[last] + len(form.tokens[-1])

    def _splits(self, i: int) -> list[tuple[str, str, bool, int]]:
        """(prefix, rest, prefix_token, at): the readings of word i as prefix letters and a
        word that opens some name (or that word with "'s")."""
        word = self.words[i]
        splits = [(prefix, rest, False, i) for prefix, rest in _prefix_splits(word)]
        if word in _STANDALONE_PREFIXES and self.joined[i + 1]:
            splits.append((word, self.words[i + 1], True, i + 1))
        return [split for split in splits if _opens_a_name(split[1])]

    def _options(self, splits: list[tuple[str, str, bool, int]]):
        """(form, prefix, prefix_token, start, end) for every name the splits can open."""
        for prefix, rest, prefix_token, at in splits:
            start = self.starts[at] + (0 if prefix_token else len(prefix))
            for form in _INDEX.get(rest, ()):
                end = self._end_of(form, at, 0)
                if end is not None:
                    yield form, prefix, prefix_token, start, end
            if rest.endswith(MARK + "s") and not _is_hebrew(rest):
                for form in _INDEX.get(rest[:-2], ()):  # "Haifa's"
                    end = self._end_of(form, at, 2)
                    if end is not None:
                        yield form, prefix, prefix_token, start, end

    def hit_at(self, i: int) -> _Hit | None:
        word = self.words[i]
        if (
            word not in _INDEX
            and word[0] not in _PREFIX_STEMS
            and word[0] not in _AR_PREFIX_LETTERS
            and not word.endswith(MARK + "s")
        ):
            return None  # the common case, decided quickly
        splits = self._splits(i)
        if not splits or _false_friend(word):
            return None  # most words that open with a prefix letter
        options = list(self._options(splits))
        if not options:
            return None
        options.sort(key=lambda o: (-len(o[0].tokens), -o[0].size, len(o[1])))
        for form, prefix, prefix_token, start, end in options:
            first = i + prefix_token
            last = first + len(form.tokens) - 1
            if _accepted(form, self.context(prefix, first, last, prefix_token)):
                return _Hit(form, start, end, last + 1)
        return None

    def exact_hits(self) -> Iterator[_Hit]:
        return self._hits(self.hit_at)

    def fuzzy_hits(self) -> Iterator[_Hit]:
        return self._hits(self._fuzzy_at)

    def _hits(self, hit_at: Callable[[int], _Hit | None]) -> Iterator[_Hit]:
        """Hits left to right, as they are asked for (find_city stops at the first)."""
        i = 0
        while i < len(self.words):
            hit = hit_at(i)
            if hit is None:
                i += 1
            else:
                yield hit
                i = hit.next_token

    def _fuzzy_at(self, i: int) -> _Hit | None:
        if not self.latin[i]:
            return None
        for last in (i + 2, i + 1, i):
            if last >= len(self.words):
                continue
            if last == i:
                form = _typo_of_word(self.words[i])
            elif (0, self.words[i]) in _NAMES_BY_END_WORD or (-1, self.words[last]) in (
                _NAMES_BY_END_WORD
            ):
                if not all(self.latin[j] and self.joined[j] for j in range(i + 1, last + 1)):
                    continue
                form = _typo_of_words(tuple(self.words[i : last + 1]))
            else:
                continue
            if form and _accepted(form, self.context("", i, last, False)):
                return _Hit(form, self.starts[i], self.ends[last], last + 1)
        return None


# --- typos in Latin names ---------------------------------------------------------------

# English words one typo from a Latin name, found by running a 100,000-word English word
# list through the matcher; they stay words.
_NOT_TYPOS = _words(
    """caesarean caesarian cesarean cherish dalian dear florentine gander gannet garner genera
    gunner maalox magyar masada medulla natalia nether rained reined"""
)


def _deletions(word: str) -> list[str]:
    return [word[:k] + word[k + 1 :] for k in range(len(word))]


def _one_edit(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution or swap of neighbours apart."""
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return len(long) - len(short) == 1 and short in _deletions(long)
    diffs = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diffs) == 1:
        return True
    if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
        return False
    k = diffs[0]
    return a[k] == b[k + 1] and a[k + 1] == b[k]


def _typo_in_word(word: str, name: str) -> bool:
    """A typo in a name written alone: words of six letters or more may differ by any
    one edit; five-letter words only by a swap ("Hiafa"), since most one-letter changes of
    a short name are an English word ("safer", "saved" for Safed)."""
    if word[0] != name[0] or not _one_edit(word, name):
        return False
    if min(len(word), len(name)) >= 6:
        return True
    return len(word) == len(name) == 5 and sorted(word) == sorted(name)  # a swap


def _fuzzy_candidate(form: _Form) -> bool:
    return form.tokens[0].isascii() and not form.strict and form.key not in _GUARDS


_SINGLE_WORD_NAMES: dict[str, list[_Form]] = {}  # by the name and by each of its deletions
_NAMES_BY_END_WORD: dict[tuple[int, str], list[_Form]] = {}  # by (first or last, word)
for _form in filter(_fuzzy_candidate, _FORMS.values()):
    if len(_form.tokens) == 1 and _form.key.isalpha() and len(_form.key) >= 5:
        for _key in {_form.key, *_deletions(_form.key)}:
            _SINGLE_WORD_NAMES.setdefault(_key, []).append(_form)
    elif len(_form.tokens) > 1:
        _NAMES_BY_END_WORD.setdefault((0, _form.tokens[0]), []).append(_form)
        _NAMES_BY_END_WORD.setdefault((-1, _form.tokens[-1]), []).append(_form)


_LONGEST_SINGLE_WORD_NAME = max(map(len, _SINGLE_WORD_NAMES))


def _one_city(forms: list[_Form]) -> _Form | None:
    """The form when all agree on the city; None for nothing, or for a typo that could be
    either of two cities."""
    if len({form.city.slug for form in forms}) != 1:
        return None
    return min(forms, key=lambda form: form.key)


def _typo_of_word(word: str) -> _Form | None:
    # A word longer than any name and one letter is no typo of one; the check also keeps a
    # long run of letters from making its deletions (quadratic in its length).
    if not 5 <= len(word) <= _LONGEST_SINGLE_WORD_NAME + 1 or word in _NOT_TYPOS:
        return None
    found = [
        form
        for key in (word, *_deletions(word))
        for form in _SINGLE_WORD_NAMES.get(key, ())
        if _typo_in_word(word, form.key)
    ]
    return _one_city(found)


def _typo_of_words(words: tuple[str, ...]) -> _Form | None:
    """A name of several words with one typo in one of them, the others as they are
    ("Petach Tikwa", "Tel Avive", "Ramat Gann"). Short words need a long partner: "Tel
    Mood" and "Bat Yams" stay English."""
    candidates = _NAMES_BY_END_WORD.get((0, words[0]), []) + _NAMES_BY_END_WORD.get(
        (-1, words[-1]), []
    )
    found = []
    for form in candidates:
        if len(form.tokens) != len(words):
            continue
        typos = [(w, t) for w, t in zip(words, form.tokens, strict=True) if w != t]
        if len(typos) != 1 or typos[0][0] in _NOT_TYPOS or not _one_edit(*typos[0]):
            continue
        written, name = typos[0]
        intact = sum(map(len, words)) - len(written)
        if min(len(written), len(name)) < 3:
            continue
        if (intact >= 4 and max(len(written), len(name)) >= 4) or len(written) >= 5:
            found.append(form)
    return _one_city(found)


# --- the public functions ---------------------------------------------------------------


def find_all_cities(text: str) -> list[CityMatch]:
    """Every city named in the text, in order of position (a city named twice is listed
    twice). Exact names only, or, when there is none, Latin names with one typo."""
    if not text:
        return []
    normalised, where = _normalise_mapped(text)
    scan = _Scan(normalised)
    hits = list(scan.exact_hits()) or list(scan.fuzzy_hits())
    return [_match(text, where, hit) for hit in hits]


def find_city(text: str) -> CityMatch | None:
    """The first city named in the text, or None: find_all_cities(text)[0], without reading
    past the first name."""
    if not text:
        return None
    normalised, where = _normalise_mapped(text)
    scan = _Scan(normalised)
    hit = next(scan.exact_hits(), None) or next(scan.fuzzy_hits(), None)
    return _match(text, where, hit) if hit else None


def _match(text: str, where: list[int], hit: _Hit) -> CityMatch:
    start = where[hit.start]
    end = where[hit.end - 1] + 1
    while end < len(text) and unicodedata.category(text[end]) in _DROPPED:
        end += 1  # niqqud on the name's last letter belongs to the name
    return CityMatch(city=hit.form.city, matched=text[start:end], start=start, end=end)
