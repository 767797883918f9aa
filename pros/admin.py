from django.contrib import admin, messages
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.forms import BaseDialogForm

from fixi.models import BusinessSettings
from leads.calendar import rotate_token
from leads.models import Lead
from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea

RECENT_LEADS = 10


class PriceItemInline(TabularInline):
    model = PriceItem
    extra = 1
    verbose_name_plural = _("price list")


class ServiceAreaInline(TabularInline):
    model = ServiceArea
    extra = 1
    autocomplete_fields = ["city"]
    verbose_name_plural = _("cities served")


class ProTradeInline(TabularInline):
    model = ProTrade
    extra = 1
    verbose_name_plural = _("trades")


class RecentLeadsFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset().order_by("-created_at")[:RECENT_LEADS]
        return self._recent


class RecentLeadInline(TabularInline):
    """The pro's newest leads, to read; leads change only through their own workflow."""

    model = Lead
    fk_name = "pro"
    formset = RecentLeadsFormSet
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = format_lazy(_("recent leads (newest {count})"), count=RECENT_LEADS)
    fields = ["created_at", "customer", "issue_type", "city", "status", "appointment_time"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "city")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pro)
class ProAdmin(ModelAdmin):
    list_display = ["name", "phone", "active", "rating", "review_count", "load_vs_cap"]
    list_editable = ["active"]
    list_filter = ["active", "trades__trade", "cities"]
    search_fields = ["name", "phone"]
    actions = ["activate", "deactivate"]
    actions_detail = ["rotate_calendar_link"]
    fieldsets = [
        (None, {"fields": ["name", "phone", "chat_id", "active"]}),
        (_("Voice"), {"fields": ["persona", "tone"]}),
        (_("Work"), {"fields": ["working_hours", "max_load", "load_vs_cap", "last_assigned_at"]}),
        (
            _("Reputation"),
            {
                "fields": ["rating", "review_count"],
                "description": _("Kept up to date from customers' ratings of finished jobs."),
            },
        ),
        (None, {"fields": ["all_leads"]}),
    ]
    # Ratings, load and assignment times are the system's to keep, never typed in.
    readonly_fields = [
        "chat_id",
        "rating",
        "review_count",
        "load_vs_cap",
        "last_assigned_at",
        "all_leads",
    ]
    inlines = [ProTradeInline, ServiceAreaInline, PriceItemInline, RecentLeadInline]

    def get_queryset(self, request):
        # The cap each pro is held to: its own, or the business's default.
        default_cap = BusinessSettings.load().max_pro_load
        return super().get_queryset(request).annotate(cap=Coalesce("max_load", Value(default_cap)))

    @display(description=_("open jobs / cap"))
    def load_vs_cap(self, pro):
        cap = getattr(pro, "cap", None)
        if cap is None:  # a pro being added
            return "—"
        if pro.current_load >= cap:
            full = '<strong class="text-red-600">{} / {}</strong>'
            return format_html(full, pro.current_load, cap)
        return f"{pro.current_load} / {cap}"

    @display(description=_("leads"))
    def all_leads(self, pro):
        if pro._state.adding:
            return "—"
        url = reverse("admin:leads_lead_changelist") + f"?pro__id__exact={pro.pk}"
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, _("All leads"))

    @action(
        description=_("New calendar link"),
        icon="key",
        url_path="rotate-calendar",
        permissions=["change"],
        dialog={
            "title": _("Give the pro a new calendar link"),
            "description": _(
                "The current link stops working at once; the pro subscribes again with the "
                "new one. Use it when the link reached someone it should not have."
            ),
            "form_class": BaseDialogForm,
            "form_submit_text": _("New calendar link"),
        },
    )
    def rotate_calendar_link(self, request, form, object_id):
        pro = Pro.objects.filter(pk=object_id).first()
        if pro is None:
            messages.error(request, _("That pro no longer exists."))
            return redirect(reverse("admin:pros_pro_changelist"))
        rotate_token(pro)
        messages.success(request, _("%(pro)s has a new calendar link.") % {"pro": pro.name})
        return redirect(reverse("admin:pros_pro_change", args=[pro.pk]))

    @action(description=_("Activate the selected pros"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @action(description=_("Deactivate the selected pros (no new leads)"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    def _set_active(self, request, queryset, active: bool):
        changed = queryset.exclude(active=active).update(active=active)
        message = (
            ngettext("%(count)d pro activated.", "%(count)d pros activated.", changed)
            if active
            else ngettext("%(count)d pro deactivated.", "%(count)d pros deactivated.", changed)
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)


@admin.register(City)
class CityAdmin(ModelAdmin):
    list_display = ["name_he", "name_en", "slug"]
    search_fields = ["name_he", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
