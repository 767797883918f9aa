"""Load test: many customers through whole conversations at once, and what was lost.

    python -m bench.load [--customers 200] [--seconds 180] [--redis-db N] [--window S]
                         [--concurrency 2] [--kill-at 0.4] [--drain 150]
                         [--recovery-every S] [--seed N] [--database PATH] [--json]

What runs, all on loopback: gunicorn (fixi.wsgi, 2 sync workers), two Celery workers
(prefork, --concurrency each) and celery beat on Redis (REDIS_URL, default
redis://127.0.0.1:6379/0; --redis-db N takes database N of that server), the test
suite's fake Green API, fake Gemini and fake Cloudinary in this process, and a fresh
SQLite file (WAL) in a temp dir, migrated, seeded by `seed_demo` and with one more pro for
every city and trade (a roster of 70, load caps 2-5) and 14 days of their slots.

Each simulated customer (`Conversation`) runs a scripted conversation through
POST /webhook, in Green API's payload shapes, starting at a random moment of the first
half of --seconds: a burst of short fragments (greeting, the problem, the city and street,
the day and hour, sometimes a name) that the quiet window makes one turn; a pick among
offered times when the asked one is taken; a photo for most; the pro's answer, given by
this program on the pro's chat as a button press or a typed answer quoting the offer
(a quarter of the pros decline first, and the next pro asked then approves); a price
question for most; "ביטול" / "cancel" for a quarter. One customer in five writes English.
About one webhook in ten is delivered twice with the same idMessage, at once or a moment
later, as Green API does. People take a second or two between messages. At --kill-at of
the run, worker A and its pool children are killed with SIGKILL and started again.

The fake Gemini reads each turn as a model would: every line a customer can write is
known to it with what it says (`Reader`), so the dispatcher gets the city, trade, address
and time of the lines it is shown, and the persona replies come back in the customer's
language.

Then nothing new is sent, and the run waits (at most --drain seconds) until every stored
message is processed and every queued message sent, stops the processes, and checks
against the database:

- lost: a webhook answered 200 whose message is missing or not processed (not done or
  ignored: still waiting, being processed, or failed);
- processed_twice: a message claimed more often than once, unless it was being processed
  by the killed worker (that claim died with it), plus a pro asked twice about one lead;
- duplicate_sends: a message Green API received more often than the outbox holds it;
- double_booked: a lead holding two slots, or two booked slots of one pro that overlap;
- over_cap: a pro whose open jobs or load counter is above the pro's cap;
- without_events: a lead with no audit event, or whose latest status change in its
  events is not its status.

It prints the reply latency (webhook in to the fake Green API receiving the reply: a
customer's last fragment to the reply to the customer; a pro's approval to the
confirmation to the customer; a pro's refusal to the next pro's offer or the customer's
message), turns per second, the invariants and the machine, and exits 1 when an
invariant is broken. With --json the last line is one JSON object. The Redis queue is
emptied at the end; the temp dir is removed unless --database names the file.
"""

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bench.common import REPO, children, machine, say, tail
from bench.pipeline import bench_environment, start_worker, working_days
from bench.pipeline import stop as stop_worker
from bench.webhook_ingest import free_port, start_gunicorn, wait_healthy
from bench.webhook_ingest import stop as stop_server

sys.path.insert(0, str(REPO))
from tests.fakes.cloudinary import FakeCloudinary
from tests.fakes.gemini import FakeGemini
from tests.fakes.green_api import FakeGreenApi, FakeMedia
from tests.messaging import shapes

