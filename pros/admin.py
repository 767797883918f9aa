from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea


class PriceItemInline(TabularInline):
    model = PriceItem
    extra = 1


class ServiceAreaInline(TabularInline):
    model = ServiceArea
    extra = 1
    autocomplete_fields = ["city"]


class ProTradeInline(TabularInline):
    model = ProTrade
    extra = 1


@admin.register(Pro)
class ProAdmin(ModelAdmin):
    list_display = ["name", "phone", "active", "rating", "review_count", "current_load", "max_load"]
    list_filter = ["active", "trades__trade", "cities"]
    search_fields = ["name", "phone"]
    readonly_fields = ["chat_id", "current_load", "last_assigned_at"]
    inlines = [ProTradeInline, ServiceAreaInline, PriceItemInline]


@admin.register(City)
class CityAdmin(ModelAdmin):
    list_display = ["name_he", "name_en", "slug"]
    search_fields = ["name_he", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
