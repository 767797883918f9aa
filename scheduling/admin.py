from django.contrib import admin
from unfold.admin import ModelAdmin

from scheduling.models import Slot


@admin.register(Slot)
class SlotAdmin(ModelAdmin):
    list_display = ["pro", "start", "end", "lead", "closed"]
    list_filter = ["pro", "closed"]
    search_fields = ["pro__name"]
    date_hierarchy = "start"
    readonly_fields = ["lead", "booked_at"]
    autocomplete_fields = ["pro"]
