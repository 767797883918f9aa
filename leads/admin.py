"""The leads admin: the list a manager works from (filters, search, CSV), the lead's page
(history, conversation, media, routing reason) with the same actions WhatsApp has, and
the inbox where a manager takes a conversation over from the bot."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesCheckboxFilter,
    MultipleChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from fixi.phone_admin import PhoneAdminMixin, phone_column
from fixi.phones import national
from leads import admin_views, manager_actions
from leads.admin_views import CancelForm, ConversationView, InboxView, ReassignForm, back_to
from leads.assignment import (
    ASKED_PRO,
    NO_SLOTS,
    OFFERED_SLOTS,
    UNASSIGNED,
    AssignmentError,
    reassign,
)
from leads.models import (
    OPEN_STATUSES,
    Actor,
    Customer,
    Lead,
    LeadExclusion,
    LeadStatus,
    SosReport,
)


class LocalDateRangeFilter(RangeDateFilter):
    """From and to are whole days in the business time zone, both included."""

    def queryset(self, request, queryset):
        filters = {}
        start, end = self._day("from"), self._day("to")
        if start is not None:
            filters[f"{self.parameter_name}__gte"] = self._midnight(start)
        if end is not None:
            filters[f"{self.parameter_name}__lt"] = self._midnight(end + dt.timedelta(days=1))
        return queryset.filter(**filters)

    def _day(self, side: str) -> dt.date | None:
        value = self.used_parameters.get(f"{self.parameter_name}_{side}")
        if not value:
            return None
        try:
            return forms.DateField().to_python(value)
        except ValidationError:
            raise IncorrectLookupParameters(f"{value!r} is not a date") from None

    @staticmethod
    def _midnight(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class LeadExclusionInline(TabularInline):
    model = LeadExclusion
    extra = 0
    can_delete = False
    readonly_fields = ["pro", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


STATUS_LABELS = {
    value: variant for value, variant in admin_views.STATUS_VARIANTS.items() if variant
}
REASSIGN_OUTCOMES = {
    ASKED_PRO: (messages.SUCCESS, gettext_lazy("%(pro)s has been asked to take the job.")),
    OFFERED_SLOTS: (
        messages.WARNING,
        gettext_lazy(
            "%(pro)s has no free slot at the asked time; the customer was offered other times."
        ),
    ),
    NO_SLOTS: (
        messages.WARNING,
        gettext_lazy("%(pro)s has no free slot in the calendar; the lead waits for a pro."),
    ),
    UNASSIGNED: (
        messages.WARNING,
        gettext_lazy("No eligible pro is free; the lead is in the SOS list."),
    ),
}
DETAIL_ACTIONS_OPEN = {"reassign_lead", "cancel_lead", "open_conversation"}
DETAIL_ACTIONS_BOOKED = {*DETAIL_ACTIONS_OPEN, "complete_lead"}


@admin.register(Lead)
class LeadAdmin(PhoneAdminMixin, ModelAdmin):
    list_display = [
        "customer_column",
        "customer_whatsapp",
        "status_column",
        "issue_type",
        "city",
        "full_address",
        "appointment_column",
        "pro",
        "urgent",
        "created_column",
    ]
    list_select_related = ["customer", "city", "pro"]
    list_filter = [
        ("status", ChoicesCheckboxFilter),
        ("issue_type", MultipleChoicesDropdownFilter),
        ("city", RelatedDropdownFilter),
        ("pro", RelatedDropdownFilter),
        ("urgent", BooleanRadioFilter),
        ("bot_paused", BooleanRadioFilter),
        ("needs_manager_at", LocalDateRangeFilter),
        ("created_at", LocalDateRangeFilter),
        ("appointment_time", LocalDateRangeFilter),
    ]
    list_filter_submit = True
    search_fields = [
        "customer__name",
        "customer__phone",
        "full_address",
        "description",
        "summary",
    ]
    phone_search_fields = ("customer__phone",)  # the number as shown, or in any spelling
    actions = ["export_selected_csv", "delete_selected"]
    actions_list = ["export_csv", "open_inbox"]
    actions_row = ["open_conversation"]
    actions_detail = ["reassign_lead", "cancel_lead", "complete_lead", "open_conversation"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "customer",
                    "customer_whatsapp",
                    "status",
                    "pro",
                    "bot_paused",
                    "needs_manager_at",
                    "issue_type",
                    "urgent",
                    "urgency_reason",
                    "city",
                    "city_text",
                    "full_address",
                    "appointment_time",
                    "language",
                ]
            },
        ),
        (
            gettext_lazy("The request"),
            {"fields": ["summary", "description", "transcript", "media_preview"]},
        ),
        (
            gettext_lazy("Routing"),
            {
                "fields": [
                    "routing_explained",
                    "assigned_at",
                    "pro_responded_at",
                    "on_the_way_at",
                    "completed_at",
                    "cancelled_at",
                ]
            },
        ),
        (
            gettext_lazy("Price and rating"),
            {"fields": ["quoted_price", "final_price", "rating_requested_at", "customer_rating"]},
        ),
        (
            gettext_lazy("Follow-ups"),
            {
                "classes": ["collapse"],
                "fields": [
                    "last_customer_message_at",
                    "sos_reported_at",
                    "sos_report",
                    "reminder_24h_at",
                    "reminder_2h_at",
                    "stale_pro_followup_at",
                    "stale_customer_check_at",
                ],
            },
        ),
    ]
    readonly_fields = [
        "customer_whatsapp",
        "status",
        "pro",
        "bot_paused",
        "needs_manager_at",
        "media_preview",
        "routing_explained",
        "assigned_at",
        "pro_responded_at",
        "completed_at",
        "cancelled_at",
        "last_customer_message_at",
        "on_the_way_at",
        "rating_requested_at",
        "customer_rating",
        "sos_reported_at",
        "sos_report",
        "reminder_24h_at",
        "reminder_2h_at",
        "stale_pro_followup_at",
        "stale_customer_check_at",
    ]
    autocomplete_fields = ["customer", "city"]
    inlines = [LeadExclusionInline]
    change_form_outer_after_template = "admin/leads/lead/panels.html"

    # --- the list ----------------------------------------------------------------------

    @display(description=gettext_lazy("Customer"), ordering="customer__name", header=True)
    def customer_column(self, lead):
        customer = lead.customer
        # The number, with its WhatsApp link, has a column of its own (customer_whatsapp).
        return customer.name or national(customer.phone) or customer.chat_id, ""

    customer_whatsapp = phone_column("customer__phone", gettext_lazy("Phone"))

    @display(description=gettext_lazy("Status"), ordering="status", label=STATUS_LABELS)
    def status_column(self, lead):
        return lead.status, lead.get_status_display()

    @display(description=gettext_lazy("Appointment"), ordering="appointment_time")
    def appointment_column(self, lead):
        return admin_views.local(lead.appointment_time) or "—"

    @display(description=gettext_lazy("Created"), ordering="created_at")
    def created_column(self, lead):
        return admin_views.local(lead.created_at)

    # --- the lead's page ---------------------------------------------------------------

    @display(description=gettext_lazy("Photos, videos and voice notes"))
    def media_preview(self, lead):
        return mark_safe(admin_views.render_media(lead))  # noqa: S308 (a template, autoescaped)

    @display(description=gettext_lazy("Why this pro"))
    def routing_explained(self, lead):
        return mark_safe(admin_views.render_routing(lead))  # noqa: S308 (a template, autoescaped)

    def _lead(self, request, object_id) -> Lead | None:
        """The lead of a URL; None for an unknown or malformed id (Django's page says so)."""
        return self.get_object(request, unquote(object_id)) if object_id else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        lead = self._lead(request, object_id)
        if lead is not None:
            extra_context.update(admin_views.lead_panels_context(lead))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_actions_detail(self, request, object_id=None):
        """Only the actions that fit the lead as it stands (a closed lead has none but the
        conversation). Running one checks again: the lead may change meanwhile."""
        actions = super().get_actions_detail(request, object_id)
        lead = self._lead(request, object_id)
        status = lead.status if lead is not None else None
        if status == LeadStatus.BOOKED:
            allowed = DETAIL_ACTIONS_BOOKED
        elif status in (LeadStatus.COMPLETED, LeadStatus.CANCELLED):
            allowed = {"open_conversation"}
        else:
            allowed = DETAIL_ACTIONS_OPEN
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}_"
        return [a for a in actions if a.action_name.removeprefix(prefix) in allowed]

    # --- the manager's actions (the same functions WhatsApp uses) ----------------------

    def _act(self, request, object_id, step, refused: str):
        """Run `step(lead)` on the lead of the URL and come back to its page. What cannot be
        done (an unknown lead, an AssignmentError) is a message, never an error page."""
        lead = self._lead(request, object_id)
        if lead is None:
            messages.error(request, _("There is no such lead."))
            return back_to(request, reverse("admin:leads_lead_changelist"))
        try:
            step(lead)
        except AssignmentError as error:
            messages.error(request, refused % {"error": error})
        return back_to(request, reverse("admin:leads_lead_change", args=[lead.pk]))

    @action(
        description=gettext_lazy("Reassign"),
        icon="swap_horiz",
        url_path="reassign",
        permissions=["change"],
        dialog={
            "title": gettext_lazy("Reassign the lead"),
            "description": gettext_lazy(
                "The lead moves to the pro you choose, or to the next eligible pro."
            ),
            "form_class": ReassignForm,
            "form_submit_text": gettext_lazy("Reassign"),
        },
    )
    def reassign_lead(self, request, form, object_id):
        def step(lead):
            result = reassign(
                lead.pk,
                to_pro=form.chosen_pro(),
                actor=Actor.ADMIN,
                actor_name=request.user.get_username(),
                reason=form.cleaned_data.get("reason") or "reassigned by a manager in the admin",
            )
            level, text = REASSIGN_OUTCOMES.get(
                result.outcome,
                (messages.WARNING, gettext_lazy("The lead was taken meanwhile; nothing changed.")),
            )
            pro = result.pro.name if result.pro else ""
            messages.add_message(request, level, str(text) % {"pro": pro})

        return self._act(request, object_id, step, _("Not reassigned: %(error)s"))

    @action(
        description=gettext_lazy("Cancel the lead"),
        icon="cancel",
        url_path="cancel",
        permissions=["change"],
        variant=ActionVariant.DANGER,
        dialog={
            "title": gettext_lazy("Cancel the lead"),
            "description": gettext_lazy(
                "The slot and the pro's place are freed, and a pro who was asked is told."
            ),
            "form_class": CancelForm,
            "form_submit_text": gettext_lazy("Cancel the lead"),
        },
    )
    def cancel_lead(self, request, form, object_id):
        def step(lead):
            manager_actions.cancel_lead(
                lead.pk,
                actor_name=request.user.get_username(),
                reason=form.cleaned_data.get("reason", ""),
                tell_customer=form.cleaned_data.get("tell_customer", False),
            )
            messages.success(request, _("The lead is cancelled."))

        return self._act(request, object_id, step, _("Not cancelled: %(error)s"))

    @action(
        description=gettext_lazy("Mark completed"),
        icon="task_alt",
        url_path="complete",
        permissions=["change"],
        variant=ActionVariant.SUCCESS,
        dialog={
            "title": gettext_lazy("Mark the job completed"),
            "description": gettext_lazy(
                "As when the pro writes “done”: the pro's place is freed and the customer "
                "is asked for a rating."
            ),
            "form_submit_text": gettext_lazy("Mark completed"),
        },
    )
    def complete_lead(self, request, form, object_id):
        def step(lead):
            manager_actions.complete_lead(lead.pk, actor_name=request.user.get_username())
            messages.success(request, _("The job is completed; the customer was asked to rate it."))

        return self._act(request, object_id, step, _("Not completed: %(error)s"))

    @action(description=gettext_lazy("Conversation"), icon="forum", url_path="conversation")
    def open_conversation(self, request, object_id):
        lead = self._lead(request, object_id)
        if lead is None:
            messages.error(request, _("There is no such lead."))
            return HttpResponseRedirect(reverse("admin:leads_lead_changelist"))
        return HttpResponseRedirect(reverse("admin:leads_lead_conversation", args=[lead.pk]))

    @action(description=gettext_lazy("Inbox"), icon="forum", url_path="go-to-inbox")
    def open_inbox(self, request):
        return HttpResponseRedirect(reverse("admin:leads_lead_inbox"))

    # --- deleting: closed leads only ----------------------------------------------------
    #
    # An open lead holds a pro's place and maybe a slot, and its pro and customer count
    # on it; deleting it would leave all three behind. Cancelling is what a manager
    # means (the slot and the place are freed, the pro is told), so an open lead is
    # refused with a pointer to "Cancel the lead". Closed is final, so the check cannot
    # be overtaken between the confirmation page and the delete.

    def delete_view(self, request, object_id, extra_context=None):
        lead = self._lead(request, object_id)
        if lead is not None and lead.is_open:
            messages.error(
                request,
                _(
                    "This lead is %(status)s and cannot be deleted: its pro, its slot and "
                    "its customer still count on it. Cancel the lead first (the slot and the "
                    "pro's place are freed and the pro is told); a cancelled or completed "
                    "lead can be deleted."
                )
                % {"status": lead.get_status_display().lower()},
            )
            return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[lead.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
        permissions=["delete"],
    )
    def delete_selected(self, request, queryset):
        still_open = queryset.filter(status__in=OPEN_STATUSES).count()
        if still_open:
            messages.error(
                request,
                ngettext(
                    "Nothing was deleted: %(count)d of the selected leads is open. Cancel "
                    "open leads first (the slot and the pro's place are freed and the pro "
                    "is told); cancelled and completed leads can be deleted.",
                    "Nothing was deleted: %(count)d of the selected leads are open. Cancel "
                    "open leads first (the slot and the pro's place are freed and the pro "
                    "is told); cancelled and completed leads can be deleted.",
                    still_open,
                )
                % {"count": still_open},
            )
            return None
        return django_delete_selected(self, request, queryset)

    # --- CSV ---------------------------------------------------------------------------

    @action(
        description=gettext_lazy("Export CSV"),
        icon="download",
        url_path="export-csv",
        permissions=["view"],
    )
    def export_csv(self, request):
        """The list as filtered and searched on the page (its query string comes along)."""
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return HttpResponseRedirect(reverse("admin:leads_lead_changelist"))
        return admin_views.csv_response(changelist.get_queryset(request))

    @admin.action(description=gettext_lazy("Export the selected leads to CSV"))
    def export_selected_csv(self, request, queryset):
        return admin_views.csv_response(queryset)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and request.GET:
            # The export button takes the page's filters and search along.
            export = reverse("admin:leads_lead_export_csv")
            for item in context.get("actions_list") or []:
                if item.get("path") == export:
                    item["path"] = f"{export}?{request.GET.urlencode()}"
        return response

    # --- the inbox ---------------------------------------------------------------------

    def get_urls(self):
        inbox = self.admin_site.admin_view(InboxView.as_view(model_admin=self))
        conversation = self.admin_site.admin_view(ConversationView.as_view(model_admin=self))
        return [
            path("inbox/", inbox, name="leads_lead_inbox"),
            path("inbox/<uuid:lead_id>/", conversation, name="leads_lead_conversation"),
            *super().get_urls(),
        ]


