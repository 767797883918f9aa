"""Routing: which pro gets a job, and a place in that pro's load claimed without locks.

Eligible: active, not paused (a pro who wrote "הפסקה" takes no new jobs until "חזרתי"),
serves the city, does the trade, under the load cap, not excluded.
Order: smoothed rating (highest first), then current load (lowest), then who was assigned
least recently (never assigned first), then id, so two runs over the same data agree.

The smoothed rating is a Bayesian average: every pro starts with PRIOR_WEIGHT imaginary
reviews at PRIOR_MEAN, so three 5-star reviews (4.23) do not outrank 120 at 4.9 (4.83).
It is stored in the routing index (pros.routing_index: one entry per pro, city and trade,
with the smoothed rating and whether the pro takes jobs), whose compound index (city,
trade, available, -smoothed) hands the database the pros of a city best first: the first
page of candidates is read off the index and only ties on the rating are sorted by load,
so a city with hundreds of pros costs what a city with three does. The load, which every
claim changes, is read from the pro.

The cap holds under concurrent routing because a claim is one conditional UPDATE
(`current_load < cap` in its WHERE clause, `F() + 1` in its SET): of two routers that saw
the same last free place, only one update matches a row. No transaction or row lock is
involved, so it holds on MongoDB as well.

Nearby. When nobody in the city can take the job, pros of the cities within the business's
nearby radius (BusinessSettings.nearby_radius_km, 25 km by default) can: nearest city first,
then the same order as above. The distances come from pros.geo (one query for the cities'
coordinates); the candidates are one query per page, the city's distance a CASE over the
cities in the radius, so the number of queries does not grow with pros or leads. Where the
database takes a LIMIT inside an IN subquery (SQLite; not MongoDB), each nearby city
contributes only its own first page, read off the index, so the sort covers a page per
city rather than every pro of every city nearby; the order and the pros are the same. The
stored reason names the town the pro serves and how far it is ({"nearby": {"city": ...,
"km": 8.2}}). Nobody within the radius either: the same "nobody" result as before, with
the same "why" (the SOS report shows it), and what the nearby search found under
"nearby_searched".

This module is layer 2: it knows nothing of leads. The caller passes the city, the trade
and the ids of pros excluded from this lead.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fixi.models import BusinessSettings
from pros import geo
from pros.models import City, Pro, RoutingEntry
from pros.routing_index import PRIOR_MEAN, PRIOR_WEIGHT
from pros.routing_index import smoothed as smoothed  # part of this module's interface

CANDIDATE_PAGE = 20  # candidates fetched at once; the next page only when all were taken
REASON_CANDIDATES = 10  # candidates listed in the stored reason
# `available IN (true)` rather than `available = true`: Django writes the latter as the bare
# column, which SQLite cannot match to the index's third column, and the first page would
# then be sorted whole instead of read in index order.
AVAILABLE = [True]


@dataclass
class RoutingResult:
    pro: Pro | None
    reason: dict = field(default_factory=dict)


def smoothed_rating():
    """(rating × reviews + PRIOR_MEAN × PRIOR_WEIGHT) / (reviews + PRIOR_WEIGHT), as a float,
    computed from the pro's row (the index stores it; this is what it is checked against)."""
    return ExpressionWrapper(
        (F("rating") * F("review_count") + Value(PRIOR_MEAN * PRIOR_WEIGHT))
        / (F("review_count") + Value(float(PRIOR_WEIGHT))),
        output_field=FloatField(),
    )


def _under_cap(default_cap: int, prefix: str = "") -> Q:
    # Two branches rather than Coalesce so the claim's WHERE clause reads like the rule.
    return Q(
        **{f"{prefix}max_load__isnull": False, f"{prefix}current_load__lt": F(f"{prefix}max_load")}
    ) | Q(**{f"{prefix}max_load__isnull": True, f"{prefix}current_load__lt": default_cap})


def _default_cap() -> int:
    return BusinessSettings.load().max_pro_load


