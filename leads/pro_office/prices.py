"""Quotes and prices by WhatsApp: what a pro writes about money, and the customer's answer.

    הצעה 450 [service] / quote 450   the customer of the pro's current job gets the quote
                                     with Approve/Decline; the answer is recorded on the
                                     lead and the pro is told
    סיימתי 450 / done 450            the job is completed with its final price; the customer
                                     gets a receipt, then the rating question
    סיימתי / done                    the job is completed and the pro is asked once what
                                     they charged; the next bare amount answers, and the
                                     customer gets the receipt then

Amounts are read by leads.pro_office.amounts, strictly: a range, an estimate or two
numbers is asked again, never guessed. Every command is kept as a ProCommand row with what
it read and what it changed.

Claims, each one conditional update whose row count decides:
- sending a quote: the lead, while this pro holds it awaiting or booked, takes the price,
  quote_status SENT and quoted_at;
- the customer's answer: quote_status SENT → ACCEPTED/DECLINED only while quoted_at is
  the one the answered quote set, so a second answer, or an answer to a quote a newer one
  replaced, changes nothing;
- the job a pro picks for a quote, and the price a pro was asked for: the ProCommand
  AWAITING → APPLIED; a price is then written only where the lead has none yet.
"""

import datetime as dt
import re
import uuid
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone

from fixi import texts
from leads import assignment, lifecycle, pro_conversation
from leads.models import Actor, Lead, LeadStatus, QuoteStatus
from leads.pro_office import amounts
from messaging import outbox
from messaging.choices import answered_buttons, plain_text
from messaging.models import OutboundMessage
from pros.models import Pro, ProCommand, ProCommandState

QUOTABLE = [LeadStatus.BOOKED, LeadStatus.AWAITING_PRO]  # jobs a pro can quote
PRICE_ANSWER_WINDOW = dt.timedelta(days=2)  # a bare amount answers "כמה גבית?" this long
MAX_JOB_CHOICES = outbox.MAX_BUTTONS
QUOTE_EXAMPLE = "הצעה 450"
DONE_EXAMPLE = "סיימתי 450"
PRICE_EXAMPLE = "450"


class Command(StrEnum):
    """ProCommand.command values written here."""

    QUOTE = "quote"
    FINAL_PRICE = "final_price"


class Action(StrEnum):
    """LeadEvent.action values written here."""

    QUOTE_SENT = "quote_sent"
    QUOTE_ACCEPTED = "quote_accepted"
    QUOTE_DECLINED = "quote_declined"
    FINAL_PRICE = "final_price"


class Key(StrEnum):
    """Button ids: '<key>:<id>'."""

    PICK_JOB = "quote_job"  # the pro picks the job a quote is for: quote_job:<lead id>
    ACCEPT = "quote_accept"  # the customer's answer: quote_accept:<ProCommand id>
    DECLINE = "quote_decline"


PICK_TOPIC = "quote-job"  # the topic of "which job is it for?", with the quote's id


def quote_topic(lead_id) -> str:
    """The topic of the quote's button message to the customer."""
    return f"quote:{lead_id}"


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:  # an id Fixi did not write
        return None


_QUOTE = re.compile(r"^\s*(?:הצעת\s+מחיר|הצעה|quote)(?![\w])[\s:,\-]*(.*)$", re.I | re.S)
_DONE_WORDS = "|".join(re.escape(w) for w in sorted(pro_conversation.DONE, key=len, reverse=True))
_DONE = re.compile(rf"^\s*(?:{_DONE_WORDS})(?![\w])[\s:,.!\-]*(.+)$", re.I | re.S)
# Words a pro may put around the amount asked for ("גביתי 450", "paid 450 thanks").
_PRICE_WORDS = re.compile(
    r"(?<!\w)(?:גביתי|גבינו|גבית|שילם|שילמה|שילמו|שולם|קיבלתי|סה\"כ|סה״כ|סהכ|סך\s+הכל|בסך|"
    r"תודה|בדיוק|paid|charged|got|total|it\s+was|thanks|exactly)(?!\w)",
    re.I,
)


