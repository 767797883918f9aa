"""The routing index: kept in step by every path that changes what routing reads, repaired
by `rebuild_routing_index`, and routing by it decides as routing by the pros' rows did."""

import datetime as dt
import io
import json
import random

import pytest
from django.core.management import call_command
from django.db.models import Case, F, FloatField, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from fixi.models import BusinessSettings
from fixi.vocabulary import IssueType
from leads.pro_conversation import add_review
from leads.pro_office import pause
from pros import geo, routing_index
from pros.models import City, Pro, ProTrade, RoutingEntry, ServiceArea
from pros.routing import (
    _under_cap,
    eligible_pros,
    nearby_pros,
    release_pro,
    route,
    smoothed_rating,
)
from tests.factories import CityFactory, ProFactory

PLUMBING = IssueType.PLUMBING
ELECTRICAL = IssueType.ELECTRICAL
NOW = timezone.now().replace(microsecond=0)  # MongoDB keeps milliseconds only


def assert_in_step():
    """The index holds exactly what a full rebuild computes from the rows."""
    assert routing_index.stored() == routing_index.computed()


def entries(pro) -> dict:
    return {(c, t): v for (p, c, t), v in routing_index.stored([pro.pk]).items()}


@pytest.fixture
def towns(db):
    return {
        "haifa": CityFactory(slug="ri-haifa", name_en="Haifa", latitude=32.80, longitude=34.99),
        "akko": CityFactory(slug="ri-akko", name_en="Akko", latitude=32.93, longitude=35.08),
        "eilat": CityFactory(slug="ri-eilat", name_en="Eilat", latitude=29.55, longitude=34.95),
    }


@pytest.fixture
def pro(towns):
    return ProFactory(trades=[PLUMBING], cities=[towns["haifa"]], rating=4.5, review_count=20)


# --- every path keeps it in step -----------------------------------------------------------


def test_a_new_pro_with_cities_and_trades_is_indexed(pro, towns):
    assert entries(pro) == {
        (towns["haifa"].pk, PLUMBING): (True, routing_index.smoothed(4.5, 20)),
    }
    assert_in_step()


def test_saving_the_pro_rating_activity_and_pause(pro):
    pro.rating, pro.review_count = 3.0, 50
    pro.save()
    assert_in_step()
    pro.active = False
    pro.save(update_fields=["active"])
    assert_in_step()
    assert set(entries(pro).values()) == {(False, routing_index.smoothed(3.0, 50))}
    pro.active, pro.paused_at = True, NOW
    pro.save()
    assert_in_step()
    assert set(entries(pro).values()) == {(False, routing_index.smoothed(3.0, 50))}


def test_the_rating_after_a_job(pro):
    assert add_review(pro.pk, 1)
    assert_in_step()
    pro.refresh_from_db()
    assert set(entries(pro).values()) == {(True, routing_index.smoothed(pro.rating, 21))}


def test_the_pause_and_resume_commands(pro, business_settings):
    pause.pause(pro, "הפסקה", NOW)
    assert_in_step()
    assert set(entries(pro).values()) == {(False, routing_index.smoothed(4.5, 20))}
    pause.resume(pro, "חזרתי", NOW + dt.timedelta(hours=1))
    assert_in_step()
    assert set(entries(pro).values()) == {(True, routing_index.smoothed(4.5, 20))}


def test_queryset_updates_of_the_pros(pro):
    Pro.objects.filter(pk=pro.pk).update(rating=2.0, review_count=F("review_count") + 5)
    assert_in_step()
    Pro.objects.filter(pk=pro.pk).update(active=False)
    assert_in_step()
    assert set(entries(pro).values()) == {(False, routing_index.smoothed(2.0, 25))}


def test_the_admin_activate_and_deactivate_actions(admin_client, pro, business_settings):
    other = ProFactory(trades=[ELECTRICAL], cities=list(City.objects.all()))
    url = reverse("admin:pros_pro_changelist")
    selected = [str(pro.pk), str(other.pk)]
    admin_client.post(url, {"action": "deactivate", "_selected_action": selected})
    assert_in_step()
    assert {v[0] for v in routing_index.stored().values()} == {False}
    admin_client.post(url, {"action": "activate", "_selected_action": selected})
    assert_in_step()
    assert {v[0] for v in routing_index.stored().values()} == {True}


def test_cities_and_trades_added_removed_and_changed(pro, towns):
    ServiceArea.objects.create(pro=pro, city=towns["akko"])
    ProTrade.objects.create(pro=pro, trade=ELECTRICAL)
    assert len(entries(pro)) == 4
    assert_in_step()
    ServiceArea.objects.get(pro=pro, city=towns["akko"]).delete()
    assert_in_step()
    ProTrade.objects.filter(pro=pro, trade=ELECTRICAL).update(trade=IssueType.HVAC)
    assert_in_step()
    ServiceArea.objects.filter(pro=pro).update(city=towns["eilat"])
    assert_in_step()
    assert set(entries(pro)) == {
        (towns["eilat"].pk, PLUMBING),
        (towns["eilat"].pk, IssueType.HVAC),
    }
    ProTrade.objects.filter(pro=pro).delete()
    assert entries(pro) == {}
    assert_in_step()