def _ordered(pros: QuerySet, default_cap: int, *first) -> QuerySet:
    """Pros filtered on their routing entries, annotated with `smoothed` (the entry's) and
    `cap`, best first: `first`, then the usual order."""
    return pros.annotate(
        smoothed=F("routing_entries__smoothed"), cap=Coalesce("max_load", Value(default_cap))
    ).order_by(
        *first,
        F("smoothed").desc(),
        "current_load",
        F("last_assigned_at").asc(nulls_first=True),
        "id",
    )


def _serving(city_id, trade: str) -> QuerySet:
    # ServiceArea (pro, city) and ProTrade (pro, trade) are unique, so the joins add no duplicates.
    return Pro.objects.filter(active=True, service_areas__city_id=city_id, trades__trade=trade)


def _available(city_id, trade: str) -> QuerySet:
    """Serving pros who take new jobs now: not on a break ("הפסקה")."""
    return _serving(city_id, trade).filter(paused_at__isnull=True)


def eligible_pros(city_id, trade: str, excluded_ids=(), *, default_cap: int | None = None):
    """Pros who can take a job now, best first, annotated with `smoothed` and `cap`."""
    if default_cap is None:
        default_cap = _default_cap()
    free = Pro.objects.filter(
        routing_entries__city_id=city_id,
        routing_entries__trade=trade,
        routing_entries__available__in=AVAILABLE,
    ).filter(_under_cap(default_cap))
    return _ordered(free.exclude(pk__in=list(excluded_ids)), default_cap)


def nearby_pros(near: list[geo.Near], trade: str, excluded_ids=(), *, default_cap: int):
    """Pros of the cities in `near` who can take a job now, annotated with `km` (the
    distance of the city they serve) and `served_city_id`: nearest city first, then the
    usual order. A pro who serves several of those cities comes once per city, nearest
    first; the caller takes the first."""
    excluded_ids = list(excluded_ids)
    distance = Case(
        *[When(routing_entries__city_id=n.city_id, then=Value(n.km)) for n in near],
        output_field=FloatField(),
    )
    entries = Q(routing_entries__city_id__in=[n.city_id for n in near])
    if connection.features.allow_sliced_subqueries_with_in:
        # Each city's own first page, off the index: the page across cities is among them.
        entries = Q()
        for n in near:
            first = _first_entries(n.city_id, trade, excluded_ids, default_cap)
            entries |= Q(routing_entries__pk__in=first)
    free = Pro.objects.filter(
        entries, routing_entries__trade=trade, routing_entries__available__in=AVAILABLE
    ).filter(_under_cap(default_cap))
    located = free.exclude(pk__in=excluded_ids).annotate(
        km=distance, served_city_id=F("routing_entries__city_id")
    )
    return _ordered(located, default_cap, "km")


def _first_entries(city_id, trade: str, excluded_ids: list, default_cap: int) -> QuerySet:
    """The ids of a city's first CANDIDATE_PAGE entries of pros who can take a job now, in
    the usual order."""
    entries = RoutingEntry.objects.filter(city_id=city_id, trade=trade, available__in=AVAILABLE)
    free = entries.filter(_under_cap(default_cap, "pro__")).exclude(pro_id__in=excluded_ids)
    return free.order_by(
        F("smoothed").desc(),
        "pro__current_load",
        F("pro__last_assigned_at").asc(nulls_first=True),
        "pro_id",
    ).values("pk")[:CANDIDATE_PAGE]


def claim_pro(
    pro_id,
    now: datetime | None = None,
    *,
    default_cap: int | None = None,
    skip_paused: bool = False,
) -> bool:
    """Take one place in the pro's load; False when the pro is full or inactive, or with
    `skip_paused` on a break. Routing skips paused pros, including one who paused between
    the candidates' read and this claim; a manager who names a pro may still choose one."""
    if default_cap is None:
        default_cap = _default_cap()
    available = Q(paused_at__isnull=True) if skip_paused else Q()
    claimed = Pro.objects.filter(_under_cap(default_cap), available, pk=pro_id, active=True).update(
        current_load=F("current_load") + 1, last_assigned_at=now or timezone.now()
    )
    return claimed == 1


