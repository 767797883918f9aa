"""A send Green API keeps refusing ends as a failed row a manager can find, with why."""

import pytest

from messaging import outbox
from messaging.models import OutboundMessage, OutboundStatus

pytestmark = pytest.mark.django_db
CHAT = "972501234567@c.us"


def test_a_send_that_keeps_failing_shows_as_failed_with_the_reason(fake_green_api, admin_client):
    fake_green_api.fail_next("sendMessage", 503, times=outbox.MAX_ATTEMPTS)
    row = outbox.queue_text(CHAT, "הטכנאי בדרך")

    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(outbox.send(row.pk).result)
        OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=None)  # due now

    assert results[-1] == "failed"
    assert len(fake_green_api.calls("sendMessage")) == outbox.MAX_ATTEMPTS
    page = admin_client.get(
        "/admin/messaging/outboundmessage/", {"status__exact": OutboundStatus.FAILED}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "הטכנאי בדרך" in html
    assert f"gave up after {outbox.MAX_ATTEMPTS} attempts" in html
    assert "503" in html
