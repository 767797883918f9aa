import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from ai import gazetteer
from ai.data import load_cities
from ai.gazetteer import CITIES, by_name, by_slug, find_all_cities, find_city, normalise
from pros.demo_data import CITIES as DEMO_CITIES
from pros.models import City

LABELLED = Path(__file__).parent / "data" / "labelled_messages.jsonl"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def slug_of(text: str) -> str | None:
    match = find_city(text)
    return match.city.slug if match else None


# --- the data ---------------------------------------------------------------------------


def test_every_city_and_local_council_is_there():
    kinds = Counter(record["kind"] for record in load_cities())

    assert len(CITIES) >= 250
    assert kinds["city"] >= 75
    assert kinds["local_council"] >= 115
    assert set(kinds) == {"city", "local_council", "community"}


def test_slugs_are_unique_ascii_and_hyphenated():
    slugs = [city.slug for city in CITIES]

    assert len(slugs) == len(set(slugs))
    assert all(SLUG.fullmatch(slug) and slug.isascii() for slug in slugs)


def test_names_are_in_their_language():
    for city in CITIES:
        assert re.search(r"[\u05d0-\u05ea]", city.name_he), city
        assert city.name_en.isascii() and re.search(r"[A-Za-z]", city.name_en), city


@pytest.mark.parametrize("city", CITIES, ids=lambda city: city.slug)
def test_every_city_is_found_by_its_english_name(city):
    assert slug_of(f"Hi, I live in {city.name_en}.") == city.slug


@pytest.mark.parametrize("city", CITIES, ids=lambda city: city.slug)
def test_every_city_is_found_by_its_hebrew_name_with_a_prefix(city):
    # Three Hebrew names are everyday words and are never matched (see cities.json), and
    # "בחורה" is "a girl" (Hura is found as "מחורה", "חורה").
    expected = None if city.slug in {"azor", "migdal", "masade", "hura"} else city.slug

    assert slug_of(f"שלום, אני גר ב{city.name_he}, יש לי נזילה") == expected


def test_no_spelling_names_two_cities():
    records = [
        {"slug": "a", "kind": "city", "name_he": "אלף", "name_en": "Alef", "aliases": ["x-y"]},
        {"slug": "b", "kind": "city", "name_he": "בית", "name_en": "Bet", "aliases": ["X Y"]},
    ]

    with pytest.raises(ValueError, match="'x y' names a and b"):
        gazetteer._build(records)


def test_demo_cities_have_the_gazetteer_names():
    # seed_demo and sync_cities must not keep renaming each other's rows.
    for record in DEMO_CITIES:
        city = by_slug(record["slug"])
        assert city is not None, record
        assert (city.name_he, city.name_en) == (record["name_he"], record["name_en"])


def test_by_slug_and_by_name():
    assert by_slug("petah-tikva").name_en == "Petah Tikva"
    assert by_slug("atlantis") is None
    assert by_name("Petach Tikva").slug == "petah-tikva"
    assert by_name("אלעד").slug == "elad"  # a name given alone: no context rules
    assert by_name("  ת״א ").slug == "tel-aviv"
    assert by_name("בחיפה") is None  # exact names only
    assert by_name("") is None


# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ת״א", 'ת"א'),
        ("ת׳א", 'ת"א'),
        ("ת'א", 'ת"א'),
        ("ת.א", 'ת"א'),
        ("תל־אביב", "תל אביב"),  # maqaf
        ("Tel–Aviv", "tel aviv"),  # en dash
        ("  Be’er   Sheva\n", 'be"er sheva'),
        ("בְּחֵיפָה", "בחיפה"),
        ('ת\u200f"א', 'ת"א'),  # a right-to-left mark inside
        ("Zürich", "zurich"),
        ("בחיפה.תודה", "בחיפה.תודה"),  # a full stop is not an abbreviation dot
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- finding cities in messages ---------------------------------------------------------

