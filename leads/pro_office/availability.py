"""A pro closes or opens times by message: "חסום מחר", "לא זמין היום אחרי 14:00",
"חופש 20-24/12", "פתח שישי 8-12" (and "block tomorrow", "open Friday 8-12", ...).

1. The request is read (ai.offline_availability). Anything it will not guess (no day, a
   range it cannot read, a day gone, opening by "morning") is asked back; nothing waits.
2. The change is planned (scheduling.availability): the free slots to close, or the closed
   ones to open and the slots to add, and the booked jobs in the range, which are never
   touched and are listed for the pro under "לא נוגע ב:". The plan is a ProCommand in
   AWAITING whose details name those slots; a request still waiting is cancelled by the
   new one. The pro gets the preview with Apply / Cancel buttons (or 1 / 2).
3. Apply claims the command AWAITING -> APPLIED with one conditional update and goes on
   only when it updated the row, so two deliveries of "1" apply it once; then exactly the
   planned slots change, each by its own conditional update. Cancel ("2", "ביטול", "לא",
   "no") is AWAITING -> CANCELLED the same way.

A pressed Apply/Cancel button is always this module's. A typed answer ("1", "כן", "ביטול")
is taken only while the command its question names is still waiting, so a number that
answers some other question is passed on to the next handler.
"""

import datetime as dt
import uuid
from dataclasses import asdict
from itertools import groupby

from django.utils import timezone

from ai.offline_availability import CLOSE, MAX_DAYS, OPEN, read_availability
from fixi import texts
from leads.models import Lead
from messaging import outbox
from messaging.choices import answered_buttons, plain_text
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro, ProCommand, ProCommandState
from scheduling import availability

COMMAND = "availability"
TOPIC = "pro:availability"
APPLY, CANCEL = "availability_apply", "availability_cancel"
NO_WORDS = {"לא", "no", "nope", "דחה"}


def handle(message, pro: Pro, now) -> str | None:
    answered = _answer(message, pro, now)
    if answered is not None:
        return answered
    local = timezone.localtime(now)
    request = read_availability(message.text, local.date(), local.time())
    if request is None:
        return None
    if request.problem:
        return _ask_back(message, pro, request.action, request.problem)
    if request.action == OPEN:
        plan = availability.plan_open(pro, request.days, request.start, request.end, now)
    else:
        plan = availability.plan_close(pro, request.days, request.start, request.end, now)
    if plan.problem:
        return _ask_back(message, pro, request.action, plan.problem)
    details = _details(request, plan)
    if not plan.changes:
        _tell(pro, texts.pro_availability_nothing(request.action, _job_lines(details)))
        _record(message, pro, ProCommandState.ANSWERED, details, "nothing to change")
        return "availability_nothing"
    return _propose(message, pro, details)


# --- answers to a preview ------------------------------------------------------------------


def _answer(message, pro: Pro, now) -> str | None:
    """A press or a typed answer to one of our previews; None when it is not one."""
    key, _, command_id = (message.button_id or "").partition(":")
    if key not in (APPLY, CANCEL):
        key, command_id = _typed_answer(message, pro)
    if key == APPLY:
        return apply(command_id, pro, now)
    if key == CANCEL:
        return cancel(command_id, pro, now)
    return None


def _typed_answer(message, pro: Pro) -> tuple[str, str]:
    answered = answered_buttons(
        pro.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is not None:
        key, _, command_id = answered[1]["id"].partition(":")
    elif plain_text(message.text) in NO_WORDS:
        key, command_id = CANCEL, _last_preview(pro)
    else:
        return "", ""
    if key in (APPLY, CANCEL) and _waiting(pro, command_id):
        return key, command_id
    return "", ""


def _last_preview(pro: Pro) -> str:
    """The command named by the last button message sent to the pro, if it is a preview."""
    question = (
        OutboundMessage.objects.filter(chat_id=pro.chat_id, kind=OutboundKind.BUTTONS)
        .order_by("-created_at")
        .first()
    )
    if question is None or not question.buttons:
        return ""
    key, _, command_id = question.buttons[0]["id"].partition(":")
    return command_id if key == APPLY else ""


def _command_pk(command_id) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(command_id))
    except ValueError:  # a button id we did not write
        return None


def _waiting(pro: Pro, command_id) -> bool:
    pk = _command_pk(command_id)
    return (
        pk is not None
        and ProCommand.objects.filter(
            pk=pk, pro=pro, command=COMMAND, state=ProCommandState.AWAITING
        ).exists()
    )


def _claim(command_id, pro: Pro, to_state: str, now, **fields) -> bool:
    """AWAITING -> `to_state` for this pro's command; True for the one caller that moved it."""
    pk = _command_pk(command_id)
    if pk is None:
        return False
    moved = ProCommand.objects.filter(
        pk=pk, pro=pro, command=COMMAND, state=ProCommandState.AWAITING
    ).update(state=to_state, updated_at=now, **fields)
    return moved == 1