def handle(message, pro: Pro, now) -> str | None:
    text = message.text or ""
    picked = _picked_job(message, pro)
    if picked is not None:
        return _quote_picked_job(*picked, pro, now)
    quote = _QUOTE.match(text)
    if quote:
        return _quote(text, quote.group(1), message, pro, now)
    if plain_text(text) in pro_conversation.DONE:
        return _finish(text, None, pro, now)
    done = _DONE.match(text)
    if done and amounts.has_amount_shape(done.group(1)):
        return _finish(text, amounts.read_amount(done.group(1)), pro, now)
    return _price_answer(text, pro, now)


def _tell_pro(pro: Pro, text: str, lead_id=None) -> None:
    outbox.queue_text(pro.chat_id, text, topic=f"lead:{lead_id}" if lead_id else "pro:prices")


def _log(pro: Pro, text: str, command: Command, **fields) -> ProCommand:
    return ProCommand.objects.create(pro=pro, text=text[:2000], command=command, **fields)


# --- quotes -------------------------------------------------------------------------------


def _quote(text: str, rest: str, message, pro: Pro, now) -> str:
    item, remainder = _service_in(rest, pro)
    reading = amounts.read_amount(remainder)
    if not reading.ok or reading.amount <= 0:
        why = reading.problem or "zero"
        _log(pro, text, Command.QUOTE, outcome=f"asked again: {why}", details={"problem": why})
        _tell_pro(pro, texts.pro_amount_unclear(rest or text, QUOTE_EXAMPLE))
        return "quote_unclear"
    service = item.service if item else _service_words(reading.rest)
    details = {"amount": str(reading.amount), "service": service}
    if item is not None:
        details["price_item"] = str(item.pk)
    lead = _replied_job(message, pro)
    jobs = [lead] if lead else _open_jobs(pro)
    if not jobs:
        _log(pro, text, Command.QUOTE, outcome="no open job", details=details)
        _tell_pro(pro, texts.pro_no_active_job())
        return "pro_no_job"
    if len(jobs) == 1:
        command = _log(pro, text, Command.QUOTE, lead=jobs[0], details=details)
        return _send_quote(command, jobs[0], pro, now)
    return _ask_which_job(text, details, jobs, pro, now)


def _service_in(rest: str, pro: Pro):
    """(the price-list line the pro named, the text without it), the longest name first,
    so a service whose name holds a number ("מזגן 1.5 כ"ס") is not read as an amount."""
    folded = rest.casefold()
    for item in sorted(pro.price_items.all(), key=lambda i: len(i.service), reverse=True):
        name = item.service.strip().casefold()
        at = folded.find(name) if name else -1
        if at >= 0:
            return item, f"{rest[:at]} {rest[at + len(name) :]}"
    return None, rest


def _service_words(rest: str) -> str:
    """What the pro wrote besides the amount, as the service's name ("על", "for" dropped)."""
    words = re.sub(r"^(?:עבור|על|ל|for|on)\s+", "", rest.strip(), flags=re.I)
    return _PRICE_WORDS.sub(" ", words).strip()[:120]


def _open_jobs(pro: Pro) -> list[Lead]:
    """The pro's jobs a quote can be for: booked ones first, soonest first."""
    leads = Lead.objects.select_related("customer", "city", "pro").filter(
        pro=pro, status__in=QUOTABLE
    )
    booked = leads.filter(status=LeadStatus.BOOKED).order_by("appointment_time", "created_at")
    waiting = leads.filter(status=LeadStatus.AWAITING_PRO).order_by("appointment_time")
    return [*booked, *waiting]


def _replied_job(message, pro: Pro) -> Lead | None:
    """The job whose message the pro replied to ("quote 450" as a reply to a job), if any."""
    if not message.quoted_message_id:
        return None
    quoted = OutboundMessage.objects.filter(
        chat_id=pro.chat_id, provider_message_id=message.quoted_message_id
    ).first()
    if quoted is None:
        return None
    lead_id = _uuid(quoted.topic.partition(":")[2])
    return next((lead for lead in _open_jobs(pro) if lead.pk == lead_id), None)


