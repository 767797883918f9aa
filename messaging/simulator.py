"""The WhatsApp simulator: staff hold a whole conversation with Fixi without WhatsApp.

What is typed here becomes a Green API-shaped `incomingMessageReceived` webhook and goes
through `messaging.inbox.ingest`, the path the authenticated webhook takes, so the
workers cannot tell it from real traffic. Fixi's answers are the outbox rows; without
Green API credentials the simulator transport marks them sent with a `sim-` id.

It shows every conversation and posts as any pro or customer, so it takes the
`messaging.use_simulator` permission, not just staff. With Green API configured a simulated
message reaches the real workers and their answers go out on WhatsApp, so sending is off
unless SIMULATOR_ENABLED=1; its messages carry ids starting with ID_PREFIX, which the inbound
message admin marks as simulated.

An entry point: it reads leads and pros only to put names on the chats.
"""

import datetime as dt
import json
import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fixi.phones import InvalidPhone, chat_id_for, national
from leads.models import Customer
from messaging import greenapi, inbox
from messaging.models import InboundMessage, OutboundMessage
from messaging.payloads import INCOMING
from pros.models import Pro

PERMISSION = "messaging.use_simulator"
# Simulated messages' ids start with it; WhatsApp's ids are hexadecimal, so never do.
ID_PREFIX = "SIM"
# Fixi's own side of the simulated chats, as Green API names an instance in a webhook.
SIMULATOR_INSTANCE = {"idInstance": 0, "wid": "972000000000@c.us", "typeInstance": "whatsapp"}
MAX_TEXT = 20_000  # Green API's limit for one message
MAX_NAME = 120
MESSAGE_LIMIT = 200  # messages a conversation shows
UPDATE_LIMIT = 50  # recent messages whose status a poll refreshes
CHAT_LIMIT = 30
DEMO_PRO_LIMIT = 8
# A row's created_at is set before its transaction commits, so a poll can miss a row
# stamped just before the last cursor; polls look back this far and the page de-duplicates.
CURSOR_OVERLAP = timedelta(seconds=10)


class BadRequest(ValueError):
    """Input the simulator refuses, with a reason the page shows."""


# --- Payload builders (pure) --------------------------------------------------------------


def incoming_payload(
    chat_id: str, sender_name: str, message_data: dict, *, message_id: str, timestamp: int
) -> dict:
    """The `incomingMessageReceived` envelope Green API posts for a private chat."""
    return {
        "typeWebhook": INCOMING,
        "instanceData": dict(SIMULATOR_INSTANCE),
        "timestamp": timestamp,
        "idMessage": message_id,
        "senderData": {
            "chatId": chat_id,
            "sender": chat_id,
            "chatName": sender_name,
            "senderName": sender_name,
            "senderContactName": "",
        },
        "messageData": message_data,
    }


def text_payload(
    chat_id: str, sender_name: str, text: str, *, message_id: str, timestamp: int
) -> dict:
    data = {"typeMessage": "textMessage", "textMessageData": {"textMessage": text}}
    return incoming_payload(chat_id, sender_name, data, message_id=message_id, timestamp=timestamp)


def button_payload(
    chat_id: str,
    sender_name: str,
    *,
    button_id: str,
    button_text: str,
    selected_index: int,
    quoted_message_id: str,
    message_id: str,
    timestamp: int,
) -> dict:
    """A quick-reply press; `selected_index` counts from 0, as Green API's does."""
    data = {
        "typeMessage": "interactiveButtonsResponse",
        "interactiveButtonsResponse": {
            "stanzaId": quoted_message_id,
            "selectedIndex": selected_index,
            "selectedId": button_id,
            "selectedDisplayText": button_text,
        },
    }
    return incoming_payload(chat_id, sender_name, data, message_id=message_id, timestamp=timestamp)


def new_message_id() -> str:
    """Unique like a WhatsApp id, and recognisable as simulated in the admin."""
    return f"{ID_PREFIX}{uuid.uuid4().hex.upper()}"


def is_simulated(provider_message_id: str) -> bool:
    return provider_message_id.startswith(ID_PREFIX)


def sending_off_reason() -> str:
    """Why the simulator may not send now, or '' when it may."""
    if greenapi.is_configured() and not settings.SIMULATOR_ENABLED:
        return _(
            "Sending is off: Green API is configured, so a simulated message would be handled "
            "like a real one and Fixi's replies would go out on WhatsApp to real people. "
            "Conversations can still be read. To send anyway, set SIMULATOR_ENABLED=1; "
            "simulated messages are then marked as such in the inbound messages."
        )
    return ""


# --- Input ----------------------------------------------------------------------------------