def test_the_cities_relation_add_remove_set_and_clear(pro, towns):
    pro.cities.add(towns["akko"], towns["eilat"])
    assert_in_step()
    pro.cities.remove(towns["haifa"])
    assert_in_step()
    pro.cities.set([towns["haifa"]])
    assert_in_step()
    pro.cities.clear()
    assert_in_step()
    assert entries(pro) == {}


def test_bulk_creates_and_updates(towns):
    pros = Pro.objects.bulk_create(
        [
            Pro(name=f"Bulk {i}", phone=f"97250555{i:04d}", chat_id=f"97250555{i:04d}@c.us")
            for i in range(3)
        ]
    )
    ServiceArea.objects.bulk_create([ServiceArea(pro=p, city=towns["haifa"]) for p in pros])
    ProTrade.objects.bulk_create([ProTrade(pro=p, trade=PLUMBING) for p in pros])
    assert len(routing_index.stored()) == 3
    assert_in_step()
    for p in pros:
        p.review_count = 100
    Pro.objects.bulk_update(pros, ["review_count"])
    assert_in_step()


def test_radius_areas_follow_the_base_city_and_a_city_moving(pro, towns):
    pro.base_city, pro.service_radius_km = towns["haifa"], 20
    pro.save()
    geo.sync_radius_areas(pro)  # Akko is about 17 km away
    assert (towns["akko"].pk, PLUMBING) in entries(pro)
    assert_in_step()
    City.objects.filter(pk=towns["akko"].pk).update(latitude=31.0)  # the manager corrects it
    geo.sync_all_radius_areas()
    assert (towns["akko"].pk, PLUMBING) not in entries(pro)
    assert_in_step()


def test_deleting_a_city_or_a_pro(pro, towns):
    ServiceArea.objects.create(pro=pro, city=towns["eilat"])
    towns["eilat"].delete()
    assert_in_step()
    pro.delete()
    assert RoutingEntry.objects.count() == 0