CASES = [
    # plain names and prefixes
    ("יש לי נזילה בחיפה", "haifa"),
    ("אני מתל אביב", "tel-aviv"),
    ("מגיעים לראשון לציון מחר", "rishon-lezion"),
    ('גרים ובפ"ת יש לנו עוד דירה', "petah-tikva"),
    ("הדירה שבבאר שבע", "beer-sheva"),
    ("לבת ים", "bat-yam"),
    ("גרה בבת ים", "bat-yam"),
    ("אני ב-חיפה", "haifa"),
    ("מהרצליה", "herzliya"),
    ("וכשבנתניה היה חם", "netanya"),
    ("צריך חשמלאי לעפולה", "afula"),
    # abbreviations, every quote mark and none
    ('דירה בת"א', "tel-aviv"),
    ("דירה בת״א", "tel-aviv"),
    ("דירה בת׳א", "tel-aviv"),
    ("דירה בת.א", "tel-aviv"),
    ("דירה בתא", "tel-aviv"),
    ("גר בתא, יש לי סתימה", "tel-aviv"),
    ("פ״ת", "petah-tikva"),
    ('מדיח לא שוטף, ב"ש', "beer-sheva"),
    ("עובש בתקרה, לב״ש", "beer-sheva"),
    ('ראשל"צ', "rishon-lezion"),
    ("ראשל״צ", "rishon-lezion"),
    ("ראשלצ", "rishon-lezion"),
    ('המזגן קפא, ר"ג', "ramat-gan"),
    ('אנחנו בב"ב', "bnei-brak"),
    ('ק"ש', "kiryat-shmona"),
    ('גר בק"ג', "kiryat-gat"),
    ('גר בר"ה', "ramat-hasharon"),
    ('כפ"ס', "kfar-saba"),
    ('אני מק"א', "kiryat-ata"),
    ("ירושלים י-ם", "jerusalem"),
    # ktiv male and haser, and common misspellings
    ("פתח תקוה", "petah-tikva"),
    ("פתח תקווה", "petah-tikva"),
    ("פתח-תקווה", "petah-tikva"),
    ("קרית ביאליק", "kiryat-bialik"),
    ("קריית ביאליק", "kiryat-bialik"),
    ("בקרית גת", "kiryat-gat"),
    ("גבעתים", "givatayim"),
    ("נהרייה", "nahariya"),
    ("הרצלייה", "herzliya"),
    ("ירושליים", "jerusalem"),
    ("סחנין", "sakhnin"),
    ("ג'לג'וליה", "jaljulia"),
    ("גלגוליה", "jaljulia"),
    ("תלאביב", "tel-aviv"),
    # two-word and longer names, longest wins
    ("אני בקריית מוצקין", "kiryat-motzkin"),
    ("תל אביב יפו", "tel-aviv"),
    ("מודיעין עילית", "modiin-illit"),
    ("גר במודיעין", "modiin"),
    ("מודיעין-מכבים-רעות", "modiin"),
    ("אני מאור יהודה", "or-yehuda"),
    ("ביהוד", "yehud"),
    ("בית שמש", "beit-shemesh"),
    ("בביתר עילית", "beitar-illit"),
    ("ראש העין", "rosh-haayin"),
    ("הוד השרון", "hod-hasharon"),
    ("בכפר יונה", "kfar-yona"),
    ("טירת כרמל", "tirat-carmel"),
    ("נוף הגליל", "nof-hagalil"),
    ("נצרת עילית", "nof-hagalil"),
    ("בנצרת", "nazareth"),
    ("מעלות-תרשיחא", "maalot-tarshiha"),
    ("מצפה רמון", "mitzpe-ramon"),
    ("ערערה בנגב", "arara-banegev"),
    ("ערערה", "arara"),
    ("זכרון יעקב", "zichron-yaakov"),
    ("גן יבנה", "gan-yavne"),
    ("קדימה צורן", "kadima-zoran"),
    ("פרדס חנה כרכור", "pardes-hanna"),
    ("מבשרת ציון", "mevaseret-zion"),
    ("קריית טבעון", "kiryat-tivon"),
    ("אום אל-פחם", "umm-al-fahm"),
    ("דאלית אל כרמל", "daliyat-al-karmel"),
    ("שפרעם", "shefa-amr"),
    ("רהט", "rahat"),
    ("אני מחורה", "hura"),
    ("עכו", "akko"),
    # neighbourhoods that mean one city
    ("אנחנו ברמת אביב", "tel-aviv"),
    ("my AC is leaking, Katamon", "jerusalem"),
    ("Florentin", "tel-aviv"),
    ("הרצליה פיתוח", "herzliya"),
    # English
    ("in Haifa.", "haifa"),
    ("(Tel-Aviv)", "tel-aviv"),
    ("TLV", "tel-aviv"),
    ("Tel Aviv-Yafo", "tel-aviv"),
    ("Jaffa", "tel-aviv"),
    ("Petach Tikva", "petah-tikva"),
    ("Petah Tiqwa", "petah-tikva"),
    ("we're in PT", "petah-tikva"),
    ("the PT clinic", None),  # strict: physical therapy
    ("Beersheba", "beer-sheva"),
    ("Be'er Sheva", "beer-sheva"),
    ("Be’er-Sheva", "beer-sheva"),
    ("Rishon", "rishon-lezion"),
    ("Rishon Lezion", "rishon-lezion"),
    ("Hifa", "haifa"),
    ("Yerushalayim", "jerusalem"),
    ("Herzlia", "herzliya"),
    ("Ra'anana", "raanana"),
    ("Raanana", "raanana"),
    ("Kfar-Sava", "kfar-saba"),
    ("KFAR SABA", "kfar-saba"),
    ("kfarsaba", "kfar-saba"),
    ("Modi'in-Maccabim-Re'ut", "modiin"),
    ("Modiin Illit", "modiin-illit"),
    ("Natzrat", "nazareth"),
    ("Nazareth Illit", "nof-hagalil"),
    ("Acre", None),  # strict: an English word
    ("I live in Acre", "akko"),
    ("Akko", "akko"),
    ("Kiryat Motzkin", "kiryat-motzkin"),
    ("Qiryat Gat", "kiryat-gat"),
    ("Tel Aviv's beaches", "tel-aviv"),
    # typos in Latin names
    ("plumber in Jerusalm", "jerusalem"),
    ("Hiafa", "haifa"),
    ("Petach Tikwa", "petah-tikva"),
    ("Herzelia", "herzliya"),
    ("Rishon Lezyion", "rishon-lezion"),
    ("Ramat Gann", "ramat-gan"),
    # Sunday, not Rishon LeZion
    ("אפשר ביום ראשון?", None),
    ("יום ראשון בבוקר", None),
    ("בראשון בבוקר מתאים", None),
    ("תבוא בראשון?", None),
    ("מראשון עד חמישי אני בעבודה", None),
    ("ראשון הבא", None),
    ("הדבר הראשון לבדוק", None),
    # ... and Rishon LeZion
    ("אני גר בראשון", "rishon-lezion"),
    ("מחפש חשמלאי בראשון", "rishon-lezion"),
    ("אני מראשון", "rishon-lezion"),
    ("נזילה בכיור. ראשון", "rishon-lezion"),
    ("ביום ראשון בראשון לציון", "rishon-lezion"),
    # streets, not Rehovot
    ("ברחובות העיר יש הצפות", None),
    ("שני רחובות מכאן", None),
    ("הרחובות מוצפים", None),
    ("ברחובות הסמוכים אין חשמל", None),
    # ... and Rehovot
    ("יש סתימה בכיור. מרחובות", "rehovot"),
    ("אני גר ברחובות", "rehovot"),
    ("רחובות", "rehovot"),
    ("אני ברחובות היום", "rehovot"),
    # short names never fire inside words, and everyday words stay words
    ("זה מתאים לי", None),
    ("התאורה בסלון לא עובדת", None),
    ("צריך להחליף תא מקלחת", None),
    ("בתא השירותים יש נזילה", None),
    ("fix my apt door", None),
    ("יש פת לחם על השיש", None),
    ("שלחתי מפת גוגל", None),
    ("מזגן 1.5 כ״ס לא מקרר", None),
    ('שק של 25 ק"ג מלט', None),
    ('5 מ"א ארון מטבח', None),
    ('לפני ר"ה צריך לסיים', None),
    ("הצבע נשר מהקיר", None),
    ("הגדרה של המזגן לא נשמרת", None),
    ("מי יבנה לי ארון קיר?", None),
    ("אני באזור המרכז", None),
    ("גר במגדל של 30 קומות", None),
    ("ביתר החדרים יש חשמל", None),
    ("המנעול תקוע", None),
    ("באה בחורה לתקן", None),
    ("יש כתם שחורה על הקיר", None),
    ("רעש מחריש אוזניים מהמזגן", None),
    ("רוצה לרהט את הדירה", None),
    ("we live in the Krayot", None),
    ("גרים בקריות", None),
    ("The colon is blocked", None),
    ("shower drain is blocked", None),
    ("", None),
    # first names: a city only when marked as a place
    ("תודה, עומר", None),
    ("היי, זה אלעד", None),
    ("שמי אריאל", None),
    ("שלום, זאת אילת, המזגן מטפטף", None),
    ("Hi, this is Omer, my sink is clogged", None),
    ("בני ציון שבר את החלון", None),
    ("אני ראשון בתור", None),
    ("גר באלעד", "elad"),
    ("אני מעומר", "omer"),
    ("הצבע מתנפח. נשר", "nesher"),
    ("מישהו בנשר?", "nesher"),
    ("I live in Ariel", "ariel"),
    # a city's name used as a street's
    ("רחוב יפו 23, ירושלים", "jerusalem"),
    ("שדרות ירושלים 12, יפו", "tel-aviv"),
    ("אני גר בשדרות רוטשילד", None),
    ("אני גר בשדרות", "sderot"),
    ("משדרות, יש לי נזילה", "sderot"),
    ("דרך חיפה 5", None),
    ("Jaffa Road, Jerusalem", "jerusalem"),
    ("Haifa Street", None),
    # Yavne, not "will build"
    ("ביבנה", "yavne"),
    ("מישהו יכול לבוא להתקין מסנן? יבנה", "yavne"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_find_city(text, expected):
    assert slug_of(text) == expected


def test_the_match_is_the_name_as_written_without_its_prefix():
    text = "שלום, הדוד דולף בחֵיפָה!"

    match = find_city(text)

    assert match.matched == "חֵיפָה"
    assert text[match.start : match.end] == match.matched


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("ובפ״ת", "פ״ת"),
        ("ב-תל אביב", "תל אביב"),
        ("(Tel-Aviv)", "Tel-Aviv"),
        ("Tel Aviv's", "Tel Aviv"),
        ("  in   Kfar   Saba  ", "Kfar   Saba"),
    ],
)
def test_match_offsets_point_into_the_original_text(text, matched):
    match = find_city(text)

    assert match.matched == matched
    assert text[match.start : match.end] == matched


