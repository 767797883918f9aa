import pytest
from django.db import IntegrityError

from pros.models import Pro, ProTrade
from tests.factories import CityFactory, ProFactory


@pytest.mark.django_db
def test_pro_phone_is_stored_normalised_with_its_chat_id():
    pro = Pro.objects.create(name="יוסי כהן", phone="052-555 0101")

    assert pro.phone == "972525550101"
    assert pro.chat_id == "972525550101@c.us"


@pytest.mark.django_db
def test_trades_and_cities_are_queryable_rows():
    haifa = CityFactory(slug="haifa", name_en="Haifa", name_he="חיפה")
    plumber = ProFactory(trades=["plumbing"], cities=[haifa])
    ProFactory(trades=["electrical"], cities=[haifa])

    found = Pro.objects.filter(trades__trade="plumbing", service_areas__city__slug="haifa")

    assert list(found) == [plumber]
    assert plumber.trade_keys == ["plumbing"]


@pytest.mark.django_db
def test_a_trade_is_listed_once_per_pro():
    pro = ProFactory(trades=["hvac"])

    with pytest.raises(IntegrityError):
        ProTrade.objects.create(pro=pro, trade="hvac")
