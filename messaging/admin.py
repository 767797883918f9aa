from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import display

from fixi.links import safe_url
from fixi.phone_admin import PhoneAdminMixin, phone_column
from messaging import inbox, outbox, simulator
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState

SIMULATED_BADGE = "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400"
LINK_CLASS = "text-primary-600 dark:text-primary-500 underline"


def link_or_text(url: str) -> str:
    """A stored URL as a link when it is safe to follow, else as plain text.

    unfold shows a read-only URLField as a link to whatever it holds, `javascript:`
    included, so the admin shows stored URLs through this instead."""
    href = safe_url(url)
    if not href:
        return url or "-"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer" class="{}">{}</a>',
        href,
        LINK_CLASS,
        url,
    )


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


def _report(modeladmin, request, taken: list, chosen: int, done: str, left: str, change) -> None:
    """Tell the manager how many rows the action took, and how many it left as they were
    (not failed, or taken by someone else meanwhile); each row taken gets `change` in its
    history."""
    for row in modeladmin.model.objects.filter(pk__in=taken):
        modeladmin.log_change(request, row, str(change))
    parts = [done % {"count": len(taken)}]
    if chosen > len(taken):
        parts.append(left % {"count": chosen - len(taken)})
    level = messages.SUCCESS if taken else messages.WARNING
    modeladmin.message_user(request, " ".join(parts), level)


def _with_phone(fields: list[str]) -> list[str]:
    """The fields with the chat's number (and its WhatsApp link) after the chat id."""
    at = fields.index("chat_id") + 1
    return [*fields[:at], "whatsapp", *fields[at:]]


@admin.register(InboundMessage)
class InboundMessageAdmin(PhoneAdminMixin, ModelAdmin):
    list_display = [
        "created_at",
        "whatsapp",
        "sender_name",
        "kind",
        "subtype",
        "text_as_now",
        "reaction",
        "state",
        "source",
    ]
    list_filter = ["kind", "subtype", "state", SourceFilter, "webhook_type"]
    actions = ["process_again"]
    search_fields = ["chat_id", "sender_name", "text", "original_text", "provider_message_id"]
    phone_search_fields = ("chat_id",)  # the number as shown, or in any spelling
    # Every field read-only, the media link through link_or_text in its place.
    exclude = ["media_url"]
    readonly_fields = _with_phone(
        [
            "source",
            *(
                "media_link" if f.name == "media_url" else f.name
                for f in InboundMessage._meta.fields
            ),
        ]
    )

    whatsapp = phone_column("chat_id", _("chat"))

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Process the failed messages again"), permissions=["change"])
    def process_again(self, request, queryset):
        """Failed messages only: one waiting, being processed or done is not touched."""
        chosen = list(queryset.values_list("pk", "state"))
        failed = [pk for pk, state in chosen if state == ProcessingState.FAILED]
        taken = inbox.retry_failed(failed)
        count = len(taken)
        left = len(chosen) - count
        _report(
            self,
            request,
            taken,
            len(chosen),
            ngettext(
                "%(count)d failed message will be processed again.",
                "%(count)d failed messages will be processed again.",
                count,
            ),
            ngettext(
                "%(count)d was not failed and was left as it is.",
                "%(count)d were not failed and were left as they are.",
                left,
            ),
            _("Processed again from the list of inbound messages."),
        )

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

    @display(description=_("media link"))
    def media_link(self, message: InboundMessage) -> str:
        return link_or_text(message.media_url)

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
class OutboundMessageAdmin(PhoneAdminMixin, ModelAdmin):
    list_display = [
        "created_at",
        "whatsapp",
        "kind",
        "text",
        "status",
        "reaction",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    actions = ["send_again"]
    # last_error too: after a token change a manager finds the 401s to send again.
    search_fields = ["chat_id", "text", "provider_message_id", "topic", "last_error"]
    phone_search_fields = ("chat_id",)
    readonly_fields = [
        "whatsapp",
        "status",
        "attempts",
        "provider_message_id",
        "last_error",
        "next_attempt_at",
        "unconfirmed_since",
        "sent_at",
        "reaction",
    ]

    def _view_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    # Staff who may only look see every field read-only, the file link through
    # link_or_text; an editable one is Django's URL widget, which links only a valid URL.
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "file_link"] if self._view_only(request, obj) else fields

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "whatsapp"]
        fields = _with_phone(fields) if "chat_id" in fields else fields
        if not self._view_only(request, obj):
            return fields
        return ["file_link" if f == "file_url" else f for f in fields if f != "file_link"]

    whatsapp = phone_column("chat_id", _("chat"))

    @admin.action(description=_("Send the failed messages again"), permissions=["change"])
    def send_again(self, request, queryset):
        """Failed rows only: a row queued, being sent or sent is not touched."""
        chosen = list(queryset.values_list("pk", "status"))
        failed = [pk for pk, status in chosen if status == OutboundStatus.FAILED]
        taken = outbox.resend_failed(failed)
        count = len(taken)
        left = len(chosen) - count
        _report(
            self,
            request,
            taken,
            len(chosen),
            ngettext(
                "%(count)d failed message will be sent again.",
                "%(count)d failed messages will be sent again.",
                count,
            ),
            ngettext(
                "%(count)d was not failed and was left as it is.",
                "%(count)d were not failed and were left as they are.",
                left,
            ),
            _("Sent again from the list of outbound messages."),
        )

    @display(description=_("file link"))
    def file_link(self, message: OutboundMessage) -> str:
        return link_or_text(message.file_url)
