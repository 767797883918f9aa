import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea
from tests.factories import CityFactory, PriceItemFactory, ProFactory

# A few rows per file: the MongoDB lane is slow on inserts.
YOSSI = {
    "name": "יוסי כהן",
    "phone": "050-5550901",
    "cities": ["haifa", "קריית ביאליק"],
    "trades": ["plumbing"],
    "rating": 4.8,
    "reviews": 212,
    "active": True,
    "max_load": 4,
    "persona": "אינסטלטור בחיפה כבר עשרים שנה.",
    "price_list": [
        {"service": "קריאת שירות", "price": 250, "note": ""},
        {"service": "החלפת ברז", "price": "350.50", "note": "כולל חלקים"},
    ],
}
CSV_HEADER = "name,phone,cities,trades,rating,reviews,active,max_load,persona,price_list\n"


def write_json(tmp_path, rows, name="pros.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(tmp_path, text, name="pros.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import_pros", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def rejected(path) -> tuple[str, str]:
    """The errors printed and the command's message, for a file that must not import."""
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_pros", str(path), stdout=io.StringIO(), stderr=err)
    assert not Pro.objects.exists()
    assert not City.objects.exists()
    return err.getvalue(), str(raised.value)


def prices(pro) -> dict:
    return {item.service: (item.price, item.note) for item in pro.price_items.all()}


@pytest.mark.django_db
def test_json_creates_a_pro_with_its_cities_trades_and_prices(tmp_path):
    output = run(write_json(tmp_path, [YOSSI]))

    pro = Pro.objects.get(phone="972505550901")
    assert (pro.name, pro.rating, pro.review_count, pro.active, pro.max_load) == (
        "יוסי כהן",
        4.8,
        212,
        True,
        4,
    )
    assert pro.chat_id == "972505550901@c.us"
    assert pro.persona == YOSSI["persona"]
    assert pro.trade_keys == ["plumbing"]
    assert set(pro.cities.values_list("slug", flat=True)) == {"haifa", "kiryat-bialik"}
    assert City.objects.get(slug="haifa").name_he == "חיפה"
    assert prices(pro) == {
        "קריאת שירות": (Decimal("250"), ""),
        "החלפת ברז": (Decimal("350.50"), "כולל חלקים"),
    }
    assert "row 1: יוסי כהן (972505550901): created" in output
    assert "1 pros; 1 created, 0 updated, 0 unchanged" in output


@pytest.mark.django_db
def test_csv_creates_pros_from_a_spreadsheet_export(tmp_path):
    # A BOM and Windows line ends, as spreadsheets save them; a quoted cell with a comma.
    path = write_csv(
        tmp_path,
        CSV_HEADER.replace("\n", "\r\n")
        + "דנה לוי,+972 52 555 0902,Tel Aviv|ירושלים,electrical|מנעולן,4.5,30,yes,,"
        '"חשמלאית, מוסמכת",קריאת שירות:200|התקנת שקע:150:לנקודה\r\n'
        "אבי,0535550903,חולון,איטום,,,no,2,,\r\n",
        encoding="utf-8-sig",
    )

    output = run(path)

    dana = Pro.objects.get(phone="972525550902")
    assert (dana.name, dana.rating, dana.review_count, dana.active) == ("דנה לוי", 4.5, 30, True)
    assert dana.max_load is None
    assert dana.persona == "חשמלאית, מוסמכת"
    assert dana.trade_keys == ["electrical", "locksmith"]
    assert set(dana.cities.values_list("slug", flat=True)) == {"tel-aviv", "jerusalem"}
    assert prices(dana) == {
        "קריאת שירות": (Decimal("200"), ""),
        "התקנת שקע": (Decimal("150"), "לנקודה"),
    }
    avi = Pro.objects.get(phone="972535550903")
    assert (avi.active, avi.max_load, avi.rating, avi.review_count) == (False, 2, 0.0, 0)
    assert avi.trade_keys == ["sealing"]
    assert not avi.price_items.exists()
    assert "2 pros; 2 created, 0 updated, 0 unchanged" in output


@pytest.mark.django_db
def test_an_update_names_the_changed_fields_and_keeps_what_the_file_leaves_out(tmp_path):
    # Given a pro a manager set up in the admin, with a price the file does not mention
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(
        name="יוסי כהן", phone="0505550901", rating=4.5, review_count=212, trades=["plumbing"]
    )
    pro.cities.add(haifa)
    PriceItemFactory(pro=pro, service="קריאת שירות", price=Decimal("200"))
    PriceItemFactory(pro=pro, service="פתיחת סתימה", price=Decimal("300"))
    row = {
        "name": "יוסי כהן",
        "phone": "+972-50-555-0901",
        "rating": 4.9,
        "reviews": 212,
        "cities": ["Haifa"],
        "trades": ["plumbing", "sealing"],
        "price_list": [{"service": "קריאת שירות", "price": 250}],
    }

    output = run(write_json(tmp_path, [row]))

    pro.refresh_from_db()
    assert pro.rating == 4.9
    assert pro.trade_keys == ["plumbing", "sealing"]
    assert prices(pro) == {
        "קריאת שירות": (Decimal("250"), ""),
        "פתיחת סתימה": (Decimal("300"), ""),
    }
    assert Pro.objects.count() == 1
    assert "row 1: יוסי כהן (972505550901): updated (rating, trades, price_list)" in output
    assert "0 created, 1 updated, 0 unchanged" in output


@pytest.mark.django_db
def test_empty_cells_leave_the_stored_values_alone(tmp_path):
    pro = ProFactory(phone="0505550901", rating=4.2, review_count=7, persona="ותיק", max_load=3)
    path = write_csv(tmp_path, CSV_HEADER + f"{pro.name},050-555-0901,,,,,,,,\n")

    output = run(path)

    pro.refresh_from_db()
    assert (pro.rating, pro.review_count, pro.persona, pro.max_load) == (4.2, 7, "ותיק", 3)
    assert f"row 1: {pro.name} (972505550901): unchanged" in output


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    path = write_json(tmp_path, [YOSSI])
    run(path)
    stamp = Pro.objects.get().updated_at
    rows = [ProTrade.objects.count(), ServiceArea.objects.count(), PriceItem.objects.count()]

    output = run(path)

    assert Pro.objects.get().updated_at == stamp
    assert [ProTrade.objects.count(), ServiceArea.objects.count(), PriceItem.objects.count()] == (
        rows
    )
    assert "row 1: יוסי כהן (972505550901): unchanged" in output
    assert "0 created, 0 updated, 1 unchanged" in output


@pytest.mark.django_db
def test_dry_run_reports_the_changes_and_writes_nothing(tmp_path):
    pro = ProFactory(name="יוסי כהן", phone="0505550901", rating=4.5, review_count=212)
    newcomer = {"name": "רון", "phone": "0505550904", "cities": ["נתניה"], "trades": ["hvac"]}
    path = write_json(
        tmp_path, [{"name": "יוסי כהן", "phone": "0505550901", "rating": 5}, newcomer]
    )

    output = run(path, "--dry-run")

    pro.refresh_from_db()
    assert pro.rating == 4.5
    assert Pro.objects.count() == 1
    assert not City.objects.exists()
    assert "row 1: יוסי כהן (972505550901): updated (rating)" in output
    assert "row 2: רון (972505550904): created" in output
    assert "1 created, 1 updated, 0 unchanged if imported. Nothing written." in output


@pytest.mark.django_db
def test_one_bad_row_among_good_ones_imports_nothing(tmp_path):
    path = write_csv(
        tmp_path,
        "name,phone,cities,trades\n"
        "דנה,0525550902,חיפה,plumbing\n"
        "אבי,0535550903,Atlantis,plumbing\n"
        "רון,0505550904,נתניה,hvac\n",
    )

    errors, message = rejected(path)

    assert errors.strip() == "row 2: cities: unknown city 'Atlantis'"
    assert "1 errors in 3 rows; nothing imported" in message


@pytest.mark.django_db
def test_every_error_of_every_row_is_printed(tmp_path):
    rows = [
        {"name": "", "phone": "12", "rating": 9},
        {"name": "אבי", "phone": "0535550903", "trades": ["carpentry"], "reviews": -1},
    ]

    errors, _ = rejected(write_json(tmp_path, rows))

    assert errors.splitlines() == [
        "row 1: name: missing",
        "row 1: phone: '12' is not a phone number (too few digits)",
        "row 1: rating: must be between 0 and 5, not 9",
        "row 2: trades: unknown trade 'carpentry'; use plumbing, electrical, hvac, "
        "appliances, locksmith, handyman, sealing",
        "row 2: reviews: must not be negative, not -1",
    ]


GOOD = {"name": "דני", "phone": "0505550905"}


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"name": None}, "row 1: name: missing"),
        ({"phone": " "}, "row 1: phone: missing"),
        ({"phone": "abc"}, "row 1: phone: 'abc' is not a phone number"),
        ({"cities": ["חיפה", "Gotham"]}, "row 1: cities: unknown city 'Gotham'"),
        ({"cities": "haifa"}, None),
        ({"trades": ["plumbing", "gardening"]}, "row 1: trades: unknown trade 'gardening'"),
        ({"rating": 5.5}, "row 1: rating: must be between 0 and 5, not 5.5"),
        ({"rating": -0.1}, "row 1: rating: must be between 0 and 5, not -0.1"),
        ({"rating": "great"}, "row 1: rating: 'great' is not a number"),
        ({"reviews": -3}, "row 1: reviews: must not be negative, not -3"),
        ({"reviews": "2.5"}, "row 1: reviews: '2.5' is not a whole number"),
        ({"max_load": -1}, "row 1: max_load: must not be negative, not -1"),
        ({"active": "maybe"}, "row 1: active: 'maybe' is not yes/no, true/false or 1/0"),
        (
            {"price_list": [{"service": "ביקור", "price": -5}]},
            "row 1: price_list: item 1: price -5 is not an amount from 0 to 9,999,999",
        ),
        (
            {"price_list": [{"service": "ביקור", "price": "free"}]},
            "row 1: price_list: item 1: price 'free' is not a number",
        ),
        (
            {"price_list": [{"service": "ביקור", "price": "10.555"}]},
            "row 1: price_list: item 1: price '10.555' has more than two decimals",
        ),
        (
            {"price_list": [{"service": "ביקור"}]},
            "row 1: price_list: item 1: service and price are both needed",
        ),
        (
            {"price_list": [{"service": "ביקור", "price": 1}, {"service": "ביקור", "price": 2}]},
            "row 1: price_list: 'ביקור' is listed twice",
        ),
        ({"ratting": 4}, "row 1: ratting: unknown field"),
    ],
)
@pytest.mark.django_db
def test_each_rule_names_the_row_the_field_and_the_reason(tmp_path, values, error):
    path = write_json(tmp_path, [{**GOOD, **values}])
    if error is None:  # a single city as a string is accepted too
        run(path)
        assert Pro.objects.get().cities.get().slug == "haifa"
        return

    errors, _ = rejected(path)

    assert errors.splitlines()[0].startswith(error), errors