@admin.register(Customer)
class CustomerAdmin(PhoneAdminMixin, ModelAdmin):
    list_display = ["name", "whatsapp", "language", "created_at"]
    search_fields = ["name", "phone", "chat_id"]
    phone_fields = phone_search_fields = ("phone",)
    list_filter = ["language"]

    whatsapp = phone_column("phone", gettext_lazy("phone"))

    # A customer is the WhatsApp chat their messages come from: once known, the chat id
    # and its number are shown (the number with its WhatsApp link), not edited.
    def get_fields(self, request, obj=None):
        if obj is None:
            return ["chat_id", "phone", "name", "language"]
        return ["name", "whatsapp", "chat_id", "language"]

    def get_readonly_fields(self, request, obj=None):
        return ["whatsapp", "chat_id"] if obj is not None else []


class ReportedLeadInline(TabularInline):
    model = Lead
    fk_name = "sos_report"
    extra = 0
    can_delete = False
    fields = ["customer", "city", "issue_type", "status", "created_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SosReport)
class SosReportAdmin(ModelAdmin):
    """Every SOS report as it was sent, with the leads it listed."""

    list_display = ["created_at", "lead_count", "sent_to_phone"]
    readonly_fields = ["created_at", "lead_count", "sent_to_phone", "text"]
    fields = readonly_fields
    inlines = [ReportedLeadInline]

    sent_to_phone = phone_column("sent_to", gettext_lazy("sent to"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
