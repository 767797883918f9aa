"""Customers, their leads (one job each), and the audit trail of every change."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fixi.models import BaseModel
from fixi.phones import national
from fixi.vocabulary import IssueType, Language


class Customer(BaseModel):
    chat_id = models.CharField(_("WhatsApp chat id"), max_length=40, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.HEBREW
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")

    def __str__(self):
        return self.name or national(self.phone) or self.chat_id

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    AWAITING_PRO = "awaiting_pro", _("Awaiting pro")
    BOOKED = "booked", _("Booked")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    UNASSIGNED = "unassigned", _("Unassigned (SOS)")


class QuoteStatus(models.TextChoices):
    NONE = "", _("No quote")
    SENT = "sent", _("Sent, awaiting the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


OPEN_STATUSES = [
    LeadStatus.NEW,
    LeadStatus.CONTACTED,
    LeadStatus.AWAITING_PRO,
    LeadStatus.BOOKED,
    LeadStatus.UNASSIGNED,
]


class Lead(BaseModel):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="leads")
    # The customer's 1st, 2nd, ... lead. Unique per customer, so opening a lead is a claim
    # that two workers cannot both win (leads.conversation.turn.open_lead_for).
    sequence = models.PositiveIntegerField(_("customer's lead number"), default=1)
    pro = models.ForeignKey(
        "pros.Pro", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus, default=LeadStatus.NEW, db_index=True
    )
    city = models.ForeignKey(
        "pros.City", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    city_text = models.CharField(_("city as written"), max_length=120, blank=True)
    issue_type = models.CharField(
        _("issue type"), max_length=20, choices=IssueType, blank=True, db_index=True
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    urgency_reason = models.CharField(_("why urgent"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.HEBREW
    )
    full_address = models.CharField(_("address"), max_length=250, blank=True)
    appointment_time = models.DateTimeField(_("appointment"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    transcript = models.TextField(_("voice transcript"), blank=True)
    media = models.JSONField(
        _("media"),
        default=list,
        blank=True,
        help_text=_("Photos, videos and voice notes: [{url, mime_type, kind}]."),
    )
    quoted_price = models.DecimalField(
        _("quoted price (₪)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    quote_status = models.CharField(
        _("quote"), max_length=10, choices=QuoteStatus, blank=True, default=""
    )
    quoted_at = models.DateTimeField(_("quoted at"), null=True, blank=True)
    final_price = models.DecimalField(
        _("final price (₪)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    routing_reason = models.JSONField(_("routing reason"), default=dict, blank=True)
    excluded_pros = models.ManyToManyField(
        "pros.Pro", through="LeadExclusion", related_name="excluded_from_leads", blank=True
    )
    bot_paused = models.BooleanField(
        _("bot paused"), default=False, help_text=_("A manager has taken over the conversation.")
    )
    needs_manager_at = models.DateTimeField(
        _("waiting for a manager since"),
        null=True,
        blank=True,
        help_text=_("The bot could not answer the customer; a person should reply in the inbox."),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, db_index=True)
    pro_responded_at = models.DateTimeField(_("pro answered at"), null=True, blank=True)
    on_the_way_at = models.DateTimeField(_("pro on the way at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    rating_requested_at = models.DateTimeField(_("rating asked at"), null=True, blank=True)
    customer_rating = models.PositiveSmallIntegerField(
        _("customer's rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    # What the periodic jobs did, each at most once per lead (claimed by conditional update).
    sos_reported_at = models.DateTimeField(_("in SOS report at"), null=True, blank=True)
    sos_report = models.ForeignKey(
        "SosReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    reminder_24h_at = models.DateTimeField(_("day-before reminder"), null=True, blank=True)
    reminder_2h_at = models.DateTimeField(_("2-hour reminder"), null=True, blank=True)
    stale_pro_followup_at = models.DateTimeField(_("asked the pro 'done?'"), null=True, blank=True)
    stale_customer_check_at = models.DateTimeField(
        _("checked with the customer"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lead")
        constraints = [
            models.UniqueConstraint(fields=["customer", "sequence"], name="lead_customer_sequence"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="lead_customer_status"),
            models.Index(fields=["status", "assigned_at"], name="lead_status_assigned"),
            models.Index(fields=["status", "appointment_time"], name="lead_status_appointment"),
            models.Index(fields=["pro", "status"], name="lead_pro_status"),
            models.Index(fields=["status", "updated_at"], name="lead_status_updated"),
            models.Index(fields=["status", "sos_reported_at"], name="lead_status_sos"),
            models.Index(fields=["created_at"], name="lead_created"),
            # The stale-job monitor waits on each stamp being empty: without the stamp in
            # the index, every old followed-up booking is read on every sweep.
            models.Index(
                fields=["status", "stale_pro_followup_at", "appointment_time"],
                name="lead_status_stale_pro",
            ),
            models.Index(
                fields=["status", "stale_customer_check_at", "appointment_time"],
                name="lead_status_stale_customer",
            ),
        ]

    def __str__(self):
        return f"{self.get_issue_type_display() or _('Lead')} — {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SosReport(BaseModel):
    """One batched report of leads nobody could take, as sent to the admin's WhatsApp."""

    text = models.TextField(_("report"))
    lead_count = models.PositiveIntegerField(_("leads"), default=0)
    sent_to = models.CharField(_("sent to"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SOS report")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.lead_count})"


class ExclusionReason(models.TextChoices):
    DECLINED = "declined", _("Declined")
    TIMED_OUT = "timed_out", _("Did not answer in time")
    REASSIGNED = "reassigned", _("Reassigned by a manager")


class LeadExclusion(BaseModel):
    """A pro who must not be asked again for this lead, and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="exclusions")
    pro = models.ForeignKey("pros.Pro", on_delete=models.CASCADE, related_name="lead_exclusions")
    reason = models.CharField(_("reason"), max_length=20, choices=ExclusionReason)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("excluded pro")
        constraints = [
            models.UniqueConstraint(fields=["lead", "pro"], name="lead_exclusion_unique"),
        ]

    def __str__(self):
        return f"{self.pro} ({self.get_reason_display()})"


class Actor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PRO = "pro", _("Pro")
    BOT = "bot", _("Bot")
    ADMIN = "admin", _("Admin")
    HEALER = "healer", _("SOS healer")
    SYSTEM = "system", _("System")


class AppendOnlyError(Exception):
    pass


class LeadEvent(BaseModel):
    """Append-only audit: who did what to a lead, when, and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    actor = models.CharField(_("who"), max_length=20, choices=Actor)
    actor_name = models.CharField(_("name"), max_length=120, blank=True)
    action = models.CharField(_("what"), max_length=60)
    from_status = models.CharField(max_length=20, choices=LeadStatus, blank=True)
    to_status = models.CharField(max_length=20, choices=LeadStatus, blank=True)
    reason = models.TextField(_("why"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("lead event")
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_event_timeline")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("lead events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("lead events are never deleted")