def test_longest_name_wins():
    assert find_city("קריית מוצקין").matched == "קריית מוצקין"
    assert find_city("תל אביב יפו").matched == "תל אביב יפו"
    assert find_city("ראשון לציון").matched == "ראשון לציון"
    assert slug_of("Modiin Illit") == "modiin-illit"


def test_first_city_by_position():
    assert slug_of("from Haifa to Tel Aviv") == "haifa"
    assert slug_of("מתל אביב לחיפה") == "tel-aviv"


def test_find_all_cities_lists_them_in_order():
    matches = find_all_cities("עברנו מחיפה לתל אביב, ואחר כך לחיפה שוב")

    assert [m.city.slug for m in matches] == ["haifa", "tel-aviv", "haifa"]
    assert [m.start for m in matches] == sorted(m.start for m in matches)


def test_typos_are_a_fallback_only():
    # An exact name anywhere wins over a typo earlier in the text.
    assert [m.city.slug for m in find_all_cities("Hiafa or Tel Aviv?")] == ["tel-aviv"]


@pytest.mark.skipif(not LABELLED.exists(), reason="no labelled messages")
def test_labelled_messages():
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    wrong = [(r["text"], r["city"], slug_of(r["text"])) for r in rows if "city" in r]

    assert [w for w in wrong if (w[1] or None) != w[2]] == []


