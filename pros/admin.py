from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.db.models import Count, Value
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.forms import BaseDialogForm

from fixi.models import BusinessSettings
from fixi.phone_admin import PhoneAdminMixin, phone_column
from leads.calendar import rotate_token
from leads.models import OPEN_STATUSES, Lead
from leads.pro_office import agenda
from pros import geo
from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea

RECENT_LEADS = 10
RECENT_COMMANDS = 15


class PriceItemInline(TabularInline):
    model = PriceItem
    extra = 1
    verbose_name_plural = _("price list")


class ServiceAreaInline(TabularInline):
    model = ServiceArea
    extra = 1
    autocomplete_fields = ["city"]
    fields = ["city", "derived"]
    readonly_fields = ["derived"]  # rows from the radius follow the base city and radius
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
class ProAdmin(PhoneAdminMixin, ModelAdmin):
    list_display = [
        "name",
        "whatsapp",
        "active",
        "on_break",
        "rating",
        "review_count",
        "load_vs_cap",
    ]
    list_editable = ["active"]
    list_filter = ["active", "trades__trade", "cities"]
    search_fields = ["name", "phone"]
    # Typed any common way, refused when WhatsApp cannot reach it; found as it is shown.
    whatsapp_fields = phone_search_fields = ("phone",)
    actions = ["activate", "deactivate", "delete_selected"]
    actions_detail = ["rotate_calendar_link"]
    fieldsets = [
        (None, {"fields": ["name", "phone", "whatsapp", "chat_id", "active"]}),
        (_("Voice"), {"fields": ["persona", "tone"]}),
        (_("Work"), {"fields": ["working_hours", "max_load", "load_vs_cap", "last_assigned_at"]}),
        (
            _("Where"),
            {
                "fields": ["base_city", "service_radius_km", "radius_cities"],
                "description": _(
                    "Besides the cities listed below, a pro may serve every city within a "
                    "radius of a base city; those cities are added to the list (marked as "
                    "from the radius) and follow the base city and radius when they change."
                ),
            },
        ),
        (_("Office on WhatsApp"), {"fields": ["on_break", "agenda_time", "agenda_sent_on"]}),
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
        "whatsapp",
        "chat_id",
        "rating",
        "review_count",
        "load_vs_cap",
        "last_assigned_at",
        "all_leads",
        "on_break",  # the pro's own: "הפסקה" / "חזרתי"
        "agenda_sent_on",
        "radius_cities",
    ]
    autocomplete_fields = ["base_city"]
    inlines = [ProTradeInline, ServiceAreaInline, PriceItemInline, RecentLeadInline]
    # Under the form: the agenda as the pro reads it, the calendar feed, the pro's commands.
    change_form_outer_after_template = "admin/pros/pro/office.html"

    def get_queryset(self, request):
        # The cap each pro is held to: its own, or the business's default.
        default_cap = BusinessSettings.load().max_pro_load
        return super().get_queryset(request).annotate(cap=Coalesce("max_load", Value(default_cap)))

    whatsapp = phone_column("phone", _("WhatsApp"))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the listed cities are saved: the radius adds what is not listed by hand.
        areas = geo.sync_radius_areas(form.instance)
        if areas:
            message = _("Cities from the radius: %(added)d added, %(removed)d removed.")
            counts = {"added": len(areas.added), "removed": len(areas.removed)}
            self.message_user(request, message % counts, messages.INFO)

    @display(description=_("cities within the radius"))
    def radius_cities(self, pro):
        if pro._state.adding:
            return "—"
        names = pro.service_areas.filter(derived=True).values_list("city__name_he", flat=True)
        names = sorted(names)
        if not names:
            return _("None: no base city and radius.") if pro.service_radius_km is None else "—"
        return f"{len(names)}: " + ", ".join(names)

    @display(description=_("open jobs / cap"))
    def load_vs_cap(self, pro):
        cap = getattr(pro, "cap", None)
        if cap is None:  # a pro being added
            return "—"
        if pro.current_load >= cap:
            full = '<strong class="text-red-600">{} / {}</strong>'
            return format_html(full, pro.current_load, cap)
        return f"{pro.current_load} / {cap}"

    @display(description=_("on a break"), label={True: "warning", False: "success"})
    def on_break(self, pro):
        if pro.paused_at is None:
            return False, _("Taking new jobs")
        since = formats.date_format(timezone.localtime(pro.paused_at), "SHORT_DATETIME_FORMAT")
        return True, _("On a break since %(since)s") % {"since": since}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pro = self.get_object(request, unquote(object_id))
        if pro is not None:
            extra_context = {**(extra_context or {}), **self._office(request, pro)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _office(self, request, pro) -> dict:
        titles = {"today": _("Today"), "tomorrow": _("Tomorrow")}
        return {
            "agenda_previews": [(titles[span], text) for span, text in agenda.preview(pro)],
            "calendar_feed_url": calendar_feed_url(request, pro),
            "recent_commands": pro.commands.select_related("lead")[:RECENT_COMMANDS],
        }

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

    # --- deleting: only a pro with no open lead ------------------------------------------
    #
    # A pro's open leads would be left with no pro (and their slots, which go with the
    # pro, gone). Rerouting them from a delete click would message customers and pros
    # behind the manager's back, so the delete is refused and the manager is pointed to
    # the steps that say what they do: deactivate the pro (no new leads), then reassign
    # or cancel each open lead. Closed leads stay, without a pro. A lead given to the pro
    # in the moment between this check and the delete is sent on by the SOS healer.

    def delete_view(self, request, object_id, extra_context=None):
        pro = self.get_object(request, unquote(object_id))
        still_open = _open_leads(Pro.objects.filter(pk=pro.pk)) if pro is not None else {}
        if still_open:
            count = still_open[pro.pk]
            messages.error(
                request,
                ngettext(
                    "%(pro)s still has %(count)d open lead and cannot be deleted. Deactivate "
                    "the pro so that no new lead reaches them, then reassign or cancel that "
                    "lead; a pro with no open lead can be deleted.",
                    "%(pro)s still has %(count)d open leads and cannot be deleted. Deactivate "
                    "the pro so that no new lead reaches them, then reassign or cancel those "
                    "leads; a pro with no open lead can be deleted.",
                    count,
                )
                % {"pro": pro.name, "count": count},
            )
            return redirect(reverse("admin:pros_pro_change", args=[pro.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=_("Delete selected %(verbose_name_plural)s"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        still_open = _open_leads(queryset)
        if still_open:
            names = Pro.objects.filter(pk__in=list(still_open)).order_by("name")
            names = ", ".join(names.values_list("name", flat=True))
            messages.error(
                request,
                ngettext(
                    "Nothing was deleted: %(pros)s still has open leads. Deactivate the pro, "
                    "then reassign or cancel those leads; pros with no open lead can be "
                    "deleted.",
                    "Nothing was deleted: %(pros)s still have open leads. Deactivate them, "
                    "then reassign or cancel those leads; pros with no open lead can be "
                    "deleted.",
                    len(still_open),
                )
                % {"pros": names},
            )
            return None
        return django_delete_selected(self, request, queryset)

    def _set_active(self, request, queryset, active: bool):
        changed = queryset.exclude(active=active).update(active=active)
        message = (
            ngettext("%(count)d pro activated.", "%(count)d pros activated.", changed)
            if active
            else ngettext("%(count)d pro deactivated.", "%(count)d pros deactivated.", changed)
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)


def _open_leads(pros) -> dict:
    """{pro id: number of open leads} for the pros that hold any."""
    rows = (
        Lead.objects.filter(pro__in=pros.values("pk"), status__in=OPEN_STATUSES)
        .values("pro")
        .annotate(open=Count("pk"))
        .order_by()
    )
    return {row["pro"]: row["open"] for row in rows}


def calendar_feed_url(request, pro) -> str | None:
    """The pro's calendar feed as a full URL, or None where the feed is not served."""
    try:
        path = reverse("pro-calendar", kwargs={"token": pro.calendar_token})
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path)


@admin.register(City)
class CityAdmin(ModelAdmin):
    list_display = ["name_he", "name_en", "name_ar", "name_ru", "latitude", "longitude", "slug"]
    search_fields = ["name_he", "name_en", "name_ar", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"latitude", "longitude"} & set(form.changed_data):
            # The city moved: the pros who serve "within N km" gain or lose it.
            geo.sync_all_radius_areas()
