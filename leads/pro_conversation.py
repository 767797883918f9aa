"""What pros write on WhatsApp: approve or reject a job, "בדרך" (on my way), "סיימתי" (done),
the office's commands (leads.pro_office), and for anything else the list of commands.

Only the current assignee's first answer counts. Approve and reject are conditional
transitions that name the pro, so a press after the lead moved to someone else, or a
second press, matches no row: the pro gets a short explanation and nothing changes
(the attempt is kept as an event for the manager).
"""

import logging
import uuid

from django.db.models import ExpressionWrapper, F, FloatField
from django.utils import timezone

from fixi import texts
from leads import assignment, lifecycle
from leads.models import Actor, ExclusionReason, Lead, LeadStatus
from leads.pro_office import help as pro_help
from messaging import outbox
from messaging.choices import answered_buttons, plain_text
from pros import routing
from pros.models import Pro

log = logging.getLogger(__name__)

ON_THE_WAY = {"בדרך", "אני בדרך", "יצאתי", "יוצא", "יוצאת", "on my way", "omw", "on the way"}
DONE = {"סיימתי", "גמרתי", "בוצע", "הסתיים", "done", "finished", "job done", "completed"}


def handle(message, pro: Pro, now=None) -> str:
    now = now or timezone.now()
    answered = answered_buttons(
        pro.chat_id, message.button_id, message.text, message.quoted_message_id
    )
    if answered is not None:
        _question, chosen = answered
        key, _, lead_id = chosen["id"].partition(":")
        if key == "approve":
            return approve(lead_id, pro, now=now)
        if key == "reject":
            return reject(lead_id, pro, now=now)
    from leads import pro_office  # its commands use this module's job functions

    for command in pro_office.commands():
        outcome = command(message, pro, now)
        if outcome is not None:
            return outcome
    word = plain_text(message.text)
    if word in ON_THE_WAY:
        return on_the_way(pro, now=now)
    if word in DONE:
        return done(pro, now=now)
    return pro_help.not_understood(message, pro, now)


def _tell_pro(pro: Pro, text: str, topic: str) -> None:
    outbox.queue_text(pro.chat_id, text, topic=topic)


def _tell_customer(lead: Lead, text: str) -> None:
    outbox.queue_text(lead.customer.chat_id, text, topic=f"lead:{lead.pk}")


def _lead(lead_id) -> Lead | None:
    try:
        lead_id = uuid.UUID(str(lead_id))
    except ValueError:  # a button id we did not write
        return None
    return Lead.objects.select_related("customer", "city", "pro").filter(pk=lead_id).first()


def approve(lead_id, pro: Pro, now=None) -> str:
    now = now or timezone.now()
    lead = _lead(lead_id)
    if lead is None:
        _tell_pro(pro, texts.pro_late_answer(), "pro:late")
        return "pro_answer_ignored"
    moved = lifecycle.transition(
        lead.pk,
        [LeadStatus.AWAITING_PRO],
        LeadStatus.BOOKED,
        actor=Actor.PRO,
        actor_name=pro.name,
        action="approved",
        reason="the pro approved the job",
        match={"pro_id": pro.pk},
        pro_responded_at=now,
    )
    if not moved:
        return _not_counted(lead, pro, "approve")
    start = assignment.slot_start(lead)
    _tell_customer(lead, texts.confirmed(lead, pro, start, lead.language))
    _tell_pro(pro, texts.pro_approved(lead, start), f"lead:{lead.pk}")
    return "approved"


def reject(lead_id, pro: Pro, now=None) -> str:
    now = now or timezone.now()
    lead = _lead(lead_id)
    if lead is None:
        _tell_pro(pro, texts.pro_late_answer(), "pro:late")
        return "pro_answer_ignored"
    moved = assignment.take_off(
        lead,
        pro.pk,
        from_statuses=[LeadStatus.AWAITING_PRO],
        actor=Actor.PRO,
        actor_name=pro.name,
        action="rejected",
        reason="the pro declined the job",
        exclusion=ExclusionReason.DECLINED,
        pro_responded_at=now,
    )
    if not moved:
        return _not_counted(lead, pro, "reject")
    _tell_pro(pro, texts.pro_rejected_ack(), f"lead:{lead.pk}")
    rerouted = assignment.assign(lead.pk, actor=Actor.BOT, now=now)
    assignment.tell_customer_after_reroute(lead.pk, rerouted)
    return "rejected"


