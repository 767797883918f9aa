"""Routing to a pro of a nearby town when nobody in the customer's town can take the job,
and pros who serve "within N km of" a base city."""

import pytest
from django.utils import timezone

from fixi.models import BusinessSettings
from fixi.vocabulary import IssueType
from pros import geo
from pros.models import ServiceArea
from pros.routing import route
from tests.factories import CityFactory, ProFactory

PLUMBING = IssueType.PLUMBING
NOW = timezone.now().replace(microsecond=0)  # MongoDB keeps milliseconds only
KM_PER_DEGREE_NORTH = 111.2  # roughly, near 32°N; the tests read the real distances from geo


def town(name: str, km_north: float = 0.0, km_east: float = 0.0):
    """A city placed km_north and km_east of (32.5 N, 35.0 E)."""
    return CityFactory(
        slug=f"t-{name.lower().replace(' ', '-')}",
        name_en=name,
        name_he=f"עיר {name}",
        latitude=32.5 + km_north / KM_PER_DEGREE_NORTH,
        longitude=35.0 + km_east / 93.8,
    )


def plumber(*cities, **fields):
    return ProFactory(trades=[PLUMBING], cities=list(cities), **fields)


def set_radius(km_: int) -> None:
    BusinessSettings.objects.update(nearby_radius_km=km_)


def km(a, b) -> float:
    return round(geo.km_between(a.latitude, a.longitude, b.latitude, b.longitude), 1)


@pytest.fixture
def map_(db, business_settings):
    """The customer's town with no pro of its own, towns 8, 15 and 40 km away."""
    return {
        "home": town("Home"),
        "near": town("Near", km_north=8.2),
        "mid": town("Mid", km_east=-15),
        "far": town("Far", km_north=-40),
    }


# --- the nearby search ---------------------------------------------------------------------


def test_nobody_in_town_the_pro_of_the_town_8_km_away_is_chosen_and_the_reason_says_so(map_):
    pro = plumber(map_["near"], name="Avi")

    result = route(map_["home"].pk, PLUMBING, now=NOW)

    assert result.pro == pro
    nearby = result.reason["nearby"]
    assert nearby["city"] == "Near"
    assert nearby["city_he"] == "עיר Near"
    assert nearby["km"] == km(map_["home"], map_["near"]) == pytest.approx(8.2, abs=0.2)
    assert nearby["radius_km"] == 25
    assert "Near" in result.reason["why"] and "km away" in result.reason["why"]
    pro.refresh_from_db()
    assert pro.current_load == 1  # the place was claimed like any other


def test_the_nearest_town_comes_before_a_better_rating_further_away(map_):
    plumber(map_["mid"], name="Five stars at 15 km", rating=5.0, review_count=200)
    near = plumber(map_["near"], name="Average at 8 km", rating=3.5, review_count=5)

    assert route(map_["home"].pk, PLUMBING, now=NOW).pro == near


def test_in_the_same_town_the_usual_order_decides(map_):
    plumber(map_["near"], name="Few reviews", rating=5.0, review_count=2)
    best = plumber(map_["near"], name="Many good reviews", rating=4.9, review_count=120)

    result = route(map_["home"].pk, PLUMBING, now=NOW)

    assert result.pro == best
    assert [c["name"] for c in result.reason["candidates"]] == ["Many good reviews", "Few reviews"]
    assert {c["km"] for c in result.reason["candidates"]} == {km(map_["home"], map_["near"])}


def test_a_town_beyond_the_radius_is_not_considered_and_the_radius_is_the_managers(map_):
    plumber(map_["far"], name="40 km away")

    nobody = route(map_["home"].pk, PLUMBING, now=NOW)
    assert nobody.pro is None

    set_radius(45)
    assert route(map_["home"].pk, PLUMBING, now=NOW).pro.name == "40 km away"


def test_a_pro_of_the_customers_own_town_is_always_first(map_):
    plumber(map_["near"], name="Nearby", rating=5.0, review_count=500)
    own = plumber(map_["home"], name="Own town", rating=3.0, review_count=1)

    result = route(map_["home"].pk, PLUMBING, now=NOW)

    assert result.pro == own
    assert "nearby" not in result.reason


def test_full_paused_excluded_and_other_trade_pros_nearby_are_passed_over(map_):
    plumber(map_["near"], name="Full", max_load=1, current_load=1)
    plumber(map_["near"], name="Paused", paused_at=NOW)
    excluded = plumber(map_["near"], name="Excluded")
    ProFactory(name="Electrician", trades=[IssueType.ELECTRICAL], cities=[map_["near"]])
    free = plumber(map_["mid"], name="Free at 15 km")

    result = route(map_["home"].pk, PLUMBING, excluded_ids=[excluded.pk], now=NOW)

    assert result.pro == free
    assert result.reason["nearby"]["city"] == "Mid"


