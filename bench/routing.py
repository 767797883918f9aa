"""Routing benchmark: does picking a pro stay as fast with 100× the pros and leads?

    python -m bench.routing [--small-only] [--leads 1000000] [--pros 10000] [--routings 200]

Each scale runs in its own process against a throwaway, migrated SQLite database in a
temp dir: (a) 100 pros / 10k leads, (b) 10k pros / 1M leads (scaled by --pros/--leads).
Pros serve PRO_CITIES of N_CITIES cities and one or two trades; leads are spread over
cities, trades and statuses, a few with exclusions. For each of --routings random leads it
measures
  - read: what routing a lead costs before any write — the lead's city and trade, its
    excluded pros, the business settings and the first page of eligible pros, in order;
  - route: route() itself (claim included) followed by release_pro(), so loads stay put;
  - nearby: route() for a lead in one of EMPTY_CITIES towns no pro serves, placed among
    the others on a grid about 6.5 km apart, so routing takes the pros of the cities
    within the business's nearby radius (25 km: a dozen or so cities), nearest first;
and prints p50/p99 latency and queries per routing for both scales, the large/small p50
ratio (goal ≤ 1.2) and whether the query counts are equal (goal: yes), each path's verdict
with the reason when missed, and the query plans of the first page at the large scale. It
asserts nothing.

Routing reads the routing index (pros.models.RoutingEntry), which the bulk inserts keep in
step (pros.routing_index); building it is part of the build time printed.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

N_CITIES = 50
EMPTY_CITIES = 10  # towns no pro serves: their leads go to pros nearby
GRID_COLUMNS = 10
GRID_DEGREES = 0.06  # about 6.7 km north-south, 5.7 km east-west at 31.5° N
PRO_CITIES = 3
BATCH = 5_000
EXCLUDED_SHARE = 0.02
RATIO_GOAL = 1.2
PATHS = ("read", "route", "nearby")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--pros", type=int, default=10_000, help="pros at the large scale")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads at the large scale")
    parser.add_argument("--routings", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", nargs=2, metavar=("PROS", "LEADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_scale(*map(int, args.worker), args.routings, args.seed)))
        return
    scales = [("small", 100, 10_000)]
    if not args.small_only:
        scales.append(("large", args.pros, args.leads))
    figures = {name: spawn(pros, leads, args) for name, pros, leads in scales}
    report(figures)


def spawn(pros: int, leads: int, args) -> dict:
    command = [sys.executable, "-m", "bench.routing", "--worker", str(pros), str(leads)]
    command += ["--routings", str(args.routings), "--seed", str(args.seed)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(figures: dict) -> None:
    for name, fig in figures.items():
        print(
            f"{name:>5}: {fig['pros']:>6} pros {fig['leads']:>8} leads"
            f"  built in {fig['build_s']:.1f}s  candidates/routing p50 {fig['candidates_p50']}"
        )
        for path in PATHS:
            p = fig[path]
            print(
                f"       {path:<6} p50 {p['p50_ms']:.2f} ms  p99 {p['p99_ms']:.2f} ms"
                f"  queries/routing {p['queries']}"
            )
        near = fig["nearby"]
        print(
            f"       nearby: {near['routed']} routed to a pro nearby, distance p50 "
            f"{near['km_p50']} km, queries max {near['queries_max']}"
        )
    if "large" in figures:
        small, large = figures["small"], figures["large"]
        for path in PATHS:
            ratio = large[path]["p50_ms"] / small[path]["p50_ms"]
            same = large[path]["queries"] == small[path]["queries"]
            print(
                f"{path}: large/small p50 ratio {ratio:.2f} (goal ≤ {RATIO_GOAL}), "
                f"same query count: {same} — {verdict(ratio, same, small[path], large[path])}"
            )
        print("query plan of the first page (large):")
        print("  " + "\n  ".join(large["plan"]))
        print("query plan of the first page nearby (large):")
        print("  " + "\n  ".join(large["plan_nearby"]))


def verdict(ratio: float, same: bool, small: dict, large: dict) -> str:
    if ratio <= RATIO_GOAL and same:
        return "met"
    reasons = []
    if ratio > RATIO_GOAL:
        reasons.append(f"p50 {small['p50_ms']:.2f} → {large['p50_ms']:.2f} ms")
    if not same:
        reasons.append(f"queries {small['queries']} → {large['queries']}")
    return "MISSED: " + ", ".join(reasons)


def run_scale(n_pros: int, n_leads: int, routings: int, seed: int) -> dict:
    folder = tempfile.mkdtemp(prefix="fixi-bench-routing-")
    try:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        os.environ["DEBUG"] = "0"
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rng = random.Random(seed)
        started = time.perf_counter()
        build(n_pros, n_leads, rng)
        build_s = time.perf_counter() - started
        figures = measure(routings, rng)
        return {"pros": n_pros, "leads": n_leads, "build_s": build_s, **figures}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build(n_pros: int, n_leads: int, rng: random.Random) -> None:
    from django.db import connection

    from fixi.vocabulary import TRADES, IssueType
    from leads.models import Customer, Lead, LeadExclusion, LeadStatus
    from pros.models import City, Pro, ProTrade, ServiceArea

    now = datetime.now(UTC)
    cities = City.objects.bulk_create(
        City(slug=f"bench-{i}", name_he=f"עיר {i}", name_en=f"City {i}", **grid(i, 0.0))
        for i in range(N_CITIES)
    )
    City.objects.bulk_create(  # half a step off the grid, among the served towns
        City(slug=f"bench-empty-{i}", name_he=f"כפר {i}", name_en=f"Village {i}", **grid(i, 0.5))
        for i in range(EMPTY_CITIES)
    )
    pros, areas, trades = [], [], []
    for i in range(n_pros):
        cap = rng.choice([None, None, 3, 5, 8])
        pro = Pro(
            name=f"Pro {i}",
            phone=f"+9725{i:08d}",
            chat_id=f"9725{i:08d}@c.us",
            active=rng.random() > 0.05,
            rating=round(rng.uniform(3.0, 5.0), 1),
            review_count=rng.randint(0, 300),
            max_load=cap,
            current_load=rng.randint(0, cap or 5),
            last_assigned_at=rng.choice([None, now - timedelta(minutes=rng.randint(1, 10_000))]),
        )
        pros.append(pro)
        areas += [ServiceArea(pro=pro, city=c) for c in rng.sample(cities, PRO_CITIES)]
        trades += [ProTrade(pro=pro, trade=t) for t in rng.sample(TRADES, rng.choice([1, 2]))]
    for model, rows in ((Pro, pros), (ServiceArea, areas), (ProTrade, trades)):
        model.objects.bulk_create(rows, batch_size=BATCH)

    statuses = list(LeadStatus.values)
    issue_types = list(IssueType.values)
    for start in range(0, n_leads, BATCH):
        size = min(BATCH, n_leads - start)
        customers = Customer.objects.bulk_create(
            Customer(chat_id=f"97254{start + i:08d}@c.us", name="Bench") for i in range(size)
        )
        leads = Lead.objects.bulk_create(
            Lead(
                customer=customer,
                status=rng.choice(statuses),
                city=rng.choice(cities),
                issue_type=rng.choice(issue_types),
                pro=rng.choice(pros) if rng.random() < 0.7 else None,
                description="bench",
            )
            for customer in customers
        )
        LeadExclusion.objects.bulk_create(
            LeadExclusion(lead=lead, pro=rng.choice(pros), reason="declined")
            for lead in leads
            if rng.random() < EXCLUDED_SHARE
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def grid(i: int, offset: float) -> dict:
    row, column = divmod(i, GRID_COLUMNS)
    return {
        "latitude": 31.5 + (row + offset) * GRID_DEGREES,
        "longitude": 34.8 + (column + offset) * GRID_DEGREES,
    }


def measure(routings: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fixi.models import BusinessSettings
    from fixi.vocabulary import TRADES
    from leads.models import Lead, LeadExclusion
    from pros.geo import cities_near
    from pros.models import City
    from pros.routing import CANDIDATE_PAGE, eligible_pros, nearby_pros, release_pro, route

    lead_ids = list(Lead.objects.order_by("?").values_list("pk", flat=True)[:routings])
    empty = list(City.objects.filter(slug__startswith="bench-empty-").values_list("pk", flat=True))
    villages = [(rng.choice(empty), rng.choice(TRADES)) for _ in range(routings)]
    nearby_km = []

    def read(lead_id):
        lead = Lead.objects.values("city_id", "issue_type").get(pk=lead_id)
        excluded = list(
            LeadExclusion.objects.filter(lead_id=lead_id).values_list("pro_id", flat=True)
        )
        page = eligible_pros(lead["city_id"], lead["issue_type"], excluded)
        return lead, excluded, list(page[:CANDIDATE_PAGE])

    def full(lead_id):
        lead, excluded, _page = read(lead_id)
        result = route(lead["city_id"], lead["issue_type"], excluded)
        if result.pro is not None:
            release_pro(result.pro.pk)
        return result

    def nearby(village):
        city_id, trade = village
        result = route(city_id, trade)
        if result.pro is not None:
            release_pro(result.pro.pk)
            nearby_km.append(result.reason["nearby"]["km"])
        return result

    for lead_id in lead_ids[:10]:  # warm the page cache and the connection
        read(lead_id)
    figures = {"candidates_p50": statistics.median(len(read(i)[2]) for i in lead_ids)}
    for name, step, items in (
        ("read", read, lead_ids),
        ("route", full, lead_ids),
        ("nearby", nearby, villages),
    ):
        times, queries = [], []
        for item in items:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                step(item)
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
        times.sort()
        figures[name] = {
            "p50_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
            "queries": max(queries) if name == "read" else statistics.median(queries),
        }
    figures["nearby"]["queries_max"] = max(queries)
    figures["nearby"]["routed"] = f"{len(nearby_km)}/{len(villages)}"
    figures["nearby"]["km_p50"] = statistics.median(nearby_km) if nearby_km else None
    lead = Lead.objects.values("city_id", "issue_type").get(pk=lead_ids[0])
    page = eligible_pros(lead["city_id"], lead["issue_type"])[:CANDIDATE_PAGE]
    figures["plan"] = plan(page)
    near = cities_near(villages[0][0], BusinessSettings.load().nearby_radius_km)
    figures["plan_nearby"] = plan(nearby_pros(near, villages[0][1], default_cap=3)[:CANDIDATE_PAGE])
    return figures


def plan(queryset) -> list[str]:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


if __name__ == "__main__":
    main()
