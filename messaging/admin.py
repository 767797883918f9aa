from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from messaging import simulator
from messaging.models import InboundMessage, OutboundMessage

SIMULATED_BADGE = "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400"


class SourceFilter(admin.SimpleListFilter):
    """Messages typed in the simulator apart from those WhatsApp delivered."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("simulator", _("Simulator")), ("whatsapp", _("WhatsApp"))]

    def queryset(self, request, queryset):
        simulated = {"provider_message_id__startswith": simulator.ID_PREFIX}
        if self.value() == "simulator":
            return queryset.filter(**simulated)
        if self.value() == "whatsapp":
            return queryset.exclude(**simulated)
        return queryset


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
        "source",
    ]
    list_filter = ["kind", "subtype", "state", SourceFilter, "webhook_type"]
    search_fields = ["chat_id", "sender_name", "text", "original_text", "provider_message_id"]
    readonly_fields = ["source", *(f.name for f in InboundMessage._meta.fields)]

    def has_add_permission(self, request):
        return False

    @display(description=_("source"))
    def source(self, message: InboundMessage) -> str:
        """Typed in the simulator, or delivered by WhatsApp: with Green API configured and
        SIMULATOR_ENABLED=1 both reach the same workers."""
        if simulator.is_simulated(message.provider_message_id):
            return format_html(
                '<span data-source="simulator" class="inline-block font-semibold '
                'rounded-default text-[11px] uppercase whitespace-nowrap h-6 leading-6 px-2 {}">'
                "{}</span>",
                SIMULATED_BADGE,
                _("Simulator"),
            )
        return format_html('<span data-source="whatsapp">{}</span>', _("WhatsApp"))

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
