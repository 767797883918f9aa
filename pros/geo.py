"""Where cities are: distances between them, the cities near one, and the cities within
a pro's radius kept as the pro's derived service areas.

Distances are great-circle distances between the City rows' coordinates, computed in
Python: Israel's few hundred cities fit in memory, so "which cities are within 25 km of
this one" is one query for the coordinates and no query per pro or per city. The
coordinates are read once per routing rather than kept by the process: it is one query
of a few hundred short rows (a millisecond or two), and a city a manager placed or
corrected in the admin, or one a customer's message created a moment ago, is then
routed by at once, with nothing to invalidate across workers.

Layer 2: it knows cities and pros, nothing of leads.
"""

import math
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from pros.models import City, Pro, ServiceArea

EARTH_RADIUS_KM = 6371.0088  # the mean radius


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); across Israel it is within 0.5% of the ellipsoid's."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Near:
    """A city some distance from another."""

    city_id: object
    name_en: str
    name_he: str
    km: float
    name_ar: str = ""
    name_ru: str = ""


@dataclass(frozen=True)
class _Place:
    lat: float
    lon: float
    name_en: str
    name_he: str
    name_ar: str
    name_ru: str


class CityMap:
    """The coordinates of every placed city, read in one query."""

    def __init__(self, places: dict):
        self.places = places

    @classmethod
    def read(cls) -> "CityMap":
        rows = City.objects.filter(latitude__isnull=False, longitude__isnull=False).values_list(
            "pk", "latitude", "longitude", "name_en", "name_he", "name_ar", "name_ru"
        )
        return cls({pk: _Place(*row) for pk, *row in rows})

    def __contains__(self, city_id) -> bool:
        return city_id in self.places

    def near(self, city_id, radius_km: float, *, including_itself: bool = False) -> list[Near]:
        """The cities within `radius_km` of this one, nearest first (then by name); [] when
        the city has no coordinates."""
        origin = self.places.get(city_id)
        if origin is None:
            return []
        found = []
        for other_id, place in self.places.items():
            if other_id == city_id and not including_itself:
                continue
            km = km_between(origin.lat, origin.lon, place.lat, place.lon)
            if km <= radius_km:
                found.append(
                    Near(other_id, place.name_en, place.name_he, km, place.name_ar, place.name_ru)
                )
        return sorted(found, key=lambda near: (near.km, near.name_en, str(near.city_id)))


def city_map() -> CityMap:
    """The cities' coordinates as they are now (one query)."""
    return CityMap.read()


def cities_near(city_id, radius_km: float) -> list[Near]:
    """The other cities within `radius_km` of this one, nearest first."""
    return city_map().near(city_id, radius_km)


# --- a pro's radius as derived service areas ----------------------------------------------


@dataclass
class AreaChange:
    added: list = field(default_factory=list)  # city ids
    removed: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def __iadd__(self, other: "AreaChange") -> "AreaChange":
        self.added += other.added
        self.removed += other.removed
        return self


def radius_city_ids(pro: Pro, cities: CityMap) -> set:
    """The cities within the pro's radius of the base city, the base city included."""
    if pro.base_city_id is None or pro.service_radius_km is None:
        return set()
    near = cities.near(pro.base_city_id, pro.service_radius_km, including_itself=True)
    return {n.city_id for n in near} | {pro.base_city_id}


def sync_radius_areas(pro: Pro, cities: CityMap | None = None) -> AreaChange:
    """Make the pro's derived service areas the cities within its radius: add the missing
    ones, remove those no longer in it. Cities listed by hand are never touched (a city
    both listed and in the radius stays listed). Safe to run twice or at once: a row the
    other run added first is a unique-constraint conflict, taken as done."""
    cities = cities or city_map()
    wanted = radius_city_ids(pro, cities)
    have = dict(ServiceArea.objects.filter(pro=pro).values_list("city_id", "derived"))
    change = AreaChange(
        added=sorted(wanted - have.keys(), key=str),
        removed=sorted((c for c, derived in have.items() if derived and c not in wanted), key=str),
    )
    if change.removed:
        ServiceArea.objects.filter(pro=pro, derived=True, city_id__in=change.removed).delete()
    for city_id in change.added:
        try:
            with transaction.atomic():  # a savepoint, so a lost race leaves the outer block usable
                ServiceArea.objects.create(pro=pro, city_id=city_id, derived=True)
        except IntegrityError:
            pass  # another run added it, or a manager listed it meanwhile
    return change


def pros_with_radius_areas():
    """Pros whose derived areas may need syncing: with a radius, or with derived rows left."""
    with_radius = Pro.objects.filter(base_city__isnull=False, service_radius_km__isnull=False)
    leftover = ServiceArea.objects.filter(derived=True).values_list("pro_id", flat=True)
    ids = set(with_radius.values_list("pk", flat=True)) | set(leftover)
    return Pro.objects.filter(pk__in=list(ids)).order_by("name", "pk")


def sync_all_radius_areas() -> AreaChange:
    """After cities moved or were added: every radius pro's derived areas brought in step."""
    cities = city_map()
    total = AreaChange()
    for pro in pros_with_radius_areas():
        total += sync_radius_areas(pro, cities)
    return total