def apply(command_id, pro: Pro, now) -> str:
    """The pro confirmed: change exactly the planned slots, once."""
    if not _claim(command_id, pro, ProCommandState.APPLIED, now, applied_at=now):
        return _not_waiting(command_id, pro)
    command = ProCommand.objects.get(pk=_command_pk(command_id))
    details = command.details
    done = availability.apply(
        pro,
        close_ids=[slot["id"] for slot in details["close"]],
        open_ids=[slot["id"] for slot in details["open"]],
        create=[(_instant(s["start"]), _instant(s["end"])) for s in details["create"]],
        now=now,
    )
    changed = done.closed + done.opened + done.created
    verb = "opened" if details["action"] == OPEN else "closed"
    ProCommand.objects.filter(pk=command.pk).update(
        details={**details, "applied": asdict(done)},
        outcome=f"{changed} slots {verb}, {done.skipped} had changed meanwhile",
    )
    _tell(pro, texts.pro_availability_done(details["action"], changed, done.skipped))
    return "availability_applied"


def cancel(command_id, pro: Pro, now) -> str:
    if not _claim(command_id, pro, ProCommandState.CANCELLED, now, outcome="cancelled by the pro"):
        return _not_waiting(command_id, pro)
    _tell(pro, texts.pro_availability_cancelled())
    return "availability_cancelled"


def _not_waiting(command_id, pro: Pro) -> str:
    pk = _command_pk(command_id)
    state = ProCommand.objects.filter(pk=pk, pro=pro).values_list("state", flat=True).first()
    _tell(pro, texts.pro_availability_not_waiting(applied=state == ProCommandState.APPLIED))
    return "availability_not_waiting"


# --- a new request -------------------------------------------------------------------------


def _propose(message, pro: Pro, details: dict) -> str:
    """Keep the plan as the pro's one waiting request and show it with Apply / Cancel."""
    command = _record(message, pro, ProCommandState.AWAITING, details, "")
    replaced = (
        ProCommand.objects.filter(
            pro=pro,
            command=COMMAND,
            state=ProCommandState.AWAITING,
            created_at__lte=command.created_at,
        )
        .exclude(pk=command.pk)
        .update(
            state=ProCommandState.CANCELLED,
            outcome="replaced by a newer request",
            updated_at=timezone.now(),
        )
    )
    preview = texts.pro_availability_preview(
        details["action"], _day_lines(details), _job_lines(details), replaced=replaced > 0
    )
    keys = {"apply": APPLY, "cancel": CANCEL}
    buttons = [(f"{keys[key]}:{command.pk}", label) for key, label in texts.availability_buttons()]
    outbox.queue_buttons(pro.chat_id, preview, buttons, topic=TOPIC)
    return "availability_proposed"


def _ask_back(message, pro: Pro, action: str, problem: str) -> str:
    _tell(pro, texts.pro_availability_ask(problem, MAX_DAYS))
    details = {"action": action, "problem": problem}
    _record(message, pro, ProCommandState.ANSWERED, details, f"asked back: {problem}")
    return "availability_asked"


def _record(message, pro: Pro, state: str, details: dict, outcome: str) -> ProCommand:
    return ProCommand.objects.create(
        pro=pro,
        text=message.text or "",
        command=COMMAND,
        state=state,
        details=details,
        outcome=outcome,
    )


def _details(request, plan: availability.Plan) -> dict:
    """The request as read and the exact slots it changes: what the confirmation applies."""

    def span(slot) -> dict:
        return {"id": str(slot.pk), "start": slot.start.isoformat(), "end": slot.end.isoformat()}

    return {
        "action": request.action,
        "days": [day.isoformat() for day in request.days],
        "from": request.start.strftime("%H:%M") if request.start else None,
        "until": request.end.strftime("%H:%M") if request.end else None,
        "close": [span(slot) for slot in plan.close],
        "open": [span(slot) for slot in plan.reopen],
        "create": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in plan.create],
        "untouched": [
            {"slot": str(slot.pk), "lead": str(slot.lead_id), "start": slot.start.isoformat()}
            for slot in plan.booked
        ],
    }


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _day_lines(details: dict) -> list[str]:
    """One line per day: the changed times as spans ("08:00–12:00, 14:00–16:00")."""
    changing = details["close"] if details["action"] == CLOSE else details["open"]
    times = sorted(
        (_instant(s["start"]), _instant(s["end"])) for s in [*changing, *details["create"]]
    )
    lines = []
    for day, group in groupby(times, key=lambda t: timezone.localtime(t[0]).date()):
        slots = list(group)
        lines.append(texts.pro_availability_day(day, _spans(slots), len(slots)))
    return lines


def _spans(slots: list[tuple[dt.datetime, dt.datetime]]) -> list[str]:
    """Back-to-back slots as one span, local times."""
    merged: list[list[dt.datetime]] = []
    for start, end in slots:
        if merged and merged[-1][1] >= start:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [f"{timezone.localtime(a):%H:%M}–{timezone.localtime(b):%H:%M}" for a, b in merged]


def _job_lines(details: dict) -> list[str]:
    booked = details["untouched"]
    leads = Lead.objects.select_related("customer", "city").in_bulk(
        [uuid.UUID(job["lead"]) for job in booked]
    )
    return [
        texts.pro_availability_job(leads[uuid.UUID(job["lead"])], _instant(job["start"]))
        for job in booked
        if uuid.UUID(job["lead"]) in leads
    ]


def _tell(pro: Pro, text: str) -> None:
    outbox.queue_text(pro.chat_id, text, topic=TOPIC)