# --- sync_cities ------------------------------------------------------------------------


def sync() -> str:
    out = io.StringIO()
    call_command("sync_cities", stdout=out)
    return out.getvalue()


def test_sync_cities_creates_every_city_then_changes_nothing(db):
    first = sync()

    assert City.objects.count() == len(CITIES)
    assert f"{len(CITIES)} created, 0 updated, 0 unchanged" in first
    tel_aviv = City.objects.get(slug="tel-aviv")
    assert (tel_aviv.name_he, tel_aviv.name_en) == ("תל אביב-יפו", "Tel Aviv-Yafo")
    stamps = dict(City.objects.values_list("slug", "updated_at"))

    second = sync()

    assert "0 created, 0 updated" in second
    assert f"{len(CITIES)} unchanged" in second
    assert City.objects.count() == len(CITIES)
    assert dict(City.objects.values_list("slug", "updated_at")) == stamps


def test_sync_cities_renames_and_leaves_other_cities_alone(db):
    City.objects.create(slug="haifa", name_he="חיפה", name_en="Hayfa")
    City.objects.create(slug="atlantis", name_he="אטלנטיס", name_en="Atlantis")

    out = sync()

    assert City.objects.get(slug="haifa").name_en == "Haifa"
    assert f"{len(CITIES) - 1} created, 1 updated, 0 unchanged" in out
    assert "1 other cities" in out
    assert City.objects.filter(slug="atlantis").exists()
