"""The offline dispatcher reads Arabic and Russian customers as it reads Hebrew and English.

Each message below is one a customer in Israel might send on WhatsApp (short, in bursts,
with typos, Levantine or standard Arabic, Arabic-Indic digits, Israeli Russian with Hebrew
words), with what the reading must be: the city, the trade, urgent or not (and why), and
the day, hour and part of the day asked for, all read on Sunday 6 December 2026 at 10:00.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ai.offline import dispatch
from ai.types import Dispatch

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))  # a Sunday


def when(days: int | None, clock: str | None = None, part: str = "") -> tuple:
    date = None if days is None else (NOW.date() + dt.timedelta(days=days)).isoformat()
    return date, clock, part


NONE = when(None)

# (text, city slug, trade, urgency reason or "" when not urgent, (date, time, part))
ARABIC = [
    ("مرحبا، عندي تسريب مي تحت المجلى بحيفا. ممكن بكرا الساعة ١٠؟", "haifa", "plumbing", "",
     when(1, "10:00")),
    ("المكيّف ما بيبرد، أنا بالناصرة، بدي فني اليوم العصر", "nazareth", "hvac", "",
     when(0, None, "afternoon")),
    ("في ريحة غاز قوية بالمطبخ!! أم الفحم", "umm-al-fahm", "other", "gas_smell", NONE),
    ("الكهربا عم تطق شرار من البريزة بالصالون، سخنين، تعالوا هلأ", "sakhnin", "electrical",
     "sparks", when(0)),
    ("البيت غرقان مي، ماسورة انفجرت بالحمام! رهط", "rahat", "plumbing", "flooding", NONE),
    ("الباب انسكر والولد جوا لحاله، بسرعة دخيلكم، كفر قاسم", "kafr-qasim", "locksmith",
     "locked_out", NONE),
    ("ما في كهربا بالبيت كله من ساعة، شفاعمرو", "shefa-amr", "electrical", "no_power", NONE),
    ("بدي حدا يركب رفوف وتلفزيون عالحيط بعكا، يوم الخميس الصبح", "akko", "handyman", "",
     when(4, None, "morning")),
    ("الحنفية بالمطبخ بتنقط، ممكن بعد بكرا بالمسا؟ اللد", "lod", "plumbing", "",
     when(2, None, "evening")),
    ("رطوبة وعفن بالسقف بغرفة النوم، بدي عزل. الطيبة", "tayibe", "sealing", "", NONE),
    ("الغسالة ما بتشتغل وبتعطي خطأ E20، باقة الغربية", "baqa-al-gharbiyye", "appliances", "",
     NONE),
    ("التلاجة ما بتبرد من امبارح، حيفا", "haifa", "appliances", "", NONE),
    ("ضيعت المفاتيح وأنا برا البيت، القدس", "jerusalem", "locksmith", "locked_out", NONE),
    ("بدي كهربجي يركب نقطة كهربا جديدة للمكيف، الرملة، الأسبوع الجاي يوم التنين", "ramla",
     "electrical", "", when(8)),
    ("الفيوز بيطير كل ما نشغل الغسالة والجلاية مع بعض، الناصرة", "nazareth", "electrical", "",
     NONE),
    ("السخان الشمسي ما بيسخن، ما في مي سخنة، طمرة", "tamra", "plumbing", "", NONE),
    ("المرحاض مسدود والمي طالعة، عرابة", "arraba", "plumbing", "", NONE),
    ("المزغان بينقط مي جوا البيت، بئر السبع، بكرا بعد الظهر", "beer-sheva", "hvac", "",
     when(1, None, "afternoon")),
    ("مرحبا، بدي دهان للبيت كله، 4 غرف، نتانيا", "netanya", "other", "", NONE),
    ("بدي حدا يجمع خزانة من ايكيا، بيت شيمش، السبت بالليل", "beit-shemesh", "handyman", "",
     when(6, None, "evening")),
    ("الدلف من السطح كل ما تشتي، بدي عزل للسطح، كفر كنا", "kafr-kanna", "sealing", "", NONE),
    ("القفل خربان وما بقدر أسكر الباب منيح، طبرية", "tiberias", "locksmith", "", NONE),
    ("ضروري!! ماسورة فاقعة والمي بكل البيت، تعال هلأ، أشدود", "ashdod", "plumbing", "flooding",
     when(0)),
    ("بدي مواسرجي، المجاري طافحة بالحارة، شفاعمرو", "shefa-amr", "plumbing", "", NONE),
    ("بكرا الساعة ٥ مساءً بدي كهربجي يفحص لوح الكهربا، قلنسوة", "qalansawe", "electrical", "",
     when(1, "17:00", "evening")),
    ("الفرن ما بيسخن، ممكن يوم الثلاثاء؟ دالية الكرمل", "daliyat-al-karmel", "appliances", "",
     when(2)),
    ("مستعجل، الحنفية مكسورة والمي ما بتسكر، العفولة", "afula", "plumbing", "other", NONE),
    ("بدي أعلق برادي بالصالون، مش مستعجل، الناصرة العليا", "nof-hagalil", "handyman", "",
     NONE),
    ("بتقدر تيجي ١٥/١٢ تصلح المكيف؟ جلجولية", "jaljulia", "hvac", "", when(9)),
    ("مرحبا 👋 عنا تسريب بالمي من السقف من الجيران اللي فوق، نهاريا", "nahariya", "plumbing", "",
     NONE),
    ("الكالون عالق وما عم يفتح، بدي مفاتيحي، معلوت ترشيحا، هلق", "maalot-tarshiha", "locksmith",
     "locked_out", when(0)),
    ("المي السخنة مقطوعة والبويلر بينقط، كريات جات، بكرا الصبح", "kiryat-gat", "plumbing", "",
     when(1, None, "morning")),
    ("عندي عفن بالحيطان ورطوبة، بدي فني عزل يوم الأربعاء الساعة ٩", "", "sealing", "",
     when(3, "09:00")),
    ("بدي فني تكييف يركب مكيف جديد، دير حنا، الأسبوع الجاي", "deir-hanna", "hvac", "", NONE),
    ("ريحة حريق من لوح الكهربا!! دبورية", "daburiyya", "electrical", "sparks", NONE),
    ("الجلاية عم تطوف مي على الأرض، عسفيا", "isfiya", "appliances", "flooding", NONE),
    ("بدي حدا يثقب الحيط ويعلق مراية، يافة الناصرة بعد ٣ أيام", "yafa-an-naseriyye", "handyman",
     "", when(3)),
    ("بدي حدا ينظف البيت بعد الشيبوتسيم، نتيفوت", "netivot", "other", "", NONE),
    ("حشرات وصراصير بالمطبخ، بدي رش، ديمونا", "dimona", "other", "", NONE),
    ("הדוד ما بسخن من يوم الجمعة, بدي انستلاتور بكفر ياسيف", "kafr-yasif", "plumbing", "", NONE),
    ("الثلاجة مش عم تبرد والفريزر كمان، بدي فني بأسرع وقت، صفد", "safed", "appliances", "other",
     when(0)),
    ("بدي كهربائي، الضو بغرفة الولاد ما بيشتغل، مجد الكروم، الساعة ٤ العصر", "majd-al-krum",
     "electrical", "", when(0, "16:00", "afternoon")),
    ("بدي حدا يعلق تلفزيون ٦٥ انش، الرملة، اليوم بعد الساعة ٦", "ramla", "handyman", "",
     when(0, "18:00")),  # انش is inches, not نش (seeping)
    ("الحيط فيه عفن اسود بغرفة الولاد، بدي حل، باقة", "baqa-al-gharbiyye", "sealing", "", NONE),
    ("في تسريب غاز من الجرة، شامين ريحة قوية", "", "other", "gas_smell", NONE),
    ("الغسالة بتسرب مي من تحت، يوم الأحد بعد الظهر، الطيبة", "tayibe", "appliances", "",
     when(7, None, "afternoon")),
    ("بدي دهان غرفتين، بكرا او بعده، عكا", "akko", "other", "", when(1)),
]  # fmt: skip

RUSSIAN = [
    ("Кондей не холодит, я в Хайфе, можно завтра утром?", "haifa", "hvac", "",
     when(1, None, "morning")),
    ("Прорвало трубу, затопило соседей, Бат-Ям, срочно!", "bat-yam", "plumbing", "flooding",
     NONE),
    ("Здравствуйте, нужен электрик в Ашдоде, искрит розетка", "ashdod", "electrical", "sparks",
     NONE),
    ("Захлопнулась дверь, ребёнок внутри! Нетания", "netanya", "locksmith", "locked_out", NONE),
    ("Пахнет газом на кухне, Беэр-Шева", "beer-sheva", "other", "gas_smell", NONE),
    ("Нет света во всей квартире, Кармиэль, приезжайте сейчас", "karmiel", "electrical",
     "no_power", when(0)),
    ("Течёт кран на кухне, живу в Ришон-ле-Ционе, можно в среду после обеда?", "rishon-lezion",
     "plumbing", "", when(3, None, "afternoon")),
    ("Засорился унитаз, Ашкелон, сегодня вечером", "ashkelon", "plumbing", "",
     when(0, None, "evening")),
    ("Нужен мастер повесить полки и телевизор, Петах-Тиква, в четверг в 10", "petah-tikva",
     "handyman", "", when(4, "10:00")),
    ("Сырость и плесень на потолке в спальне, нужна гидроизоляция. Хадера", "hadera", "sealing",
     "", NONE),
    ("Стиральная машина не сливает воду, ошибка E21, Реховот", "rehovot", "appliances", "", NONE),
    ("Холодильник перестал морозить со вчера, Холон", "holon", "appliances", "", NONE),
    ("Потерял ключи, стою на улице, Иерусалим", "jerusalem", "locksmith", "locked_out", NONE),
    ("Выбивает автомат когда включаю бойлер, Арад", "arad", "electrical", "", NONE),
    ("Бойлер не греет, нет горячей воды, Сдерот, завтра в 9 утра", "sderot", "plumbing", "",
     when(1, "09:00", "morning")),
    ("Мазган течёт в салоне, Ашдод, послезавтра вечером", "ashdod", "hvac", "",
     when(2, None, "evening")),
    ("Нужен маляр покрасить квартиру, 3 комнаты, Нагария", "nahariya", "other", "", NONE),
    ("Собрать шкаф из икеа, Кирьят-Гат, в субботу вечером после шабата", "kiryat-gat",
     "handyman", "", when(6, None, "evening")),
    ("Крыша протекает после дождя, нужен иттум, Маалот", "maalot-tarshiha", "sealing", "", NONE),
    ("Замок заклинило, не могу закрыть дверь. Тверия", "tiberias", "locksmith", "", NONE),
    ("Срочно! Лопнула труба под раковиной, вода везде, Ор-Йехуда", "or-yehuda", "plumbing",
     "flooding", NONE),
    ("Сломалась посудомойка, Кирьят-Ям, через два дня", "kiryat-yam", "appliances", "", when(2)),
    ("Короткое замыкание, дым из щитка! Афула", "afula", "electrical", "sparks", NONE),
    ("Кондиционер капает на пол, из Нес-Ционы, можно сегодня?", "ness-ziona", "hvac", "",
     when(0)),
    ("Надо поменять смеситель в ванной, не срочно, Кфар-Сава", "kfar-saba", "plumbing", "", NONE),
    ("Нужен сантехник, засор в канализации, Димона, как можно скорее", "dimona", "plumbing",
     "other", when(0)),
    ("Добрый день, нужно повесить карниз и шторы, Явне, 15.12 в 11:00", "yavne", "handyman", "",
     when(9, "11:00")),
    ("Тараканы на кухне, нужна дезинсекция, Эйлат", "eilat", "other", "", NONE),
    ("Духовка не греет, Кирьят-Бялик, в понедельник с утра", "kiryat-bialik", "appliances", "",
     when(1, None, "morning")),
    ("В Бейт-Шемеше нужен электрик поставить новую розетку, завтра в 5", "beit-shemesh",
     "electrical", "", when(1, "17:00")),
    ("Течёт с потолка от соседей сверху, Бней-Брак", "bnei-brak", "plumbing", "", NONE),
    ("Нужна уборка после ремонта, Герцлия, в пятницу", "herzliya", "other", "", when(5)),
    ("Мерказит не работает, жарко, Рамат-Ган, в 3 часа дня", "ramat-gan", "hvac", "",
     when(0, "15:00", "afternoon")),
    ("Сломался замок, ключ не поворачивается, Лод, в 8 вечера", "lod", "locksmith", "",
     when(0, "20:00", "evening")),
    ("Вода не уходит из душа, Модиин, на следующей неделе в понедельник", "modiin", "plumbing", "",
     when(8)),
    ("Привет! Нужно установить люстру, Нешер, без четверти три", "nesher", "electrical", "",
     when(0, "14:45")),
    ("Ребенок заперся в ванной, не можем открыть дверь!! Кирьят-Малахи", "kiryat-malakhi",
     "locksmith", "locked_out", NONE),
    ("Мокрое пятно на стене, грибок, Рамла, в половине одиннадцатого", "ramla", "sealing", "",
     when(0, "10:30")),
    ("Отключили свет во всём доме, Гедера", "gedera", "electrical", "no_power", NONE),
    ("Не работает микроволновка и плита, Кацрин, через неделю", "katzrin", "appliances", "",
     when(7)),
    ("Нужен инсталлятор, дуд течёт, в Офакиме", "ofakim", "plumbing", "", NONE),
    ("Крыша течёт в двух местах, Сдерот", "sderot", "sealing", "", NONE),  # not at two
    ("Стиралка не отжимает, Нагария, завтра после 4", "nahariya", "appliances", "",
     when(1, "16:00")),
    ("Выбивает пробки когда включаю чайник и микроволновку вместе, Хайфа", "haifa", "electrical",
     "", NONE),
    ("Мазган гудит и не дует холодным, Ашдод, в 6 вечера", "ashdod", "hvac", "",
     when(0, "18:00", "evening")),
    ("Запах газа в подъезде!!! Рамат-Ган", "ramat-gan", "other", "gas_smell", NONE),
]  # fmt: skip


def reading(text: str) -> Dispatch:
    return dispatch(text, NOW)


def _when(result: Dispatch) -> tuple:
    date = result.requested_date.isoformat() if result.requested_date else None
    clock = result.requested_time.strftime("%H:%M") if result.requested_time else None
    return date, clock, result.time_of_day


def _check(text, city, trade, reason, expected_when, language):
    result = reading(text)

    got = (result.language, result.city, result.issue_type, result.urgency_reason, _when(result))
    assert got == (language, city, trade, reason, expected_when), text
    assert result.urgent == bool(reason)


def test_the_sets_are_big_enough():
    assert len(ARABIC) >= 40 and len(RUSSIAN) >= 40
    for rows in (ARABIC, RUSSIAN):
        trades = {row[2] for row in rows}
        reasons = {row[3] for row in rows}
        assert {"plumbing", "electrical", "hvac", "appliances", "locksmith", "handyman"} <= trades
        assert {"sealing", "other"} <= trades
        assert {"gas_smell", "sparks", "flooding", "locked_out", "no_power"} <= reasons


@pytest.mark.parametrize(("text", "city", "trade", "reason", "expected"), ARABIC)
def test_arabic_messages(text, city, trade, reason, expected):
    _check(text, city, trade, reason, expected, "ar")


@pytest.mark.parametrize(("text", "city", "trade", "reason", "expected"), RUSSIAN)
def test_russian_messages(text, city, trade, reason, expected):
    _check(text, city, trade, reason, expected, "ru")


# --- cities: grammar and spellings -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("بحيفا", "haifa"), ("من حيفا", "haifa"), ("وبحيفا", "haifa"), ("لحيفا", "haifa"),
        ("في الناصرة", "nazareth"), ("بالناصره", "nazareth"), ("للناصرة", "nazareth"),
        ("من الناصرة", "nazareth"), ("بأم الفحم", "umm-al-fahm"), ("ام الفحم", "umm-al-fahm"),
        ("بالقدس", "jerusalem"), ("بتل أبيب", "tel-aviv"), ("في تل ابيب", "tel-aviv"),
        ("باللد", "lod"), ("من الرملة", "ramla"), ("بكفر قاسم", "kafr-qasim"),
        ("في Хайфе", "haifa"),
        ("в Хайфе", "haifa"), ("из Хайфы", "haifa"), ("в Хайфу", "haifa"), ("Хайфа", "haifa"),
        ("в Тель-Авиве", "tel-aviv"), ("из Тель-Авива", "tel-aviv"), ("в Бат-Яме", "bat-yam"),
        ("из Бат-Яма", "bat-yam"), ("в Нетании", "netanya"), ("Нетанию", "netanya"),
        ("в Беэр-Шеве", "beer-sheva"), ("из Беэр-Шевы", "beer-sheva"), ("в Ашдоде", "ashdod"),
        ("в Кармиэле", "karmiel"), ("из Кармиэля", "karmiel"), ("в Петах-Тикве", "petah-tikva"),
        ("в Иерусалиме", "jerusalem"), ("в Акко", "akko"), ("в Тверии", "tiberias"),
        ("в ХАЙФЕ", "haifa"), ("в Ришон-ле-Ционе", "rishon-lezion"), ("в Ришоне", "rishon-lezion"),
        ("في يافا", "tel-aviv"), ("в Яффо", "tel-aviv"), ("من الطيرة", "tira"), ("в Тире", "tira"),
        ("في عسقلان", "ashkelon"), ("بكرميئيل", "karmiel"), ("в Маалоте", "maalot-tarshiha"),
    ],
)  # fmt: skip
def test_city_names_in_arabic_and_russian_grammar(text, city):
    from ai.gazetteer import find_city

    match = find_city(text)
    assert (match.city.slug if match else None) == city, text


@pytest.mark.parametrize(
    "text",
    [
        "شارع يافا 10",  # a street, not Jaffa
        "ул. Яффо 10",
        "بلد",  # "a town": not Lod without its article
        "الفحم غالي",  # coal is not Umm al-Fahm
        "فحم",
        "بلا كهربا",  # "without power", not a place GeoNames spells بلا
        "рама окна течёт",  # a window frame, not Rameh
        "поставьте тире",  # a dash, not Tira
        "меня зовут Ариэль",  # a name, not Ariel
        "طيبة كتير",  # kind, not Tayibe
    ],
)
def test_words_that_are_not_cities(text):
    from ai.gazetteer import find_city

    assert find_city(text) is None, text


def test_a_hebrew_word_in_russian_text_is_still_read():
    result = reading("Течёт מזגן в салоне, я в חיפה")

    assert (result.language, result.city, result.issue_type) == ("ru", "haifa", "hvac")


# --- addresses, names, intent and the pro's Hebrew summary --------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("عنواني شارع هرتسل 10 حيفا", "شارع هرتسل 10"),
        ("بشارع الجبل ١٢ بالناصرة", "بشارع الجبل ١٢"),
        ("Адрес: ул. Герцля 10, кв. 5, Хайфа", "ул. Герцля 10, кв. 5"),
        ("улица Жаботинского, д. 5, Бат-Ям", "улица Жаботинского, д. 5"),
        ("Течёт кран. Хайфа, Герцля 10", "Герцля 10"),
        ("حيفا، الجبل 12", "الجبل 12"),
        ("в 5 удобно", ""),
        ("بكرا الساعة ٥", ""),
    ],
)
def test_addresses(text, address):
    assert reading(text).address == address


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("اسمي محمد، بدي كهربجي", "محمد"),
        ("شكرا، رنا", "رنا"),
        ("меня зовут Ольга Петрова, нужен сантехник", "Ольга Петрова"),
        ("Спасибо, Ольга", "Ольга"),
        ("شكرا، بستنى ردك", ""),
    ],
)
def test_names(text, name):
    assert reading(text).customer_name == name


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("قديش بتكلف؟", "price"), ("شكراً", "thanks"), ("يعطيك العافية", "thanks"),
        ("وين الفني؟", "eta"), ("ممكن يوم تاني؟", "other_day"), ("بدي احكي مع حدا", "human"),
        ("Сколько стоит?", "price"), ("спасибо!", "thanks"), ("Когда он приедет?", "eta"),
        ("можно пораньше?", "earlier"), ("можно позже?", "later"), ("Течёт кран", "describe"),
    ],
)  # fmt: skip
def test_intents(text, intent):
    assert reading(text).intent == intent


def test_greetings_are_left_out_of_the_summary():
    assert reading("السلام عليكم، الحنفية بتنقط").summary == "الحنفية بتنقط"
    assert reading("Здравствуйте! Течёт кран").summary == "Течёт кран"


@pytest.mark.parametrize(
    ("text", "summary_he"),
    [
        ("مرحبا، عندي تسريب مي تحت المجلى بحيفا. ممكن بكرا الساعة ١٠؟",
         "אינסטלציה · נזילה · חיפה · מחר 10:00"),
        ("المكيّف ما بيبرد، أنا بالناصرة، بدي فني اليوم العصر",
         "מיזוג אוויר · מזגן לא מקרר · נצרת · היום אחה״צ"),
        ("Прорвало трубу, затопило соседей, Бат-Ям, срочно!", "אינסטלציה · בת ים · דחוף: הצפה"),
        ("Кондей не холодит, я в Хайфе, можно в четверг утром?",
         "מיזוג אוויר · מזגן לא מקרר · חיפה · יום חמישי 10/12 בבוקר"),
        ("Пахнет газом на кухне", "דחוף: ריח גז"),
        ("في تسريب غاز من الجرة", "דחוף: ריח גז"),  # a gas leak, not a water leak
    ],
)  # fmt: skip
def test_the_pro_gets_a_hebrew_summary(text, summary_he):
    result = reading(text)

    assert result.summary_he == summary_he
    assert result.summary != summary_he  # the customer's own words are kept apart


def test_city_name_is_in_the_customers_language():
    assert reading("تسريب بحيفا").city_name == "حيفا"
    assert reading("течёт кран в Хайфе").city_name == "Хайфа"
    assert reading("נזילה בחיפה").city_name == "חיפה"
    assert reading("leak in Haifa").city_name == "Haifa"


# --- dates beyond the labelled phrasings --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("приходите 8-го", when(2)),  # the 8th
        ("8-го декабря в 10", when(2, "10:00")),
        ("20 числа", when(14)),
        ("на 3-ем этаже", NONE),  # a floor, not a day
        ("в полдень", when(0, "12:00")),
        ("завтра в полдень", when(1, "12:00")),
        ("يوم ٢٠ بالشهر", when(14)),
        ("الساعة ١٠ ونص", when(0, "10:30")),
        ("بعد ساعتين", when(0, "12:00")),
        ("في شي ٣ غرف", NONE),
        ("في الساعة ٢٥", NONE),  # no such hour
        ("صباح الخير، بدي سباك", NONE),  # a greeting, not the morning
        ("Добрый вечер, течёт кран", NONE),
        ("в три раза больше", NONE),  # a count, not three o'clock
        ("с утра", when(0, None, "morning")),  # at 10:00 the morning lasts until 12:00
    ],
)  # fmt: skip
def test_more_dates_and_hours(text, expected):
    from ai.offline_when import read_when

    found = read_when(text, NOW.date(), NOW.time().replace(tzinfo=None))
    date = found.date.isoformat() if found.date else None
    clock = found.time.strftime("%H:%M") if found.time else None
    assert (date, clock, found.time_of_day) == expected, text


def test_a_polite_help_is_not_an_emergency():
    assert reading("Помогите, пожалуйста, повесить полку").urgent is False
    assert reading("Помогите срочно!").urgency_reason == "other"
