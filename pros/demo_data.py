"""Demo cities and pros for `manage.py seed_demo`.

Pros use the record shape of `import_pros` JSON (name, phone, cities, trades, rating,
reviews, active, max_load, persona, price_list) plus tone and working hours.
Phones are all 050-5550xxx so nobody mistakes them for real customers' pros.
Prices are typical of Israeli home services in shekels, VAT included.
"""

from pros.models import Tone, default_working_hours

CITIES = [
    {"slug": "tel-aviv", "name_he": "תל אביב-יפו", "name_en": "Tel Aviv-Yafo"},
    {"slug": "jerusalem", "name_he": "ירושלים", "name_en": "Jerusalem"},
    {"slug": "haifa", "name_he": "חיפה", "name_en": "Haifa"},
    {"slug": "rishon-lezion", "name_he": "ראשון לציון", "name_en": "Rishon LeZion"},
    {"slug": "petah-tikva", "name_he": "פתח תקווה", "name_en": "Petah Tikva"},
    {"slug": "beer-sheva", "name_he": "באר שבע", "name_en": "Be'er Sheva"},
    {"slug": "netanya", "name_he": "נתניה", "name_en": "Netanya"},
    {"slug": "ramat-gan", "name_he": "רמת גן", "name_en": "Ramat Gan"},
    {"slug": "holon", "name_he": "חולון", "name_en": "Holon"},
    {"slug": "herzliya", "name_he": "הרצליה", "name_en": "Herzliya"},
]


# Slot length by a pro's main (first) trade; everything else gets an hour.
SLOT_MINUTES = {"hvac": 90, "handyman": 90, "sealing": 120}
DEFAULT_SLOT_MINUTES = 60


def _hours(weekday: str, friday: str | None = "08:00-13:00") -> dict:
    """Sunday–Thursday `weekday` ("HH:MM-HH:MM", or two joined by ","), Friday `friday`."""

    def windows(text):
        return [part.split("-") for part in text.split(",")] if text else []

    hours = {day: windows(weekday) for day in ("sun", "mon", "tue", "wed", "thu")}
    hours["fri"] = windows(friday)
    hours["sat"] = []
    return hours


def _prices(*rows) -> list[dict]:
    return [{"service": s, "price": p, "note": n} for s, p, n in rows]