def private_chat_id(raw) -> str:
    """The chat id of a typed phone number in any common spelling (054-1234567,
    +972 54..., 00972..., +44 ...) or a chat id. A landline is accepted: a simulated
    customer may be a business whose WhatsApp is on one."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest("phone is missing")
    try:
        chat_id = chat_id_for(raw)
    except InvalidPhone as error:
        raise BadRequest(str(error)) from None
    if not chat_id.endswith("@c.us"):
        raise BadRequest("the simulator speaks in private chats only, not groups")
    return chat_id


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object")
    return body


def _string(body: dict, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value.strip()


def _payload_for(body: dict, chat_id: str, name: str) -> dict:
    stamp = {"message_id": new_message_id(), "timestamp": int(timezone.now().timestamp())}
    button_id = _string(body, "button_id")
    if button_id:
        return _press(chat_id, name, button_id, _string(body, "quoted_message_id"), stamp)
    text = _string(body, "text")
    if not text:
        raise BadRequest("text is empty")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"text is longer than {MAX_TEXT} characters")
    return text_payload(chat_id, name, text, **stamp)


def _press(chat_id: str, name: str, button_id: str, quoted: str, stamp: dict) -> dict:
    """A press on a button Fixi sent to this chat; the button's text comes from the row."""
    if not quoted:
        raise BadRequest("quoted_message_id is missing (the message has not been sent yet)")
    row = OutboundMessage.objects.filter(chat_id=chat_id, provider_message_id=quoted).first()
    if row is None:
        raise BadRequest(f"no message {quoted!r} was sent to this chat")
    ids = [button.get("id") for button in row.buttons]
    if button_id not in ids:
        raise BadRequest(f"message {quoted!r} has no button {button_id!r}")
    index = ids.index(button_id)
    return button_payload(
        chat_id,
        name,
        button_id=button_id,
        button_text=row.buttons[index].get("text", ""),
        selected_index=index,
        quoted_message_id=quoted,
        **stamp,
    )


