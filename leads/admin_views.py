"""The lead admin's own pages and pieces: the inbox with human takeover, the conversation
of a lead's customer, the audit timeline, media previews, the readable routing reason,
the action dialogs and the CSV export.

Everything that changes a lead calls leads.manager_actions or leads.assignment; this
module only reads, renders and reports.
"""

import csv
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from unfold.forms import BaseDialogForm
from unfold.views import UnfoldModelAdminViewMixin
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from fixi import texts
from fixi.links import safe_url
from leads import manager_actions
from leads.assignment import AssignmentError, excluded_pro_ids
from leads.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus, QuoteStatus
from leads.pro_office.help import not_understood_recently
from messaging import notifications
from messaging.greenapi import MAX_MESSAGE_CHARS
from messaging.models import InboundMessage, MessageKind, OutboundMessage, OutboundStatus, Subtype
from messaging.payloads import CALL, INCOMING
from pros import routing
from pros.models import Pro

CONVERSATION_LIMIT = 100  # messages shown, the newest
INBOX_PAGE_SIZE = 30
PREVIEW_CHARS = 120
CSV_CHUNK = 500
LOCAL_FORMAT = "d/m/Y H:i"

STATUS_VARIANTS = {
    LeadStatus.NEW: "info",
    LeadStatus.CONTACTED: "info",
    LeadStatus.AWAITING_PRO: "warning",
    LeadStatus.BOOKED: "primary",
    LeadStatus.COMPLETED: "success",
    LeadStatus.CANCELLED: "",
    LeadStatus.UNASSIGNED: "danger",
}
DELIVERY_VARIANTS = {
    OutboundStatus.QUEUED: "",
    OutboundStatus.SENDING: "",
    OutboundStatus.SENT: "info",
    OutboundStatus.DELIVERED: "info",
    OutboundStatus.READ: "success",
    OutboundStatus.FAILED: "danger",
    OutboundStatus.NO_ACCOUNT: "danger",
}
# What each event in a lead's history means, in the manager's words.
EVENT_LABELS = {
    "created": gettext_lazy("Lead created"),
    "replied": gettext_lazy("Bot replied"),
    "assigned": gettext_lazy("Pro asked"),
    "slots_offered": gettext_lazy("Other times offered"),
    "pro_passed_over": gettext_lazy("Pro passed over (no free slot)"),
    "no_pro": gettext_lazy("No pro available"),
    "still_no_pro": gettext_lazy("Still no pro available"),
    "approved": gettext_lazy("Pro approved"),
    "rejected": gettext_lazy("Pro declined"),
    "answer_ignored": gettext_lazy("Pro's answer not counted"),
    "timed_out": gettext_lazy("Pro did not answer in time"),
    "reassigned": gettext_lazy("Reassigned"),
    "on_the_way": gettext_lazy("Pro on the way"),
    "completed": gettext_lazy("Completed"),
    "rated": gettext_lazy("Customer rated"),
    "cancelled": gettext_lazy("Cancelled"),
    "confirmed": gettext_lazy("Customer confirmed the visit"),
    "rescheduled": gettext_lazy("Rescheduled"),
    "offer_expired": gettext_lazy("Offered times expired"),
    "sos_reported": gettext_lazy("In the SOS report"),
    "asked_pro_if_done": gettext_lazy("Asked the pro whether the job is done"),
    "checked_with_customer": gettext_lazy("Checked with the customer"),
    "reminded_24h": gettext_lazy("Day-before reminder sent"),
    "reminded_2h": gettext_lazy("2-hour reminder sent"),
    "message_while_paused": gettext_lazy("Customer wrote while the bot was paused"),
    "bot_paused": gettext_lazy("Manager took over the conversation"),
    "bot_resumed": gettext_lazy("Conversation handed back to the bot"),
    "manager_message": gettext_lazy("Manager wrote to the customer"),
    "needs_manager": gettext_lazy("The bot asked for a manager"),
    "detail_changed": gettext_lazy("Customer changed a detail"),
    "edited": gettext_lazy("Customer edited a message"),
    "called": gettext_lazy("Customer called"),
}
MEDIA_KINDS = {"image", "video", "audio"}
# What the customer sent that shows in the conversation: messages and calls.
CUSTOMER_WEBHOOKS = (INCOMING, CALL)