def release_pro(pro_id) -> bool:
    """Give back one place (a job finished, was declined or reassigned); never below zero."""
    released = Pro.objects.filter(pk=pro_id, current_load__gt=0).update(
        current_load=F("current_load") - 1
    )
    return released == 1


def route(city_id, trade: str, excluded_ids=(), now: datetime | None = None) -> RoutingResult:
    """Claim the best eligible pro and say why; RoutingResult(None, reason) when nobody can.
    Nobody in the city: the best pro of the cities nearby (see the module's docstring)."""
    now = now or timezone.now()
    excluded_ids = list(excluded_ids)  # read more than once: the queries and the reason
    business = BusinessSettings.load()
    default_cap = business.max_pro_load
    candidates = eligible_pros(city_id, trade, excluded_ids, default_cap=default_cap)
    pro, considered, taken = _claim_first(candidates.exclude, now, default_cap)
    if pro is not None:
        reason = _reason(city_id, trade, considered, taken, excluded_ids)
        reason["chosen"] = {"id": str(pro.pk), "name": pro.name}
        reason["why"] = _why(pro, considered)
        return RoutingResult(_claimed(pro, now), reason)
    nearby = _route_nearby(city_id, trade, excluded_ids, now, default_cap, business)
    if nearby.pro is not None:
        return nearby
    reason = _reason(city_id, trade, considered, taken, excluded_ids)
    reason["chosen"] = None
    reason["why"] = _why_nobody(city_id, trade, excluded_ids, default_cap, taken)
    reason["nearby_searched"] = nearby.reason
    return RoutingResult(None, reason)


def _claim_first(unseen, now, default_cap) -> tuple[Pro | None, list, list]:
    """Claim the first candidate with a free place: (the pro or None, the pros considered,
    the ids of those another router claimed first). A pro listed twice counts once.
    `unseen(pk__in=seen)` is the candidates but those seen, best first."""
    considered, taken = [], []
    while True:
        # The next page leaves out who was seen, not an offset: other routers' claims
        # change loads, and so the order, between pages.
        seen = [pro.pk for pro in considered]
        page = list(unseen(pk__in=seen)[:CANDIDATE_PAGE])
        fresh = _first_of_each(page)
        considered += fresh
        for pro in fresh:
            if claim_pro(pro.pk, now, default_cap=default_cap, skip_paused=True):
                return pro, considered, taken
            taken.append(str(pro.pk))  # someone else claimed the last place first
        if len(page) < CANDIDATE_PAGE:
            return None, considered, taken


def _first_of_each(page: list[Pro]) -> list[Pro]:
    seen, first = set(), []
    for pro in page:
        if pro.pk not in seen:
            seen.add(pro.pk)
            first.append(pro)
    return first


def _claimed(pro: Pro, now) -> Pro:
    """The pro as it is after the claim (the reason shows the load before it)."""
    pro.current_load += 1
    pro.last_assigned_at = now
    return pro


def _route_nearby(city_id, trade, excluded_ids, now, default_cap, business) -> RoutingResult:
    """The best pro of the cities within the nearby radius; RoutingResult(None, what was
    searched) when there is none."""
    radius = business.nearby_radius_km
    near = geo.cities_near(city_id, radius) if radius else []
    searched = {"radius_km": radius, "cities": len(near)}
    if not near:
        return RoutingResult(None, searched)

    def unseen(pk__in):
        return nearby_pros(near, trade, [*excluded_ids, *pk__in], default_cap=default_cap)

    pro, considered, taken = _claim_first(unseen, now, default_cap)
    searched["considered_count"] = len(considered)
    if pro is None:
        return RoutingResult(None, searched)
    town = next(n for n in near if n.city_id == pro.served_city_id)
    reason = _reason(city_id, trade, considered, taken, excluded_ids)
    reason["candidates"] = [
        {**_describe(p), "km": round(p.km, 1), "city_id": str(p.served_city_id)}
        for p in considered[:REASON_CANDIDATES]
    ]
    reason["nearby"] = {
        "city": town.name_en,
        "city_he": town.name_he,
        "city_ar": town.name_ar,
        "city_ru": town.name_ru,
        "city_id": str(town.city_id),
        "km": round(town.km, 1),
        "radius_km": radius,
    }
    reason["chosen"] = {"id": str(pro.pk), "name": pro.name}
    reason["why"] = _why_nearby(pro, considered, town, city_id, trade)
    return RoutingResult(_claimed(pro, now), reason)


