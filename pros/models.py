"""Professionals: who they are, where they work, what they do and what they charge."""

import datetime as dt
import functools
import secrets
import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai.data import load_cities
from fixi.models import BaseModel
from fixi.phones import PRIVATE_CHAT, InvalidPhone, normalize_phone, normalize_stored
from fixi.vocabulary import TRADES, IssueType

WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MAX_SERVICE_RADIUS_KM = 100


def default_working_hours() -> dict:
    """Sunday to Thursday 08:00–18:00, Friday until 13:00, no Shabbat work."""
    hours = {day: [["08:00", "18:00"]] for day in WEEKDAYS[:5]}
    hours["fri"] = [["08:00", "13:00"]]
    hours["sat"] = []
    return hours


def new_calendar_token() -> str:
    """The secret part of a pro's calendar feed URL (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


# What a City row takes from the gazetteer's data file, besides its Hebrew and English names.
GEOGRAPHY = {"latitude": "lat", "longitude": "lon", "name_ar": "name_ar", "name_ru": "name_ru"}


@functools.cache
def _gazetteer_records() -> dict[str, dict]:
    return {record["slug"]: record for record in load_cities()}


def gazetteer_geography(slug: str) -> dict:
    """The coordinates and Arabic and Russian names the gazetteer records for this slug,
    as City field values ({} for a slug it does not know)."""
    record = _gazetteer_records().get(slug, {})
    return {field: record[key] for field, key in GEOGRAPHY.items() if key in record}


class City(BaseModel):
    """A canonical city or local council, named in Hebrew and English, and where it is."""

    slug = models.SlugField(max_length=60, unique=True)
    name_he = models.CharField(_("name (Hebrew)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_ar = models.CharField(_("name (Arabic)"), max_length=80, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=80, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)],
        help_text=_("Degrees north. Pros of cities near this one can take its jobs."),
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)],
        help_text=_("Degrees east."),
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self):
        return f"{self.name_he} / {self.name_en}"

    def save(self, *args, **kwargs):
        # However a city is created (a lead's message, an import, the admin), it starts
        # with what the gazetteer knows of its slug; later edits are the manager's.
        if self._state.adding:
            for field, value in gazetteer_geography(self.slug).items():
                if getattr(self, field) in (None, ""):
                    setattr(self, field, value)
        super().save(*args, **kwargs)

    @property
    def placed(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Tone(models.TextChoices):
    WARM = "warm", _("Warm and personal")
    PROFESSIONAL = "professional", _("Professional and precise")
    DIRECT = "direct", _("Short and direct")
    FRIENDLY = "friendly", _("Friendly, with humour")


class RoutingIndexedQuerySet(models.QuerySet):
    """A queryset whose bulk writes keep the routing index (pros.routing_index) in step:
    an update of a field routing reads, a delete, a bulk create or update re-syncs the
    entries of the pros it touched. Saves and deletes of single rows do the same in the
    models' save() and delete()."""

    routing_fields: frozenset = frozenset()  # the fields whose change moves the index
    pro_field = "pro_id"

    def _pro_ids(self) -> set:
        return set(self.values_list(self.pro_field, flat=True))

    def update(self, **kwargs):
        if self.routing_fields.isdisjoint(kwargs):
            return super().update(**kwargs)
        touched = self._pro_ids()  # before: a moved row leaves its old pro behind
        count = super().update(**kwargs)
        if self.pro_field == "pro_id":
            touched |= self._pro_ids() if "pro" in kwargs or "pro_id" in kwargs else set()
        _sync_routing(touched)
        return count

    def delete(self):
        touched = self._pro_ids()
        deleted = super().delete()
        _sync_routing(touched)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _sync_routing({getattr(obj, self.pro_field) for obj in created})
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if not self.routing_fields.isdisjoint(fields):
            _sync_routing({getattr(obj, self.pro_field) for obj in objs})
        return count


def _sync_routing(pro_ids) -> None:
    from pros import routing_index  # it reads these models

    routing_index.sync_pros(pro_ids)


