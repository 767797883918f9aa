"""Create or update cities and pros from plain records (the demo data and `import_pros`).

Every function is an upsert keyed on something unique (City.slug, Pro.phone, the
pro/trade and pro/city pairs, a pro's service name), so running it again changes
nothing. Rows are saved only when a value differs, which keeps `updated_at` meaningful.
`upsert_pro(..., dry_run=True)` reads the same rows and reports the same outcome without
writing, so an import can be previewed.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from fixi.phones import normalize_stored
from fixi.vocabulary import TRADES
from pros.models import GEOGRAPHY, City, PriceItem, Pro, ProTrade, ServiceArea, gazetteer_geography

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ProOutcome:
    pro: Pro | None  # None only for a pro a dry run would create
    outcome: str
    price_items_created: int = 0
    # What an update changed, named as in the record ("reviews", "cities", "price_list").
    changed: list[str] = field(default_factory=list)


def _assign_changes(obj, values: dict) -> list[str]:
    """Set the fields whose value differs and name them, for save(update_fields=...)."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _upsert_fields(model, lookup: dict, values: dict, *, dry_run=False) -> tuple[str, list[str]]:
    """The outcome and the names of the fields that differ (all of them on create)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        if not dry_run:
            model.objects.create(**lookup, **values)
        return CREATED, list(values)
    changed = _assign_changes(obj, values)
    if changed and not dry_run:
        obj.save(update_fields=[*changed, "updated_at"])
    return (UPDATED if changed else UNCHANGED), changed


def _upsert(model, lookup: dict, values: dict, *, dry_run=False) -> str:
    return _upsert_fields(model, lookup, values, dry_run=dry_run)[0]


def city_values(record: dict) -> dict:
    """A City row's values from a record: its names, and its coordinates and Arabic and
    Russian names from the record, else from the gazetteer's data for its slug."""
    geography = gazetteer_geography(record["slug"])
    geography.update({f: record[k] for f, k in GEOGRAPHY.items() if record.get(k) is not None})
    return {"name_he": record["name_he"], "name_en": record["name_en"], **geography}


def upsert_city(record: dict) -> str:
    return _upsert(City, {"slug": record["slug"]}, city_values(record))


def ensure_city(record: dict) -> City:
    """The City row of this slug, created with the record's names if missing; names a
    manager edited in the admin are kept (unlike upsert_city)."""
    defaults = {"name_he": record["name_he"], "name_en": record["name_en"]}
    return City.objects.get_or_create(slug=record["slug"], defaults=defaults)[0]


# Record key -> (Pro field, conversion). Absent keys keep the model defaults on create and
# the stored value on update.
_PRO_FIELDS = {
    "name": ("name", None),
    "active": ("active", None),
    "rating": ("rating", float),
    "reviews": ("review_count", int),
    "max_load": ("max_load", None),
    "persona": ("persona", None),
    "tone": ("tone", None),
    "working_hours": ("working_hours", None),
}
_RECORD_KEYS = {model_field: key for key, (model_field, _) in _PRO_FIELDS.items()}


def _pro_values(record: dict) -> dict:
    return {
        model_field: convert(record[key]) if convert else record[key]
        for key, (model_field, convert) in _PRO_FIELDS.items()
        if key in record
    }


def _check_trades(phone: str, trades: list[str]) -> None:
    # The field's choices are not enforced on save, and routing matches on these keys.
    unknown = sorted(set(trades) - set(TRADES))
    if unknown:
        raise ValueError(f"unknown trades {unknown} for {phone}; use {TRADES}")


def _link_trades(pro: Pro, trades: list[str], *, dry_run=False) -> int:
    if dry_run:
        have = set(pro.trades.values_list("trade", flat=True))
        return len(set(trades) - have)
    return sum(ProTrade.objects.get_or_create(pro=pro, trade=trade)[1] for trade in trades)


def _link_cities(pro: Pro, cities: list[City], *, dry_run=False) -> int:
    if dry_run:  # by slug: a dry run's cities may not be rows yet
        have = set(pro.service_areas.values_list("city__slug", flat=True))
        return len({city.slug for city in cities} - have)
    return sum(ServiceArea.objects.get_or_create(pro=pro, city=city)[1] for city in cities)


def _upsert_prices(pro: Pro, price_list: list[dict], *, dry_run=False) -> list[str]:
    return [
        _upsert(
            PriceItem,
            {"pro": pro, "service": item["service"]},
            {"price": Decimal(str(item["price"])), "note": item.get("note", "")},
            dry_run=dry_run,
        )
        for item in price_list
    ]


def upsert_pro(record: dict, cities_by_slug: dict[str, City], *, dry_run=False) -> ProOutcome:
    """Create or update one pro with its trades, service areas and price list.

    Trades, cities and price items missing from the record are left alone: an upsert
    adds and corrects, it does not delete what a manager added in the admin.
    With dry_run nothing is written and the outcome is what a real run would report.
    """
    phone = normalize_stored(record["phone"])
    trades = record.get("trades", [])
    _check_trades(phone, trades)
    outcome, fields = _upsert_fields(Pro, {"phone": phone}, _pro_values(record), dry_run=dry_run)
    pro = Pro.objects.filter(phone=phone).first()
    if pro is None:  # a dry run of a new pro: all of the record would be added
        return ProOutcome(None, CREATED, price_items_created=len(record.get("price_list", [])))
    cities = [cities_by_slug[slug] for slug in record.get("cities", [])]
    changed = [_RECORD_KEYS[name] for name in fields]
    if _link_trades(pro, trades, dry_run=dry_run):
        changed.append("trades")
    if _link_cities(pro, cities, dry_run=dry_run):
        changed.append("cities")
    prices = _upsert_prices(pro, record.get("price_list", []), dry_run=dry_run)
    if any(p != UNCHANGED for p in prices):
        changed.append("price_list")
    if outcome == CREATED:
        return ProOutcome(pro, CREATED, price_items_created=prices.count(CREATED))
    outcome = UPDATED if changed else UNCHANGED
    return ProOutcome(pro, outcome, price_items_created=prices.count(CREATED), changed=changed)