PROS = [
    {
        "name": "יוסי כהן",
        "phone": "050-5550101",
        "cities": ["haifa"],
        "trades": ["plumbing"],
        "rating": 4.8,
        "reviews": 212,
        "active": True,
        "max_load": None,
        "tone": Tone.WARM,
        "persona": "אני יוסי, אינסטלטור מוסמך בחיפה כבר יותר מעשרים שנה. "
        "אני מגיע בזמן, מסביר מה הבעיה לפני שמתחילים ולא מפתיע במחיר. "
        "הכי חשוב לי שהלקוח יישאר רגוע ושהבית יישאר נקי.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("ביקור טכנאי", 300, "כולל אבחון; מקוזז ממחיר העבודה אם מבצעים"),
            ("פתיחת סתימה בכיור", 350, "כולל ניקוי סיפון"),
            ("פתיחת סתימה באסלה", 400, ""),
            ("החלפת ברז מטבח", 450, "לא כולל הברז עצמו"),
            ("איתור נזילה במצלמה תרמית", 850, "כולל דוח לחברת הביטוח"),
        ),
    },
    {
        "name": "מוחמד חביב",
        "phone": "050-5550102",
        "cities": ["haifa"],
        "trades": ["plumbing"],
        "rating": 4.6,
        "reviews": 87,
        "active": True,
        "max_load": 4,
        "tone": Tone.DIRECT,
        "persona": "מוחמד, אינסטלטור מחיפה, עובד בעיקר בכרמל ובעיר התחתית. "
        "קצר ולעניין: תשלחו תמונה של התקלה ואגיד לכם מה צריך ומתי אני מגיע.",
        "working_hours": _hours("07:30-17:00", "07:30-12:00"),
        "price_list": _prices(
            ("ביקור טכנאי", 250, "האבחון במקום, בלי התחייבות"),
            ("פתיחת סתימה בכיור", 300, ""),
            ("החלפת מיכל הדחה סמוי", 650, "לא כולל מנגנון חדש"),
            ("התקנת מסנן מים", 350, "המסנן על חשבון הלקוח"),
        ),
    },
    {
        "name": "אבי לוי",
        "phone": "050-5550103",
        "cities": ["tel-aviv", "ramat-gan", "holon"],
        "trades": ["plumbing"],
        "rating": 4.7,
        "reviews": 154,
        "active": True,
        "max_load": None,
        "tone": Tone.FRIENDLY,
        "persona": "אבי, אינסטלטור בגוש דן כבר 15 שנה, מכיר כל צנרת ישנה בבניינים של תל אביב. "
        "אוהב לפתור בעיות בלי לשבור קירות, ותמיד עם חיוך.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("ביקור טכנאי", 320, "כולל חצי שעת עבודה"),
            ("פתיחת סתימה עם מכונה חשמלית", 450, ""),
            ("החלפת ברז פרח באמבטיה", 400, "לא כולל הברז"),
            ("תיקון נזילה מתחת לכיור", 300, "כולל חלקים קטנים"),
        ),
    },
    {
        "name": "דוד מזרחי",
        "phone": "050-5550104",
        "cities": ["tel-aviv", "ramat-gan", "herzliya"],
        "trades": ["electrical"],
        "rating": 4.9,
        "reviews": 301,
        "active": True,
        "max_load": 3,
        "tone": Tone.PROFESSIONAL,
        "persona": "דוד מזרחי, חשמלאי מוסמך בעל רישיון חשמלאי ראשי. "
        "אני עובד לפי התקן, נותן חשבונית על כל עבודה ובודק את הלוח לפני שאני עוזב.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("קריאת שירות", 280, "כולל איתור התקלה"),
            ("החלפת שקע או מתג", 150, "ליחידה, כולל האביזר"),
            ("התקנת נקודת חשמל חדשה", 350, "עד 5 מטר מהלוח"),
            ("החלפת ממסר פחת", 650, "כולל ממסר תקני"),
            ("בדיקת לוח חשמל ואיתור קצר", 450, ""),
        ),
    },
    {
        "name": "אלכס פטרוב",
        "phone": "050-5550105",
        "cities": ["rishon-lezion", "holon", "haifa"],
        "trades": ["electrical"],
        "rating": 4.5,
        "reviews": 64,
        "active": True,
        "max_load": None,
        "tone": Tone.DIRECT,
        "persona": "אלכס, חשמלאי מוסמך עם ניסיון של 12 שנה בבנייה ובשיפוצים. "
        "מגיע עם כל הציוד ברכב, בדרך כלל סוגר את העבודה בביקור אחד.",
        "working_hours": _hours("08:00-19:00"),
        "price_list": _prices(
            ("קריאת שירות", 250, ""),
            ("התקנת גוף תאורה", 200, "ליחידה, עד גובה 3 מטר"),
            ("התקנת מפסק לדוד שמש עם טיימר", 380, "כולל שעון שבת"),
        ),
    },
    {
        "name": "רונן אברהם",
        "phone": "050-5550106",
        "cities": ["beer-sheva"],
        "trades": ["hvac"],
        "rating": 4.7,
        "reviews": 140,
        "active": True,
        "max_load": None,
        "tone": Tone.FRIENDLY,
        "persona": "רונן, טכנאי מיזוג אוויר בבאר שבע. בקיץ של הנגב מזגן זה לא מותרות, "
        "אז אני משתדל להגיע עוד באותו יום. מוסמך לכל החברות הגדולות.",
        "working_hours": _hours("07:00-19:00"),
        "price_list": _prices(
            ("קריאת שירות", 250, ""),
            ("ניקוי וחיטוי מזגן עילי", 250, "ליחידה"),
            ("מילוי גז למזגן", 450, "כולל בדיקת נזילות"),
            ("התקנת מזגן עילי עד 1.5 כ״ס", 1100, "כולל 3 מטר צנרת"),
        ),
    },
    {
        "name": "עומר שפירא",
        "phone": "050-5550107",
        "cities": ["tel-aviv", "petah-tikva", "ramat-gan"],
        "trades": ["hvac"],
        "rating": 4.4,
        "reviews": 48,
        "active": True,
        "max_load": 5,
        "tone": Tone.PROFESSIONAL,
        "persona": "עומר שפירא, מהנדס מיזוג אוויר ותיק, מתמחה במיני מרכזי ובמערכות VRF. "
        "לפני כל עבודה אני נותן הצעת מחיר מסודרת בכתב.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("קריאת שירות", 300, ""),
            ("ניקוי מזגן מיני מרכזי", 550, "כולל ניקוי תעלות גלויות"),
            ("החלפת קבל במדחס", 380, "כולל החלק"),
            ("פירוק מזגן עילי", 400, "כולל ריקון גז"),
        ),
    },
    {
        "name": "שמעון ביטון",
        "phone": "050-5550108",
        "cities": ["jerusalem"],
        "trades": ["locksmith"],
        "rating": 4.8,
        "reviews": 260,
        "active": True,
        "max_load": None,
        "tone": Tone.DIRECT,
        "persona": "שמעון, מסגר ופורץ מנעולים בירושלים כבר 25 שנה. "
        "נעלתם את עצמכם בחוץ? תשלחו כתובת ואני בדרך, בלי לשבור את הדלת.",
        "working_hours": _hours("07:00-22:00", "07:00-13:00"),
        "price_list": _prices(
            ("פתיחת דלת נעולה", 350, "אחרי 20:00 תוספת 150 ₪"),
            ("החלפת צילינדר", 300, "כולל צילינדר סטנדרטי"),
            ("התקנת מנעול ביטחון רב-בריח", 650, ""),
            ("שכפול מפתח מיוחד", 60, "ליחידה"),
        ),
    },
    {
        "name": "גיל פרידמן",
        "phone": "050-5550109",
        "cities": ["petah-tikva", "rishon-lezion", "tel-aviv"],
        "trades": ["appliances"],
        "rating": 4.6,
        "reviews": 95,
        "active": True,
        "max_load": None,
        "tone": Tone.PROFESSIONAL,
        "persona": "גיל פרידמן, טכנאי מוצרי חשמל לבית: מכונות כביסה, מייבשים, מקררים ומדיחים. "
        "אני עובד עם חלקי חילוף מקוריים ונותן אחריות של שלושה חודשים על כל תיקון.",
        "working_hours": _hours("08:00-12:00,14:00-19:00"),
        "price_list": _prices(
            ("קריאת שירות", 290, "מקוזז אם מבצעים את התיקון"),
            ("תיקון מכונת כביסה", 450, "לא כולל חלקים"),
            ("החלפת גוף חימום", 400, "כולל החלק"),
            ("תיקון מקרר שלא מקרר", 480, "לא כולל מילוי גז"),
        ),
    },
    {
        "name": "איתי גולן",
        "phone": "050-5550110",
        "cities": ["netanya", "herzliya"],
        "trades": ["handyman"],
        "rating": 5.0,
        "reviews": 3,
        "active": True,
        "max_load": 2,
        "tone": Tone.FRIENDLY,
        "persona": "היי, אני איתי, הנדימן חדש בשרון אחרי שנים כנגר בשיפוצים. "
        "תליית טלוויזיה, הרכבת רהיטים וכל התיקונים הקטנים שמחכים בבית.",
        "working_hours": _hours("09:00-18:00", "09:00-13:00"),
        "price_list": _prices(
            ("שעת עבודה", 220, "מינימום שעה"),
            ("תליית טלוויזיה על הקיר", 350, "עד 65 אינץ׳, לא כולל זרוע"),
            ("הרכבת ארון איקאה", 450, "ארון עד שלוש דלתות"),
        ),
    },
    {
        "name": "מיכאל דהן",
        "phone": "050-5550111",
        "cities": ["jerusalem", "beer-sheva"],
        "trades": ["sealing"],
        "rating": 4.7,
        "reviews": 120,
        "active": True,
        "max_load": None,
        "tone": Tone.WARM,
        "persona": "מיכאל דהן, מומחה לאיטום ולטיפול ברטיבות ועובש. "
        "לפני החורף כולם נזכרים בגג, אז כדאי לבדוק מוקדם. אני נותן אחריות בכתב לעשר שנים.",
        "working_hours": _hours("07:00-16:00", None),
        "price_list": _prices(
            ("ביקור ואבחון רטיבות", 400, "כולל מד לחות ומצלמה תרמית"),
            ("איטום גג ביריעות ביטומניות", 120, "למ״ר, מינימום 20 מ״ר"),
            ("איטום מקלחת ללא שבירה", 1800, "אחריות 5 שנים"),
            ("טיפול בעובש", 650, "לחדר, כולל צבע נגד עובש"),
        ),
    },
    {
        "name": "חיים ששון",
        "phone": "050-5550112",
        "cities": ["jerusalem"],
        "trades": ["plumbing", "sealing"],
        "rating": 4.5,
        "reviews": 110,
        "active": True,
        "max_load": None,
        "tone": Tone.WARM,
        "persona": "חיים ששון, אינסטלטור ואיטום בירושלים. "
        "בבניינים הישנים של העיר נזילה ורטיבות הולכות יחד, אז אני מטפל בשתיהן בביקור אחד.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("ביקור טכנאי", 300, ""),
            ("איתור נזילה", 700, "ללא הרס"),
            ("החלפת צנרת מים באמבטיה", 3500, "צנרת פקסגול, כולל חומרים"),
        ),
    },
    {
        "name": "ניר אוחיון",
        "phone": "050-5550113",
        "cities": ["rishon-lezion", "holon", "tel-aviv"],
        "trades": ["locksmith", "handyman"],
        "rating": 4.2,
        "reviews": 40,
        "active": False,
        "max_load": None,
        "tone": Tone.DIRECT,
        "persona": "ניר, מסגר והנדימן בראשון ובחולון. כרגע בחופשה ולא מקבל עבודות חדשות.",
        "working_hours": default_working_hours(),
        "price_list": _prices(
            ("פתיחת דלת נעולה", 320, ""),
            ("החלפת צילינדר", 280, "כולל צילינדר"),
            ("תיקון ציר דלת", 200, ""),
        ),
    },
]