class ProQuerySet(RoutingIndexedQuerySet):
    routing_fields = frozenset({"active", "paused_at", "rating", "review_count"})
    pro_field = "pk"

    def by_key(self, key: str) -> "Pro | None":
        """A pro by id, or by phone number written any Israeli way; None when unknown."""
        try:
            return self.filter(pk=uuid.UUID(str(key))).first()
        except ValueError:
            pass
        try:
            return self.filter(phone=normalize_phone(key)).first()
        except InvalidPhone:
            return None


class Pro(BaseModel):
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("WhatsApp phone"), max_length=20, unique=True)
    chat_id = models.CharField(_("WhatsApp chat id"), max_length=40, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    rating = models.FloatField(
        _("rating"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(5.0)],
    )
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    max_load = models.PositiveIntegerField(
        _("max open jobs"),
        null=True,
        blank=True,
        help_text=_("Empty: the default from the business settings."),
    )
    current_load = models.PositiveIntegerField(_("open jobs"), default=0, editable=False)
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)
    persona = models.TextField(
        _("persona"),
        blank=True,
        help_text=_("How the bot speaks for this pro: background, style, what to stress."),
    )
    tone = models.CharField(_("tone"), max_length=20, choices=Tone, default=Tone.WARM)
    working_hours = models.JSONField(
        _("working hours"),
        default=default_working_hours,
        help_text=_('Per weekday, e.g. {"sun": [["08:00", "18:00"]], "sat": []}.'),
    )
    cities = models.ManyToManyField(City, through="ServiceArea", related_name="pros", blank=True)
    # Serving "within N km of" a town: the cities that close are kept as derived service
    # areas (pros.geo.sync_radius_areas), so routing reads one kind of row.
    base_city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="based_pros",
        verbose_name=_("base city"),
        help_text=_("Where the pro works from; with a radius, every city that close is served."),
    )
    service_radius_km = models.PositiveSmallIntegerField(
        _("serves within (km)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_SERVICE_RADIUS_KM)],
        help_text=_(
            "With a base city: the cities this close to it are served, besides those "
            "listed. Empty: only the listed cities."
        ),
    )
    # The pro's office on WhatsApp.
    agenda_time = models.TimeField(
        _("daily agenda at"),
        default=dt.time(7, 0),
        help_text=_("Local time of the morning message with the day's jobs (none on a day off)."),
    )
    agenda_sent_on = models.DateField(_("agenda last sent for"), null=True, blank=True)
    paused_at = models.DateTimeField(
        _("paused since"),
        null=True,
        blank=True,
        help_text=_("The pro wrote 'הפסקה': no new jobs until 'חזרתי'. Booked jobs stay."),
    )
    calendar_token = models.CharField(
        _("calendar feed token"),
        max_length=64,
        default=new_calendar_token,
        db_index=True,
        editable=False,
    )

    objects = ProQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("pro")
        verbose_name_plural = _("pros")
        indexes = [models.Index(fields=["active", "-rating"], name="pro_active_rating")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.phone = normalize_stored(self.phone)  # typed any way, or already stored
        self.chat_id = f"{self.phone}{PRIVATE_CHAT}"
        if kwargs.get("update_fields") is not None and "phone" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "chat_id"}
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or not ProQuerySet.routing_fields.isdisjoint(fields):
            _sync_routing({self.pk})

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    @property
    def trade_keys(self) -> list[str]:
        return sorted(trade.trade for trade in self.trades.all())


class RoutedRow(BaseModel):
    """A row of a pro that routing reads (a city served, a trade): saving or deleting it
    re-syncs the pro's routing index entries."""

    class Meta(BaseModel.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _sync_routing({self.pro_id})

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        _sync_routing({self.pro_id})
        return deleted


class ServiceAreaQuerySet(RoutingIndexedQuerySet):
    routing_fields = frozenset({"pro", "pro_id", "city", "city_id"})


class ProTradeQuerySet(RoutingIndexedQuerySet):
    routing_fields = frozenset({"pro", "pro_id", "trade"})


class ServiceArea(RoutedRow):
    """A city a pro serves (a related row, so routing can filter on it on any backend):
    listed by hand, or derived from the pro's base city and radius."""

    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="service_areas")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="service_areas")
    derived = models.BooleanField(
        _("from the radius"),
        default=False,
        editable=False,
        help_text=_("Kept in step with the pro's base city and radius; not listed by hand."),
    )

    objects = ServiceAreaQuerySet.as_manager()

    class Meta:
        ordering = ["city__name_en"]
        verbose_name = _("service area")
        constraints = [
            models.UniqueConstraint(fields=["pro", "city"], name="service_area_unique"),
        ]

    def __str__(self):
        return f"{self.pro} — {self.city}"


