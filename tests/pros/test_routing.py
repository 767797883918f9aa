import datetime as dt
import json

import pytest
from django.utils import timezone

from fixi.vocabulary import IssueType
from pros.routing import (
    PRIOR_MEAN,
    claim_pro,
    eligible_pros,
    release_pro,
    route,
    smoothed,
)
from tests.factories import CityFactory, ProFactory

PLUMBING = IssueType.PLUMBING
NOW = timezone.now().replace(microsecond=0)  # MongoDB keeps milliseconds only


@pytest.fixture
def haifa(db):
    return CityFactory(slug="haifa-test", name_en="Haifa")


def plumber(city, **fields):
    return ProFactory(trades=[PLUMBING], cities=[city], **fields)


def names(queryset) -> list[str]:
    return [pro.name for pro in queryset]


# --- eligibility ------------------------------------------------------------------------


def test_only_active_pros_serving_the_city_and_trade_under_their_cap(haifa, business_settings):
    good = plumber(haifa, name="Good")
    plumber(haifa, name="Inactive", active=False)
    ProFactory(name="Other city", trades=[PLUMBING], cities=[CityFactory()])
    ProFactory(name="Other trade", trades=[IssueType.ELECTRICAL], cities=[haifa])
    plumber(haifa, name="Full", max_load=2, current_load=2)
    excluded = plumber(haifa, name="Excluded")

    found = eligible_pros(haifa.pk, PLUMBING, excluded_ids=[excluded.pk])

    assert list(found) == [good]


def test_the_default_cap_comes_from_the_business_settings(haifa, business_settings):
    business_settings.max_pro_load = 2
    business_settings.save()
    plumber(haifa, name="At default cap", current_load=2)
    plumber(haifa, name="Own higher cap", current_load=2, max_load=5)
    plumber(haifa, name="Below default cap", current_load=1)

    assert sorted(names(eligible_pros(haifa.pk, PLUMBING))) == [
        "Below default cap",
        "Own higher cap",
    ]


def test_a_pro_serving_several_cities_and_trades_is_listed_once(haifa, business_settings):
    ProFactory(name="Busy", trades=[PLUMBING, IssueType.HVAC], cities=[haifa, CityFactory()])

    assert names(eligible_pros(haifa.pk, PLUMBING)) == ["Busy"]


# --- ordering ---------------------------------------------------------------------------


def test_smoothed_rating_prefers_many_good_reviews_to_three_perfect(haifa, business_settings):
    plumber(haifa, name="Three fives", rating=5.0, review_count=3)
    plumber(haifa, name="Hundred twenty", rating=4.9, review_count=120)
    plumber(haifa, name="Unreviewed", rating=0.0, review_count=0)

    assert smoothed(5.0, 3) < smoothed(4.9, 120)
    assert smoothed(0.0, 0) == PRIOR_MEAN
    found = list(eligible_pros(haifa.pk, PLUMBING))
    assert names(found) == ["Hundred twenty", "Three fives", "Unreviewed"]
    assert found[0].smoothed == pytest.approx(smoothed(4.9, 120))


def test_ties_go_to_the_lighter_load_then_the_least_recently_assigned(haifa, business_settings):
    plumber(haifa, name="Loaded", current_load=2)
    plumber(haifa, name="Recent", current_load=1, last_assigned_at=NOW)
    plumber(haifa, name="Earlier", current_load=1, last_assigned_at=NOW - dt.timedelta(hours=1))
    plumber(haifa, name="Never", current_load=1, last_assigned_at=None)

    assert names(eligible_pros(haifa.pk, PLUMBING)) == ["Never", "Earlier", "Recent", "Loaded"]


# --- claim and release ------------------------------------------------------------------


def test_claim_counts_up_to_the_cap_and_release_never_goes_below_zero(haifa, business_settings):
    pro = plumber(haifa, max_load=2)

    assert [claim_pro(pro.pk, NOW) for _ in range(3)] == [True, True, False]
    pro.refresh_from_db()
    assert (pro.current_load, pro.last_assigned_at) == (2, NOW)

    assert [release_pro(pro.pk) for _ in range(3)] == [True, True, False]
    pro.refresh_from_db()
    assert pro.current_load == 0


def test_claim_uses_the_default_cap_and_refuses_inactive_pros(haifa, business_settings):
    business_settings.max_pro_load = 1
    business_settings.save()
    pro = plumber(haifa)
    inactive = plumber(haifa, active=False)

    assert [claim_pro(pro.pk, NOW), claim_pro(pro.pk, NOW)] == [True, False]
    assert claim_pro(inactive.pk, NOW) is False


# --- route and its reason ---------------------------------------------------------------


def test_route_claims_the_best_pro_and_says_why(haifa, business_settings):
    best = plumber(haifa, name="Best", rating=4.9, review_count=120)
    plumber(haifa, name="Second", rating=4.5, review_count=40)

    result = route(haifa.pk, PLUMBING, now=NOW)

    assert result.pro == best
    best.refresh_from_db()
    assert (best.current_load, best.last_assigned_at) == (1, NOW)
    reason = json.loads(json.dumps(result.reason))  # stored on the lead as JSON
    assert reason["chosen"] == {"id": str(best.pk), "name": "Best"}
    assert "highest of 2" in reason["why"]
    assert [c["name"] for c in reason["candidates"]] == ["Best", "Second"]
    first = reason["candidates"][0]
    assert (first["load"], first["cap"]) == (0, business_settings.max_pro_load)
    assert first["smoothed"] == pytest.approx(smoothed(4.9, 120), abs=1e-3)


def test_route_never_chooses_an_excluded_pro(haifa, business_settings):
    declined = plumber(haifa, name="Declined", rating=5.0, review_count=500)
    other = plumber(haifa, name="Other")

    result = route(haifa.pk, PLUMBING, excluded_ids=[declined.pk], now=NOW)

    assert result.pro == other
    assert result.reason["excluded"] == [str(declined.pk)]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("nobody", "No active pro serves Haifa for plumbing."),
        ("full", "All active pros who serve Haifa for plumbing are at their load cap."),
        ("excluded", "are excluded from this lead"),
    ],
)
def test_route_says_why_nobody_was_found(haifa, business_settings, setup, expected):
    excluded = []
    if setup == "full":
        plumber(haifa, max_load=1, current_load=1)
    if setup == "excluded":
        excluded = [plumber(haifa).pk]

    result = route(haifa.pk, PLUMBING, excluded_ids=excluded, now=NOW)

    assert result.pro is None
    assert result.reason["chosen"] is None
    assert expected in result.reason["why"]
    json.dumps(result.reason)


def test_route_moves_on_when_the_best_pro_was_just_taken(haifa, business_settings, monkeypatch):
    best = plumber(haifa, name="Best", rating=5.0, review_count=200, max_load=1)
    second = plumber(haifa, name="Second")
    # Another router takes Best's last place between our read and our claim.
    real_claim = claim_pro

    def claim_after_a_rival(pro_id, now=None, **kwargs):
        if pro_id == best.pk:
            assert real_claim(pro_id, now, **kwargs)
        return real_claim(pro_id, now, **kwargs)

    monkeypatch.setattr("pros.routing.claim_pro", claim_after_a_rival)

    result = route(haifa.pk, PLUMBING, now=NOW)

    assert result.pro == second
    assert result.reason["lost_races"] == [str(best.pk)]
