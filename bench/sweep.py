"""Sweep benchmark: does a sweep of the periodic jobs cost the same with 100× the leads?

    python -m bench.sweep [--small-only] [--leads 1000000] [--due 100] [--repeats 7]

Each scale runs in its own process against a throwaway, migrated SQLite database in a
temp dir: (a) 10k leads, (b) 1M leads (--leads). Both hold the same business: N_CITIES
cities with PROS_PER_CITY pros each (one city, every trade, hourly slots for the coming
weeks), the same live leads (LIVE: conversations, pros asked minutes ago, upcoming and
just-finished bookings, recently reported SOS leads; none of them due) and exactly --due
leads due at NOW, split between the jobs (DUE_SHARES: silent pros, expired offers and
stranded leads for the healer, unreported leads for the reporter, bookings past their
slot for the stale-job monitor, day-before and 2-hour reminders). What grows is history,
of a business taking LEADS_PER_DAY leads a day: mostly completed or cancelled, plus the
leftovers that pile up (HISTORY_SHARES: unassigned leads already reported, abandoned
conversations, bookings nobody closed after both follow-ups). Only leads and customers
grow; pros, slots and the audit trail start the same at both scales.

What is timed is one sweep at NOW: heal, report, follow_up_stale and send_reminders in
that order (what `sos_sweep` runs, plus the reminders job). A sweep acts on the due
leads, so every run starts from a fresh copy of the built database file, written to disk
and opened (schema read) before the clock starts. The first run is a warm-up that counts
the SQL queries of each job (CaptureQueriesContext), times every statement and explains
the jobs' batch reads (EXPLAIN QUERY PLAN); the --repeats runs after it are timed
without either, in wall and CPU time (CPU time does not count waiting for a core another
process holds). The large scale runs first, so both scales' timed runs are seconds apart.
Outgoing messages are only stored: the workers get no Green API or Gemini settings, and
the send tasks go to Celery's in-memory broker.

It prints, per scale, the sweep's p50 and min–max over the repeats, each job's p50 and
queries, and what the jobs did (their Summary counts, which must be the same in every
run); then the large/small p50 ratio (goal ≤ 1.5) and the CPU-time ratio, whether the
query counts are equal, the batch reads' times at both scales, the slowest statements
and the query plans. It asserts nothing.
"""

import argparse
import json
import math
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# A fixed clock, earlier than any run, so the stamps the jobs take from the real clock
# (updated_at of a transition) land after it. 10:00 on a Thursday in Israel.
NOW = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
SMALL_LEADS = 10_000
N_CITIES = 5
PROS_PER_CITY = 8
SLOT_HOURS = range(8, 18)  # local start hours of one-hour slots
MIN_SLOT_DAYS = 14
LEADS_PER_DAY = 1_000  # history spans leads / LEADS_PER_DAY days
LEADS_PER_CUSTOMER = 2
BATCH = 5_000
RATIO_GOAL = 1.5
ADMIN_PHONE = "+972500000001"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

