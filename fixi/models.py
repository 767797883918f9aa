"""Project-wide pieces every app stands on: the base model and the business settings."""

import time
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """UUID key (MongoDB rejects auto-increment keys) and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


DEFAULT_NEARBY_RADIUS_KM = 25
MAX_NEARBY_RADIUS_KM = 100


def _default_sos_timeout():
    return settings.SOS_TIMEOUT_MINUTES


def _default_max_load():
    return settings.MAX_PRO_LOAD


def _default_quiet_window():
    return settings.QUIET_WINDOW_SECONDS


def _default_urgent_timeout():
    return settings.URGENT_TIMEOUT_MINUTES


class SingletonQuerySet(models.QuerySet):
    """Writes through a queryset forget the process's cached row (Singleton.load)."""

    def update(self, **kwargs):
        self.model.forget()
        return super().update(**kwargs)

    def delete(self):
        self.model.forget()
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        self.model.forget()
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Singleton:
    """A model with one row, keyed by SINGLETON_KEY on a unique `key` field.

    A row of settings (CACHE_SECONDS > 0) is kept by each process for that long after it
    was read, so a message's turn does not read it again at every step. Writes through
    the row or its queryset in this process forget it at once; a manager's change in the
    admin (another process) reaches every worker within CACHE_SECONDS. A row read inside
    a transaction is not kept, since the transaction may yet be rolled back. A row of
    state (CACHE_SECONDS = 0, the default) is read every time.
    """

    SINGLETON_KEY = "default"
    CACHE_SECONDS = 0.0
    _cached: dict = {}  # (class, database alias) -> (row, when it was read: monotonic s)

    @classmethod
    def load(cls):
        """The one row; created on first use. Safe when two processes race to create it."""
        alias = cls.objects.db
        key = (cls, alias)
        cached = cls._cached.get(key)
        if cached is not None and time.monotonic() - cached[1] < cls.CACHE_SECONDS:
            return cached[0]
        row = cls._read_or_create()
        if cls.CACHE_SECONDS > 0 and not transaction.get_connection(alias).in_atomic_block:
            cls._cached[key] = (row, time.monotonic())
        return row

    @classmethod
    def _read_or_create(cls):
        found = cls.objects.filter(key=cls.SINGLETON_KEY).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():  # a savepoint, so a lost race leaves the outer block usable
                return cls.objects.create(key=cls.SINGLETON_KEY)
        except IntegrityError:
            return cls.objects.get(key=cls.SINGLETON_KEY)

    @classmethod
    def forget(cls) -> None:
        """Drop this process's cached row: the next load() reads the database."""
        for key in [key for key in cls._cached if key[0] is cls]:
            cls._cached.pop(key, None)

    @staticmethod
    def forget_all() -> None:
        Singleton._cached.clear()

    def save(self, *args, **kwargs):
        type(self).forget()
        super().save(*args, **kwargs)
        type(self).forget()

    def delete(self, *args, **kwargs):
        type(self).forget()
        return super().delete(*args, **kwargs)


