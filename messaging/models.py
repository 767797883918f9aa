"""WhatsApp traffic: every webhook as it arrived, and every message Fixi sends (the outbox)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fixi.models import BaseModel


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Photo")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Voice note")
    DOCUMENT = "document", _("Document")
    LOCATION = "location", _("Location")
    BUTTON = "button", _("Button reply")
    STATUS = "status", _("Delivery status")
    STATE = "state", _("Instance state")
    OTHER = "other", _("Other")


class Subtype(models.TextChoices):
    """What a message is beyond its kind: notifications a customer produces that are not
    a new message of their own (Green API's typeMessage, or incomingCall)."""

    NONE = "", _("Message")
    CALL = "call", _("Voice or video call")
    EDIT = "edit", _("Edit of an earlier message")
    REACTION = "reaction", _("Reaction")
    CONTACT = "contact", _("Contact card")


class ProcessingState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundMessage(BaseModel):
    """One Green API webhook, stored before anything acts on it.

    Unique on (webhook type, provider message id, status): Green API resends a webhook
    until it gets a 200, and a status webhook repeats the message id once per status.
    """

    webhook_type = models.CharField(_("webhook type"), max_length=40)
    provider_message_id = models.CharField(_("provider message id"), max_length=128)
    status = models.CharField(_("delivery status"), max_length=20, blank=True, default="")
    chat_id = models.CharField(_("chat id"), max_length=64, blank=True, db_index=True)
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MessageKind, default=MessageKind.OTHER
    )
    subtype = models.CharField(
        _("notification"), max_length=20, choices=Subtype, default=Subtype.NONE, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    # The text as first received, when the customer later edited the message.
    original_text = models.TextField(_("text before the edit"), blank=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    reaction = models.CharField(_("reaction"), max_length=16, blank=True)
    media_url = models.URLField(_("media link"), max_length=1000, blank=True)
    media_mime_type = models.CharField(_("media type"), max_length=100, blank=True)
    button_id = models.CharField(_("button pressed"), max_length=64, blank=True)
    quoted_message_id = models.CharField(_("in reply to"), max_length=128, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    raw = models.JSONField(_("payload"), default=dict)
    # The file as Fixi keeps it (Cloudinary or var/media), once fetched: {url, mime_type, ...}.
    stored_media = models.JSONField(_("stored file"), default=dict, blank=True)
    # What the message belongs to (e.g. "lead:<uuid>"), without messaging knowing leads.
    topic = models.CharField(_("about"), max_length=80, blank=True)
    state = models.CharField(
        _("processing"),
        max_length=20,
        choices=ProcessingState,
        default=ProcessingState.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # The process working on it ("host:pid:start"), so a worker that finds the claim held
    # by a process that no longer exists on its host can take the message over at once.
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inbound message")
        # The simulator reads every conversation and posts as anyone (messaging.simulator).
        permissions = [("use_simulator", _("Can use the WhatsApp simulator"))]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook_type", "provider_message_id", "status"],
                name="inbound_message_unique_delivery",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="inbound_state_created"),
            models.Index(fields=["chat_id", "created_at"], name="inbound_chat_created"),
            models.Index(fields=["chat_id", "state", "sent_at"], name="inbound_chat_state_sent"),
            models.Index(fields=["topic", "sent_at"], name="inbound_topic_sent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.chat_id}: {self.text[:40]}"


class ChatClaim(BaseModel):
    """Who is working on a chat's messages now: one worker per conversation, so a chat's
    messages are read in order and a burst becomes one turn (messaging.turns).

    Taken by a conditional update when `until` has passed or the holder's process is gone
    (same rule as an inbound message's claim); no lock or transaction is involved."""

    chat_id = models.CharField(_("chat id"), max_length=64, unique=True)
    holder = models.CharField(_("held by"), max_length=200, blank=True)
    until = models.DateTimeField(_("held until"))

    class Meta:
        ordering = ["chat_id"]
        verbose_name = _("chat claim")

    def __str__(self):
        return self.chat_id


class OutboundKind(models.TextChoices):
    TEXT = "text", _("Text")
    BUTTONS = "buttons", _("Buttons")
    FILE = "file", _("File")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    NO_ACCOUNT = "noAccount", _("No WhatsApp account")


class OutboundMessage(BaseModel):
    """The outbox: a message is a row here before it is a request to Green API."""

    chat_id = models.CharField(_("chat id"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OutboundKind, default=OutboundKind.TEXT
    )
    text = models.TextField(_("text"))
    buttons = models.JSONField(
        _("buttons"), default=list, blank=True, help_text=_('[{"id": "1", "text": "אשר"}]')
    )
    file_url = models.URLField(_("file link"), max_length=1000, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OutboundStatus, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    provider_message_id = models.CharField(
        _("provider message id"), max_length=128, blank=True, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Set when a send ended without an answer (timeout, dropped connection): WhatsApp may
    # have the message, so Green API's journal is read before the row is sent again.
    unconfirmed_since = models.DateTimeField(_("unconfirmed since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reaction = models.CharField(_("customer's reaction"), max_length=16, blank=True)
    # What the message is about (e.g. "lead:<uuid>"), without messaging knowing leads.
    topic = models.CharField(_("about"), max_length=80, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound message")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_status_next"),
            models.Index(fields=["chat_id", "created_at"], name="outbound_chat_created"),
        ]

    def __str__(self):
        return f"→ {self.chat_id}: {self.text[:40]}"
