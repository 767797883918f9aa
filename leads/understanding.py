"""What the dispatcher understood, written onto the lead.

A later message refines an earlier one: a value the dispatcher found replaces the lead's,
an empty one keeps it ("other" never replaces a known trade). The city becomes a row of
pros.City so routing can filter on it.
"""

from ai import gazetteer
from ai.offline import preferred_start

__all__ = ["apply_reading", "changes_for", "city_row", "missing_fields", "preferred_start"]
from ai.types import Dispatch
from fixi.vocabulary import IssueType, Language, language_of
from leads.models import Customer, Lead
from pros.models import City

MISSING_ORDER = ("issue", "city", "address", "time")


def city_row(slug: str) -> City | None:
    if not slug:
        return None
    found = City.objects.filter(slug=slug).first()
    if found is not None:
        return found
    known = gazetteer.by_slug(slug)
    if known is None:
        return None
    city, _ = City.objects.get_or_create(
        slug=slug, defaults={"name_he": known.name_he, "name_en": known.name_en}
    )
    return city


def changes_for(lead: Lead, reading: Dispatch, keep_time: bool = False) -> dict:
    """The lead fields this reading sets (only those it actually knows). `keep_time`
    leaves the appointment alone (a slot is already held for it)."""
    changes = {}
    known = lead.city if Lead.city.is_cached(lead) else None
    city = known if known is not None and known.slug == reading.city else city_row(reading.city)
    if city is not None:
        changes["city"] = city
        changes["city_text"] = reading.city_name[:120]
    if reading.issue_type and (reading.issue_type != IssueType.OTHER or not lead.issue_type):
        changes["issue_type"] = reading.issue_type
    if reading.urgent and not lead.urgent:
        changes["urgent"] = True
        changes["urgency_reason"] = reading.urgency_reason[:200]
    if reading.address:
        changes["full_address"] = reading.address[:250]
    start = None if keep_time else preferred_start(reading)
    if start is not None:
        changes["appointment_time"] = start
    summary = summary_for_pro(reading)
    if summary and not lead.summary:
        changes["summary"] = summary[:300]
    if reading.transcript:
        changes["transcript"] = f"{lead.transcript}\n{reading.transcript}".strip()[:10_000]
    return changes


def summary_for_pro(reading: Dispatch) -> str:
    """The lead's summary, which pros read in Hebrew: the reading's summary when it is in
    Hebrew (a Hebrew customer's own words, or Gemini's), else the reading's Hebrew line
    once it names the trade. A customer's own words in another language stay in the
    conversation, and the pro sees them beside the summary."""
    if language_of(reading.summary) == Language.HEBREW:
        return reading.summary
    if reading.summary_he and reading.issue_type != IssueType.OTHER:
        return reading.summary_he
    return ""


def apply_reading(
    lead: Lead,
    reading: Dispatch,
    keep_time: bool = False,
    changes: dict | None = None,
    *,
    also: dict | None = None,
    write: bool = True,
) -> dict:
    """Write the reading onto the lead (`changes`: those of changes_for the caller has
    already worked out; `also`: other fields written with them), and the customer's name
    when the customer has none yet. `write=False` changes the lead in memory only, for a
    caller that writes the changes with its own update."""
    if changes is None:
        changes = changes_for(lead, reading, keep_time)
    fields = {**(also or {}), **changes}
    if fields and write:
        Lead.objects.filter(pk=lead.pk).update(**fields)
    for field, value in fields.items():
        setattr(lead, field, value)
    customer = lead.customer if Lead.customer.is_cached(lead) else None
    if reading.customer_name and not (customer and customer.name):
        name = reading.customer_name[:120]
        named = Customer.objects.filter(pk=lead.customer_id, name="").update(name=name)
        if named and customer is not None:
            customer.name = name
    return changes


def missing_fields(lead: Lead) -> list[str]:
    """What is still needed to send a pro, in the order it is asked for. An emergency needs
    no time: the earliest free slot is taken (leads.assignment)."""
    present = {
        "issue": bool(lead.issue_type) and lead.issue_type != IssueType.OTHER,
        "city": lead.city_id is not None,
        "address": bool(lead.full_address),
        "time": lead.appointment_time is not None or lead.urgent,
    }
    return [field for field in MISSING_ORDER if not present[field]]
