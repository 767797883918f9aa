from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from leads.models import Customer, Lead, LeadEvent, LeadExclusion, SosReport


class LeadEventInline(TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "actor_name", "action", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LeadExclusionInline(TabularInline):
    model = LeadExclusion
    extra = 0
    can_delete = False
    readonly_fields = ["pro", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(ModelAdmin):
    list_display = [
        "customer",
        "status",
        "issue_type",
        "city",
        "pro",
        "urgent",
        "appointment_time",
        "created_at",
    ]
    list_filter = ["status", "issue_type", "urgent", "city", "pro"]
    search_fields = ["customer__name", "customer__phone", "full_address", "description"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status",
        "pro",
        "routing_reason",
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
    inlines = [LeadExclusionInline, LeadEventInline]


@admin.register(Customer)
class CustomerAdmin(ModelAdmin):
    list_display = ["name", "phone", "language", "created_at"]
    search_fields = ["name", "phone", "chat_id"]
    list_filter = ["language"]


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

    list_display = ["created_at", "lead_count", "sent_to"]
    readonly_fields = ["created_at", "lead_count", "sent_to", "text"]
    fields = readonly_fields
    inlines = [ReportedLeadInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