@pytest.mark.django_db
def test_the_same_phone_twice_in_a_file_is_an_error(tmp_path):
    rows = [GOOD, {"name": "דני שני", "phone": "+972 50-555-0905"}]

    errors, _ = rejected(write_json(tmp_path, rows))

    assert errors.strip() == "row 2: phone: same number as row 1"


@pytest.mark.django_db
def test_csv_rules_count_data_rows_not_the_header(tmp_path):
    path = write_csv(
        tmp_path,
        CSV_HEADER + "דני,0505550905,,,,,,,,\n"
        "רון,0505550904,,,,,perhaps,,,ביקור\n"
        "אבי,0535550903,,,,,,,,,extra\n",
    )

    errors, _ = rejected(path)

    assert errors.splitlines() == [
        "row 2: active: 'perhaps' is not yes/no, true/false or 1/0",
        "row 2: price_list: item 1: 'ביקור' is not service:price or service:price:note",
        "row 3: row: 1 cells more than the header's columns",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("pros.json", '[{"name": "דני",', "not valid JSON"),
        (
            "pros.json",
            json.dumps(GOOD),
            "a JSON list of pros is expected, not an object",
        ),
        ("pros.json", json.dumps([["דני", "0505550905"]]), None),
        ("pros.xlsx", "name,phone\n", "unknown file type '.xlsx'; use .json or .csv"),
        ("pros.csv", 'name,phone\n"דני,0505550905\n', "not valid CSV"),
        ("pros.csv", "name,phone,ratting\n", "unknown columns ['ratting']"),
        ("pros.csv", "name,cities\nדני,חיפה\n", "the header has no phone column"),
        ("pros.csv", "", "the file is empty"),
    ],
)
@pytest.mark.django_db
def test_a_file_that_cannot_be_read_imports_nothing(tmp_path, name, content, message):
    path = write_csv(tmp_path, content, name=name)

    errors, raised = rejected(path)

    if message is None:  # a row that is not an object is a row error
        assert errors.strip() == "row 1: row: an object is expected, not a list"
    else:
        assert raised.startswith(f"{path}: {message}"), raised
        assert raised.endswith("nothing imported.")