def test_a_pro_serving_two_nearby_towns_is_counted_once_at_the_nearer(map_):
    pro = plumber(map_["mid"], map_["near"], name="Both")

    result = route(map_["home"].pk, PLUMBING, now=NOW)

    assert result.pro == pro
    assert result.reason["nearby"]["city"] == "Near"
    assert result.reason["considered_count"] == 1


def test_nobody_within_the_radius_gives_the_same_nobody_as_before(map_):
    plumber(map_["far"], name="Too far")
    before = route(map_["home"].pk, PLUMBING, now=NOW)

    assert before.pro is None
    assert before.reason["chosen"] is None
    assert before.reason["why"] == "No active pro serves Home for plumbing."
    assert before.reason["nearby_searched"] == {"radius_km": 25, "cities": 2, "considered_count": 0}


def test_a_town_without_coordinates_has_no_neighbours(db, business_settings):
    nowhere = CityFactory(slug="t-nowhere", name_en="Nowhere")
    plumber(town("Close", km_north=1), name="Close by")

    result = route(nowhere.pk, PLUMBING, now=NOW)

    assert result.pro is None
    assert result.reason["nearby_searched"] == {"radius_km": 25, "cities": 0}


def test_radius_zero_keeps_routing_to_the_towns_own_pros(map_):
    set_radius(0)
    plumber(map_["near"], name="Near")

    assert route(map_["home"].pk, PLUMBING, now=NOW).pro is None


# --- pros who serve within N km of a base city ----------------------------------------------


def test_a_base_city_and_radius_become_derived_service_areas(map_):
    pro = ProFactory(trades=[PLUMBING], base_city=map_["near"], service_radius_km=20)

    change = geo.sync_radius_areas(pro)

    derived = set(pro.service_areas.filter(derived=True).values_list("city__name_en", flat=True))
    # Home is 8.2 km from Near; Mid is about 17 km from Near; Far is about 48 km away.
    assert derived == {"Near", "Home", "Mid"}
    assert len(change.added) == 3 and not change.removed
    assert route(map_["home"].pk, PLUMBING, now=NOW).pro == pro  # served in town, not nearby


def test_changing_the_radius_or_base_city_keeps_the_derived_areas_in_step(map_):
    listed = map_["far"]
    pro = ProFactory(
        trades=[PLUMBING], cities=[listed], base_city=map_["near"], service_radius_km=20
    )
    geo.sync_radius_areas(pro)

    pro.service_radius_km = 5
    pro.save()
    change = geo.sync_radius_areas(pro)
    assert set(pro.service_areas.values_list("city__name_en", "derived")) == {
        ("Near", True),
        ("Far", False),
    }
    assert len(change.removed) == 2

    pro.base_city = None
    pro.save()
    geo.sync_radius_areas(pro)
    assert list(pro.service_areas.values_list("city__name_en", flat=True)) == ["Far"]
    assert not geo.sync_radius_areas(pro)  # a second run changes nothing


def test_a_city_both_listed_and_in_the_radius_stays_listed(map_):
    pro = ProFactory(trades=[PLUMBING], cities=[map_["home"]])
    pro.base_city, pro.service_radius_km = map_["near"], 10
    pro.save()

    geo.sync_radius_areas(pro)
    pro.service_radius_km = None
    pro.save()
    geo.sync_radius_areas(pro)

    assert list(ServiceArea.objects.filter(pro=pro).values_list("city__name_en", "derived")) == [
        ("Home", False)
    ]


def test_a_city_placed_later_joins_every_radius_it_falls_in(map_):
    pro = ProFactory(trades=[PLUMBING], base_city=map_["home"], service_radius_km=10)
    geo.sync_radius_areas(pro)
    newcomer = CityFactory(slug="t-newcomer", name_en="Newcomer")
    assert not pro.service_areas.filter(city=newcomer).exists()

    newcomer.latitude, newcomer.longitude = map_["home"].latitude + 0.01, map_["home"].longitude
    newcomer.save()
    change = geo.sync_all_radius_areas()

    assert change.added == [newcomer.pk]
    assert pro.service_areas.filter(city=newcomer, derived=True).exists()


# --- distances ------------------------------------------------------------------------------


def test_great_circle_distances_between_real_cities():
    # Tel Aviv to Jerusalem and Haifa to Eilat, from the gazetteer's coordinates.
    assert geo.km_between(32.08088, 34.78057, 31.76904, 35.21633) == pytest.approx(54.1, abs=0.5)
    assert geo.km_between(32.81303, 34.99928, 29.55805, 34.94821) == pytest.approx(362, abs=2)


def test_the_cities_near_one_are_nearest_first_within_the_radius(map_):
    near = geo.cities_near(map_["home"].pk, 25)

    assert [n.name_en for n in near] == ["Near", "Mid"]
    assert near[0].km < near[1].km <= 25
