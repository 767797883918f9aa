from django.contrib import admin, messages
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action

from scheduling.admin_views import DayView, GenerateView, SlotToggleView
from scheduling.models import Slot


@admin.register(Slot)
class SlotAdmin(ModelAdmin):
    list_display = ["pro", "start", "end", "lead", "closed"]
    list_filter = ["pro", "closed"]
    search_fields = ["pro__name"]
    date_hierarchy = "start"
    readonly_fields = ["lead", "booked_at"]
    autocomplete_fields = ["pro"]
    list_select_related = ["pro", "lead__customer"]
    actions = ["close_selected", "open_selected"]

    def get_readonly_fields(self, request, obj=None):
        # A booked slot is the lead's: it moves or closes only through the booking.
        if obj is not None and obj.lead_id:
            return ["pro", "start", "end", "closed", *self.readonly_fields]
        return self.readonly_fields

    def get_urls(self):
        def view(cls):
            return self.admin_site.admin_view(cls.as_view(model_admin=self))

        return [
            path("day/", view(DayView), name="scheduling_slot_day"),
            path("generate/", view(GenerateView), name="scheduling_slot_generate"),
            path(
                "<uuid:slot_id>/close/",
                view(SlotToggleView),
                {"operation": "close"},
                name="scheduling_slot_close",
            ),
            path(
                "<uuid:slot_id>/open/",
                view(SlotToggleView),
                {"operation": "open"},
                name="scheduling_slot_open",
            ),
            *super().get_urls(),
        ]

    @action(description=_("Close the selected free slots"), permissions=["change"])
    def close_selected(self, request, queryset):
        changed = queryset.filter(lead__isnull=True, closed=False).update(
            closed=True, updated_at=timezone.now()
        )
        message = ngettext("%(count)d slot closed.", "%(count)d slots closed.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @action(description=_("Open the selected closed slots"), permissions=["change"])
    def open_selected(self, request, queryset):
        changed = queryset.filter(lead__isnull=True, closed=True).update(
            closed=False, updated_at=timezone.now()
        )
        message = ngettext("%(count)d slot opened.", "%(count)d slots opened.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)
