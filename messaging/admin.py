from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from messaging.models import InboundMessage, OutboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "chat_id",
        "sender_name",
        "kind",
        "subtype",
        "text_as_now",
        "reaction",
        "state",
    ]
    list_filter = ["kind", "subtype", "state", "webhook_type"]
    search_fields = ["chat_id", "sender_name", "text", "original_text", "provider_message_id"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    @display(description=_("text"))
    def text_as_now(self, message: InboundMessage) -> str:
        """An edited message shows what the customer first wrote too: the reply may have
        answered that."""
        if not message.edited_at:
            return message.text
        return _("%(text)s (edited; before: %(before)s)") % {
            "text": message.text,
            "before": message.original_text,
        }


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "chat_id",
        "kind",
        "text",
        "status",
        "reaction",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["chat_id", "text", "provider_message_id", "topic"]
    readonly_fields = [
        "status",
        "attempts",
        "provider_message_id",
        "last_error",
        "next_attempt_at",
        "unconfirmed_since",
        "sent_at",
        "reaction",
    ]