@pytest.mark.django_db
def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_pros", str(tmp_path / "nowhere.csv"), stdout=io.StringIO())


@pytest.mark.django_db
def test_cities_by_hebrew_name_spelling_abbreviation_or_typo(tmp_path):
    # Given a city a manager added in the admin, and one renamed there
    CityFactory(slug="kfar-demo", name_he="כפר הדגמה", name_en="Demo Village")
    CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa and the Krayot")
    cities = ["תל אביב", "באר-שבע", 'פ"ת', "Jerusalm", "HAIFA", "כפר הדגמה", "tel-aviv"]
    row = {**GOOD, "cities": cities}

    run(write_json(tmp_path, [row]))

    slugs = set(Pro.objects.get().cities.values_list("slug", flat=True))
    assert slugs == {"tel-aviv", "beer-sheva", "petah-tikva", "jerusalem", "haifa", "kfar-demo"}
    assert City.objects.get(slug="beer-sheva").name_he == "באר שבע"
    assert City.objects.get(slug="haifa").name_en == "Haifa and the Krayot"


# --- phone numbers ------------------------------------------------------------------------

# Every common way of writing an Israeli mobile, each for a different pro, with the stored
# form it must become; and numbers abroad, written with their country code.
SPELLINGS = [
    ("054-1234561", "972541234561"),
    ("0541234562", "972541234562"),
    ("054 123 4563", "972541234563"),
    ("+972-54-123-4564", "972541234564"),
    ("+972 (0)54-123-4565", "972541234565"),
    ("00972541234566", "972541234566"),
    ("972541234567", "972541234567"),
    ("(054) 123-4568", "972541234568"),
    ("+972 54 123 4569", "972541234569"),
    ("+44 7911 123456", "447911123456"),
    ("+1 415 555 0100", "14155550100"),
]