def _after(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        raise BadRequest(f"after={raw!r} is not an ISO date and time")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


# --- Output ---------------------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> str:
    """Fixed width UTC, so the page can compare cursors as strings."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _clock(moment: dt.datetime) -> dict:
    """Shown in the project's time zone (Asia/Jerusalem unless TIME_ZONE says otherwise)."""
    local = timezone.localtime(moment)
    return {
        "created_at": _stamp(moment),
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%Y-%m-%d"),
    }


def local_phone(chat_id: str) -> str:
    """'972541234567@c.us' -> '054-123-4567'; other countries in international form."""
    return national(chat_id)


INBOUND_FIELDS = ["id", "kind", "text", "button_id", "state", "error", "created_at"]
OUTBOUND_FIELDS = [
    "id",
    "kind",
    "text",
    "buttons",
    "file_name",
    "status",
    "provider_message_id",
    "last_error",
    "created_at",
]


def _inbound_item(row: dict) -> dict:
    return {**row, "id": str(row["id"]), "direction": "in", **_clock(row["created_at"])}


def _outbound_item(row: dict) -> dict:
    return {**row, "id": str(row["id"]), "direction": "out", **_clock(row["created_at"])}


def _conversation_rows(chat_id: str):
    inbound = InboundMessage.objects.filter(chat_id=chat_id, webhook_type=INCOMING)
    return inbound, OutboundMessage.objects.filter(chat_id=chat_id)


def conversation(chat_id: str, after: dt.datetime | None = None) -> dict:
    """The chat's last messages, oldest first; with `after`, only the newer ones plus the
    current status of the recent ones (statuses change after a message is shown)."""
    inbound, outbound = _conversation_rows(chat_id)
    if after is not None:
        since = after - CURSOR_OVERLAP
        inbound = inbound.filter(created_at__gt=since)
        outbound = outbound.filter(created_at__gt=since)
    items = [
        _inbound_item(row)
        for row in inbound.order_by("-created_at").values(*INBOUND_FIELDS)[:MESSAGE_LIMIT]
    ] + [
        _outbound_item(row)
        for row in outbound.order_by("-created_at").values(*OUTBOUND_FIELDS)[:MESSAGE_LIMIT]
    ]
    items.sort(key=lambda item: (item["created_at"], item["direction"] == "out"))
    items = items[-MESSAGE_LIMIT:]
    cursor = items[-1]["created_at"] if items else (_stamp(after) if after else "")
    result = {"messages": items, "cursor": cursor}
    if after is not None:
        result["updates"] = status_updates(chat_id)
    return result


def status_updates(chat_id: str) -> list[dict]:
    """Where the chat's recent messages stand now: Fixi's ticks, and the workers' progress
    on what was typed here."""
    inbound, outbound = _conversation_rows(chat_id)
    recent_in = inbound.order_by("-created_at").values("id", "state", "error")[:UPDATE_LIMIT]
    recent_out = outbound.order_by("-created_at").values(
        "id", "status", "provider_message_id", "last_error"
    )[:UPDATE_LIMIT]
    return [{**row, "id": str(row["id"])} for row in [*recent_in, *recent_out]]


def _latest_by_chat(queryset) -> list[tuple[str, dt.datetime]]:
    rows = (
        queryset.exclude(chat_id="")
        .values("chat_id")
        .annotate(last=Max("created_at"))
        .order_by("-last")[:CHAT_LIMIT]
    )
    return [(row["chat_id"], row["last"]) for row in rows]


def _admin_chat_id() -> str:
    try:
        return chat_id_for(settings.ADMIN_WHATSAPP) if settings.ADMIN_WHATSAPP else ""
    except InvalidPhone:
        return ""


def recent_chats() -> list[dict]:
    """Chats with the newest message first, named after the pro or customer behind them."""
    latest: dict[str, dt.datetime] = {}
    for queryset in (
        InboundMessage.objects.filter(webhook_type=INCOMING),
        OutboundMessage.objects.all(),
    ):
        for chat_id, last in _latest_by_chat(queryset):
            latest[chat_id] = max(last, latest.get(chat_id, last))
    ordered = sorted(latest.items(), key=lambda item: item[1], reverse=True)[:CHAT_LIMIT]
    chat_ids = [chat_id for chat_id, _ in ordered]
    pros = dict(Pro.objects.filter(chat_id__in=chat_ids).values_list("chat_id", "name"))
    customers = dict(Customer.objects.filter(chat_id__in=chat_ids).values_list("chat_id", "name"))
    admin_chat = _admin_chat_id()
    return [_chat_item(chat_id, last, pros, customers, admin_chat) for chat_id, last in ordered]


def _chat_item(chat_id, last, pros, customers, admin_chat) -> dict:
    if chat_id in pros:
        role, name = "pro", pros[chat_id]
    elif chat_id == admin_chat:
        role, name = "admin", ""
    elif chat_id in customers:
        role, name = "customer", customers[chat_id]
    else:
        role, name = "", ""
    return {
        "chat_id": chat_id,
        "phone": local_phone(chat_id),
        "name": name,
        "role": role,
        **_clock(last),
    }


def chat_identity(chat_id: str) -> dict:
    pro = Pro.objects.filter(chat_id=chat_id).values("name").first()
    if pro:
        return {
            "chat_id": chat_id,
            "phone": local_phone(chat_id),
            "name": pro["name"],
            "role": "pro",
        }
    customer = Customer.objects.filter(chat_id=chat_id).values("name").first()
    role = "customer" if customer else ""
    name = customer["name"] if customer else ""
    return {"chat_id": chat_id, "phone": local_phone(chat_id), "name": name, "role": role}


def demo_pros() -> list[dict]:
    """Active pros to 'switch to their phone' with one click."""
    pros = (
        Pro.objects.filter(active=True)
        .order_by("-rating", "name")
        .prefetch_related("trades")[:DEMO_PRO_LIMIT]
    )
    return [
        {
            "chat_id": pro.chat_id,
            "phone": local_phone(pro.chat_id),
            "name": pro.name,
            "trades": [str(trade.get_trade_display()) for trade in pro.trades.all()],
        }
        for pro in pros
    ]


def _refuse(error: BadRequest) -> JsonResponse:
    return JsonResponse({"error": str(error)}, status=400)


# --- Views ----------------------------------------------------------------------------------


def simulator_user(view):
    """Staff holding the simulator permission (superusers do); anonymous visitors go to the
    admin login, other users get 403."""

    @staff_member_required
    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check


@never_cache
@simulator_user
@require_GET
def index(request):
    try:
        opened = private_chat_id(request.GET["chat"]) if request.GET.get("chat") else ""
    except BadRequest:
        opened = ""
    sending_off = sending_off_reason()
    boot = {
        "chats": recent_chats(),
        "pros": demo_pros(),
        "opened": chat_identity(opened) if opened else None,
        "poll_ms": 1500,
        "sending": not sending_off,
    }
    return render(request, "simulator/index.html", {"boot": boot, "sending_off": sending_off})


@never_cache
@simulator_user
@require_POST
def send(request):
    """One message typed (or button pressed) on the simulated phone, as a webhook."""
    if reason := sending_off_reason():
        return JsonResponse({"error": reason}, status=403)
    try:
        body = _json_body(request)
        chat_id = private_chat_id(body.get("phone"))
        payload = _payload_for(body, chat_id, _string(body, "name")[:MAX_NAME])
    except BadRequest as error:
        return _refuse(error)
    result = inbox.ingest(payload)
    return JsonResponse(
        {"status": result.outcome, "chat_id": chat_id, "id": str(result.inbound_id or "")}
    )


@never_cache
@simulator_user
@require_GET
def messages(request):
    """The open chat's messages (newer than `after` when given) and the chat list."""
    try:
        raw_chat = request.GET.get("chat_id", "")
        chat_id = private_chat_id(raw_chat) if raw_chat else ""
        after = _after(request.GET.get("after"))
    except BadRequest as error:
        return _refuse(error)
    data = {"chats": recent_chats()}
    if chat_id:
        data["chat"] = chat_identity(chat_id)
        data.update(conversation(chat_id, after))
    return JsonResponse(data)
