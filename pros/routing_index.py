"""The routing index (pros.models.RoutingEntry) kept in step with the pros.

One entry per pro × city served × trade, carrying the pro's smoothed rating and whether the
pro takes jobs (active and not paused). Routing reads the first candidates of a city and
trade off the entries' compound index (city, trade, available, -smoothed) instead of
sorting every pro of the city; the load cap is still checked on the pro, and the claim is
still the conditional update of pros.routing.

What an entry should hold is a pure function of rows that change rarely: the pro (active,
paused_at, rating, review_count), its service areas (listed or derived from a radius) and
its trades. Every write of those rows re-syncs the pros it touched: the models' save() and
delete(), and their querysets' update(), delete(), bulk_create() and bulk_update() (see
pros.models.RoutingIndexedQuerySet), so admin forms and actions, imports, seeding, the
radius sync, the pause commands and the rating after a job all keep it without a call of
their own. Deleting a pro or a city deletes its entries by cascade.

Concurrency, without transactions: entries are unique on (pro, city, trade), so two syncs
that insert the same entry at once leave one (the loser's insert fails and it updates the
row instead). A sync that wrote anything reads the source rows again afterwards and syncs
again if they moved meanwhile, so the last writer of an entry always wrote what the rows
held after its write: an entry cannot end stale. Syncing a pro whose entries are right
writes nothing, so a rebuild is idempotent.

Layer 2: it knows pros and cities, nothing of leads.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from pros.models import Pro, ProTrade, RoutingEntry, ServiceArea

PRIOR_MEAN = 4.0  # what we assume of a pro nobody has reviewed yet
PRIOR_WEIGHT = 10  # how many reviews that assumption is worth
CHUNK = 500  # pros read and written at once by a rebuild
ATTEMPTS = 5  # syncs of one batch while its rows keep moving under it

Key = tuple  # (pro_id, city_id, trade)
Values = tuple  # (available, smoothed)


def smoothed(rating: float, reviews: int) -> float:
    """(rating × reviews + PRIOR_MEAN × PRIOR_WEIGHT) / (reviews + PRIOR_WEIGHT): the same
    floating-point operations, in the same order, as the database's expression in
    pros.routing.smoothed_rating(), so ties stay ties."""
    return (rating * reviews + PRIOR_MEAN * PRIOR_WEIGHT) / (reviews + float(PRIOR_WEIGHT))


@dataclass
class Fixes:
    """What a sync changed: entries added, removed and updated, as (pro, city, trade) keys."""

    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    updated: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.updated)

    def __iadd__(self, other: "Fixes") -> "Fixes":
        self.added += other.added
        self.removed += other.removed
        self.updated += other.updated
        return self


def computed(pro_ids: Iterable | None = None) -> dict[Key, Values]:
    """The entries the pros' rows call for ({} for pros that are gone); every pro's when
    `pro_ids` is None."""
    pros = Pro.objects.order_by()
    areas = ServiceArea.objects.order_by()
    trades = ProTrade.objects.order_by()
    if pro_ids is not None:
        ids = list(pro_ids)
        pros, areas = pros.filter(pk__in=ids), areas.filter(pro_id__in=ids)
        trades = trades.filter(pro_id__in=ids)
    values = {
        pk: (active and paused_at is None, smoothed(rating, reviews))
        for pk, active, paused_at, rating, reviews in pros.values_list(
            "pk", "active", "paused_at", "rating", "review_count"
        )
    }
    cities, skills = defaultdict(list), defaultdict(list)
    for pro_id, city_id in areas.values_list("pro_id", "city_id"):
        cities[pro_id].append(city_id)
    for pro_id, trade in trades.values_list("pro_id", "trade"):
        skills[pro_id].append(trade)
    return {
        (pro_id, city_id, trade): values[pro_id]
        for pro_id in values
        for city_id in cities[pro_id]
        for trade in skills[pro_id]
    }


def stored(pro_ids: Iterable | None = None) -> dict[Key, Values]:
    """The entries as the index holds them."""
    return {key: (available, value) for key, (_pk, available, value) in _entries(pro_ids).items()}


def _entries(pro_ids: Iterable | None) -> dict[Key, tuple]:
    rows = RoutingEntry.objects.order_by()
    if pro_ids is not None:
        rows = rows.filter(pro_id__in=list(pro_ids))
    return {
        (pro_id, city_id, trade): (pk, available, value)
        for pk, pro_id, city_id, trade, available, value in rows.values_list(
            "pk", "pro_id", "city_id", "trade", "available", "smoothed"
        )
    }


def sync_pros(pro_ids: Iterable) -> Fixes:
    """Bring these pros' entries in step with their rows; what was fixed."""
    ids = sorted({pk for pk in pro_ids if pk is not None}, key=str)
    fixes = Fixes()
    for start in range(0, len(ids), CHUNK):
        fixes += _sync_chunk(ids[start : start + CHUNK])
    return fixes