WEB_WORKERS = 2
STARTUP_TIMEOUT = 90
REPLY_TIMEOUT = 60.0  # a customer or pro waits this long for an answer, then gives up
MAX_SLOT_ROUNDS = 3
POST_ATTEMPTS = 5  # Green API delivers again until it gets a 200
ROSTER_DAYS = 14
INVARIANTS = (
    "lost",
    "processed_twice",
    "duplicate_sends",
    "double_booked",
    "over_cap",
    "without_events",
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 600
HEBREW = re.compile(r"[\u0590-\u05ff]")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BLOCK = re.compile(r"<<<(CUSTOMER_MESSAGE|EARLIER) \w+>>>\n(.*?)\n<<<END_\1 \w+>>>", re.S)


class Stopped(Exception):
    """The run's time is up, or an answer never came: the conversation ends here."""


# --- The business: cities, trades, a roster of pros ----------------------------------------

# slug -> (as a customer writes it in Hebrew, in English, how often customers are there)
CITIES = {
    "tel-aviv": ("תל אביב", "Tel Aviv", 4),
    "jerusalem": ("ירושלים", "Jerusalem", 3),
    "haifa": ("חיפה", "Haifa", 3),
    "rishon-lezion": ("ראשון לציון", "Rishon LeZion", 2),
    "petah-tikva": ("פתח תקווה", "Petah Tikva", 2),
    "ramat-gan": ("רמת גן", "Ramat Gan", 2),
    "beer-sheva": ("באר שבע", "Beer Sheva", 1),
    "netanya": ("נתניה", "Netanya", 1),
    "holon": ("חולון", "Holon", 1),
    "herzliya": ("הרצליה", "Herzliya", 1),
}
# trade -> (problems in Hebrew, in English, the summary, how often)
TRADES = {
    "plumbing": (
        ["יש לי נזילה מתחת לכיור במטבח", "האסלה סתומה ולא מתרוקנת"],
        ["there's a leak under the kitchen sink", "the toilet is blocked"],
        "נזילה או סתימה",
        4,
    ),
    "electrical": (
        ["החשמל קופץ כל פעם שמדליקים את התנור", "שקע בסלון לא עובד"],
        ["the breaker trips whenever we turn on the oven", "a socket in the lounge is dead"],
        "תקלת חשמל",
        3,
    ),
    "hvac": (
        ["המזגן בסלון מטפטף ולא מקרר", "המזגן בחדר השינה לא נדלק"],
        ["the living room AC drips and does not cool", "the bedroom AC won't switch on"],
        "תקלה במזגן",
        3,
    ),
    "appliances": (
        ["מכונת הכביסה לא מסחררת", "המקרר מרעיש ולא מקרר"],
        ["the washing machine will not spin", "the fridge is noisy and not cold"],
        "תיקון מכשיר חשמלי",
        2,
    ),
    "locksmith": (
        ["המנעול בדלת הכניסה נתקע"],
        ["the front door lock is stuck"],
        "מנעול תקוע",
        1,
    ),
    "handyman": (
        ["צריך להרכיב ארון בחדר של הילדים"],
        ["I need a wardrobe put together in the kids' room"],
        "הרכבת ארון",
        1,
    ),
    "sealing": (
        ["יש רטיבות בתקרה של האמבטיה"],
        ["there is a damp patch on the bathroom ceiling"],
        "רטיבות בתקרה",
        1,
    ),
}
STREETS = [("הרצל", "Herzl"), ("ביאליק", "Bialik"), ("ויצמן", "Weizmann"), ("סוקולוב", "Sokolov")]
STREETS += [("רוטשילד", "Rothschild"), ("הנשיא", "HaNasi"), ("אחד העם", "Ahad Ha'am")]
NAMES = [("דנה", "Dana"), ("יוסי", "Yossi"), ("מיכל", "Michal"), ("אבי", "Avi"), ("נועה", "Noa")]
NAMES += [("רונית", "Ronit"), ("משה", "Moshe"), ("שירה", "Shira"), ("עומר", "Omer")]
GREETINGS = (["שלום", "היי", "ערב טוב", "בוקר טוב"], ["Hi", "Hello", "Good morning"])
CAPTIONS = (["הנה תמונה", "ככה זה נראה"], ["Here's a photo", "This is what it looks like"])
PRICE_QUESTIONS = (["כמה זה יעלה?", "מה המחיר?"], ["How much will it cost?", "What's the price?"])
CANCEL = ("ביטול", "cancel")
WEEKDAYS_HE = ["שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת", "ראשון"]  # Monday first
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PRO_FIRST = ["אורי", "בני", "גדי", "דני", "הדר", "זיו", "חן", "טל", "יעל", "כרמל"]
PRO_LAST = ["כץ", "לוי", "מור", "נחום", "סער", "עזרא", "פז"]


def roster() -> list[dict]:
    """One more pro for every city and trade, in import_pros' record shape (phones
    050-5551xxx), with load caps 2 to 5 (None: the business default)."""
    records = []
    for n, (slug, trade) in enumerate((s, t) for s in CITIES for t in TRADES):
        records.append(
            {
                "name": f"{PRO_FIRST[n % len(PRO_FIRST)]} {PRO_LAST[n % len(PRO_LAST)]} ({n})",
                "phone": f"050-5551{n:03d}",
                "cities": [slug],
                "trades": [trade],
                "rating": round(4.0 + (n * 7 % 10) / 10, 1),
                "reviews": 10 + n * 13 % 150,
                "active": True,
                "max_load": [2, 3, 4, None][n % 4],
                "persona": f"מקצוען ב{TRADES[trade][2]}, מגיע בזמן ומסביר לפני שמתחילים.",
                "price_list": [
                    {"service": "ביקור טכנאי", "price": 250 + n % 5 * 20, "note": ""},
                    {"service": TRADES[trade][2], "price": 400 + n % 7 * 30, "note": ""},
                ],
            }
        )
    return records


def seed_business() -> str:
    """Migrate, seed the demo business, add the roster and its slots (in this process)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from pros.models import City
    from pros.seeding import upsert_pro
    from scheduling.generation import generate_slots

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cities = {city.slug: city for city in City.objects.all()}
    today = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))  # Israel's calendar
    slots = 0
    records = roster()
    for record in records:
        pro = upsert_pro(record, cities).pro
        slots += generate_slots(
            pro, first_day=today, days=ROSTER_DAYS, duration=dt.timedelta(minutes=60)
        ).created
    return f"demo business + {len(records)} roster pros, {slots} roster slots"


def retune_recovery(every: int) -> None:
    """The two recovery jobs (stored messages never processed, queued sends never sent)
    every `every` seconds instead of the schedule's 120 and 60, as a manager can in the
    admin; the code they run is the same."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from fixi.schedule import sync_beat_schedule

    sync_beat_schedule()
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(
        task__in=["messaging.requeue_unprocessed", "messaging.resend_due"]
    ).update(interval=interval)


# --- Customers' scripts --------------------------------------------------------------------


@dataclass
class Script:
    """What one customer will write, and how the pro will answer."""

    index: int
    chat: str
    name: str
    english: bool
    city: str
    trade: str
    start_after: float  # seconds into the run
    burst: list[str]
    photo_caption: str = ""
    decline_first: bool = False
    typed_answer: bool = False  # the pro types "אשר" quoting the offer instead of pressing
    price_question: str = ""
    cancel: bool = False
    duplicate_every: float = 0.1  # the share of this customer's webhooks delivered twice


def _weighted(rng: random.Random, table: dict) -> str:
    keys = list(table)
    return rng.choices(keys, weights=[table[k][-1] for k in keys])[0]


def scripts(count: int, seconds: float, seed: int, reader: "Reader") -> list[Script]:
    """`count` customers' scripts, each line taught to the reader with what it says."""
    from django.utils import timezone

    from scheduling.generation import rest_day

    days = [d for d in working_days(8, timezone.localdate()) if not rest_day(d)][:5]
    made = []
    for index in range(count):
        rng = random.Random(seed * 100_003 + index)
        english = rng.random() < 0.2
        lang = 1 if english else 0
        slug, trade = _weighted(rng, CITIES), _weighted(rng, TRADES)
        city = CITIES[slug][lang]
        street = rng.choice(STREETS)[lang]
        number = 1 + index  # unique: each customer's address line is their own
        name = rng.choice(NAMES)[lang]
        day, hour = rng.choice(days), rng.randrange(8, 17)
        problem = rng.choice(TRADES[trade][lang])
        if english:
            place = f"I'm in {city}, {number} {street} St"
            address = f"{number} {street} St"
            weekday = WEEKDAYS_EN[day.weekday()]
            when = f"Could you come on {weekday} {day.day}/{day.month} at {hour}:00?"
            signed = f"Thanks, {name}"
        else:
            place = f"אני ב{city}, רחוב {street} {number}"
            address = f"רחוב {street} {number}"
            when = f"אפשר ביום {WEEKDAYS_HE[day.weekday()]} {day.day}.{day.month} בשעה {hour}:00?"
            signed = f"תודה, {name}"
        reader.learn(problem, issue_type=trade, summary=TRADES[trade][2])
        reader.learn(place, city=city, address=address)
        reader.learn(when, requested_date=day.isoformat(), requested_time=f"{hour:02d}:00")
        reader.learn(signed, customer_name=name)
        burst = [problem, place, when]
        if rng.random() < 0.8:
            burst.insert(0, rng.choice(GREETINGS[lang]))
        if rng.random() < 0.4:
            burst.append(signed)
        script = Script(
            index=index,
            chat=f"972549{index:06d}@c.us",  # pros are 050-555xxxx: never a customer
            name=name,
            english=english,
            city=slug,
            trade=trade,
            start_after=rng.uniform(0, seconds / 2),
            burst=burst,
            photo_caption=rng.choice(CAPTIONS[lang]) if rng.random() < 0.6 else "",
            decline_first=rng.random() < 0.25,
            typed_answer=rng.random() < 0.3,
            price_question=rng.choice(PRICE_QUESTIONS[lang]) if rng.random() < 0.8 else "",
            cancel=rng.random() < 0.25,
        )
        for line in GREETINGS[lang] + CAPTIONS[lang]:
            reader.learn(line)
        for line in PRICE_QUESTIONS[lang]:
            reader.learn(line, intent="price")
        made.append(script)
    return made


# --- The fake Gemini's reading of a turn -----------------------------------------------------


class Reader:
    """The fake Gemini's answers. The dispatcher's: the facts of every line it is shown
    (the earlier ones, then the latest turn's, which win), the intent of the latest turn's
    lines, the language of the latest turn; a turn of lines it does not know is answered
    with something that is not JSON, so the offline dispatcher reads it. The persona's: a
    short reply in the language the prompt asks for, naming the first price item."""

    PERSONA = {
        "he": "שלום, תודה שפנית אליי. אגיע בזמן שנקבע, אבדוק את התקלה במקום ואסביר מה צריך.",
        "en": "Hello, thanks for getting in touch. I'll come at the agreed time, check the "
        "problem on site and explain what is needed.",
    }

    def __init__(self):
        self.lines: dict[str, dict] = {}
        self.counts = Counter()
        self._lock = threading.Lock()

    def learn(self, line: str, **facts) -> None:
        self.lines[line.strip()] = facts

    def __call__(self, model: str, body: dict):
        config = json.dumps(body.get("generationConfig") or body.get("generation_config") or {})
        if "reply_text" in config:
            system = json.dumps(body.get("systemInstruction") or {}, ensure_ascii=False)
            self._count("persona")
            language = "en" if "Write in English" in system else "he"
            ids = _UUID.findall(system)
            return {
                "reply_text": self.PERSONA[language],
                "intent": "booking",
                "price_item_ids": ids[:1],
            }
        text = "\n".join(
            str(part.get("text", ""))
            for content in body.get("contents", [])
            for part in content.get("parts", [])
            if isinstance(part, dict)
        )
        blocks = dict(_BLOCK.findall(text))
        latest = blocks.get("CUSTOMER_MESSAGE", "").splitlines()
        shown = [*blocks.get("EARLIER", "").splitlines(), *latest]
        known = [self.lines[line.strip()] for line in shown if line.strip() in self.lines]
        if not known:
            self._count("unknown")
            return "not json"  # refused by the schema check: the offline dispatcher reads it
        self._count("dispatch")
        answer = {
            "city": "",
            "issue_type": "other",
            "urgent": False,
            "urgency_reason": "none",
            "language": "he" if HEBREW.search("\n".join(latest)) else "en",
            "summary": "",
            "address": "",
            "requested_date": "",
            "requested_time": "",
            "time_of_day": "none",
            "customer_name": "",
            "intent": "describe",
            "transcript": "",
        }
        for facts in known:
            answer.update({key: value for key, value in facts.items() if key != "intent"})
        intents = [
            self.lines[line.strip()].get("intent") for line in latest if line.strip() in self.lines
        ]
        answer["intent"] = next((i for i in intents if i), "describe")
        return answer

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1


# --- What the fake Green API received ------------------------------------------------------


@dataclass
class Sent:
    """One message the fake Green API accepted, when (time.monotonic) and to whom."""

    chat: str
    at: float
    text: str
    button_ids: list[str]
    id_message: str


class WatchedGreenApi(FakeGreenApi):
    """The fake Green API, with every accepted send indexed by chat and every job offer by
    lead (its buttons are "approve:<lead id>" and "reject:<lead id>"), and waiters woken."""

    def __init__(self):
        super().__init__()
        self.by_chat: dict[str, list[Sent]] = defaultdict(list)
        self.offers: dict[str, list[Sent]] = defaultdict(list)
        self.changed = threading.Condition()

    def _sent(self, body: dict, entry: dict):
        status, answer = super()._sent(body, entry)
        if status == 200:
            buttons = body.get("buttons") or []
            sent = Sent(
                chat=str(body["chatId"]),
                at=time.monotonic(),
                text=str(body.get("message") or body.get("body") or body.get("caption") or ""),
                button_ids=[str(b.get("buttonId")) for b in buttons if isinstance(b, dict)],
                id_message=answer["idMessage"],
            )
            with self.changed:
                self.by_chat[sent.chat].append(sent)
                for button_id in sent.button_ids:
                    key, _, lead_id = button_id.partition(":")
                    if key == "approve":
                        self.offers[lead_id].append(sent)
                self.changed.notify_all()
        return status, answer

    def wait(self, found, until: float):
        """The first non-empty `found()` before `until` (time.monotonic), else None."""
        with self.changed:
            while True:
                result = found()
                if result or time.monotonic() >= until:
                    return result or None
                self.changed.wait(min(1.0, max(0.01, until - time.monotonic())))

    def first_to(self, chat: str, after: float):
        return next((s for s in self.by_chat.get(chat, ()) if s.at >= after), None)

    def offer_for(self, lead_id: str, after: float, besides=()):
        offers = self.offers.get(lead_id, ())
        return next((s for s in offers if s.at >= after and s.chat not in besides), None)


# --- Webhooks ---------------------------------------------------------------------------------


class Webhooks:
    """POST /webhook as Green API does it: again until a 200 (at most POST_ATTEMPTS), and
    some deliveries twice with the same idMessage. Keeps what was accepted."""

    def __init__(self, port: int, token: str, run_tag: str):
        self.port, self.token, self.run_tag = port, token, run_tag
        self.accepted: set[str] = set()
        self.outcomes = Counter()
        self.statuses = Counter()
        self.duplicates = Counter()
        self.threads: list[threading.Thread] = []
        self._ids = iter(range(1, 10**9))
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            return f"LOAD{self.run_tag}{next(self._ids):010X}"

    def deliver(self, payload: dict, rng: random.Random, duplicate_share: float) -> None:
        """Deliver once, and with `duplicate_share` again: at the same moment or later."""
        if rng.random() < duplicate_share:
            delay = 0.0 if rng.random() < 0.5 else rng.uniform(0.3, 2.0)
            self._again(payload, delay)
        self.post(payload)

    def _again(self, payload: dict, delay: float) -> None:
        def later():
            time.sleep(delay)
            self.post(payload)

        with self._lock:
            self.duplicates["at once" if delay == 0 else "later"] += 1
            thread = threading.Thread(target=later, daemon=True)
            self.threads.append(thread)
        thread.start()

    def post(self, payload: dict) -> str:
        import http.client

        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        outcome = "unanswered"
        for attempt in range(POST_ATTEMPTS):
            if attempt:
                time.sleep(0.5 * attempt)
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("POST", "/webhook", body, headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status, answer = 0, b""
            finally:
                conn.close()
            with self._lock:
                self.statuses[status] += 1
            if status == 200:
                outcome = json.loads(answer).get("status", "")
                break
        with self._lock:
            self.outcomes[outcome] += 1
            if outcome in ("stored", "duplicate"):
                self.accepted.add(payload["idMessage"])
        return outcome

    def join(self) -> None:
        for thread in list(self.threads):
            thread.join(timeout=60)


# --- One customer's conversation ----------------------------------------------------------


@dataclass
class Step:
    """One turn a customer or pro took: when its last webhook went in, when the answer
    reached the fake Green API (None: it never did while the conversation waited)."""

    kind: str
    posted: float
    answered: float | None = None

    @property
    def latency_ms(self) -> float | None:
        return None if self.answered is None else (self.answered - self.posted) * 1000


class Conversation:
    """One customer's script played against the running system, and the pro's part in it."""

    def __init__(self, script: Script, run: "Run"):
        self.script, self.run = script, run
        self.green, self.hooks = run.green, run.hooks
        self.rng = random.Random(script.index * 7919 + 1)
        self.steps: list[Step] = []
        self.error = ""

    # The conversation, step by step.

    def __call__(self) -> None:
        from django.db import connections

        try:
            self._pause_until(self.run.started + self.script.start_after)
            self._converse()
        except Stopped:
            pass
        except Exception:  # a fault of this program, not of the system under test
            self.error = traceback.format_exc()
        finally:
            connections.close_all()

    def _converse(self) -> None:
        script = self.script
        reply = self._customer("burst", [self._text(line) for line in script.burst])
        reply = self._through_time_offers(reply)
        if script.photo_caption:
            self._customer("photo", [self._photo(script.photo_caption)])
        self._pro_answers()
        if script.price_question:
            self._customer("price", [self._text(script.price_question)])
        if script.cancel:
            self._customer("cancel", [self._text(CANCEL[script.english])])

    def _through_time_offers(self, reply: Sent) -> Sent:
        """Offered times instead of the asked one: pick one, by button or by number."""
        for _round in range(MAX_SLOT_ROUNDS):
            slots = [b for b in reply.button_ids if b.startswith("slot:")]
            if not slots:
                return reply
            choice = self.rng.randrange(len(slots))
            if self.rng.random() < 0.5:
                payload = self._press(self.script.chat, reply, slots[choice], str(choice + 1))
            else:
                payload = self._text(str(choice + 1))
            reply = self._customer("slot", [payload])
        return reply

    def _pro_answers(self) -> None:
        """The pro asked about this customer's job declines (some) or approves it."""
        lead_id = self._lead_waiting_for_a_pro()
        if lead_id is None:
            return  # nobody could take it, or the customer is still choosing a time
        offer = self.green.wait(lambda: self.green.offer_for(lead_id, 0.0), self._until())
        if offer is None:
            raise Stopped
        if self.script.decline_first:
            posted = self._pro(offer, "reject")
            asked = {offer.chat}

            def next_move():
                return self.green.offer_for(lead_id, posted, asked) or self.green.first_to(
                    self.script.chat, posted
                )

            moved = self._answered(Step("reject", posted), next_move)
            if moved.chat == self.script.chat:  # no other pro, or times to choose from
                self._through_time_offers(moved)
                lead_id = self._lead_waiting_for_a_pro()
                if lead_id is None:
                    return
                moved = self.green.wait(
                    lambda: self.green.offer_for(lead_id, posted, asked), self._until()
                )
                if moved is None:
                    raise Stopped
            offer = moved
        posted = self._pro(offer, "approve")
        self._answered(
            Step("approve", posted), lambda: self.green.first_to(self.script.chat, posted)
        )

    def _lead_waiting_for_a_pro(self) -> str | None:
        from leads.models import Lead, LeadStatus

        row = (
            Lead.objects.filter(customer__chat_id=self.script.chat)
            .order_by("-sequence")
            .values_list("pk", "status")
            .first()
        )
        if row is None or row[1] != LeadStatus.AWAITING_PRO:
            return None
        return str(row[0])

    # Sending and waiting.

    def _customer(self, kind: str, payloads: list[dict]) -> Sent:
        """A customer's turn: its webhooks a moment apart, then the reply to the customer."""
        self._think()
        posted = 0.0
        for n, payload in enumerate(payloads):
            if n:
                time.sleep(self.rng.uniform(0.2, 0.8))  # typing the next fragment
            if time.monotonic() > self.run.deadline:
                raise Stopped
            posted = time.monotonic()
            self.hooks.deliver(payload, self.rng, self.script.duplicate_every)
        return self._answered(
            Step(kind, posted), lambda: self.green.first_to(self.script.chat, posted)
        )

    def _pro(self, offer: Sent, answer: str) -> float:
        """The pro answers the offer: a button press, or the word typed quoting it."""
        time.sleep(self.rng.uniform(1.0, 3.0))  # reading the offer
        if time.monotonic() > self.run.deadline:
            raise Stopped
        button = next(b for b in offer.button_ids if b.startswith(f"{answer}:"))
        word = "אשר" if answer == "approve" else "דחה"
        if self.script.typed_answer:
            payload = shapes.quoted_current(
                word, chat_id=offer.chat, id_message=self.hooks.new_id()
            )
            payload["messageData"]["quotedMessage"]["stanzaId"] = offer.id_message
        else:
            payload = self._press(offer.chat, offer, button, word)
        posted = time.monotonic()
        self.hooks.deliver(payload, self.rng, self.script.duplicate_every)
        return posted

    def _answered(self, step: Step, found) -> Sent:
        self.steps.append(step)
        sent = self.green.wait(found, self._until())
        if sent is None:
            raise Stopped
        step.answered = sent.at
        return sent

    def _until(self) -> float:
        return min(time.monotonic() + REPLY_TIMEOUT, self.run.deadline + REPLY_TIMEOUT / 2)

    def _think(self) -> None:
        time.sleep(self.rng.uniform(0.5, 2.0))

    def _pause_until(self, moment: float) -> None:
        time.sleep(max(0.0, moment - time.monotonic()))

    # Payloads, in Green API's shapes (tests/messaging/shapes.py).

    def _stamped(self, payload: dict, name: str = "") -> dict:
        payload["timestamp"] = int(time.time())
        payload["senderData"].update(
            chatName=name or self.script.name, senderName=name or self.script.name
        )
        return payload

    def _text(self, text: str) -> dict:
        return self._stamped(
            shapes.text(text, chat_id=self.script.chat, id_message=self.hooks.new_id())
        )

    def _photo(self, caption: str) -> dict:
        message_id = self.hooks.new_id()
        payload = shapes.image(chat_id=self.script.chat, id_message=message_id)
        data = payload["messageData"]["fileMessageData"]
        data["caption"] = caption
        data["downloadUrl"] = self.green.media_url(self.run.photo_name)
        return self._stamped(payload)

    def _press(self, chat: str, question: Sent, button_id: str, text: str) -> dict:
        payload = shapes.interactive_reply(
            selected_id=button_id, text=text, chat_id=chat, id_message=self.hooks.new_id()
        )
        payload["messageData"]["interactiveButtonsResponse"]["stanzaId"] = question.id_message
        return self._stamped(payload, name="pro" if chat != self.script.chat else "")


# --- The system under test: web, two workers, beat ------------------------------------------


class Run:
    """The fakes, the processes and the customers of one run."""

    def __init__(self, args, tmp: Path, db_path: Path, broker_url: str):
        self.args, self.tmp, self.db_path, self.broker_url = args, tmp, db_path, broker_url
        self.green = WatchedGreenApi()
        self.gemini = FakeGemini()
        self.cloudinary = FakeCloudinary()
        self.reader = Reader()
        self.gemini.responder = self.reader
        self.photo_name = "photo.jpg"
        self.port = free_port()
        self.web = self.beat = None
        self.workers: dict[str, object] = {}
        self.env: dict = {}
        self.hooks: Webhooks | None = None
        self.started = self.deadline = 0.0
        self.kill: dict = {}

    # Start and stop.

    def start_fakes(self) -> None:
        for fake in (self.green, self.gemini, self.cloudinary):
            fake.start()
        self.green.media[self.photo_name] = FakeMedia(JPEG, "image/jpeg")

    def stop_fakes(self) -> None:
        for fake in (self.green, self.gemini, self.cloudinary):
            fake.stop()

    def environment(self) -> dict:
        env = bench_environment(
            self.db_path, self.broker_url, self.green, self.gemini, self.args.max_pro_load
        )
        env.update(CLOUDINARY_URL=self.cloudinary.cloudinary_url, DEBUG="0")
        if self.args.window is not None:
            env["QUIET_WINDOW_SECONDS"] = str(self.args.window)
        self.env = env
        return env

    def start_processes(self) -> None:
        quiet = {**self.env, "LOG_LEVEL": "WARNING"}  # gunicorn's output is this run's stderr
        self.web = start_gunicorn(quiet, self.port, WEB_WORKERS, self.tmp, None)
        for name in ("a", "b"):
            self._start_worker(name, self.tmp / f"worker-{name}.log")
        beat_log = (self.tmp / "beat.log").open("wb")
        self.beat = __import__("subprocess").Popen(
            [sys.executable, "-m", "celery", "-A", "fixi", "beat", "--loglevel", "INFO"],
            cwd=REPO,
            env=self.env,
            stdout=beat_log,
            stderr=beat_log,
            start_new_session=True,
        )
        wait_healthy(self.web, self.port, self.tmp / "gunicorn.log")
        self._wait_for_workers()

    def _start_worker(self, name: str, log: Path) -> None:
        self.workers[name] = start_worker(
            self.env, log, name=f"load-{name}", concurrency=self.args.concurrency
        )
        self.workers[name].log = log

    def _wait_for_workers(self) -> None:
        from fixi.celery import app

        names = {f"load-{name}-{os.getpid()}@" for name in self.workers}
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for name, worker in self.workers.items():
                if worker.poll() is not None:
                    raise RuntimeError(f"worker {name} exited:\n{tail(worker.log)}")
            answered = {node for reply in app.control.ping(timeout=0.5) for node in reply}
            if all(any(node.startswith(prefix) for node in answered) for prefix in names):
                return
        raise RuntimeError("the workers did not answer a ping in time")

    def stop_processes(self) -> None:
        if self.beat is not None:
            stop_worker(self.beat)
        if self.web is not None:
            stop_server(self.web)
        for worker in self.workers.values():
            stop_worker(worker)

    # The kill.

    def kill_worker(self, name: str = "a") -> None:
        """SIGKILL worker `name` and its pool children, note what they held, start it again."""
        from messaging.models import (
            InboundMessage,
            OutboundMessage,
            OutboundStatus,
            ProcessingState,
        )

        worker = self.workers[name]
        pids = {worker.pid, *children(worker.pid)}
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at = time.monotonic() - self.started
        held = InboundMessage.objects.filter(state=ProcessingState.PROCESSING).values_list(
            "pk", "claimed_by"
        )
        in_flight = {pk for pk, holder in held if _holder_pid(holder) in pids}
        sending = set(
            OutboundMessage.objects.filter(status=OutboundStatus.SENDING).values_list(
                "pk", flat=True
            )
        )
        self._start_worker(name, self.tmp / f"worker-{name}-restarted.log")
        self.kill = {
            "worker": name,
            "at_s": round(killed_at, 1),
            "processes": len(pids),
            "messages_in_flight": len(in_flight),
            "sends_in_flight": len(sending),
            "in_flight": in_flight,
            "sending": sending,
        }
        say(
            f"bench: worker {name} killed at {killed_at:.0f} s ({len(pids)} processes, "
            f"{len(in_flight)} messages and up to {len(sending)} sends in flight); restarted"
        )

    # Driving and draining.

    def drive(self, scripts_: list[Script]) -> list[Conversation]:
        conversations = [Conversation(script, self) for script in scripts_]
        threads = [threading.Thread(target=c, daemon=True) for c in conversations]
        self.started = time.monotonic()
        self.deadline = self.started + self.args.seconds
        for thread in threads:
            thread.start()
        kill_at = self.started + self.args.kill_at * self.args.seconds
        while time.monotonic() < kill_at:
            time.sleep(0.2)
        self.kill_worker("a")
        for thread in threads:
            thread.join(timeout=max(1.0, self.deadline + REPLY_TIMEOUT - time.monotonic()))
        self.hooks.join()
        return conversations

    def drain(self) -> tuple[float, dict]:
        """Wait until every stored message is processed and every queued send is sent (a
        send the kill interrupted is settled from Green API's journal 10 minutes later,
        so it is not waited for); seconds waited and what was still open."""
        from messaging.models import (
            InboundMessage,
            OutboundMessage,
            OutboundStatus,
            ProcessingState,
        )

        started = time.monotonic()
        while True:
            open_inbound = InboundMessage.objects.filter(
                state__in=[ProcessingState.PENDING, ProcessingState.PROCESSING]
            ).count()
            unsent = (
                OutboundMessage.objects.filter(
                    status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
                )
                .exclude(pk__in=list(self.kill.get("sending", ())), status=OutboundStatus.SENDING)
                .count()
            )
            waited = time.monotonic() - started
            if (open_inbound == 0 and unsent == 0) or waited > self.args.drain:
                return round(waited, 1), {"inbound_open": open_inbound, "outbound_unsent": unsent}
            for name, worker in self.workers.items():
                if worker.poll() is not None:
                    raise RuntimeError(f"worker {name} exited:\n{tail(worker.log)}")
            time.sleep(0.5)


def _holder_pid(holder: str) -> int | None:
    """The pid of a claim's holder, "host:pid:start" (a chat claim adds "#suffix")."""
    parts = holder.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


# --- The invariants, from the database -------------------------------------------------------


def invariants(run: Run) -> dict:
    """Each invariant's count, and the details behind them (see the module docstring)."""
    figures, details = {}, {}
    figures["lost"], details["lost"] = _lost(run.hooks.accepted)
    figures["processed_twice"], details["processed_twice"] = _processed_twice(run.kill)
    figures["duplicate_sends"], details["duplicate_sends"] = _duplicate_sends(run.green)
    figures["double_booked"], details["slots"] = _double_booked()
    figures["over_cap"], details["loads"] = _over_cap()
    figures["without_events"], details["without_events"] = _without_events()
    return {"invariants": figures, "details": details}


def _lost(accepted: set[str]) -> tuple[int, dict]:
    from messaging.models import InboundMessage, ProcessingState

    rows = {
        message_id: (state, error)
        for message_id, state, error in InboundMessage.objects.values_list(
            "provider_message_id", "state", "error"
        )
    }
    processed = {ProcessingState.DONE, ProcessingState.IGNORED}
    missing = [i for i in accepted if i not in rows]
    unprocessed = Counter(rows[i][0] for i in accepted if i in rows and rows[i][0] not in processed)
    errors = Counter(rows[i][1][:120] for i in accepted if i in rows and rows[i][1])
    lost = len(missing) + sum(unprocessed.values())
    return lost, {
        "accepted": len(accepted),
        "missing": missing[:10],
        "not_processed": dict(unprocessed),
        "errors": dict(errors.most_common(5)),
    }


def _processed_twice(kill: dict) -> tuple[int, dict]:
    from messaging.models import InboundMessage, OutboundMessage

    in_flight = kill.get("in_flight", set())
    claimed = InboundMessage.objects.filter(attempts__gt=1).values_list("pk", "attempts", "error")
    again = [(pk, n, error) for pk, n, error in claimed if n > 1 + (pk in in_flight)]
    offers = Counter(
        OutboundMessage.objects.filter(topic__startswith="offer:").values_list("topic", "chat_id")
    )
    asked_twice = sum(n - 1 for n in offers.values() if n > 1)
    return len(again) + asked_twice, {
        "claimed_again": len(again),
        "claimed_again_after_the_kill": sum(1 for pk, n, _ in claimed if pk in in_flight),
        "examples": [f"{pk} x{n} {error[:80]}" for pk, n, error in again[:5]],
        "pro_asked_twice_about_one_lead": asked_twice,
    }


def _duplicate_sends(green: WatchedGreenApi) -> tuple[int, dict]:
    from messaging.models import OutboundMessage

    queued = Counter(OutboundMessage.objects.values_list("chat_id", "text"))
    received = Counter((s.chat, s.text) for sends in green.by_chat.values() for s in sends)
    extra = {key: n - queued[key] for key, n in received.items() if n > queued[key]}
    statuses = Counter(OutboundMessage.objects.values_list("status", flat=True))
    return sum(extra.values()), {
        "received_by_green_api": sum(received.values()),
        "outbox_rows": sum(queued.values()),
        "outbox_statuses": dict(statuses),
        "examples": [f"{chat}: {text[:60]!r} x{n}" for (chat, text), n in list(extra.items())[:5]],
    }


def _double_booked() -> tuple[int, dict]:
    from leads.models import Lead, LeadStatus
    from scheduling.models import Slot

    held = list(
        Slot.objects.filter(lead__isnull=False).values_list("lead_id", "pro_id", "start", "end")
    )
    per_lead = Counter(lead_id for lead_id, *_ in held)
    two_slots = sum(1 for n in per_lead.values() if n > 1)
    by_pro = defaultdict(list)
    for _lead, pro_id, start, end in held:
        by_pro[pro_id].append((start, end))
    overlaps = 0
    for times in by_pro.values():
        times.sort()
        overlaps += sum(1 for a, b in itertools.pairwise(times) if b[0] < a[1])
    holding = {LeadStatus.AWAITING_PRO, LeadStatus.BOOKED}
    leads = dict(Lead.objects.values_list("pk", "status"))
    stray = sum(1 for lead_id in per_lead if leads.get(lead_id) not in holding)
    without = sum(1 for pk, status in leads.items() if status in holding and pk not in per_lead)
    return two_slots + overlaps, {
        "booked_slots": len(held),
        "leads_with_two_slots": two_slots,
        "overlapping_bookings": overlaps,
        "slots_held_by_a_closed_or_unrouted_lead": stray,
        "waiting_or_booked_leads_without_a_slot": without,
    }


def _over_cap() -> tuple[int, dict]:
    from fixi.models import BusinessSettings
    from leads.models import Lead, LeadStatus
    from pros.models import Pro

    default_cap = BusinessSettings.load().max_pro_load
    holding = [LeadStatus.CONTACTED, LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]
    jobs = Counter(
        Lead.objects.filter(pro__isnull=False, status__in=holding).values_list("pro_id", flat=True)
    )
    over = mismatched = at_cap = 0
    for pk, max_load, load in Pro.objects.values_list("pk", "max_load", "current_load"):
        cap = default_cap if max_load is None else max_load
        over += load > cap or jobs[pk] > cap
        at_cap += jobs[pk] == cap
        mismatched += load != jobs[pk]
    return over, {
        "pros_at_their_cap": at_cap,
        "load_counter_differs_from_open_jobs": mismatched,
    }


def _without_events() -> tuple[int, dict]:
    from leads.models import Lead, LeadEvent

    leads = dict(Lead.objects.values_list("pk", "status"))
    seen, last = set(), {}
    events = LeadEvent.objects.order_by("created_at").values_list("lead_id", "to_status")
    for lead_id, to_status in events:
        seen.add(lead_id)
        if to_status:
            last[lead_id] = to_status
    no_events = [pk for pk in leads if pk not in seen]
    off_trail = [pk for pk, status in leads.items() if pk in seen and last.get(pk) != status]
    return len(no_events) + len(off_trail), {
        "leads": len(leads),
        "statuses": dict(Counter(leads.values())),
        "no_event": len(no_events),
        "status_not_in_events": [str(pk) for pk in off_trail[:5]],
    }


# --- Figures ------------------------------------------------------------------------------------


def figures(run: Run, conversations: list[Conversation]) -> dict:
    from bench.webhook_ingest import percentile

    steps = [step for c in conversations for step in c.steps]
    answered = [s for s in steps if s.answered is not None]
    latencies = sorted(s.latency_ms for s in answered)
    span = (max(s.answered for s in answered) - run.started) if answered else 0.0
    by_kind = {}
    for kind in ("burst", "slot", "photo", "reject", "approve", "price", "cancel"):
        mine = [s for s in steps if s.kind == kind]
        times = sorted(s.latency_ms for s in mine if s.answered is not None)
        by_kind[kind] = {
            "turns": len(mine),
            "answered": len(times),
            "p50_ms": round(percentile(times, 0.5)) if times else None,
        }
    replied = sum(1 for c in conversations if run.green.by_chat.get(c.script.chat))
    return {
        "customers": len(conversations),
        "customers_replied": replied,
        "english_customers": sum(1 for c in conversations if c.script.english),
        "turns": len(answered),
        "turns_unanswered": len(steps) - len(answered),
        "turns_per_s": round(len(answered) / span, 2) if span else 0.0,
        "p50_ms": round(percentile(latencies, 0.50)) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95)) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99)) if latencies else None,
        "max_ms": round(latencies[-1]) if latencies else None,
        "by_kind": by_kind,
        "webhooks": {
            "outcomes": dict(run.hooks.outcomes),
            "statuses": {str(k): n for k, n in sorted(run.hooks.statuses.items())},
            "delivered_twice": dict(run.hooks.duplicates),
        },
        "cities": len({c.script.city for c in conversations}),
        "pros_asked": len({s.chat for sends in run.green.offers.values() for s in sends}),
        "gemini_answers": dict(run.reader.counts),
        "program_errors": sum(1 for c in conversations if c.error),
    }


