"""Pros from a file, for `manage.py import_pros`: read the rows, validate all, then import.

A file holds rows with the columns of COLUMNS: a JSON list of objects, or a CSV header
and one line per pro. `validate_rows` checks every row and collects every error as
"row N: field: reason"; only a file without errors reaches `import_records`, which
upserts the clean records through pros.seeding, keyed on the normalised phone.

Values are read the way managers write them in a spreadsheet: cities by slug, Hebrew or
English name or a common spelling (the gazetteer's aliases, a typo in a Latin name);
trades by key, English label or Hebrew name; booleans as yes/no/true/false/1/0 or כן/לא;
phones in any common spelling (054-1234567, 054 123 4567, (054) 123-4567, +972 (0)54...,
00972..., 972..., +44 7911..., +1 ...), read by fixi.phones. A phone is the pro's WhatsApp,
so a landline, an extension or what is not a number is an error naming the row and the
number as written ("row 7: phone: '054-12' is not a phone number (too few digits)").
An empty cell, or an absent or null JSON value, means "not given": a new pro gets the
default, an existing pro keeps what it has.
"""

import csv
import io
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from ai import gazetteer
from fixi.phones import InvalidPhone, whatsapp_phone
from fixi.vocabulary import TRADES, IssueType
from pros.models import City, PriceItem, Pro
from pros.seeding import ProOutcome, ensure_city, upsert_pro

COLUMNS = (
    "name",
    "phone",
    "cities",
    "trades",
    "rating",
    "reviews",
    "active",
    "max_load",
    "persona",
    "price_list",
)
REQUIRED = ("name", "phone")
EXTENSIONS = (".json", ".csv")
LIST_SEPARATOR = "|"  # between the cities, trades or price items of one CSV cell
PRICE_SEPARATOR = ":"  # a CSV price item is service:price or service:price:note
MAX_PRICE = Decimal(10) ** 7  # the price column holds 9 digits, 2 of them decimals

# How Hebrew speakers name the trades (IssueType's labels are English).
HEBREW_TRADES = {
    "אינסטלציה": IssueType.PLUMBING,
    "אינסטלטור": IssueType.PLUMBING,
    "חשמל": IssueType.ELECTRICAL,
    "חשמלאי": IssueType.ELECTRICAL,
    "מיזוג אוויר": IssueType.HVAC,
    "מיזוג": IssueType.HVAC,
    "מזגנים": IssueType.HVAC,
    "מוצרי חשמל": IssueType.APPLIANCES,
    "מכשירי חשמל": IssueType.APPLIANCES,
    "מנעולן": IssueType.LOCKSMITH,
    "מנעולנות": IssueType.LOCKSMITH,
    "הנדימן": IssueType.HANDYMAN,
    "שיפוצניק": IssueType.HANDYMAN,
    "איטום": IssueType.SEALING,
}
_TRADE_NAMES = {
    **{key: key for key in TRADES},
    **{str(IssueType(key).label).casefold(): key for key in TRADES},
    **{name: str(key) for name, key in HEBREW_TRADES.items()},
}
_TRUE = {"yes", "true", "1", "y", "כן"}
_FALSE = {"no", "false", "0", "n", "לא"}


class FileError(ValueError):
    """The file as a whole cannot be read: its type, its syntax or its shape."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based, counting data rows (not a CSV header)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


@dataclass
class Validated:
    records: list[dict] = field(default_factory=list)  # clean, in file order
    errors: list[RowError] = field(default_factory=list)
    cities: dict[str, dict] = field(default_factory=dict)  # slug -> slug, name_he, name_en


# --- reading ----------------------------------------------------------------------------


def read_rows(path: Path) -> list:
    """The file's rows: JSON values, or dicts of CSV cells keyed by the header."""
    kind = path.suffix.lower()
    if kind not in EXTENSIONS:
        raise FileError(f"unknown file type {path.suffix!r}; use .json or .csv")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is dropped
    except UnicodeDecodeError as error:
        raise FileError("not UTF-8 text") from error
    except OSError as error:
        raise FileError(f"cannot be read ({error.strerror})") from error
    return parse_json(text) if kind == ".json" else parse_csv(text)