def local(moment) -> str:
    """A moment as the manager reads it: business time zone, day first."""
    if moment is None:
        return ""
    return format_date(timezone.localtime(moment), LOCAL_FORMAT)


def status_badge(lead: Lead) -> dict:
    return {"text": lead.get_status_display(), "variant": STATUS_VARIANTS.get(lead.status, "")}


# --- the conversation ------------------------------------------------------------------


@dataclass
class Entry:
    """One WhatsApp message in a customer's conversation, either direction."""

    incoming: bool
    at: datetime
    text: str
    author: str
    kind: str = ""
    media_url: str = ""
    status: str = ""
    status_variant: str = ""
    error: str = ""
    reaction: str = ""  # the customer's reaction to this message
    edited: bool = False
    original_text: str = ""  # for an edited message, what it said before
    contact: dict | None = None  # a shared contact card: {"name", "phones"}

    @property
    def when(self) -> str:
        return local(self.at)

    @property
    def preview(self) -> str:
        text = " ".join(self.text.split()) or self.kind
        return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _incoming(message: InboundMessage, customer_name: str) -> Entry:
    kind = "" if message.kind == MessageKind.TEXT else message.get_kind_display()
    entry = Entry(
        incoming=True,
        at=message.created_at,
        text=message.text,
        author=message.sender_name or customer_name,
        kind=str(kind),
        media_url=safe_url(message.media_url),
        reaction=message.reaction,
        edited=message.edited_at is not None or message.subtype == Subtype.EDIT,
        original_text=message.original_text,
    )
    if message.subtype:
        _as_notification(entry, message)
    return entry


def _as_notification(entry: Entry, message: InboundMessage) -> None:
    """A call, a contact card, or an edit or reaction whose message is not in view."""
    entry.kind = str(message.get_subtype_display())
    if message.subtype == Subtype.CALL:
        entry.text, entry.kind = _("📞 call"), ""
    elif message.subtype == Subtype.CONTACT:
        card = notifications.contact_card(message)
        entry.contact = card if card["name"] or card["phones"] else None
    elif message.subtype == Subtype.REACTION:
        entry.text = message.text or _("(reaction taken back)")


def _outgoing(message: OutboundMessage, managers: dict[str, str]) -> Entry:
    manager = managers.get(str(message.pk))
    return Entry(
        incoming=False,
        at=message.created_at,
        text=message.text,
        author=manager or _("Fixi bot"),
        media_url=safe_url(message.file_url),
        status=str(message.get_status_display()),
        status_variant=DELIVERY_VARIANTS.get(message.status, ""),
        error=message.last_error,
        reaction=message.reaction,
    )


def _manager_authors(customer) -> dict[str, str]:
    """Outbound message id → the manager who wrote it, from the leads' events."""
    lead_ids = list(customer.leads.values_list("pk", flat=True))
    events = LeadEvent.objects.filter(lead_id__in=lead_ids, action="manager_message")
    return {
        str(event.data.get("outbound")): event.actor_name or _("Manager")
        for event in events.only("actor_name", "data")
    }


def conversation(customer, limit: int = CONVERSATION_LIMIT) -> list[Entry]:
    """The customer's WhatsApp conversation, both directions, the newest `limit` messages
    with the newest last."""
    chat_id = customer.chat_id
    incoming = list(
        InboundMessage.objects.filter(chat_id=chat_id, webhook_type__in=CUSTOMER_WEBHOOKS).order_by(
            "-created_at"
        )[:limit]
    )
    outgoing = list(OutboundMessage.objects.filter(chat_id=chat_id).order_by("-created_at")[:limit])
    managers = _manager_authors(customer)
    shown = _shown_on_their_message(incoming, outgoing)
    entries = [_incoming(message, str(customer)) for message in incoming if message.pk not in shown]
    entries += [_outgoing(message, managers) for message in outgoing]
    entries.sort(key=lambda entry: entry.at)
    return entries[-limit:]