def print_report(result: dict) -> None:
    facts, run = result["machine"], result["run"]
    print(f"Load test  {result['date']}")
    print(f"  command : {result['command']}")
    print(
        f"  machine : nproc={facts['nproc']}  {facts['cpu']}  Python {facts['python']}  "
        f"Django {facts['django']}  Celery {facts['celery']}  SQLite {facts['sqlite']}"
    )
    print(
        f"  load avg: {facts['loadavg_1m_at_start']} at the start, {result['loadavg_1m_at_end']} "
        "at the end (1 minute; other work on the machine shares its cores)"
    )
    print(
        f"  system  : gunicorn {WEB_WORKERS} sync workers, 2 Celery workers x {run['concurrency']} "
        f"prefork, beat, Redis {run['broker_url']}, SQLite (WAL) in a temp dir; quiet window "
        f"{run['window']} s; fake Green API, Gemini, Cloudinary"
    )
    print(
        f"  run     : {result['customers']} customers over {run['seconds']} s "
        f"({result['english_customers']} in English, {result['cities']} cities, "
        f"{result['pros_asked']} pros asked); worker a killed at {result['kill'].get('at_s')} s "
        f"with {result['kill'].get('messages_in_flight')} messages in flight; drained in "
        f"{result['drain_s']} s"
    )
    print()
    print(
        f"  turns   : {result['turns']} answered ({result['turns_unanswered']} unanswered), "
        f"{result['turns_per_s']} turns/s; customers with replies {result['customers_replied']}"
        f"/{result['customers']}"
    )
    print(
        f"  latency : p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms  "
        f"p99 {result['p99_ms']} ms  max {result['max_ms']} ms  (webhook in -> the reply at "
        "Green API; customer turns include the quiet window)"
    )
    kinds = "  ".join(
        f"{kind} {row['answered']}/{row['turns']} p50 {row['p50_ms']}"
        for kind, row in result["by_kind"].items()
    )
    print(f"  by turn : {kinds}")
    print(f"  webhooks: {result['webhooks']}")
    print()
    for name in INVARIANTS:
        value = result[name]
        print(f"  {name:<16}{value:>6}  {'ok' if value == 0 else 'BROKEN'}")
    print()
    for name, detail in result["details"].items():
        print(f"  {name}: {json.dumps(detail, ensure_ascii=False, default=str)}")
    print(f"  verdict : {result['verdict']}")


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--customers", type=int, default=200, help="simulated customers")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long they write")
    parser.add_argument("--redis-db", type=int, help="the database of REDIS_URL's server")
    parser.add_argument(
        "--window", type=float, help="quiet window, seconds (default: the product's, 3)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="pool size of each worker")
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="when worker a is killed, share of --seconds"
    )
    parser.add_argument(
        "--drain", type=float, default=150.0, help="longest wait for the work left at the end"
    )
    parser.add_argument(
        "--recovery-every",
        type=int,
        default=0,
        help="run the two recovery jobs every N seconds (default: the schedule's 120 and 60)",
    )
    parser.add_argument("--max-pro-load", type=int, default=5, help="MAX_PRO_LOAD (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="the customers' scripts")
    parser.add_argument("--database", type=Path, help="SQLite file to create (kept afterwards)")
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args(argv)
    if not (1 <= args.customers <= 5000 and 5 <= args.seconds <= 3600):
        parser.error("--customers 1..5000, --seconds 5..3600")
    if not (0 < args.kill_at < 1 and args.concurrency >= 1 and args.drain >= 0):
        parser.error("--kill-at in (0, 1), --concurrency >= 1, --drain >= 0")
    if args.database is not None and args.database.exists():
        parser.error(f"{args.database} exists: the run needs a fresh database file")
    return args


def broker_url(args) -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if args.redis_db is not None:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{args.redis_db}"))
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise SystemExit(f"bench: {url} is not a Redis URL")
    return url


def refuse_shared_broker(url: str) -> None:
    """Another worker taking tasks from this broker would take ours and lose them."""
    from fixi.celery import app

    queues = app.control.inspect(timeout=1.0).active_queues() or {}
    busy = [node for node, active in queues.items() if any(q["name"] == "celery" for q in active)]
    if busy:
        raise SystemExit(
            f"bench: {', '.join(busy)} already take tasks from {url}; "
            "give the run a Redis database of its own (--redis-db N)"
        )


def run_load(args, tmp: Path, db_path: Path, url: str) -> tuple[dict, list[str]]:
    run = Run(args, tmp, db_path, url)
    run.start_fakes()
    try:
        os.environ.update(run.environment())
        os.environ["LOG_LEVEL"] = "WARNING"  # this process posts, reads and checks
        import django

        django.setup()
        refuse_shared_broker(url)
        say(f"bench: migrating and seeding {db_path} ...")
        say(f"bench: {seed_business()}")
        if args.recovery_every:
            retune_recovery(args.recovery_every)
        run.hooks = Webhooks(
            run.port, run.env["GREEN_API_WEBHOOK_TOKEN"], secrets.token_hex(3).upper()
        )
        customers = scripts(args.customers, args.seconds, args.seed, run.reader)
        try:
            started = time.monotonic()
            run.start_processes()
            say(f"bench: web, 2 workers and beat up in {time.monotonic() - started:.1f} s")
            say(f"bench: {args.customers} customers for {args.seconds:g} s ...")
            conversations = run.drive(customers)
            say(f"bench: conversations over at {time.monotonic() - run.started:.0f} s; draining")
            drain_s, left = run.drain()
        finally:
            run.stop_processes()
        from fixi.celery import app

        app.control.purge()  # tasks left for later (deferred, retries): nobody will run them
        result = {**figures(run, conversations), **invariants(run)}
        result["drain_s"], result["left_at_the_end"] = drain_s, left
        result["kill"] = {k: v for k, v in run.kill.items() if k not in ("in_flight", "sending")}
        errors = [c.error for c in conversations if c.error]
        logs = [
            tail(path, 5)
            for path in sorted(tmp.glob("*.log"))
            if "ERROR" in path.read_text(errors="replace")
        ]
        return result, errors + logs
    finally:
        run.stop_fakes()


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    url = broker_url(args)
    facts = machine("celery", "kombu", "gunicorn")
    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-load-"))
    db_path = args.database.resolve() if args.database else tmp / "load.sqlite3"
    try:
        result, problems = run_load(args, tmp, db_path, url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    flat = {**result, **result.pop("invariants")}
    broken = [name for name in INVARIANTS if flat[name]]
    flat["verdict"] = (
        f"BROKEN: {', '.join(broken)}" if broken else "every invariant holds (all six are 0)"
    )
    flat.update(
        date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command="python -m bench.load " + " ".join(sys.argv[1:] if argv is None else argv),
        machine=facts,
        loadavg_1m_at_end=round(os.getloadavg()[0], 2),
        run={
            "seconds": args.seconds,
            "concurrency": args.concurrency,
            "window": args.window if args.window is not None else 3.0,
            "broker_url": url,
            "kill_at": args.kill_at,
            "recovery_every": args.recovery_every or "schedule",
            "max_pro_load": args.max_pro_load,
            "seed": args.seed,
        },
    )
    for problem in problems[:3]:
        say(f"bench: {problem}")
    if args.json:
        print(json.dumps(flat, ensure_ascii=False, default=str))
    else:
        print_report(flat)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