class ProTrade(RoutedRow):
    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="trades")
    trade = models.CharField(
        _("trade"),
        max_length=20,
        choices=[(key, IssueType(key).label) for key in TRADES],
        db_index=True,
    )

    objects = ProTradeQuerySet.as_manager()

    class Meta:
        ordering = ["trade"]
        verbose_name = _("trade")
        constraints = [
            models.UniqueConstraint(fields=["pro", "trade"], name="pro_trade_unique"),
        ]

    def __str__(self):
        return self.get_trade_display()


class RoutingEntry(BaseModel):
    """The routing index: one row per pro, city served and trade, with what routing sorts
    and filters by that changes rarely (the smoothed rating; whether the pro takes jobs:
    active and not paused), so the first candidates of a city and trade are read in index
    order instead of sorting every pro of the city. Derived data, kept in step by
    pros.routing_index (rebuilt whole by `manage.py rebuild_routing_index`). The load,
    which changes with every job, is read from the pro."""

    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="routing_entries")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    trade = models.CharField(max_length=20)
    available = models.BooleanField()  # active and not paused
    smoothed = models.FloatField()  # pros.routing.smoothed(rating, review_count)

    class Meta:
        ordering = []
        verbose_name = _("routing entry")
        verbose_name_plural = _("routing index")
        constraints = [
            models.UniqueConstraint(fields=["pro", "city", "trade"], name="routing_entry_unique"),
        ]
        indexes = [
            models.Index(
                fields=["city", "trade", "available", "-smoothed"], name="routing_entry_order"
            ),
        ]

    def __str__(self):
        return f"{self.pro_id} — {self.city_id} — {self.trade}"


class PriceItem(BaseModel):
    """One line of a pro's price list, in shekels. Quotes to customers come from here."""

    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="price_items")
    service = models.CharField(_("service"), max_length=120)
    price = models.DecimalField(
        _("price (₪)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["pro", "price"]
        verbose_name = _("price item")
        verbose_name_plural = _("price list")
        constraints = [
            models.UniqueConstraint(fields=["pro", "service"], name="price_item_unique_service"),
        ]

    def __str__(self):
        return f"{self.service}: ₪{self.price:,.0f}"


class ProCommandState(models.TextChoices):
    AWAITING = "awaiting", _("awaiting the pro's confirmation")
    APPLIED = "applied", _("applied")
    CANCELLED = "cancelled", _("cancelled")
    ANSWERED = "answered", _("answered")


class ProCommand(BaseModel):
    """Something a pro wrote to run their day, what Fixi understood and what it changed.

    A change that waits for the pro's confirmation (availability, a price Fixi asked for)
    is a row in AWAITING; the confirmation claims it by a conditional update to APPLIED,
    so two deliveries of one "1" apply it once.
    """

    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="commands")
    text = models.TextField(_("what the pro wrote"), blank=True)
    command = models.CharField(_("command"), max_length=40, db_index=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ProCommandState, default=ProCommandState.ANSWERED
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("What was read and what changes.")
    )
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pro command")
        verbose_name_plural = _("pro commands")
        indexes = [
            models.Index(fields=["pro", "state", "-created_at"], name="pro_command_pending"),
        ]

    def __str__(self):
        return f"{self.pro}: {self.text[:40]}"