def test_import_and_seeding(tmp_path, db):
    row = {
        "name": "יוסי כהן",
        "phone": "050-5550901",
        "cities": ["haifa"],
        "trades": ["plumbing", "electrical"],
        "rating": 4.8,
        "reviews": 212,
        "active": True,
    }
    path = tmp_path / "pros.json"
    path.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    call_command("import_pros", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert len(routing_index.stored()) == 2
    assert_in_step()
    path.write_text(json.dumps([{**row, "active": False, "rating": 3.1}]), encoding="utf-8")
    call_command("import_pros", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert {v[0] for v in routing_index.stored().values()} == {False}
    assert_in_step()
    call_command("seed_demo", "--days", "1", stdout=io.StringIO())
    assert len(routing_index.stored()) > 2
    assert_in_step()


# --- repair and concurrency ----------------------------------------------------------------


def test_the_rebuild_command_fixes_what_drifted_and_a_second_run_fixes_nothing(pro, towns):
    ProTrade.objects.create(pro=pro, trade=ELECTRICAL)
    # Writes that bypass the models: the index drifts.
    RoutingEntry.objects.filter(pro=pro, trade=ELECTRICAL).delete()
    RoutingEntry.objects.filter(pro=pro, trade=PLUMBING).update(smoothed=1.0)
    RoutingEntry.objects.create(
        pro=pro, city=towns["eilat"], trade=PLUMBING, available=True, smoothed=5.0
    )
    out = io.StringIO()
    call_command("rebuild_routing_index", stdout=out)
    printed = out.getvalue()
    assert f"added    pro {pro.pk} city {towns['haifa'].pk} trade electrical" in printed
    assert f"updated  pro {pro.pk} city {towns['haifa'].pk} trade plumbing" in printed
    assert f"removed  pro {pro.pk} city {towns['eilat'].pk} trade plumbing" in printed
    assert "Routing index: 1 added, 1 updated, 1 removed; 2 entries." in printed
    assert_in_step()

    again = io.StringIO()
    call_command("rebuild_routing_index", stdout=again)
    assert again.getvalue() == "Routing index: 0 added, 0 updated, 0 removed; 2 entries.\n"


def test_an_entry_another_sync_inserted_first_is_updated_not_doubled(pro, towns):
    # The other sync's insert landed between this sync's read and its write.
    wanted = routing_index.computed([pro.pk])
    RoutingEntry.objects.filter(pro=pro).update(smoothed=0.5)  # stale values
    routing_index._write(wanted, {})  # as if it had read no entry
    assert RoutingEntry.objects.filter(pro=pro).count() == 1
    assert_in_step()


def test_a_sync_that_read_rows_now_stale_writes_what_they_hold_after_all(pro, towns):
    stale = routing_index.computed([pro.pk])
    Pro.objects.filter(pk=pro.pk).update(rating=1.0)  # another save, synced at once
    routing_index._write(stale, routing_index._entries([pro.pk]))  # the slow one's write
    routing_index.sync_pros([pro.pk])  # its check after writing
    assert set(entries(pro).values()) == {(True, routing_index.smoothed(1.0, 20))}
    assert_in_step()


# --- the same decisions as routing by the pros' rows ---------------------------------------


def reference_eligible(city_id, trade, excluded, default_cap):
    """Routing as it read the pros' rows before the index (pros.routing until then)."""
    pros = Pro.objects.filter(
        active=True, service_areas__city_id=city_id, trades__trade=trade, paused_at__isnull=True
    ).filter(_under_cap(default_cap))
    return reference_order(pros.exclude(pk__in=excluded), default_cap)


def reference_nearby(near, trade, excluded, default_cap):
    distance = Case(
        *[When(service_areas__city_id=n.city_id, then=Value(n.km)) for n in near],
        output_field=FloatField(),
    )
    pros = Pro.objects.filter(
        active=True,
        paused_at__isnull=True,
        service_areas__city_id__in=[n.city_id for n in near],
        trades__trade=trade,
    ).filter(_under_cap(default_cap))
    located = pros.exclude(pk__in=excluded).annotate(
        km=distance, served_city_id=F("service_areas__city_id")
    )
    return reference_order(located, default_cap, "km")


def reference_order(pros, default_cap, *first):
    return pros.annotate(
        smoothed=smoothed_rating(), cap=Coalesce("max_load", Value(default_cap))
    ).order_by(
        *first,
        F("smoothed").desc(),
        "current_load",
        F("last_assigned_at").asc(nulls_first=True),
        "id",
    )


def ranked(pros, *extra):
    return [(p.pk, round(p.smoothed, 12), p.cap, *[getattr(p, e) for e in extra]) for p in pros]


@pytest.fixture
def population(db, business_settings):
    """Cities on a grid 6 km apart, the middle row with no pros; pros with ratings and
    review counts drawn from few values (ties), caps, loads, pauses and inactivity."""
    rng = random.Random(20261206)
    BusinessSettings.objects.update(max_pro_load=3, nearby_radius_km=15)
    cities = [
        CityFactory(
            slug=f"grid-{i}",
            name_en=f"Grid {i}",
            latitude=32 + (i // 4) * 0.054,
            longitude=35 + (i % 4) * 0.064,
        )
        for i in range(12)
    ]
    served = [c for i, c in enumerate(cities) if i // 4 != 1]
    assigned = [None, NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=2)]
    for i in range(60):
        cap = rng.choice([None, None, 1, 2])
        ProFactory(
            name=f"P{i:02d}",
            trades=rng.sample([PLUMBING, ELECTRICAL], rng.choice([1, 2])),
            cities=rng.sample(served, rng.choice([1, 2, 3])),
            rating=rng.choice([3.0, 4.0, 4.5, 5.0]),
            review_count=rng.choice([0, 10, 20]),
            max_load=cap,
            current_load=rng.randint(0, (cap or 3) + 1),
            last_assigned_at=rng.choice(assigned),
            active=rng.random() > 0.1,
            paused_at=NOW if rng.random() < 0.1 else None,
        )
    return rng, cities


def test_the_index_orders_the_candidates_as_the_pros_rows_did(population):
    rng, cities = population
    pros = list(Pro.objects.values_list("pk", flat=True))
    checked = 0
    for city in cities:
        for trade in (PLUMBING, ELECTRICAL):
            excluded = rng.sample(pros, rng.choice([0, 0, 3]))
            old = ranked(reference_eligible(city.pk, trade, excluded, 3))
            new = ranked(eligible_pros(city.pk, trade, excluded, default_cap=3))
            assert new == old
            checked += bool(old)
            near = geo.cities_near(city.pk, 15)
            old_near = ranked(reference_nearby(near, trade, excluded, 3), "km")
            new_near = ranked(nearby_pros(near, trade, excluded, default_cap=3), "km")
            # A pro serving two towns at the same distance: either town; the pros agree.
            assert [(*row[:-1], round(row[-1], 9)) for row in new_near[:20]] == [
                (*row[:-1], round(row[-1], 9)) for row in old_near[:20]
            ]
    assert checked >= 12  # most cities have candidates


def test_route_chooses_the_pro_the_pros_rows_ranked_first(population):
    _rng, cities = population
    routed = 0
    for city in cities:
        for trade in (PLUMBING, ELECTRICAL):
            first = reference_eligible(city.pk, trade, [], 3).first()
            near = geo.cities_near(city.pk, 15)
            first_near = reference_nearby(near, trade, [], 3).first() if near else None
            result = route(city.pk, trade, now=NOW)
            expected = first or first_near
            assert (result.pro and result.pro.pk) == (expected and expected.pk)
            if result.pro is not None:
                routed += 1
                assert ("nearby" in result.reason) == (first is None)
                release_pro(result.pro.pk)
                Pro.objects.filter(pk=result.pro.pk).update(
                    last_assigned_at=expected.last_assigned_at
                )
    assert routed >= 12
