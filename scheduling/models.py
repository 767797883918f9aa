"""Calendar slots: the times a pro can take a job, and which lead holds each."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fixi.models import BaseModel


class Slot(BaseModel):
    pro = models.ForeignKey("pros.Pro", on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # Set and cleared only by conditional updates (scheduling.booking), never by save().
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("booked lead"),
    )
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    closed = models.BooleanField(
        _("closed"), default=False, help_text=_("Closed by the pro or a manager; not offered.")
    )

    class Meta:
        ordering = ["start"]
        verbose_name = _("slot")
        constraints = [
            models.UniqueConstraint(fields=["pro", "start"], name="slot_pro_start_unique"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["pro", "lead", "start"], name="slot_pro_free_start")]

    def __str__(self):
        return f"{self.pro} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_free(self) -> bool:
        return self.lead_id is None and not self.closed