DUE_SHARES = {  # kind: (share of --due, what the sweep should do with it)
    "silent_pro": (0.40, "awaiting_pro, pro silent past the SOS timeout → healer reassigns"),
    "expired_offer": (0.10, "contacted, offered slots past the timeout → healer expires"),
    "stranded": (0.10, "complete, no pro, idle past the timeout → healer routes"),
    "unreported": (0.10, "unassigned, never reported → reporter lists"),
    "stale_pro": (0.08, "booked, slot 4–24 h ago → stale jobs asks the pro"),
    "stale_customer": (0.07, "booked, slot >24 h ago, pro asked → stale jobs asks customer"),
    "reminder_24h": (0.08, "booked for the next 2–24 h → day-before reminder"),
    "reminder_2h": (0.07, "booked for the next 2 h → 2-hour reminder"),
}
LIVE = {  # kind: leads, the same at both scales; none is due at NOW
    "asked_pro": 40,  # awaiting_pro, asked within the SOS timeout
    "offered_slots": 20,  # contacted with a pro, slots offered within the timeout
    "talking": 150,  # new/contacted, updated within the timeout
    "incomplete": 60,  # new/contacted in the healer's stranded window, but no address
    "upcoming": 300,  # booked, next two weeks; reminders already sent where due
    "just_done": 30,  # booked, slot less than 4 h ago
    "followed_up": 30,  # booked, slot 4–24 h ago, pro already asked
    "reported": 20,  # unassigned, in a report of the last hours
}
HISTORY_SHARES = {  # kind: share of the rest (older than two days)
    "completed": 0.76,
    "cancelled": 0.17,
    "reported": 0.03,  # unassigned, reported long ago, never closed
    "abandoned": 0.03,  # new/contacted, the customer stopped answering
    "unclosed": 0.01,  # booked, both follow-ups sent, nobody marked it done
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads at the large scale")
    parser.add_argument("--due", type=int, default=100, help="leads due at NOW, at each scale")
    parser.add_argument("--repeats", type=int, default=7, help="timed sweeps at each scale")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", type=int, metavar="LEADS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_scale(args.worker, args.due, args.repeats, args.seed)))
        return
    started = time.perf_counter()
    print("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    # The large scale first: its build takes minutes, and the small scale's timed runs then
    # follow its timed runs within seconds, on a machine in the same state.
    scales = [("small", SMALL_LEADS)]
    if not args.small_only:
        scales.insert(0, ("large", args.leads))
    figures = {name: spawn(leads, args) for name, leads in scales}
    report({name: figures[name] for name in ("small", "large") if name in figures})
    print(f"run took {time.perf_counter() - started:.0f}s")


def spawn(leads: int, args) -> dict:
    command = [sys.executable, "-m", "bench.sweep", "--worker", str(leads)]
    command += ["--due", str(args.due), "--repeats", str(args.repeats), "--seed", str(args.seed)]
    # Outgoing messages must stay rows: no provider credentials reach the worker.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GREEN_API_") and key != "GEMINI_API_KEY"
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"bench.sweep --worker {leads} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the report --------------------------------------------------------------------------


def report(figures: dict) -> None:
    for name, fig in figures.items():
        report_scale(name, fig)
    due = figures["small"]["due"]
    print("due at each scale: " + ", ".join(f"{n} {kind}" for kind, n in due.items()))
    for kind, (_, what) in DUE_SHARES.items():
        print(f"  {kind:<15} {what}")
    if "large" in figures:
        compare(figures["small"], figures["large"])


def p50(sweep: dict, key: str = "runs_ms") -> float:
    return statistics.median(sweep[key])


def report_scale(name: str, fig: dict) -> None:
    sweep = fig["sweep"]
    runs = sweep["runs_ms"]
    print(
        f"{name:>5}: {fig['leads']:>8} leads ({fig['history_total']} history, "
        f"{fig['live_total']} live, {fig['due_total']} due), "
        f"built in {fig['build_s']:.0f}s, db {fig['db_mb']:.0f} MB"
    )
    print(
        f"       sweep p50 {p50(sweep):.1f} ms (min {min(runs):.1f}, max {max(runs):.1f} "
        f"over {len(runs)} runs; CPU p50 {p50(sweep, 'cpu_runs_ms'):.1f} ms), "
        f"queries/sweep {sweep['queries']}, same work every run: {fig['same_work']}, "
        f"load average after the runs {fig['load_after']:.2f}"
    )
    for job, figs in fig["jobs"].items():
        did = ", ".join(f"{k} {v}" for k, v in fig["did"][job].items()) or "nothing"
        print(
            f"         {job:<10} p50 {figs['p50_ms']:7.1f} ms (CPU {figs['cpu_p50_ms']:6.1f})"
            f"  queries {figs['queries']:>5}  SQL in the warm-up {figs['sql_ms']:5.0f} ms"
            f"  did: {did}"
        )


def compare(small: dict, large: dict) -> None:
    ratio = p50(large["sweep"]) / p50(small["sweep"])
    cpu_ratio = p50(large["sweep"], "cpu_runs_ms") / p50(small["sweep"], "cpu_runs_ms")
    same = large["sweep"]["queries"] == small["sweep"]["queries"]
    verdict = "ok" if ratio <= RATIO_GOAL and same else "MISSED"
    print(
        f"sweep: large/small p50 ratio {ratio:.2f} (goal ≤ {RATIO_GOAL}), "
        f"same query count: {same} ({small['sweep']['queries']} / "
        f"{large['sweep']['queries']}) — {verdict}; CPU-time ratio {cpu_ratio:.2f}"
    )
    for job in large["jobs"]:
        big, little = large["jobs"][job], small["jobs"][job]
        print(
            f"  {job:<10} p50 ratio {big['p50_ms'] / little['p50_ms']:.2f}, "
            f"CPU {big['cpu_p50_ms'] / little['cpu_p50_ms']:.2f}"
        )
    print("batch reads (warm-up run, small → large ms) and their plans at the large scale:")
    for read_small, read_large in zip(small["reads"], large["reads"], strict=False):
        print(
            f"  {read_large['job']:<10} {read_small['ms']:7.2f} → {read_large['ms']:7.2f}"
            f"  {read_large['where']}"
        )
        for line in read_large["plan"]:
            print(f"{'':>16}{line}")
    print("slowest statements (warm-up run, large):")
    for row in large["slowest"]:
        print(f"  {row['job']:<10} {row['ms']:7.2f} ms  {row['sql']}")


# --- one scale, in its own process -------------------------------------------------------


def run_scale(n_leads: int, due: int, repeats: int, seed: int) -> dict:
    folder = tempfile.mkdtemp(prefix="fixi-bench-sweep-")
    try:
        database = os.path.join(folder, "bench.sqlite3")
        configure(database)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        counts = build(n_leads, due, seed)
        build_s = time.perf_counter() - started
        pristine = freeze(database)
        figures = measure(database, pristine, repeats)
        return {
            "leads": n_leads,
            "build_s": build_s,
            "db_mb": os.path.getsize(pristine) / 2**20,
            **{f"{group}_total": sum(c.values()) for group, c in counts.items()},
            **counts,
            **figures,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def configure(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["ADMIN_WHATSAPP"] = ADMIN_PHONE
    # Empty rather than absent, so a .env file cannot bring them back.
    for name in ("GREEN_API_ID", "GREEN_API_TOKEN", "GEMINI_API_KEY"):
        os.environ[name] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")


def freeze(database: str) -> str:
    """Gather the planner's statistics and keep the built file as the runs' starting point."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    pristine = os.path.join(os.path.dirname(database), "pristine.sqlite3")
    shutil.copyfile(database, pristine)
    return pristine


# --- building a business -----------------------------------------------------------------


@dataclass
class World:
    """What the lead builders draw from: the clock's landmarks, cities, pros, free times."""

    rng: random.Random
    cities: list
    pros: dict  # city id -> pro ids
    trades: list
    timeout: timedelta  # the SOS timeout
    pro_due: timedelta  # ask the pro "done?" this long after the slot
    customer_due: timedelta  # check with the customer this long after the slot
    history: timedelta
    day0: datetime  # local midnight of NOW
    moment: datetime = NOW  # when the history lead being built came in
    routed: int = 0  # due leads given a free time so far
    customers: int = 0
    held: dict = field(default_factory=dict)  # (pro id, start) -> (lead id, booked at)

    @property
    def cutoff(self) -> datetime:
        return NOW - self.timeout

    def ago(self, low: timedelta, high: timedelta) -> datetime:
        return NOW - low - (high - low) * self.rng.random()

    def ahead(self, low: timedelta, high: timedelta) -> datetime:
        return NOW + low + (high - low) * self.rng.random()

    def pro_in(self, city):
        return self.rng.choice(self.pros[city])

    def free_time(self) -> tuple:
        """A city and a slot start no other due lead of that city asks for."""
        city = self.cities[self.routed % N_CITIES]
        index = self.routed // N_CITIES
        self.routed += 1
        day, hour = divmod(index, len(SLOT_HOURS))
        return city, (self.day0 + (1 + day) * DAY).replace(hour=SLOT_HOURS[hour])


def new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build(n_leads: int, due: int, seed: int) -> dict:
    from django.utils import timezone

    from fixi.models import BusinessSettings
    from fixi.vocabulary import TRADES

    due_counts = split_due(due)
    n_history = n_leads - sum(LIVE.values()) - due
    if n_history < 0:
        raise SystemExit(f"{n_leads} leads cannot hold {sum(LIVE.values())} live and {due} due")
    business = BusinessSettings.load()
    local = timezone.localtime(NOW)
    rng = random.Random(seed)
    cities, pros = build_pros(rng, TRADES)
    world = World(
        rng=rng,
        cities=cities,
        pros=pros,
        trades=TRADES,
        timeout=business.sos_timeout_minutes * MINUTE,
        pro_due=business.stale_pro_followup_hours * HOUR,
        customer_due=business.stale_customer_check_hours * HOUR,
        history=n_leads / LEADS_PER_DAY * DAY,
        day0=local.replace(hour=0, minute=0, second=0, microsecond=0),
    )
    history = rng.choices(list(HISTORY_SHARES), weights=HISTORY_SHARES.values(), k=n_history)
    # The live and due leads draw from their own generator, so both scales get the same
    # ones (ids included) whatever the history consumed.
    insert_leads(world, history, due_counts, random.Random(f"{seed}-present"))
    routed_days = math.ceil(world.routed / N_CITIES / len(SLOT_HOURS))
    build_slots(world, max(MIN_SLOT_DAYS, routed_days + 1))
    history_counts = {kind: history.count(kind) for kind in HISTORY_SHARES}
    return {"history": history_counts, "live": dict(LIVE), "due": due_counts}


def split_due(due: int) -> dict:
    counts = {kind: int(due * share) for kind, (share, _) in DUE_SHARES.items()}
    counts["silent_pro"] += due - sum(counts.values())
    return counts


def build_pros(rng: random.Random, trades: list) -> tuple[list, dict]:
    from pros.models import City, Pro, ProTrade, ServiceArea

    cities = City.objects.bulk_create(
        City(id=new_id(rng), slug=f"bench-{i}", name_he=f"עיר {i}", name_en=f"City {i}")
        for i in range(N_CITIES)
    )
    pros, areas, pro_trades = {}, [], []
    for i in range(N_CITIES * PROS_PER_CITY):
        city = cities[i % N_CITIES]
        pro = Pro(
            id=new_id(rng),
            name=f"Pro {i}",
            phone=f"9725{i:08d}",
            chat_id=f"9725{i:08d}@c.us",
            rating=round(rng.uniform(3.5, 5.0), 1),
            review_count=rng.randint(0, 300),
            current_load=rng.randint(0, 2),
            last_assigned_at=NOW - rng.randint(1, 5_000) * MINUTE,
        )
        pros.setdefault(city.pk, []).append(pro)
        areas.append(ServiceArea(id=new_id(rng), pro=pro, city=city))
        pro_trades += [ProTrade(id=new_id(rng), pro=pro, trade=t) for t in trades]
    Pro.objects.bulk_create([pro for group in pros.values() for pro in group])
    ServiceArea.objects.bulk_create(areas)
    ProTrade.objects.bulk_create(pro_trades, batch_size=BATCH)
    return [c.pk for c in cities], {city: [p.pk for p in group] for city, group in pros.items()}


def build_slots(world: World, days: int) -> None:
    from scheduling.models import Slot

    slots = []
    for pro_id in (pro for group in world.pros.values() for pro in group):
        for day in range(1, days + 1):
            for hour in SLOT_HOURS:
                start = (world.day0 + day * DAY).replace(hour=hour)
                lead_id, booked_at = world.held.get((pro_id, start), (None, None))
                slots.append(
                    Slot(
                        id=new_id(world.rng),
                        pro_id=pro_id,
                        start=start,
                        end=start + HOUR,
                        lead_id=lead_id,
                        booked_at=booked_at,
                    )
                )
    Slot.objects.bulk_create(slots, batch_size=BATCH)


def insert_leads(world: World, history: list, due_counts: dict, present: random.Random) -> None:
    """bulk_create in batches of BATCH. updated_at is stored as built: a history's times are
    the point, so the clock must not stamp them."""
    from leads.models import Lead

    stamp = Lead._meta.get_field("updated_at")
    stamp.auto_now = False
    try:
        batch = []
        for fields in lead_fields(world, history, due_counts, present):
            batch.append(fields)
            if len(batch) == BATCH:
                insert_batch(world, batch)
                batch = []
        if batch:
            insert_batch(world, batch)
    finally:
        stamp.auto_now = True


def lead_fields(world: World, history: list, due_counts: dict, present: random.Random):
    """Every lead's field values, id included, in the order a business stores them:
    history, oldest first, then the live leads and the due ones."""
    for i, kind in enumerate(history):
        world.moment = NOW - 2 * DAY - world.history * (1 - i / len(history))
        yield {"id": new_id(world.rng), **HISTORY[kind](world)}
    world.rng = present
    for builders, counts in ((LIVE_BUILDERS, LIVE), (DUE_BUILDERS, due_counts)):
        for kind, n in counts.items():
            for _ in range(n):
                yield {"id": new_id(world.rng), **builders[kind](world)}


def insert_batch(world: World, batch: list) -> None:
    from leads.models import Customer, Lead

    customers = []  # random ids: drawing them from world.rng would shift the leads built next
    for _ in range(math.ceil(len(batch) / LEADS_PER_CUSTOMER)):
        world.customers += 1
        customers.append(Customer(chat_id=f"97252{world.customers:08d}@c.us", name="לקוח בדיקה"))
    Customer.objects.bulk_create(customers)
    leads = []
    for i, fields in enumerate(batch):
        hold = fields.pop("hold_slot", None)
        lead = Lead(customer_id=customers[i // LEADS_PER_CUSTOMER].pk, **fields)
        if hold:
            world.held[(fields["pro_id"], fields["appointment_time"])] = (lead.pk, hold)
        leads.append(lead)
    Lead.objects.bulk_create(leads)


# --- the leads, kind by kind ---------------------------------------------------------------


def basics(world: World, city, created: datetime, appointment, complete: bool = True) -> dict:
    rng = world.rng
    return {
        "status": "new",
        "city_id": city,
        "issue_type": rng.choice(world.trades),
        "full_address": f"הרצל {rng.randint(1, 200)}" if complete else "",
        "appointment_time": appointment,
        "language": "en" if rng.random() < 0.1 else "he",
        "description": "דליפה מתחת לכיור",
        "created_at": created,
        "updated_at": created,
    }


def booked(world: World, city, appointment: datetime, created=None, **fields) -> dict:
    """A job a pro accepted (three days ahead unless `created` says otherwise), both
    reminders sent unless told."""
    if created is None:
        created = min(appointment - 3 * DAY, NOW - HOUR)
    responded = created + 20 * MINUTE
    base = basics(world, city, created, appointment)
    return base | {
        "status": "booked",
        "pro_id": world.pro_in(city),
        "assigned_at": created + 10 * MINUTE,
        "pro_responded_at": responded,
        "reminder_24h_at": max(appointment - DAY, responded),
        "reminder_2h_at": max(appointment - 2 * HOUR, responded),
        "updated_at": responded,
        **fields,
    }


def old(world: World) -> tuple:
    """A history lead's city, arrival and appointment (3 to 24 hours later)."""
    city = world.rng.choice(world.cities)
    created = world.moment + world.rng.uniform(0, 10) * MINUTE
    return city, created, created + world.rng.uniform(3, 24) * HOUR


def h_completed(world: World) -> dict:
    city, created, appointment = old(world)
    done = appointment + 2 * HOUR
    return booked(world, city, appointment, created, status="completed") | {
        "completed_at": done,
        "customer_rating": world.rng.randint(3, 5),
        "updated_at": done,
    }


def h_cancelled(world: World) -> dict:
    city, created, appointment = old(world)
    cancelled = created + world.rng.uniform(1, 20) * HOUR
    fields = basics(world, city, created, appointment)
    return fields | {"status": "cancelled", "cancelled_at": cancelled, "updated_at": cancelled}


def h_reported(world: World) -> dict:
    city, created, appointment = old(world)
    return basics(world, city, created, appointment) | {
        "status": "unassigned",
        "routing_reason": {"why": "No active pro serves this city for this trade."},
        "sos_reported_at": created + world.rng.uniform(0.2, 4) * HOUR,
        "updated_at": created + 5 * MINUTE,
    }


def h_abandoned(world: World) -> dict:
    city, created, appointment = old(world)
    complete = world.rng.random() < 0.5
    return basics(world, city, created, appointment if complete else None, complete) | {
        "status": world.rng.choice(["new", "contacted"]),
        "updated_at": created + world.rng.uniform(0, 1) * HOUR,
    }


def h_unclosed(world: World) -> dict:
    city, created, appointment = old(world)
    return booked(world, city, appointment, created) | {
        "stale_pro_followup_at": appointment + world.pro_due,
        "stale_customer_check_at": appointment + world.customer_due,
    }


def l_asked_pro(world: World) -> dict:
    return asked(world, "awaiting_pro", world.ago(0 * MINUTE, world.timeout - MINUTE))


def l_offered_slots(world: World) -> dict:
    return asked(world, "contacted", world.ago(0 * MINUTE, world.timeout - MINUTE))


def asked(world: World, status: str, assigned: datetime) -> dict:
    city = world.rng.choice(world.cities)
    appointment = world.ahead(DAY, 14 * DAY)
    return basics(world, city, assigned - 20 * MINUTE, appointment) | {
        "status": status,
        "pro_id": world.pro_in(city),
        "assigned_at": assigned,
        "updated_at": assigned,
    }


def l_talking(world: World) -> dict:
    updated = world.ago(0 * MINUTE, world.timeout - MINUTE)
    return talking(world, updated, complete=world.rng.random() < 0.5)


def l_incomplete(world: World) -> dict:
    updated = world.ago(world.timeout + MINUTE, world.timeout + DAY - MINUTE)
    return talking(world, updated, complete=False)


def talking(world: World, updated: datetime, complete: bool) -> dict:
    city = world.rng.choice(world.cities)
    appointment = world.ahead(DAY, 7 * DAY) if complete else None
    created = updated - world.rng.uniform(0, 2) * HOUR
    return basics(world, city, created, appointment, complete) | {
        "status": world.rng.choice(["new", "contacted"]),
        "updated_at": updated,
    }


def l_upcoming(world: World) -> dict:
    appointment = world.ahead(10 * MINUTE, 14 * DAY)
    lead = booked(world, world.rng.choice(world.cities), appointment)
    if appointment > NOW + DAY:
        lead["reminder_24h_at"] = None
    if appointment > NOW + 2 * HOUR:
        lead["reminder_2h_at"] = None
    return lead


def l_just_done(world: World) -> dict:
    appointment = world.ago(MINUTE, world.pro_due - 10 * MINUTE)
    return booked(world, world.rng.choice(world.cities), appointment)


def l_followed_up(world: World) -> dict:
    appointment = world.ago(world.pro_due + 10 * MINUTE, world.customer_due - 10 * MINUTE)
    lead = booked(world, world.rng.choice(world.cities), appointment)
    return lead | {"stale_pro_followup_at": appointment + world.pro_due}


def l_reported(world: World) -> dict:
    reported = world.ago(MINUTE, 3 * HOUR)
    city = world.rng.choice(world.cities)
    return basics(world, city, reported - 10 * MINUTE, world.ahead(DAY, 3 * DAY)) | {
        "status": "unassigned",
        "routing_reason": {"why": "All active pros who serve this city are at their load cap."},
        "sos_reported_at": reported,
    }


def d_silent_pro(world: World) -> dict:
    city, start = world.free_time()
    assigned = world.cutoff - world.rng.uniform(1, 180) * MINUTE
    return basics(world, city, assigned - 10 * MINUTE, start) | {
        "status": "awaiting_pro",
        "pro_id": world.pro_in(city),
        "assigned_at": assigned,
        "updated_at": assigned,
        "hold_slot": assigned,  # the pro's slot at that time is held for this lead
    }


def d_expired_offer(world: World) -> dict:
    assigned = world.cutoff - world.rng.uniform(1, 180) * MINUTE
    return asked(world, "contacted", assigned)


def d_stranded(world: World) -> dict:
    city, start = world.free_time()
    updated = world.ago(world.timeout + MINUTE, world.timeout + DAY - MINUTE)
    return basics(world, city, updated - 5 * MINUTE, start) | {
        "status": world.rng.choice(["new", "contacted"]),
        "updated_at": updated,
    }


def d_unreported(world: World) -> dict:
    city = world.rng.choice(world.cities)
    created = world.ago(10 * MINUTE, 4 * HOUR)
    return basics(world, city, created, world.ahead(DAY, 3 * DAY)) | {
        "status": "unassigned",
        "routing_reason": {"why": "All active pros who serve this city are at their load cap."},
        "updated_at": created + MINUTE,
    }


def d_stale_pro(world: World) -> dict:
    appointment = world.ago(world.pro_due + 10 * MINUTE, world.customer_due - 10 * MINUTE)
    return booked(world, world.rng.choice(world.cities), appointment)


def d_stale_customer(world: World) -> dict:
    appointment = world.ago(world.customer_due + 10 * MINUTE, world.customer_due + 20 * HOUR)
    lead = booked(world, world.rng.choice(world.cities), appointment)
    return lead | {"stale_pro_followup_at": appointment + world.pro_due}


def d_reminder_24h(world: World) -> dict:
    appointment = world.ahead(2 * HOUR + 10 * MINUTE, DAY - 10 * MINUTE)
    lead = booked(world, world.rng.choice(world.cities), appointment)
    return lead | {"reminder_24h_at": None, "reminder_2h_at": None}


def d_reminder_2h(world: World) -> dict:
    appointment = world.ahead(10 * MINUTE, 2 * HOUR - 10 * MINUTE)
    return booked(world, world.rng.choice(world.cities), appointment) | {"reminder_2h_at": None}


HISTORY = {
    "completed": h_completed,
    "cancelled": h_cancelled,
    "reported": h_reported,
    "abandoned": h_abandoned,
    "unclosed": h_unclosed,
}
LIVE_BUILDERS = {
    "asked_pro": l_asked_pro,
    "offered_slots": l_offered_slots,
    "talking": l_talking,
    "incomplete": l_incomplete,
    "upcoming": l_upcoming,
    "just_done": l_just_done,
    "followed_up": l_followed_up,
    "reported": l_reported,
}
DUE_BUILDERS = {
    "silent_pro": d_silent_pro,
    "expired_offer": d_expired_offer,
    "stranded": d_stranded,
    "unreported": d_unreported,
    "stale_pro": d_stale_pro,
    "stale_customer": d_stale_customer,
    "reminder_24h": d_reminder_24h,
    "reminder_2h": d_reminder_2h,
}


# --- measuring ---------------------------------------------------------------------------


class StatementClock:
    """An execute wrapper that times every statement of the warm-up sweep."""

    def __init__(self):
        self.job = ""
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            self.rows.append({"job": self.job, "ms": ms, "sql": sql, "params": params})


def measure(database: str, pristine: str, repeats: int) -> dict:
    from django.db import connection

    from leads import monitors

    jobs = {
        "healer": monitors.heal,
        "reporter": monitors.report,
        "stale jobs": monitors.follow_up_stale,
        "reminders": monitors.send_reminders,
    }
    warm_broker()
    restore(database, pristine)
    clock = StatementClock()
    with connection.execute_wrapper(clock):
        warm_up = sweep_once(jobs, clock)
    runs = []
    for _ in range(repeats):
        restore(database, pristine)
        runs.append(sweep_once(jobs))
    return {
        "jobs": {job: job_figures(job, runs, warm_up, clock) for job in jobs},
        "sweep": {
            "runs_ms": [sum(run["wall"].values()) for run in runs],
            "cpu_runs_ms": [sum(run["cpu"].values()) for run in runs],
            "queries": sum(warm_up["queries"].values()),
        },
        "did": warm_up["did"],
        "same_work": all(run["did"] == warm_up["did"] for run in runs),
        "reads": batch_reads(clock),
        "slowest": slowest(clock),
        "load_after": os.getloadavg()[0],
    }


def job_figures(job: str, runs: list, warm_up: dict, clock: StatementClock) -> dict:
    return {
        "p50_ms": statistics.median(run["wall"][job] for run in runs),
        "cpu_p50_ms": statistics.median(run["cpu"][job] for run in runs),
        "queries": warm_up["queries"][job],
        "sql_ms": sum(row["ms"] for row in clock.rows if row["job"] == job),
    }


def warm_broker() -> None:
    """Open the in-memory broker's producer before the clock runs, as a worker has."""
    from fixi.celery import app
    from messaging import outbox

    app.send_task(outbox.SEND_TASK, args=["warm-up"])


def restore(database: str, pristine: str) -> None:
    """Start from the built database again: the previous sweep acted on the due leads."""
    from django.db import connection

    connection.close()
    for suffix in ("-wal", "-shm"):
        with suppress(FileNotFoundError):
            os.remove(database + suffix)
    shutil.copyfile(pristine, database)
    # Write the copy out now, or the kernel flushes it while the sweep runs (and the
    # sweep's first checkpoint waits for all of it).
    descriptor = os.open(database, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    with connection.cursor() as cursor:  # connect and read the schema, as a running worker has
        cursor.execute("SELECT count(*) FROM sqlite_master")


def sweep_once(jobs: dict, clock: StatementClock | None = None) -> dict:
    """Each job once at NOW: wall and CPU milliseconds, queries (counted when clock is
    given) and Summary counts, per job. CPU time tells waiting (for the disk, or for a
    core another process holds) from work."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = {"wall": {}, "cpu": {}, "queries": {}, "did": {}}
    for name, job in jobs.items():
        if clock is not None:
            clock.job = name
        counter = CaptureQueriesContext(connection) if clock is not None else nullcontext(())
        with counter as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            summary = job(NOW)
            run["wall"][name] = (time.perf_counter() - wall) * 1000
            run["cpu"][name] = (time.process_time() - cpu) * 1000
        run["queries"][name] = len(captured)
        run["did"][name] = summary.counts
    return run


def batch_reads(clock: StatementClock) -> list[dict]:
    """The jobs' reads of due leads (ordered, limited), timed and explained."""
    from django.db import connection

    reads = []
    for row in clock.rows:
        sql = row["sql"]
        if not (sql.startswith("SELECT") and 'FROM "leads_lead"' in sql and " LIMIT " in sql):
            continue
        if "ORDER BY" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", row["params"])
            plan = [line[-1] for line in cursor.fetchall()]
        where = readable(sql.split(" WHERE ", 1)[-1], row["params"])
        reads.append({"job": row["job"], "ms": row["ms"], "where": where, "plan": plan})
    return reads


def slowest(clock: StatementClock, n: int = 5) -> list[dict]:
    rows = sorted(clock.rows, key=lambda row: row["ms"], reverse=True)[:n]
    return [
        {"job": row["job"], "ms": row["ms"], "sql": readable(row["sql"], row["params"])[:160]}
        for row in rows
    ]


def readable(sql: str, params) -> str:
    text = sql.replace('"leads_lead".', "").replace('"', "")
    with suppress(TypeError, ValueError):
        text = text % tuple(f"'{p!s}'" if isinstance(p, str) else repr(p) for p in params or ())
    return text[:240]


if __name__ == "__main__":
    main()
