"""Create or update cities and pros from plain records (the demo data; later, imports).

Every function is an upsert keyed on something unique (City.slug, Pro.phone, the
pro/trade and pro/city pairs, a pro's service name), so running it again changes
nothing. Rows are saved only when a value differs, which keeps `updated_at` meaningful.
"""

from dataclasses import dataclass
from decimal import Decimal

from fixi.phones import normalize_phone
from fixi.vocabulary import TRADES
from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ProOutcome:
    pro: Pro
    outcome: str
    price_items_created: int = 0


def _assign_changes(obj, values: dict) -> list[str]:
    """Set the fields whose value differs and name them, for save(update_fields=...)."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _upsert(model, lookup: dict, values: dict) -> str:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        model.objects.create(**lookup, **values)
        return CREATED
    changed = _assign_changes(obj, values)
    if not changed:
        return UNCHANGED
    obj.save(update_fields=[*changed, "updated_at"])
    return UPDATED


def upsert_city(record: dict) -> str:
    values = {"name_he": record["name_he"], "name_en": record["name_en"]}
    return _upsert(City, {"slug": record["slug"]}, values)


def _pro_values(record: dict) -> dict:
    values = {
        "name": record["name"],
        "active": record.get("active", True),
        "rating": float(record.get("rating", 0)),
        "review_count": int(record.get("reviews", 0)),
        "max_load": record.get("max_load"),
        "persona": record.get("persona", ""),
    }
    # Absent keys keep the model defaults on create and the stored value on update.
    for key in ("tone", "working_hours"):
        if key in record:
            values[key] = record[key]
    return values


def _link_trades(pro: Pro, trades: list[str]) -> int:
    # The field's choices are not enforced on save, and routing matches on these keys.
    unknown = sorted(set(trades) - set(TRADES))
    if unknown:
        raise ValueError(f"unknown trades {unknown} for {pro.phone}; use {TRADES}")
    return sum(ProTrade.objects.get_or_create(pro=pro, trade=trade)[1] for trade in trades)


def _link_cities(pro: Pro, cities: list[City]) -> int:
    return sum(ServiceArea.objects.get_or_create(pro=pro, city=city)[1] for city in cities)


def _upsert_prices(pro: Pro, price_list: list[dict]) -> list[str]:
    return [
        _upsert(
            PriceItem,
            {"pro": pro, "service": item["service"]},
            {"price": Decimal(str(item["price"])), "note": item.get("note", "")},
        )
        for item in price_list
    ]


def upsert_pro(record: dict, cities_by_slug: dict[str, City]) -> ProOutcome:
    """Create or update one pro with its trades, service areas and price list.

    Trades, cities and price items missing from the record are left alone: an upsert
    adds and corrects, it does not delete what a manager added in the admin.
    """
    phone = normalize_phone(record["phone"])
    outcome = _upsert(Pro, {"phone": phone}, _pro_values(record))
    pro = Pro.objects.get(phone=phone)
    cities = [cities_by_slug[slug] for slug in record.get("cities", [])]
    linked = _link_trades(pro, record.get("trades", [])) + _link_cities(pro, cities)
    prices = _upsert_prices(pro, record.get("price_list", []))
    if outcome == UNCHANGED and (linked or any(p != UNCHANGED for p in prices)):
        outcome = UPDATED
    return ProOutcome(pro=pro, outcome=outcome, price_items_created=prices.count(CREATED))