def _ask_which_job(text: str, details: dict, jobs: list[Lead], pro: Pro, now) -> str:
    """Several open jobs: the nearest ones as buttons; the pro's pick sends the quote."""
    # Only the newest question stands: an older one pressed later would send its amount.
    ProCommand.objects.filter(
        pro=pro, command=Command.QUOTE, state=ProCommandState.AWAITING
    ).update(state=ProCommandState.CANCELLED, outcome="replaced by a newer quote")
    shown = [(lead, assignment.slot_start(lead)) for lead in jobs[:MAX_JOB_CHOICES]]
    command = _log(
        pro,
        text,
        Command.QUOTE,
        state=ProCommandState.AWAITING,
        details=details,
        outcome="asked which job",
    )
    buttons = [
        (f"{Key.PICK_JOB}:{lead.pk}", texts.pro_job_button(lead, start)) for lead, start in shown
    ]
    body = texts.pro_quote_which_job(
        Decimal(details["amount"]), shown, more=len(jobs) > MAX_JOB_CHOICES
    )
    # The question's topic names the quote, so a pick finds the amount it was asked for.
    outbox.queue_buttons(pro.chat_id, body, buttons, topic=f"{PICK_TOPIC}:{command.pk}")
    return "quote_which_job"


def _picked_job(message, pro: Pro) -> tuple[ProCommand, Lead | None] | None:
    """(the quote waiting for its job, the job picked) when the message picks one; the job
    is None when the pick is not one of the pro's open jobs any more."""
    answered = answered_buttons(
        pro.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is None:
        return None
    question, chosen = answered
    key, _, lead_id = chosen["id"].partition(":")
    prefix, _, command_id = question.topic.partition(":")
    if key != Key.PICK_JOB or prefix != PICK_TOPIC or _uuid(command_id) is None:
        return None
    command = ProCommand.objects.filter(pk=_uuid(command_id), pro=pro).first()
    if command is None:
        return None
    lead = next((lead for lead in _open_jobs(pro) if str(lead.pk) == lead_id), None)
    return command, lead


def _quote_picked_job(command: ProCommand, lead: Lead | None, pro: Pro, now) -> str:
    if lead is None:
        _tell_pro(pro, texts.pro_no_active_job())
        return "pro_no_job"
    claimed = ProCommand.objects.filter(pk=command.pk, state=ProCommandState.AWAITING).update(
        state=ProCommandState.APPLIED, lead=lead, applied_at=now
    )
    if claimed != 1:  # pressed twice, or a newer quote replaced this one
        _tell_pro(pro, texts.pro_quote_choice_stale())
        return "quote_choice_stale"
    command.lead = lead
    return _send_quote(command, lead, pro, now)


def _send_quote(command: ProCommand, lead: Lead, pro: Pro, now) -> str:
    amount = Decimal(command.details["amount"])
    service = command.details.get("service", "")
    sent = Lead.objects.filter(pk=lead.pk, pro=pro, status__in=QUOTABLE).update(
        quoted_price=amount, quote_status=QuoteStatus.SENT, quoted_at=now, updated_at=now
    )
    if sent != 1:  # the job moved on (cancelled, passed to another pro) a moment ago
        _finish_command(command, ProCommandState.CANCELLED, "the job is no longer open", now)
        _tell_pro(pro, texts.pro_no_active_job())
        return "pro_no_job"
    _finish_command(command, ProCommandState.APPLIED, "sent to the customer", now)
    lifecycle.note(
        lead.pk,
        actor=Actor.PRO,
        actor_name=pro.name,
        action=Action.QUOTE_SENT,
        reason=texts.shekels(amount),
        data={"amount": str(amount), "service": service, "command": str(command.pk)},
    )
    language = lead.language
    buttons = [(f"{key}:{command.pk}", label) for key, label in texts.quote_buttons(language)]
    outbox.queue_buttons(
        lead.customer.chat_id,
        texts.quote_offer(pro, amount, service, language),
        buttons,
        topic=quote_topic(lead.pk),
        language=language,
    )
    _tell_pro(pro, texts.pro_quote_sent(lead, amount, service), lead.pk)
    return "quote_sent"


def _finish_command(command: ProCommand, state: str, outcome: str, now) -> None:
    ProCommand.objects.filter(pk=command.pk).update(
        state=state, outcome=outcome, applied_at=now if state == ProCommandState.APPLIED else None
    )


# --- the customer's answer ----------------------------------------------------------------


def quote_choice(lead: Lead, message) -> tuple[ProCommand, bool] | None:
    """(the quote answered, accepted?) when the customer's message answers a quote of this
    lead: a press, a number or a word ("כן", "yes", "לא"). A typed word once the quote is
    answered is not taken for an answer again (it is read as an ordinary message)."""
    answered = answered_buttons(
        lead.customer.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is None:
        return None
    question, chosen = answered
    key, _, command_id = chosen["id"].partition(":")
    if question.topic != quote_topic(lead.pk) or key not in (Key.ACCEPT, Key.DECLINE):
        return None
    explicit = bool(message.button_id or message.quoted_message_id)
    if lead.quote_status != QuoteStatus.SENT and not explicit:
        return None
    command_id = _uuid(command_id)
    command = ProCommand.objects.select_related("pro").filter(pk=command_id, lead=lead).first()
    if command_id is None or command is None:
        return None
    return command, key == Key.ACCEPT


def answer_quote(lead: Lead, customer, answer: tuple[ProCommand, bool], language: str, now) -> str:
    """Record the customer's answer once and tell the pro; a second answer, or one to a
    quote a newer one replaced, is only acknowledged."""
    command, accepted = answer
    amount = Decimal(command.details["amount"])
    current = _latest_quote(lead)
    status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.DECLINED
    claimed = 0
    if current is not None and current.pk == command.pk:
        claimed = Lead.objects.filter(
            pk=lead.pk, quote_status=QuoteStatus.SENT, quoted_at=lead.quoted_at
        ).update(quote_status=status, updated_at=now)
    topic = f"lead:{lead.pk}"
    if current is None or current.pk != command.pk:
        outbox.queue_text(customer.chat_id, texts.quote_replaced(language), topic)
        return "quote_replaced"
    if claimed != 1:
        lead.refresh_from_db(fields=["quote_status"])
        first = lead.quote_status == QuoteStatus.ACCEPTED
        outbox.queue_text(customer.chat_id, texts.quote_already_answered(first, language), topic)
        return "quote_already_answered"
    lifecycle.note(
        lead.pk,
        actor=Actor.CUSTOMER,
        actor_name=customer.name,
        action=Action.QUOTE_ACCEPTED if accepted else Action.QUOTE_DECLINED,
        reason=texts.shekels(amount),
        data={"amount": str(amount), "command": str(command.pk)},
    )
    ProCommand.objects.filter(pk=command.pk).update(
        outcome="accepted by the customer" if accepted else "declined by the customer"
    )
    pro = command.pro
    if accepted:
        outbox.queue_text(customer.chat_id, texts.quote_accepted_reply(pro, language), topic)
        _tell_pro(pro, texts.pro_quote_accepted(lead, amount), lead.pk)
        return "quote_accepted"
    outbox.queue_text(customer.chat_id, texts.quote_declined_reply(pro, language), topic)
    _tell_pro(pro, texts.pro_quote_declined(lead, amount), lead.pk)
    return "quote_declined"


def _latest_quote(lead: Lead) -> ProCommand | None:
    return (
        ProCommand.objects.filter(lead=lead, command=Command.QUOTE, state=ProCommandState.APPLIED)
        .order_by("-applied_at", "-created_at")
        .first()
    )


# --- the final price and the receipt -----------------------------------------------------


def _finish(text: str, reading: amounts.AmountReading | None, pro: Pro, now) -> str:
    """ "סיימתי" with or without an amount: the job completed through
    pro_conversation.complete, with its price when one was read; else the pro is asked."""
    lead = pro_conversation.current_job(pro)
    price = reading.amount if reading is not None and reading.ok else None
    completed = lead is not None and pro_conversation.complete(
        lead,
        actor=Actor.PRO,
        actor_name=pro.name,
        now=now,
        final_price=price,
        receipt=receipt(lead, price, now) if price is not None else "",
    )
    if not completed:
        _log(pro, text, Command.FINAL_PRICE, outcome="no open job")
        _tell_pro(pro, texts.pro_no_active_job(), None)
        return "pro_no_job"
    if price is not None:
        _note_final_price(lead, pro, price)
        _log(
            pro,
            text,
            Command.FINAL_PRICE,
            lead=lead,
            state=ProCommandState.APPLIED,
            applied_at=now,
            details={"amount": str(price)},
            outcome="completed with its price; receipt sent",
        )
        return "completed"
    _ask_final_price(text, lead, pro, reading)
    return "completed"


def _ask_final_price(text: str, lead: Lead, pro: Pro, reading) -> None:
    """Asked once, when the job is completed; only the newest question waits for a bare
    amount, so an amount never lands on another job."""
    ProCommand.objects.filter(
        pro=pro, command=Command.FINAL_PRICE, state=ProCommandState.AWAITING
    ).update(state=ProCommandState.CANCELLED, outcome="a newer job asked for its price")
    details = {"problem": reading.problem} if reading is not None else {}
    _log(
        pro,
        text,
        Command.FINAL_PRICE,
        lead=lead,
        state=ProCommandState.AWAITING,
        details=details,
        outcome="asked what the pro charged",
    )
    question = texts.pro_ask_final_price(lead, lead.quoted_price)
    if reading is not None:  # an amount was written but could not be read
        question = f"{texts.pro_amount_unclear(text, DONE_EXAMPLE)}\n\n{question}"
    _tell_pro(pro, question, lead.pk)


def _price_answer(text: str, pro: Pro, now) -> str | None:
    """A bare amount ("450", "גביתי 1,200") answering "כמה גבית?"; anything else passes."""
    besides = _PRICE_WORDS.sub(" ", amounts.other_words(text)).strip()
    if besides or not amounts.has_amount_shape(text):
        return None  # words besides an amount: another message, not the answer
    asked = (
        ProCommand.objects.select_related("lead__customer", "lead__city", "lead__pro")
        .filter(
            pro=pro,
            command=Command.FINAL_PRICE,
            state=ProCommandState.AWAITING,
            created_at__gte=now - PRICE_ANSWER_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if asked is None or asked.lead is None:
        return None
    reading = amounts.read_amount(text)
    if not reading.ok:
        _tell_pro(pro, texts.pro_amount_unclear(text, PRICE_EXAMPLE), asked.lead_id)
        return "price_unclear"
    claimed = ProCommand.objects.filter(pk=asked.pk, state=ProCommandState.AWAITING).update(
        state=ProCommandState.APPLIED,
        applied_at=now,
        details={**asked.details, "amount": str(reading.amount), "answer": text[:200]},
        outcome="price recorded",
    )
    if claimed != 1:
        return None  # answered a moment ago: this message is not an answer any more
    return _record_final_price(asked.lead, reading.amount, pro, now)


def _record_final_price(lead: Lead, amount: Decimal, pro: Pro, now) -> str:
    recorded = Lead.objects.filter(
        pk=lead.pk, pro=pro, status=LeadStatus.COMPLETED, final_price__isnull=True
    ).update(final_price=amount, updated_at=now)
    if recorded != 1:  # a manager entered it in the admin first
        lead.refresh_from_db(fields=["final_price"])
        _tell_pro(pro, texts.pro_price_already_recorded(lead, lead.final_price), lead.pk)
        return "price_already_recorded"
    _note_final_price(lead, pro, amount)
    # The rating question went out when the job was completed; a customer who has not
    # rated yet gets it again under the receipt, so the receipt still comes first.
    lead.refresh_from_db(fields=["customer_rating"])
    text = receipt(lead, amount, lead.completed_at or now)
    if lead.customer_rating is None:
        text = f"{text}\n\n{texts.rating_prompt(lead.language)}"
    outbox.queue_text(lead.customer.chat_id, text, topic=f"lead:{lead.pk}")
    _tell_pro(pro, texts.pro_final_price_recorded(lead, amount), lead.pk)
    return "price_recorded"


def receipt(lead: Lead, amount: Decimal, completed_at) -> str:
    """The customer's receipt: the quote's service (else the kind of job), the price, the
    pro and the day the job was done."""
    quote = _latest_quote(lead)
    service = (quote.details.get("service") if quote else "") or texts.issue_label(
        lead.issue_type, lead.language
    )
    day = timezone.localtime(completed_at).date()
    return texts.receipt(service, amount, lead.pro, day, lead.language)


def _note_final_price(lead: Lead, pro: Pro, amount: Decimal) -> None:
    """The lead's history: what the pro said they charged."""
    lifecycle.note(
        lead.pk,
        actor=Actor.PRO,
        actor_name=pro.name,
        action=Action.FINAL_PRICE,
        reason=texts.shekels(amount),
        data={"amount": str(amount)},
    )