def _not_counted(lead: Lead, pro: Pro, answer: str) -> str:
    lead.refresh_from_db()
    if lead.pro_id == pro.pk:
        text = texts.pro_already_answered(approved=lead.status == LeadStatus.BOOKED)
        why = "the pro had answered already"
    else:
        text = texts.pro_late_answer()
        why = "the lead is no longer this pro's"
    lifecycle.note(
        lead.pk,
        actor=Actor.PRO,
        actor_name=pro.name,
        action="answer_ignored",
        reason=why,
        data={"answer": answer, "pro": str(pro.pk)},
    )
    _tell_pro(pro, text, f"lead:{lead.pk}")
    return "pro_answer_ignored"


def current_job(pro: Pro) -> Lead | None:
    """The pro's booked job that comes first (one in progress before one tomorrow)."""
    return (
        Lead.objects.select_related("customer", "city", "pro")
        .filter(pro=pro, status=LeadStatus.BOOKED)
        .order_by("appointment_time", "created_at")
        .first()
    )


def on_the_way(pro: Pro, now=None) -> str:
    now = now or timezone.now()
    lead = current_job(pro)
    if lead is None:
        _tell_pro(pro, texts.pro_no_active_job(), "pro:status")
        return "pro_no_job"
    first = Lead.objects.filter(pk=lead.pk, pro=pro, on_the_way_at__isnull=True).update(
        on_the_way_at=now
    )
    if first == 1:  # a second "בדרך" does not message the customer again
        lifecycle.note(
            lead.pk, actor=Actor.PRO, actor_name=pro.name, action="on_the_way", reason="בדרך"
        )
        _tell_customer(lead, texts.on_the_way(pro, lead.language))
    _tell_pro(pro, texts.pro_on_the_way_ack(), f"lead:{lead.pk}")
    return "on_the_way"


def done(pro: Pro, now=None) -> str:
    lead = current_job(pro)
    if lead is None or not complete(lead, actor=Actor.PRO, actor_name=pro.name, now=now):
        _tell_pro(pro, texts.pro_no_active_job(), "pro:status")
        return "pro_no_job"
    return "completed"


def complete(
    lead: Lead,
    *,
    actor: str,
    actor_name: str = "",
    reason: str = "the pro marked the job done",
    now=None,
    final_price=None,
    receipt: str = "",
) -> bool:
    """Booked → completed, only while the lead's pro still holds it: the pro's place is
    freed, the pro thanked and the customer asked for a rating. False when the lead was
    not booked with that pro any more (then nothing is sent).

    With `final_price` the price is recorded in the same update, and `receipt` reaches
    the customer just before the rating question.

    The pro's "סיימתי" (with its price: leads.pro_office.prices) and a manager's "mark
    completed" in the admin both end here."""
    now = now or timezone.now()
    if lead.pro_id is None:
        return False
    priced = {} if final_price is None else {"final_price": final_price}
    moved = lifecycle.transition(
        lead.pk,
        [LeadStatus.BOOKED],
        LeadStatus.COMPLETED,
        actor=actor,
        actor_name=actor_name,
        action="completed",
        reason=reason,
        match={"pro_id": lead.pro_id},
        data={key: str(value) for key, value in priced.items()},
        completed_at=now,
        rating_requested_at=now,
        **priced,
    )
    if not moved:
        return False
    routing.release_pro(lead.pro_id)
    thanks = texts.pro_done_ack() if final_price is None else texts.pro_done_with_price(final_price)
    _tell_pro(lead.pro, thanks, f"lead:{lead.pk}")
    if receipt:
        _tell_customer(lead, receipt)
    _tell_customer(lead, texts.ask_rating(lead.pro, lead.language))
    return True


def add_review(pro_id, stars: int) -> bool:
    """Fold one review into the pro's average, in one update (no read-modify-write)."""
    average = ExpressionWrapper(
        (F("rating") * F("review_count") + float(stars)) / (F("review_count") + 1.0),
        output_field=FloatField(),
    )
    return (
        Pro.objects.filter(pk=pro_id).update(rating=average, review_count=F("review_count") + 1)
        == 1
    )