def _reason(city_id, trade, considered, taken, excluded_ids) -> dict:
    return {
        "city_id": str(city_id),
        "trade": trade,
        "excluded": sorted(str(pk) for pk in excluded_ids),
        "candidates": [_describe(pro) for pro in considered[:REASON_CANDIDATES]],
        "considered_count": len(considered),
        "lost_races": taken,
        "formula": f"smoothed = (rating*reviews + {PRIOR_MEAN}*{PRIOR_WEIGHT}) "
        f"/ (reviews + {PRIOR_WEIGHT})",
    }


def _describe(pro: Pro) -> dict:
    return {
        "id": str(pro.pk),
        "name": pro.name,
        "rating": pro.rating,
        "reviews": pro.review_count,
        "smoothed": round(pro.smoothed, 3),
        "load": pro.current_load,
        "cap": pro.cap,
        "last_assigned_at": pro.last_assigned_at.isoformat() if pro.last_assigned_at else None,
    }


def _why(pro: Pro, considered: list[Pro]) -> str:
    rivals = [other for other in considered if other.pk != pro.pk]
    text = f"{pro.name}: smoothed rating {pro.smoothed:.2f} ({pro.review_count} reviews)"
    if not rivals:
        return f"{text}, the only pro available."
    runner_up = rivals[0]
    if round(runner_up.smoothed, 6) != round(pro.smoothed, 6):
        return f"{text}, the highest of {len(considered)} available."
    if runner_up.current_load != pro.current_load:
        return f"{text}, tied on rating, with the lighter load ({pro.current_load} open jobs)."
    return f"{text}, tied on rating and load, assigned least recently."


def _why_nearby(pro: Pro, considered: list[Pro], town: geo.Near, city_id, trade) -> str:
    city = City.objects.filter(pk=city_id).values_list("name_en", flat=True).first()
    text = (
        f"No pro available in {city or city_id} for {trade}; {pro.name} serves "
        f"{town.name_en}, {town.km:.1f} km away"
    )
    same_distance = [p for p in considered if p.pk != pro.pk and round(p.km, 6) == round(pro.km, 6)]
    if not same_distance:
        nearer = "the nearest" if considered[0].pk == pro.pk else "the nearest with a free place"
        return f"{text}, {nearer} of {len(considered)} pros nearby."
    return f"{text}; {_why(pro, [pro, *same_distance])}"


def _why_nobody(city_id, trade, excluded_ids, default_cap, taken) -> str:
    # Only on the failure path: a few count queries to tell the manager what to fix.
    city = City.objects.filter(pk=city_id).values_list("name_en", flat=True).first()
    where = f"{city or city_id} for {trade}"
    serving = _serving(city_id, trade)
    if not serving.exists():
        return f"No active pro serves {where}."
    available = _available(city_id, trade)
    if not available.exists():
        return f"All active pros who serve {where} are on a break (paused)."
    free = available.filter(_under_cap(default_cap))
    if not free.exists():
        return f"All active pros who serve {where} are at their load cap."
    if not free.exclude(pk__in=list(excluded_ids)).exists():
        return f"All pros with free places who serve {where} are excluded from this lead."
    if taken:
        return f"Every pro with a free place for {where} was claimed by another routing first."
    return f"No pro is available for {where}."