def rebuild() -> Fixes:
    """Every pro's entries brought in step, and entries of pros that are gone removed
    (a cascade cannot miss them, but a repair should not rely on it); what was fixed."""
    ids = set(Pro.objects.values_list("pk", flat=True))
    ids |= set(RoutingEntry.objects.values_list("pro_id", flat=True))
    return sync_pros(ids)


def _sync_chunk(ids: list) -> Fixes:
    fixes = Fixes()
    wanted = computed(ids)
    for _attempt in range(ATTEMPTS):
        written = _write(wanted, _entries(ids))
        fixes += written
        if not written:
            break  # nothing written by this sync, so nothing of it can be stale
        again = computed(ids)
        if again == wanted:
            break
        wanted = again  # the rows moved while we wrote: write what they hold now
    return fixes


def _write(wanted: dict[Key, Values], have: dict[Key, tuple]) -> Fixes:
    fixes = Fixes(
        added=[key for key in wanted if key not in have],
        removed=[key for key in have if key not in wanted],
        updated=[
            key for key, (_pk, *old) in have.items() if wanted.get(key, tuple(old)) != tuple(old)
        ],
    )
    if fixes.removed:
        RoutingEntry.objects.filter(pk__in=[have[key][0] for key in fixes.removed]).delete()
    by_values = defaultdict(list)
    for key in fixes.updated:
        by_values[wanted[key]].append(have[key][0])
    for (available, value), pks in by_values.items():
        RoutingEntry.objects.filter(pk__in=pks).update(available=available, smoothed=value)
    if fixes.added:
        _insert({key: wanted[key] for key in fixes.added})
    return fixes


def _insert(rows: dict[Key, Values]) -> None:
    entries = [_entry(key, values) for key, values in rows.items()]
    try:
        with transaction.atomic():  # a savepoint: a conflict leaves an outer block usable
            RoutingEntry.objects.bulk_create(entries)
        return
    except IntegrityError:
        pass  # another sync inserted some of them first: one at a time, as upserts
    for key, values in rows.items():
        _upsert(key, values)


def _upsert(key: Key, values: Values) -> None:
    pro_id, city_id, trade = key
    available, value = values
    try:
        with transaction.atomic():
            RoutingEntry.objects.create(**_fields(key, values))
    except IntegrityError:
        # The entry exists (another sync's), or its pro or city was deleted meanwhile
        # (then this update matches nothing, which is right).
        RoutingEntry.objects.filter(pro_id=pro_id, city_id=city_id, trade=trade).update(
            available=available, smoothed=value
        )


def _entry(key: Key, values: Values) -> RoutingEntry:
    return RoutingEntry(**_fields(key, values))


def _fields(key: Key, values: Values) -> dict:
    pro_id, city_id, trade = key
    available, value = values
    return {
        "pro_id": pro_id,
        "city_id": city_id,
        "trade": trade,
        "available": available,
        "smoothed": value,
    }