@pytest.mark.django_db
def test_every_common_spelling_of_a_mobile_is_read_in_csv(tmp_path):
    lines = [f"פרו {n},{phone}" for n, (phone, _) in enumerate(SPELLINGS, start=1)]
    path = write_csv(tmp_path, "name,phone\n" + "\n".join(lines) + "\n")

    output = run(path, "--dry-run")  # the rows are read and reported; nothing is written

    for number, (_, stored) in enumerate(SPELLINGS, start=1):
        assert f"row {number}: פרו {number} ({stored}): created" in output
    assert not Pro.objects.exists()


@pytest.mark.django_db
def test_the_spellings_of_one_number_are_one_pro(tmp_path):
    spellings = [
        "054-1234567",
        "0541234567",
        "054 123 4567",
        "+972-54-123-4567",
        "+972 (0)54-123-4567",
        "00972541234567",
        "972541234567",
        "(054) 123-4567",
        541234567,  # a JSON number: the spreadsheet dropped the leading 0
    ]
    rows = [{"name": f"דני {n}", "phone": phone} for n, phone in enumerate(spellings, start=1)]

    errors, _ = rejected(write_json(tmp_path, rows))

    assert errors.splitlines() == [
        f"row {n}: phone: same number as row 1" for n in range(2, len(spellings) + 1)
    ]


@pytest.mark.django_db
def test_a_mobile_written_any_way_is_stored_in_the_international_form(tmp_path):
    run(write_json(tmp_path, [{"name": "דני", "phone": "+972 (0)50-555-0905"}]))

    pro = Pro.objects.get()
    assert (pro.phone, pro.chat_id) == ("972505550905", "972505550905@c.us")
    # and the same pro is found again however the next file writes the number
    again = write_json(tmp_path, [{"name": "דני כהן", "phone": "050 555 0905"}], name="again.json")
    assert "updated (name)" in run(again)
    assert Pro.objects.get().name == "דני כהן"


GARBAGE = [
    ("abc", "'abc' is not a phone number"),
    ("12", "'12' is not a phone number (too few digits)"),
    ("054-12", "'054-12' is not a phone number (too few digits)"),
    ("0000000000", "'0000000000' is not a phone number (not in the numbering plan of +972)"),
    ("054123456789012", "'054123456789012' is not a phone number (too many digits)"),
    ("+999 5551234", "'+999 5551234' is not a phone number (no such country code)"),
    (
        "03-1234567",
        "'03-1234567' is a landline: WhatsApp messages cannot reach it; write a mobile number",
    ),
    (
        "04-8123456",
        "'04-8123456' is a landline: WhatsApp messages cannot reach it; write a mobile number",
    ),
    (
        "+44 20 7946 0958",
        "'+44 20 7946 0958' is a landline: WhatsApp messages cannot reach it; "
        "write a mobile number",
    ),
    (
        "054-1234567 ext. 12",
        "'054-1234567 ext. 12' has an extension (12): WhatsApp reaches a phone, not an "
        "extension; write the person's own number without it",
    ),
    (
        "054-1234567 שלוחה 12",
        "'054-1234567 שלוחה 12' has an extension (12): WhatsApp reaches a phone, not an "
        "extension; write the person's own number without it",
    ),
]


@pytest.mark.django_db
def test_what_is_no_mobile_is_refused_naming_the_row_and_the_number(tmp_path):
    # Given good rows with one bad number among them, at row 7 of the CSV's data rows
    for bad, reason in GARBAGE:
        good = [f"פרו {n},05055509{n:02d}" for n in range(1, 7)]
        path = write_csv(tmp_path, "name,phone\n" + "\n".join([*good, f"רע,{bad}"]) + "\n")

        errors, message = rejected(path)

        assert errors.splitlines() == [f"row 7: phone: {reason}"], bad
        assert "1 errors in 7 rows; nothing imported" in message