def parse_json(text: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileError(f"not valid JSON ({error})") from error
    if not isinstance(data, list):
        raise FileError(f"a JSON list of pros is expected, not {_kind(data)}")
    return data


def parse_csv(text: str) -> list[dict]:
    """One dict per non-blank line after the header. Cells past the header's columns are
    kept under the key None, as csv.DictReader does, so validation can name the row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = [cells for cells in reader if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        raise FileError(f"not valid CSV (line {reader.line_num}: {error})") from error
    if not lines:
        raise FileError("the file is empty; the first line is the header")
    header = [cell.strip().lower() for cell in lines[0]]
    _check_header(header)
    rows = []
    for cells in lines[1:]:
        row = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            row[None] = cells[len(header) :]
        rows.append(row)
    return rows


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise FileError(f"unknown columns {unknown} in the header; use {', '.join(COLUMNS)}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise FileError(f"columns {repeated} appear twice in the header")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileError(f"the header has no {' or '.join(missing)} column")


# --- cleaning one value -----------------------------------------------------------------


def _kind(value) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "null")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(max_length: int | None):
    def clean(value) -> str:
        if not isinstance(value, str):
            raise ValueError(f"text is expected, not {_kind(value)}")
        text = value.strip()
        if max_length and len(text) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return text

    return clean


def _phone(value) -> str:
    """The pro's WhatsApp number in the stored form (international digits)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"a phone number is expected, not {_kind(value)}")
    try:
        return whatsapp_phone(str(value).strip())
    except InvalidPhone as error:
        raise ValueError(str(error)) from error


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"a number is expected, not {_kind(value)}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a number")
    return number


def _rating(value) -> float:
    rating = _number(value)
    if not 0 <= rating <= 5:
        raise ValueError(f"must be between 0 and 5, not {value}")
    return rating


def _count(value) -> int:
    """A whole number, zero or more (reviews, max_load)."""
    number = _number(value)
    if not number.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    if number < 0:
        raise ValueError(f"must not be negative, not {value}")
    return int(number)


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no, true/false or 1/0")


def _items(value) -> list[str]:
    """A list of strings, or one string of items separated by LIST_SEPARATOR."""
    if isinstance(value, str):
        value = value.split(LIST_SEPARATOR)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"a list of names is expected, not {_kind(value)}")
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def _trades(value) -> list[str]:
    names = _items(value)
    unknown = [name for name in names if name.casefold() not in _TRADE_NAMES]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise ValueError(f"unknown trade {listed}; use {', '.join(TRADES)}")
    return list(dict.fromkeys(_TRADE_NAMES[name.casefold()] for name in names))


def _price(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"a price is expected, not {_kind(value)}")
    try:
        price = Decimal(str(value).replace("₪", "").strip())
    except InvalidOperation:
        raise ValueError(f"price {value!r} is not a number") from None
    if not price.is_finite() or price < 0 or price >= MAX_PRICE:
        raise ValueError(f"price {value!r} is not an amount from 0 to {MAX_PRICE - 1:,}")
    if price.as_tuple().exponent < -2:
        raise ValueError(f"price {value!r} has more than two decimals")
    return price


_SERVICE = _text(PriceItem._meta.get_field("service").max_length)
_NOTE = _text(PriceItem._meta.get_field("note").max_length)


def _price_item(item) -> dict:
    if isinstance(item, str):  # the CSV form, service:price[:note]
        parts = [part.strip() for part in item.split(PRICE_SEPARATOR, 2)]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{item.strip()!r} is not service:price or service:price:note")
        item = dict(zip(("service", "price", "note"), parts, strict=False))
    if not isinstance(item, dict):
        raise ValueError(f"an object with service, price and note is expected, not {_kind(item)}")
    unknown = sorted(set(item) - {"service", "price", "note"})
    if unknown:
        raise ValueError(f"unknown keys {unknown}; use service, price, note")
    if _blank(item.get("service")) or _blank(item.get("price")):
        raise ValueError("service and price are both needed")
    note = "" if _blank(item.get("note")) else _NOTE(item["note"])
    return {"service": _SERVICE(item["service"]), "price": _price(item["price"]), "note": note}


def _price_list(value) -> list[dict]:
    if isinstance(value, str):
        value = [part for part in value.split(LIST_SEPARATOR) if part.strip()]
    if not isinstance(value, list):
        raise ValueError(f"a list of price items is expected, not {_kind(value)}")
    items, problems = [], []
    for number, raw in enumerate(value, start=1):
        try:
            items.append(_price_item(raw))
        except ValueError as error:
            problems.append(f"item {number}: {error}")
    services = [item["service"] for item in items]
    problems += [f"{s!r} is listed twice" for s in dict.fromkeys(services) if services.count(s) > 1]
    if problems:
        raise ValueError("; ".join(problems))
    return items


# --- cities -----------------------------------------------------------------------------