class BusinessSettings(Singleton, BaseModel):
    """The one row of business constants a manager tunes in the admin.

    Defaults come from the environment when the row is first created; from then on the
    admin is the source of truth.
    """

    SINGLETON_KEY = "default"
    CACHE_SECONDS = 10.0

    key = models.CharField(max_length=16, unique=True, default=SINGLETON_KEY, editable=False)
    sos_timeout_minutes = models.PositiveIntegerField(
        _("SOS timeout (minutes)"),
        default=_default_sos_timeout,
        help_text=_("A pro who has not answered a lead within this time is replaced."),
    )
    max_pro_load = models.PositiveIntegerField(
        _("default max load per pro"),
        default=_default_max_load,
        help_text=_("Open jobs a pro may hold at once, unless the pro has a cap of its own."),
    )
    report_interval_hours = models.PositiveIntegerField(_("SOS report interval (hours)"), default=4)
    stale_pro_followup_hours = models.PositiveIntegerField(
        _("ask the pro 'done?' after (hours)"), default=4
    )
    stale_customer_check_hours = models.PositiveIntegerField(
        _("check with the customer after (hours)"), default=24
    )
    flood_limit_per_minute = models.PositiveIntegerField(
        _("messages a minute from one chat before the bot pauses it"), default=12
    )
    quiet_window_seconds = models.DecimalField(
        _("quiet window (seconds)"),
        max_digits=4,
        decimal_places=1,
        default=_default_quiet_window,
        help_text=_(
            "Messages of one chat that arrive within this many seconds of each other are "
            "read as one turn and get one reply. 0 answers every message on its own."
        ),
    )
    urgent_timeout_minutes = models.PositiveIntegerField(
        _("urgent timeout (minutes)"),
        default=_default_urgent_timeout,
        help_text=_("An urgent job whose pro has not answered in this time goes to the next pro."),
    )
    nearby_radius_km = models.PositiveIntegerField(
        _("nearby pros within (km)"),
        default=DEFAULT_NEARBY_RADIUS_KM,
        validators=[MaxValueValidator(MAX_NEARBY_RADIUS_KM)],
        help_text=_(
            "When no pro can take a job in the customer's city, pros of the cities this "
            "close can, nearest first. 0: only the city's own pros."
        ),
    )
    whatsapp_check_minutes = models.PositiveIntegerField(
        _("check the WhatsApp connection every (minutes)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How often Fixi asks Green API whether the WhatsApp instance is connected, "
            "besides the notices Green API sends. A disconnection shows on the dashboard "
            "and is reported once to the admin's WhatsApp."
        ),
    )

    objects = SingletonQuerySet.as_manager()

    class Meta:
        verbose_name = _("business settings")
        verbose_name_plural = _("business settings")
        ordering = ["key"]

    def __str__(self):
        return str(_("Business settings"))


class Heartbeat(BaseModel):
    """When each background process last did work: the worker, beat. Shown to operators."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("heartbeat")

    def __str__(self):
        return self.name

    @classmethod
    def beat(cls, name: str, detail: str = "") -> None:
        now = timezone.now()
        if not cls.objects.filter(name=name).update(seen_at=now, detail=detail):
            try:
                with transaction.atomic():
                    cls.objects.create(name=name, seen_at=now, detail=detail)
            except IntegrityError:
                cls.objects.filter(name=name).update(seen_at=now, detail=detail)


class JobLease(BaseModel):
    """Who may run a periodic job now: taken and handed back by conditional updates, so
    two beats or two workers firing the same job at once run it once (fixi.leases)."""

    name = models.CharField(_("job"), max_length=80, unique=True)
    holder = models.CharField(_("held by"), max_length=64, blank=True)
    until = models.DateTimeField(_("held until"))

    class Meta:
        verbose_name = _("job lease")
        ordering = ["name"]

    def __str__(self):
        return self.name


class WhatsAppConnection(Singleton, BaseModel):
    """What Fixi knows of the WhatsApp instance's connection, from Green API's state
    notices and from asking it (messaging.instance); kept here with the heartbeats as the
    system's own state. One row. The outage it records is claimed with conditional
    updates, so two beats or workers that see the same disconnection report it once."""

    SINGLETON_KEY = "default"

    key = models.CharField(max_length=16, unique=True, default=SINGLETON_KEY, editable=False)
    state = models.CharField(_("state"), max_length=40, blank=True)
    state_since = models.DateTimeField(_("in this state since"), null=True, blank=True)
    # When the latest report was true (a notice's own time, or when Fixi asked), so a
    # notice that arrives late cannot undo a newer one.
    reported_at = models.DateTimeField(_("last report"), null=True, blank=True)
    # When Fixi last asked Green API: claimed by a conditional update, so the check runs
    # once per interval however many beats fire it.
    checked_at = models.DateTimeField(_("last asked"), null=True, blank=True)
    down_since = models.DateTimeField(_("disconnected since"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("admin alerted at"), null=True, blank=True)
    # The outbox row of that alert (messaging.OutboundMessage; not a foreign key, as this
    # layer knows no app).
    alert_message_id = models.UUIDField(null=True, blank=True, editable=False)

    objects = SingletonQuerySet.as_manager()

    class Meta:
        verbose_name = _("WhatsApp connection")
        ordering = ["key"]

    def __str__(self):
        return self.state or "-"