def _shown_on_their_message(incoming: list, outgoing: list) -> set:
    """Reactions and edits whose message is in view: they show on it (its reaction, its new
    text marked edited), not as messages of their own."""
    in_view = {m.provider_message_id for m in incoming + outgoing if m.provider_message_id}
    edited = {m.provider_message_id for m in incoming if m.edited_at is not None}
    folded = {Subtype.REACTION: in_view, Subtype.EDIT: edited}
    return {m.pk for m in incoming if m.quoted_message_id in folded.get(m.subtype, ())}


def last_message(customer) -> Entry | None:
    """The newest message of the conversation, either direction."""
    chat_id = customer.chat_id
    inbound = (
        InboundMessage.objects.filter(chat_id=chat_id, webhook_type__in=CUSTOMER_WEBHOOKS)
        .order_by("-created_at")
        .first()
    )
    outbound = OutboundMessage.objects.filter(chat_id=chat_id).order_by("-created_at").first()
    candidates = []
    if inbound is not None:
        candidates.append(_incoming(inbound, str(customer)))
    if outbound is not None:
        candidates.append(_outgoing(outbound, {}))
    return max(candidates, key=lambda entry: entry.at, default=None)


# --- the lead's history, media and routing ----------------------------------------------


@dataclass
class TimelineItem:
    event: LeadEvent

    @property
    def when(self) -> str:
        return local(self.event.created_at)

    @property
    def what(self) -> str:
        action = self.event.action
        return str(EVENT_LABELS.get(action, action.replace("_", " ")))

    @property
    def who(self) -> str:
        actor = self.event.get_actor_display()
        return f"{actor} · {self.event.actor_name}" if self.event.actor_name else str(actor)

    @property
    def change(self) -> str:
        event = self.event
        if not event.to_status:
            return ""
        if not event.from_status:
            return str(event.get_to_status_display())
        return f"{event.get_from_status_display()} → {event.get_to_status_display()}"


def timeline(lead: Lead) -> list[TimelineItem]:
    return [TimelineItem(event) for event in LeadEvent.objects.filter(lead=lead)]


def media_items(lead: Lead) -> list[dict]:
    """The lead's files as the change page shows them: image, video, audio or a link."""
    items = []
    for item in lead.media or []:
        if not isinstance(item, dict):
            continue
        url = safe_url(item.get("url", ""))
        if not url:
            continue
        mime_type = item.get("mime_type", "")
        kind = item.get("kind") or mime_type.partition("/")[0]
        items.append(
            {
                "url": url,
                "mime_type": mime_type,
                "kind": kind if kind in MEDIA_KINDS else "document",
                "name": url.rstrip("/").rsplit("/", 1)[-1],
            }
        )
    return items


def render_media(lead: Lead | None) -> str:
    items = media_items(lead) if lead is not None else []
    return render_to_string("admin/leads/lead/media.html", {"items": items})


def render_routing(lead: Lead | None) -> str:
    reason = (lead.routing_reason if lead is not None else None) or {}
    chosen = reason.get("chosen") if isinstance(reason.get("chosen"), dict) else None
    context = {
        "reason": reason,
        "why": reason.get("why", ""),
        "chosen": chosen,
        "manual": bool(reason.get("manual")),
        "candidates": reason.get("candidates") or [],
        "excluded_count": len(reason.get("excluded") or []),
        "considered_count": reason.get("considered_count"),
        "formula": reason.get("formula", ""),
    }
    return render_to_string("admin/leads/lead/routing.html", context)


def lead_panels_context(lead: Lead) -> dict:
    return {
        "lead": lead,
        "lead_badge": status_badge(lead),
        "messages_list": conversation(lead.customer),
        "timeline": timeline(lead),
        "conversation_url": reverse("admin:leads_lead_conversation", args=[lead.pk]),
    }


