"""A break: "הפסקה" stops new jobs for the pro, "חזרתי" starts them again.

Routing skips a pro whose `paused_at` is set (pros.routing); the jobs the pro already has
(waiting for the pro's answer or booked) stay, and the reply says so. Each change is one
conditional update on `paused_at`, so a second "הפסקה" keeps the first time and says the
break is already on, and two deliveries of one message change it once.
"""

import datetime as dt

from fixi import texts
from leads.models import Lead, LeadStatus
from messaging import outbox
from messaging.choices import plain_text
from pros.models import Pro, ProCommand, ProCommandState

PAUSE = "pause"
RESUME = "resume"
TOPIC = "pro:pause"
PAUSE_WORDS = {"הפסקה", "הפסקה בבקשה", "בהפסקה", "pause", "break", "on a break"}
RESUME_WORDS = {"חזרתי", "חזרתי מהפסקה", "resume", "back", "im back", "i am back"}
KEPT = [LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]


def handle(message, pro: Pro, now: dt.datetime) -> str | None:
    word = plain_text(message.text)
    if word in PAUSE_WORDS:
        return pause(pro, message.text, now)
    if word in RESUME_WORDS:
        return resume(pro, message.text, now)
    return None


def pause(pro: Pro, text: str, now: dt.datetime) -> str:
    paused = Pro.objects.filter(pk=pro.pk, paused_at__isnull=True).update(paused_at=now)
    if paused != 1:
        since = Pro.objects.filter(pk=pro.pk).values_list("paused_at", flat=True).first()
        _record(pro, text, PAUSE, ProCommandState.ANSWERED, {}, "already on a break", now)
        outbox.queue_text(pro.chat_id, texts.pro_already_paused(since or now), topic=TOPIC)
        return "pro_already_paused"
    pro.paused_at = now
    kept = Lead.objects.filter(pro=pro, status__in=KEPT).count()
    details = {"paused_at": now.isoformat(), "jobs_kept": kept}
    outcome = f"no new jobs until 'חזרתי'; {kept} open job(s) kept"
    _record(pro, text, PAUSE, ProCommandState.APPLIED, details, outcome, now)
    outbox.queue_text(pro.chat_id, texts.pro_paused(kept), topic=TOPIC)
    return "pro_paused"


def resume(pro: Pro, text: str, now: dt.datetime) -> str:
    since = Pro.objects.filter(pk=pro.pk).values_list("paused_at", flat=True).first()
    resumed = Pro.objects.filter(pk=pro.pk, paused_at__isnull=False).update(paused_at=None)
    if resumed != 1:
        _record(pro, text, RESUME, ProCommandState.ANSWERED, {}, "was not on a break", now)
        outbox.queue_text(pro.chat_id, texts.pro_not_paused(), topic=TOPIC)
        return "pro_not_paused"
    pro.paused_at = None
    since = since or now  # paused by someone else between the read and the update
    minutes = max(0, int((now - since).total_seconds() // 60))
    details = {"paused_at": since.isoformat(), "resumed_at": now.isoformat(), "minutes": minutes}
    outcome = f"new jobs again, after a break of {minutes} minute(s)"
    _record(pro, text, RESUME, ProCommandState.APPLIED, details, outcome, now)
    outbox.queue_text(pro.chat_id, texts.pro_resumed(), topic=TOPIC)
    return "pro_resumed"


def _record(pro, text, command, state, details, outcome, now) -> None:
    applied_at = now if state == ProCommandState.APPLIED else None
    ProCommand.objects.create(
        pro=pro,
        text=text,
        command=command,
        state=state,
        details=details,
        outcome=outcome,
        applied_at=applied_at,
    )
