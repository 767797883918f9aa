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
