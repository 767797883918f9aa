"""factory-boy factories for Fixi's models."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from fixi.vocabulary import IssueType
from leads.models import Customer, Lead, LeadStatus
from messaging.models import InboundMessage, MessageKind
from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea
from scheduling.models import Slot


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"city-{n}")
    name_he = factory.Sequence(lambda n: f"עיר {n}")
    name_en = factory.Sequence(lambda n: f"City {n}")


class ProFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pro
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pro {n}")
    phone = factory.Sequence(lambda n: f"05{n % 10}{1000000 + n:07d}")
    rating = 4.5
    review_count = 20

    @factory.post_generation
    def trades(self, create, extracted, **kwargs):
        for trade in extracted or []:
            ProTrade.objects.create(pro=self, trade=trade)

    @factory.post_generation
    def cities(self, create, extracted, **kwargs):
        for city in extracted or []:
            ServiceArea.objects.create(pro=self, city=city)


class PriceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceItem

    pro = factory.SubFactory(ProFactory)
    service = "Service call"
    price = Decimal("250.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    chat_id = factory.Sequence(lambda n: f"97250{2000000 + n:07d}@c.us")
    phone = factory.LazyAttribute(lambda c: c.chat_id.split("@")[0])
    name = "Dana Levi"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    customer = factory.SubFactory(CustomerFactory)
    status = LeadStatus.NEW
    issue_type = IssueType.PLUMBING
    description = "Leaking pipe under the kitchen sink"


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    pro = factory.SubFactory(ProFactory)
    start = factory.Sequence(
        lambda n: (
            timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=24 + n)
        )
    )
    end = factory.LazyAttribute(lambda s: s.start + dt.timedelta(hours=1))


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMessage

    webhook_type = "incomingMessageReceived"
    provider_message_id = factory.Sequence(lambda n: f"BAE5{n:012X}")
    chat_id = "972501234567@c.us"
    sender_name = "Dana Levi"
    kind = MessageKind.TEXT
    text = "יש לי נזילה בכיור בחיפה"
    raw = factory.LazyAttribute(
        lambda m: {"typeWebhook": m.webhook_type, "idMessage": m.provider_message_id}
    )