# --- the CSV export ---------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value):
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A cell Excel shows as text, never runs as a formula (customers write these)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_row(lead: Lead, language: str) -> list[str]:
    customer = lead.customer
    phone = customer.phone or customer.chat_id.split("@")[0]
    return [
        _cell(lead.get_status_display()),
        _cell(customer.name),
        _cell(phone),
        _cell(texts.city_name(lead, language)),
        _cell(lead.get_issue_type_display()),
        _cell(lead.full_address),
        local(lead.appointment_time),
        _cell(lead.pro.name if lead.pro else ""),
        local(lead.created_at),
        _("yes") if lead.urgent else "",
        _amount(lead.quoted_price),
        str(QUOTE_LABELS.get(lead.quote_status, "")),
        _amount(lead.final_price),
        str(lead.pk),
    ]


# The quote's answer in the export ("Declined" alone is the pro's word in the admin).
QUOTE_LABELS = {
    QuoteStatus.SENT: pgettext_lazy("quote in the CSV export", "Sent"),
    QuoteStatus.ACCEPTED: pgettext_lazy("quote in the CSV export", "Accepted"),
    QuoteStatus.DECLINED: pgettext_lazy("quote in the CSV export", "Declined"),
}


def _amount(value) -> str:
    """A price as a plain number (450.00), so a spreadsheet can add the column up."""
    return "" if value is None else f"{value:.2f}"


def csv_headers() -> list[str]:
    return [
        _("Status"),
        _("Customer"),
        _("Phone"),
        _("City"),
        _("Issue type"),
        _("Address"),
        _("Appointment"),
        _("Pro"),
        _("Created"),
        _("Urgent"),
        _("Quoted price (₪)"),
        _("Quote"),
        _("Final price (₪)"),
        _("Lead id"),
    ]


def csv_response(queryset) -> StreamingHttpResponse:
    """The leads as CSV, streamed: UTF-8 with a byte-order mark, so Excel reads Hebrew."""
    language = translation.get_language() or "he"
    rows = queryset.select_related("customer", "city", "pro")
    writer = csv.writer(_Echo())
    headers = csv_headers()

    def lines():
        yield "\ufeff" + writer.writerow(headers)
        for lead in rows.iterator(chunk_size=CSV_CHUNK):
            yield writer.writerow(_csv_row(lead, language))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fixi-leads-{stamp}.csv"'
    return response


# --- the action dialogs -------------------------------------------------------------------