class CityResolver:
    """A city as a file names it -> its record (slug, name_he, name_en). Looks in order at
    the City rows' slugs, the gazetteer's slugs and names (every alias and spelling), the
    City rows' names (cities added in the admin), then a typo of a whole Latin name."""

    def __init__(self, rows: list[City]):
        self._rows = {row.slug: row for row in rows}
        self._row_names = {
            gazetteer.normalise(name): row for row in rows for name in (row.name_he, row.name_en)
        }

    @classmethod
    def from_database(cls) -> "CityResolver":
        return cls(list(City.objects.all()))

    def resolve(self, name: str) -> dict | None:
        text = name.strip()
        found = self._rows.get(text.lower())
        if found is None:
            found = gazetteer.by_slug(text.lower()) or gazetteer.by_name(text)
        if found is None:
            found = self._row_names.get(gazetteer.normalise(text)) or _whole_name_typo(text)
        if found is None:
            return None
        return {"slug": found.slug, "name_he": found.name_he, "name_en": found.name_en}


def _whole_name_typo(text: str) -> gazetteer.City | None:
    match = gazetteer.find_city(text)
    return match.city if match and (match.start, match.end) == (0, len(text)) else None


def _cities(value, resolver: CityResolver) -> list[dict]:
    names = _items(value)
    found = {name: resolver.resolve(name) for name in names}
    unknown = [name for name, city in found.items() if city is None]
    if unknown:
        raise ValueError(f"unknown city {', '.join(repr(name) for name in unknown)}")
    return list({city["slug"]: city for city in found.values()}.values())


# --- rows -------------------------------------------------------------------------------

_CLEANERS = {
    "name": _text(Pro._meta.get_field("name").max_length),
    "phone": _phone,
    "trades": _trades,
    "rating": _rating,
    "reviews": _count,
    "active": _boolean,
    "max_load": _count,
    "persona": _text(None),
    "price_list": _price_list,
}


def clean_row(number: int, row, resolver: CityResolver) -> tuple[dict, list[RowError]]:
    """The record upsert_pro takes (only the values given; cities as records), and the
    row's errors."""
    if not isinstance(row, dict):
        return {}, [RowError(number, "row", f"an object is expected, not {_kind(row)}")]
    errors = []
    if None in row:
        extra = len(row[None])
        errors.append(RowError(number, "row", f"{extra} cells more than the header's columns"))
    for key in row:
        if key is not None and key not in COLUMNS:
            errors.append(RowError(number, str(key), f"unknown field; use {', '.join(COLUMNS)}"))
    record = {}
    for column in COLUMNS:
        value = row.get(column)
        if _blank(value):
            if column in REQUIRED:
                errors.append(RowError(number, column, "missing"))
            continue
        try:
            if column == "cities":
                record[column] = _cities(value, resolver)
            else:
                record[column] = _CLEANERS[column](value)
        except ValueError as error:
            errors.append(RowError(number, column, str(error)))
    return record, errors


def validate_rows(rows: list, resolver: CityResolver | None = None) -> Validated:
    """Every row checked, and the same phone twice in the file reported too."""
    resolver = resolver or CityResolver.from_database()
    result = Validated()
    first_row_of = {}
    for number, row in enumerate(rows, start=1):
        record, errors = clean_row(number, row, resolver)
        phone = record.get("phone")
        if phone in first_row_of:
            errors.append(RowError(number, "phone", f"same number as row {first_row_of[phone]}"))
        elif phone:
            first_row_of[phone] = number
        result.errors += errors
        result.records.append(record)
    if result.errors:
        result.records = []
        return result
    for record in result.records:
        cities = record.pop("cities", [])
        result.cities.update({city["slug"]: city for city in cities})
        record["cities"] = [city["slug"] for city in cities]
    return result


# --- importing --------------------------------------------------------------------------


def import_records(validated: Validated, *, dry_run=False) -> list[ProOutcome]:
    """Create or update every pro, in file order; with dry_run, write nothing and report
    what would change. Missing City rows are created from the gazetteer's names."""
    if validated.errors:
        raise ValueError("a file with errors is not imported")
    # One transaction where the database has them (on MongoDB atomic() does nothing, and
    # validating every row first is what keeps a bad file from being half imported).
    with transaction.atomic():
        if dry_run:
            cities = {slug: City(**record) for slug, record in validated.cities.items()}
        else:
            cities = {slug: ensure_city(record) for slug, record in validated.cities.items()}
        return [upsert_pro(record, cities, dry_run=dry_run) for record in validated.records]
