import pytest


@pytest.fixture
def business_settings(db):
    from fixi.models import BusinessSettings

    return BusinessSettings.load()


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-For-tests-1")
    client.force_login(user)
    return client


@pytest.fixture
def broker_queue(settings):
    """What has been published to the (test-private) embedded broker: [(task, args)],
    once the webhook's publisher thread has sent what it was handed."""
    import base64
    import json

    from messaging.publisher import publisher

    folder = settings.BROKER_QUEUE_DIR
    publisher.flush(timeout=10)
    for stale in folder.iterdir():
        stale.unlink()

    def published() -> list[tuple[str, list]]:
        assert publisher.flush(timeout=10), "the publisher did not finish within 10 s"
        found = []
        for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            message = json.loads(path.read_text())
            body = json.loads(base64.b64decode(message["body"]))
            found.append((message["headers"]["task"], body[0]))
        return found

    return published


from tests.fakes.gemini import fake_gemini  # noqa: E402, F401  (fixture)
from tests.fakes.green_api import fake_green_api  # noqa: E402, F401  (fixture)