class ReassignForm(BaseDialogForm):
    pro = forms.ChoiceField(
        label=gettext_lazy("Pro"),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=gettext_lazy(
            "Leave empty for the next eligible pro, as routing would choose. The pro who "
            "has the lead now is told and is not asked again for it."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (kept in the lead's history)"),
        required=False,
        max_length=300,
        widget=UnfoldAdminTextInputWidget,
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        self.fields["pro"].choices = self._pro_choices(object_id)

    @staticmethod
    def _pro_choices(lead_id) -> list:
        try:
            lead = Lead.objects.filter(pk=lead_id).first() if lead_id else None
        except ValidationError:  # not a lead id at all; the action says so
            lead = None
        choices = [("", _("Next eligible pro"))]
        if lead is None:
            return choices
        eligible = []
        if lead.city_id and lead.issue_type:
            excluded = [*excluded_pro_ids(lead.pk), *([lead.pro_id] if lead.pro_id else [])]
            eligible = list(routing.eligible_pros(lead.city_id, lead.issue_type, excluded))
        others = Pro.objects.filter(active=True).exclude(
            pk__in=[pro.pk for pro in eligible] + ([lead.pro_id] if lead.pro_id else [])
        )
        if eligible:
            choices.append(
                (
                    _("Eligible now, best first"),
                    [(str(pro.pk), f"{pro.name} ({pro.smoothed:.2f})") for pro in eligible],
                )
            )
        other = [(str(pro.pk), pro.name) for pro in others.order_by("name")]
        if other:
            choices.append((_("Other active pros"), other))
        return choices

    def chosen_pro(self) -> Pro | None:
        pro_id = self.cleaned_data.get("pro")
        return Pro.objects.filter(pk=pro_id).first() if pro_id else None


class CancelForm(BaseDialogForm):
    reason = forms.CharField(
        label=gettext_lazy("Why (kept in the lead's history)"),
        required=False,
        max_length=300,
        widget=UnfoldAdminTextInputWidget,
    )
    tell_customer = forms.BooleanField(
        label=gettext_lazy("Tell the customer on WhatsApp"),
        required=False,
        initial=True,
        widget=UnfoldBooleanWidget,
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message to the customer"),
        max_length=MAX_MESSAGE_CHARS,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
    )


def back_to(request, url: str) -> HttpResponse:
    """After an action: htmx (a dialog) follows HX-Redirect, a plain form a redirect."""
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


# --- the inbox ----------------------------------------------------------------------------


@dataclass
class InboxRow:
    lead: Lead
    last: Entry | None

    @property
    def badge(self) -> dict:
        return status_badge(self.lead)

    @property
    def waiting(self) -> bool:
        """The customer wrote last: someone owes them an answer."""
        return self.last is not None and self.last.incoming

    @property
    def url(self) -> str:
        return reverse("admin:leads_lead_conversation", args=[self.lead.pk])


class InboxView(UnfoldModelAdminViewMixin, TemplateView):
    """Open conversations, the customer who wrote most recently first."""

    title = gettext_lazy("Inbox")
    permission_required = ("leads.view_lead",)
    template_name = "admin/leads/lead/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paused_only = self.request.GET.get("paused") == "1"
        leads = (
            Lead.objects.filter(status__in=OPEN_STATUSES)
            .select_related("customer", "city", "pro")
            # Those the bot handed to a person first, the longest waiting first.
            .order_by(
                F("needs_manager_at").asc(nulls_last=True),
                "-last_customer_message_at",
                "-created_at",
            )
        )
        if paused_only:
            leads = leads.filter(bot_paused=True)
        page = Paginator(leads, INBOX_PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            {
                "page": page,
                "rows": [InboxRow(lead, last_message(lead.customer)) for lead in page],
                "paused_only": paused_only,
                # Pros' messages Fixi did not understand: the pro got the list of commands,
                # but may have asked something only a person can answer.
                "pro_messages": list(not_understood_recently()),
            }
        )
        return context


class ConversationView(UnfoldModelAdminViewMixin, TemplateView):
    """One lead's conversation: read it, take it over from the bot, write, hand it back."""

    title = gettext_lazy("Conversation")
    permission_required = ("leads.view_lead",)
    template_name = "admin/leads/lead/conversation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = get_object_or_404(
            Lead.objects.select_related("customer", "city", "pro"), pk=kwargs["lead_id"]
        )
        context.update(
            {
                **lead_panels_context(lead),
                "title": _("Conversation with %(customer)s") % {"customer": lead.customer},
                "form": kwargs.get("form") or MessageForm(),
                "lead_url": reverse("admin:leads_lead_change", args=[lead.pk]),
                "inbox_url": reverse("admin:leads_lead_inbox"),
                "can_change": self.model_admin.has_change_permission(self.request, lead),
            }
        )
        return context

    def post(self, request, lead_id):
        lead = get_object_or_404(Lead, pk=lead_id)
        if not self.model_admin.has_change_permission(request, lead):
            raise PermissionDenied
        here = reverse("admin:leads_lead_conversation", args=[lead.pk])
        name = request.user.get_username()
        operation = request.POST.get("operation")
        try:
            if operation == "pause":
                self._pause(request, lead, name)
            elif operation == "resume":
                self._resume(request, lead, name)
            elif operation == "send":
                form = MessageForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(lead_id=lead_id, form=form)
                    )
                manager_actions.message_customer(
                    lead.pk, form.cleaned_data["text"], actor_name=name
                )
                messages.success(request, _("The message is in the outbox."))
            else:
                messages.error(request, _("Unknown request."))
        except AssignmentError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(here)

    @staticmethod
    def _pause(request, lead, name):
        if manager_actions.pause_bot(lead.pk, actor_name=name):
            messages.success(request, _("The bot is paused: you are answering this customer."))
        else:
            messages.info(request, _("The bot was already paused."))

    @staticmethod
    def _resume(request, lead, name):
        if manager_actions.resume_bot(lead.pk, actor_name=name):
            messages.success(request, _("The bot answers this customer again."))
        else:
            messages.info(request, _("The bot was not paused."))
