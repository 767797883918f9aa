from django.contrib import admin
from unfold.admin import ModelAdmin

from messaging.models import InboundMessage, OutboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(ModelAdmin):
    list_display = ["created_at", "chat_id", "sender_name", "kind", "text", "state"]
    list_filter = ["kind", "state", "webhook_type"]
    search_fields = ["chat_id", "sender_name", "text", "provider_message_id"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ModelAdmin):
    list_display = ["created_at", "chat_id", "kind", "text", "status", "attempts", "last_error"]
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
    ]
