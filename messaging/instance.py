"""The WhatsApp instance's health: is Fixi's WhatsApp number connected? (layer 1)

Two sources report the instance's state: Green API's `stateInstanceChanged` notices
(messaging.events) and a beat job that asks `getStateInstance` every
`BusinessSettings.whatsapp_check_minutes` (`check`), so a disconnection is noticed even
when no notice comes. Both go through `observe`, which keeps the one
`fixi.models.WhatsAppConnection` row the dashboard's alert reads.

An outage is any state but "authorized"; "starting" counts only once it has lasted
STARTING_GRACE (Green API restarts the instance after a settings change, for seconds).
Besides Green API's states, one of Fixi's own: TOKEN_REFUSED, when Green API answers the
check with 401 or 403 (a wrong GREEN_API_TOKEN or GREEN_API_ID). Nothing can be sent with
those credentials, the admin's alert included, so that outage is the dashboard's alone.
The admin (ADMIN_WHATSAPP) is told once per outage and once when it ends. "Once" is a
conditional update on the row (down_since, alerted_at), so two beats or workers that
see the same outage, or a notice and a poll, alert once.

What is honest about that alert: it can only leave through the WhatsApp instance that is
down. It is queued in the outbox at once (a refused send uses up no attempt there) and
leaves when the instance is back, so the dashboard's alert is the only one a manager sees
during the outage. When the outage ends before the alert could leave, the queued alert is
reworded into one message saying when WhatsApp was down and that it works again, instead
of two messages arriving together; when it did leave, a second message says it is back.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fixi import texts
from fixi.models import BusinessSettings, WhatsAppConnection
from fixi.phones import InvalidPhone, chat_id_for
from messaging import greenapi, outbox

log = logging.getLogger(__name__)

AUTHORIZED = "authorized"
STARTING = "starting"
# Green API refused Fixi's credentials: the instance's real state cannot be known.
TOKEN_REFUSED = "unauthorizedToken"  # noqa: S105  (a state's name, not a secret)
CREDENTIALS_STATUSES = {401, 403}
STARTING_GRACE = timedelta(minutes=5)
# The beat fires the check every minute; a check counts as due a little before the
# interval is over, so the one that falls due then is not put off to the next minute.
CHECK_SLACK_SECONDS = 30
ALERT_TOPIC = "instance-state"


def check(now=None) -> str:
    """Ask Green API for the instance's state, at most once per the business settings'
    interval however many beats and workers run this: the check is claimed by moving
    `checked_at` forward with a conditional update, and the interval is read each time."""
    now = now or timezone.now()
    if not greenapi.is_configured():
        return "not configured"
    minutes = BusinessSettings.load().whatsapp_check_minutes
    asked_before = now - timedelta(minutes=minutes) + timedelta(seconds=CHECK_SLACK_SECONDS)
    due = Q(checked_at__isnull=True) | Q(checked_at__lte=asked_before)
    connection = WhatsAppConnection.load()
    if not WhatsAppConnection.objects.filter(due, pk=connection.pk).update(checked_at=now):
        return "not due"
    try:
        state = greenapi.get_state_instance()
    except greenapi.GreenApiError as error:
        if error.status in CREDENTIALS_STATUSES:
            return observe(TOKEN_REFUSED, now, error.reason)
        if not error.instance_down:
            log.warning("could not read the WhatsApp instance's state: %s", error.reason)
            return "unknown"
        state = STARTING if "starting" in error.reason.lower() else "notAuthorized"
    return observe(state, now)


def observe(state: str, at, reason: str = "") -> str:
    """Record the state the instance was in at `at` (a notice's time, or when Fixi asked),
    unless a newer report is already recorded, and tell the admin when an outage starts
    or ends. Returns what happened. `reason` is Green API's answer, for the log."""
    connection = WhatsAppConnection.load()
    changes = {"state": state, "reported_at": at}
    if state != connection.state:
        changes["state_since"] = at
    newer = Q(reported_at__isnull=True) | Q(reported_at__lte=at)
    if not WhatsAppConnection.objects.filter(newer, pk=connection.pk).update(**changes):
        return "stale"
    if connection.state == TOKEN_REFUSED and state != TOKEN_REFUSED:
        connection = _credentials_accepted(connection)
    if state == AUTHORIZED:
        return _connected(connection, at)
    return _disconnected(connection, state, at, reason)


def current() -> WhatsAppConnection | None:
    """The recorded state, for the dashboard; None before any report."""
    connection = WhatsAppConnection.objects.filter(key=WhatsAppConnection.SINGLETON_KEY).first()
    return connection if connection and connection.state else None


def _disconnected(connection: WhatsAppConnection, state: str, at, reason: str = "") -> str:
    rows = WhatsAppConnection.objects.filter(pk=connection.pk)
    rows.filter(down_since__isnull=True).update(down_since=at)
    connection.refresh_from_db()
    if connection.alerted_at is not None:
        return "down"
    if state == STARTING and at - connection.down_since < STARTING_GRACE:
        return "starting"
    claimed = rows.filter(down_since=connection.down_since, alerted_at__isnull=True).update(
        alerted_at=at
    )
    if not claimed:
        return "down"  # another worker is telling the admin
    if state == TOKEN_REFUSED:
        # No alert on WhatsApp: it would be refused like every other send.
        log.error(
            "Green API refuses Fixi's credentials (GREEN_API_TOKEN, GREEN_API_ID) since %s: "
            "%s; nothing can be sent until they are corrected",
            connection.down_since,
            reason or state,
        )
        return "alerted"
    log.error("WhatsApp instance state is %s since %s", state, connection.down_since)
    admin_chat = _admin_chat()
    if admin_chat:
        alert = outbox.queue_text(
            admin_chat, texts.whatsapp_down(state, connection.down_since), topic=ALERT_TOPIC
        )
        rows.filter(alerted_at=at).update(alert_message_id=alert.pk)
    return "alerted"


def _credentials_accepted(connection: WhatsAppConnection) -> WhatsAppConnection:
    """Green API answers Fixi's credentials again. An outage of refused credentials was
    the dashboard's alone and ends here, whatever the instance's state now (a state that
    is an outage starts one of its own, told to the admin); one that followed an outage
    the admin was told of on WhatsApp goes on, so that it ends as such."""
    log.warning("Green API accepts Fixi's credentials again")
    if connection.down_since is None or connection.alert_message_id is not None:
        return connection
    WhatsAppConnection.objects.filter(
        pk=connection.pk, down_since=connection.down_since, alert_message_id__isnull=True
    ).update(down_since=None, alerted_at=None)
    connection.down_since = connection.alerted_at = None
    return connection


def _connected(connection: WhatsAppConnection, at) -> str:
    """`connection` is the row as it was before this report."""
    if connection.down_since is None:
        return "connected"
    ended = WhatsAppConnection.objects.filter(
        pk=connection.pk, down_since=connection.down_since
    ).update(down_since=None, alerted_at=None, alert_message_id=None)
    if not ended:
        return "connected"  # another worker ended this outage
    log.warning("WhatsApp instance is authorized again (was %s)", connection.state)
    if connection.alerted_at is None:
        return "reconnected"  # too short to have been reported: nothing to take back
    admin_chat = _admin_chat()
    if not admin_chat:
        return "reconnected"
    summary = texts.whatsapp_outage_over(connection.state, connection.down_since, at)
    if connection.alert_message_id and outbox.reword_unsent(connection.alert_message_id, summary):
        return "reconnected"
    outbox.queue_text(admin_chat, texts.whatsapp_reconnected(connection.state), topic=ALERT_TOPIC)
    return "reconnected"


def _admin_chat() -> str:
    if not settings.ADMIN_WHATSAPP:
        log.warning("the WhatsApp alert is shown on the dashboard only: ADMIN_WHATSAPP is not set")
        return ""
    try:
        return chat_id_for(settings.ADMIN_WHATSAPP)
    except InvalidPhone:
        log.error("ADMIN_WHATSAPP=%r is not a phone number or chat id", settings.ADMIN_WHATSAPP)
        return ""
