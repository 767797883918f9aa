"""The customers and pros of `python -m bench.load`: who they are, what they write, what
the fake Gemini reads in it, and each conversation played against the running system.

- `roster()`: one more pro for every city and trade the customers need.
- `scripts()`: each customer's script (seeded), every line taught to the `Reader`.
- `Reader`: the fake Gemini's answers (the dispatcher's reading, the persona's reply).
- `WatchedGreenApi`: the fake Green API, with what it received indexed for the waiters.
- `Webhooks`: POST /webhook as Green API does it, duplicates included.
- `Conversation`: one customer's conversation and the pro's part in it; its `Step`s are
  the turns and their reply latency.
"""

import json
import random
import re
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass

from bench.common import REPO
from bench.pipeline import working_days

sys.path.insert(0, str(REPO))
from tests.fakes.gemini import reading as gemini_reading
from tests.fakes.green_api import FakeGreenApi
from tests.messaging import shapes

REPLY_TIMEOUT = 60.0  # a customer or pro waits this long for an answer, then gives up
AFTER_THE_END = 15.0  # and no longer than this after the run's time is up
MAX_SLOT_ROUNDS = 3
POST_ATTEMPTS = 5  # Green API delivers again until it gets a 200
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
        answer = gemini_reading(language="he" if HEBREW.search("\n".join(latest)) else "en")
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

    def __init__(self, script: Script, run):
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
        return min(time.monotonic() + REPLY_TIMEOUT, self.run.deadline + AFTER_THE_END)

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
