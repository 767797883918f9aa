"""Arabic and Russian customers, end to end, as a worker handles each message.

Every conversation runs through process_inbound (what the webhook's task and the simulator
run), on both database lanes. Each asserts that every message the customer gets is in the
customer's language (most of its letters in its script, and the phrases expected there),
that Arabic lines read right-to-left, and that every message the pro gets is Hebrew: a
Hebrew summary of the job beside the customer's own words. The offline reader understands
these messages; the Gemini conversations run the real SDK against the fake Gemini.
"""

import datetime as dt
import unicodedata
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ai import persona, prompts
from fixi import texts
from fixi.vocabulary import language_of
from leads import monitors
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.models import Customer, Lead, LeadStatus
from messaging import inbox
from messaging.models import OutboundKind, OutboundMessage
from pros.models import Pro
from scheduling.models import Slot
from tests.factories import CityFactory, PriceItemFactory, ProFactory, SlotFactory
from tests.fakes import gemini as fakes
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

CUSTOMER = shapes.CUSTOMER
LANGUAGES = ["ar", "ru"]

# What each customer writes, and the phrases Fixi's answers must hold, per language.
SAYS = {
    "ar": SimpleNamespace(
        job="عندي تسريب مي تحت المجلى في حيفا، شارع هرتسل 10، بكرا الساعة 10",
        hello="مرحبا",
        issue="عندي تسريب مي تحت المجلى",
        city="حيفا",
        address="شارع هرتسل 10",
        when="بكرا الساعة 10",
        far_job="عندي تسريب مي تحت المجلى في إيلات، شارع هتمار 5، بكرا الساعة 10",
        cancel="إلغاء",
        price="قديش السعر؟",
        thanks="شكرا",
        two="٢",
        five="٥",
        confirm="تأكيد",
        flood="انفجرت ماسورة والمي عم تطوف بالبيت! حيفا شارع هرتسل 10",
        language_he="ערבית",
    ),
    "ru": SimpleNamespace(
        job="У меня течёт кран на кухне, Хайфа, ул. Герцля 10, завтра в 10",
        hello="Здравствуйте",
        issue="У меня течёт кран на кухне",
        city="Хайфа",
        address="ул. Герцля 10",
        when="завтра в 10",
        far_job="У меня течёт кран на кухне, Эйлат, ул. Хатмарим 5, завтра в 10",
        cancel="отмена",
        price="Сколько стоит?",
        thanks="Спасибо!",
        two="2",
        five="5",
        confirm="Подтвердить",
        flood="Прорвало трубу, квартиру заливает! Хайфа, ул. Герцля 10",
        language_he="רוסית",
    ),
}
HEARS = {
    "ar": SimpleNamespace(
        received="شكرًا Dana!",
        asked_pro="طلبنا من Yossi Cohen تأكيد الموعد يوم",
        ask_issue="ما الذي يحتاج إلى تصليح؟",
        ask_city="في أي مدينة أنتم؟",
        ask_address="ما هو العنوان؟",
        ask_time="متى يناسبكم؟",
        confirmed="✅ تم الحجز! موعد زيارة Yossi Cohen يوم",
        how_to_cancel="«إلغاء»",
        cancelled="تم إلغاء طلبكم",
        on_the_way="في الطريق إليكم",
        rate="ردّوا برقم من 1 (سيئ) إلى 5 (ممتاز)",
        rated="شكرًا على التقييم",
        prices="أسعار Yossi Cohen",
        times="هذه أقرب المواعيد المتاحة",
        by_number="يمكنكم أيضًا الرد برقم:",
        no_pro="لا يوجد فني متاح في منطقتكم",
        welcome="العفو",
        call="لا نستقبل مكالمات على هذا الرقم",
        reminder="⏰ تذكير: بعد ساعتين تقريبًا – Yossi Cohen",
        see_you="نراكم في الموعد",
        flood_tip="أغلقوا محبس المياه الرئيسي",
        template="وصلتنا رسالتكم إلى Yossi Cohen",
        voice="أهلًا! معكم مساعد Yossi Cohen، يسعدنا مساعدتكم. هذه الأسعار:",
    ),
    "ru": SimpleNamespace(
        received="Спасибо, Dana!",
        asked_pro="Мы попросили мастера Yossi Cohen подтвердить визит",
        ask_issue="Что нужно починить?",
        ask_city="В каком Вы городе?",
        ask_address="Какой адрес?",
        ask_time="Когда Вам удобно?",
        confirmed="✅ Записали! Мастер Yossi Cohen приедет по адресу",
        how_to_cancel="«отмена»",
        cancelled="Ваша заявка отменена",
        on_the_way="уже едет к Вам",
        rate="Ответьте цифрой от 1 (плохо) до 5 (отлично)",
        rated="Спасибо за оценку",
        prices="Цены мастера Yossi Cohen",
        times="Вот ближайшее свободное время",
        by_number="Можно также ответить цифрой:",
        no_pro="сейчас в Вашем районе нет свободного мастера",
        welcome="Пожалуйста!",
        call="Мы не принимаем звонки на этот номер",
        reminder="⏰ Напоминание: примерно через два часа – Yossi Cohen",
        see_you="до встречи",
        flood_tip="перекройте главный кран воды",
        template="Мы получили Ваше сообщение для мастера Yossi Cohen",
        voice="Здравствуйте! Это помощник мастера Yossi Cohen, будем рады помочь. Вот цены:",
    ),
}


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def say(body: str, chat_id: str = CUSTOMER) -> str:
    return deliver(shapes.text(body, chat_id=chat_id))


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def slot(pro, start):
    return SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))


@pytest.fixture
def plumber():
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(
        name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
    )
    PriceItemFactory(pro=pro, service="ביקור טכנאי", price=Decimal("250"))
    PriceItemFactory(pro=pro, service="Drain unblocking", price=Decimal("380"))
    slot(pro, tomorrow_at(10))
    return pro


def to(chat_id) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(chat_id=chat_id).order_by("created_at"))


def last_to(chat_id) -> str:
    return to(chat_id)[-1].text


def direction_of(line: str) -> str:
    kinds = (unicodedata.bidirectional(c) for c in line)
    return next((kind for kind in kinds if kind in ("L", "R", "AL")), "")


def assert_in_language(language: str) -> list[str]:
    """Every message the customer got is in `language`, line by line in its direction."""
    sent = [message.text for message in to(CUSTOMER)]
    assert sent
    for text in sent:
        assert language_of(text) == language, text
        for line in filter(None, text.split("\n")):
            if language == "ar":
                assert direction_of(line) in ("R", "AL"), line
            else:
                assert direction_of(line) in ("L", ""), line
    return sent


def assert_pro_reads_hebrew(pro) -> list[str]:
    sent = [message.text for message in to(pro.chat_id)]
    assert sent
    for text in sent:
        assert language_of(text) == "he", text
    return sent


def book(language: str, pro) -> Lead:
    """The customer's job in one message, approved by the pro."""
    assert say(SAYS[language].job) == Outcome.ASKED_PRO
    lead = Lead.objects.get()
    press = shapes.interactive_reply(
        selected_id=f"approve:{lead.pk}", text="אשר", chat_id=pro.chat_id
    )
    assert deliver(press) == "approved"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.BOOKED
    return lead


# --- the offline reader -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_message_asks_the_pro_who_reads_a_hebrew_summary_and_the_customers_words(
    plumber, language
):
    says, hears = SAYS[language], HEARS[language]

    assert say(says.job) == Outcome.ASKED_PRO

    lead = Lead.objects.get()
    assert lead.language == language and lead.pro == plumber
    assert Customer.objects.get().language == language
    (reply,) = assert_in_language(language)
    assert reply.startswith(hears.received) and hears.asked_pro in reply
    (offer,) = assert_pro_reads_hebrew(plumber)
    assert "תיאור: אינסטלציה · נזילה · חיפה" in offer
    assert f"במילים של הלקוח/ה ({says.language_he}): {says.job}" in offer
    assert "1 - אשר" in offer and "10:00" in offer


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_conversation_in_pieces_is_asked_one_thing_at_a_time_in_its_language(plumber, language):
    says, hears = SAYS[language], HEARS[language]

    assert say(says.hello) == Outcome.ASKED
    assert hears.ask_issue in last_to(CUSTOMER)
    assert say(says.issue) == Outcome.ASKED
    assert hears.ask_city in last_to(CUSTOMER)
    assert say(says.city) == Outcome.ASKED
    assert hears.ask_address in last_to(CUSTOMER)
    assert say(says.address) == Outcome.ASKED
    assert hears.ask_time in last_to(CUSTOMER)
    assert say(says.when) == Outcome.ASKED_PRO

    assert hears.asked_pro in last_to(CUSTOMER)
    assert_in_language(language)
    (offer,) = assert_pro_reads_hebrew(plumber)
    assert "תיאור: אינסטלציה · נזילה" in offer and says.issue in offer


@pytest.mark.parametrize("language", LANGUAGES)
def test_approval_confirms_with_the_prices_and_how_to_cancel(plumber, language):
    hears = HEARS[language]

    book(language, plumber)

    confirmation = last_to(CUSTOMER)
    assert confirmation.startswith(hears.confirmed) and hears.how_to_cancel in confirmation
    assert "• ביקור טכנאי: ₪250" in confirmation and "• Drain unblocking: ₪380" in confirmation
    assert_in_language(language)
    assert "טלפון" in assert_pro_reads_hebrew(plumber)[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_customer_cancels_in_their_words_and_the_pro_is_told_in_hebrew(plumber, language):
    lead = book(language, plumber)

    assert say(SAYS[language].cancel) == Outcome.CANCELLED

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CANCELLED
    assert Slot.objects.get(pro=plumber).lead is None
    assert HEARS[language].cancelled in last_to(CUSTOMER)
    assert_in_language(language)
    assert "בוטלה על ידי הלקוח" in assert_pro_reads_hebrew(plumber)[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_the_way_done_and_a_rating_in_digits_are_answered_in_the_customers_language(
    plumber, language
):
    says, hears = SAYS[language], HEARS[language]
    lead = book(language, plumber)

    assert say("בדרך", chat_id=plumber.chat_id) == "on_the_way"
    assert hears.on_the_way in last_to(CUSTOMER)
    assert say("סיימתי", chat_id=plumber.chat_id) == "completed"
    assert hears.rate in last_to(CUSTOMER)
    # No letters in "5" or "٥": answered in the language the customer wrote last.
    assert say(says.five) == "rated"

    assert Lead.objects.get(pk=lead.pk).customer_rating == 5
    assert hears.rated in last_to(CUSTOMER)
    assert_in_language(language)
    assert_pro_reads_hebrew(plumber)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_price_question_gets_the_pros_price_list_from_the_database(plumber, language):
    book(language, plumber)

    assert say(SAYS[language].price) == Outcome.ANSWERED

    answer = last_to(CUSTOMER)
    assert HEARS[language].prices in answer and "₪250" in answer and "₪380" in answer
    assert_in_language(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_taken_time_offers_numbered_times_that_read_in_the_customers_direction(plumber, language):
    says, hears = SAYS[language], HEARS[language]
    Slot.objects.filter(pro=plumber).delete()
    for hour in (8, 12, 14, 16):
        slot(plumber, tomorrow_at(hour))

    assert say(says.job) == Outcome.OFFERED_SLOTS

    offer = to(CUSTOMER)[-1]
    assert offer.kind == OutboundKind.BUTTONS
    labels = [button["text"] for button in offer.buttons]
    assert [label[-5:] for label in labels] == ["08:00", "12:00", "14:00"]
    assert all(language_of(label) == language for label in labels)
    assert hears.times in offer.text and hears.by_number in offer.text
    assert f"2 - {labels[1]}" in offer.text
    assert_in_language(language)

    assert say(says.two) == Outcome.SLOT_CHOSEN  # "٢" is 2 too

    assert Slot.objects.get(lead=Lead.objects.get()).start == tomorrow_at(12)
    assert "12:00" in assert_pro_reads_hebrew(plumber)[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_nobody_near_the_customer_gets_fixi_support_in_their_language(plumber, language):
    assert say(SAYS[language].far_job) == Outcome.NO_PRO

    assert Lead.objects.get().status == LeadStatus.UNASSIGNED
    reply = last_to(CUSTOMER)
    assert HEARS[language].no_pro in reply and reply.endswith(texts.SIGNATURE)
    assert_in_language(language)
    assert not to(plumber.chat_id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_thanks_and_a_call_are_answered_in_the_customers_language(plumber, language):
    book(language, plumber)

    say(SAYS[language].thanks)
    assert HEARS[language].welcome in last_to(CUSTOMER)
    deliver(shapes.incoming_call())  # a call has no words: the language they wrote last

    assert HEARS[language].call in last_to(CUSTOMER)
    assert_in_language(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_comes_in_the_customers_language_and_its_word_confirms(plumber, language):
    says, hears = SAYS[language], HEARS[language]
    lead = book(language, plumber)

    monitors.send_reminders(now=lead.appointment_time - dt.timedelta(hours=1, minutes=50))

    reminder = to(CUSTOMER)[-1]
    assert reminder.text.startswith(hears.reminder) and hears.by_number in reminder.text
    assert reminder.buttons[0]["text"] == says.confirm
    say(says.confirm)  # typed, not pressed
    assert hears.see_you in last_to(CUSTOMER)
    assert_in_language(language)


# --- Gemini (the real SDK against the fake Gemini) ------------------------------------------


def gemini_reading(language: str, **changes) -> dict:
    """What the model reads in SAYS[language].job: Hebrew summary, the customer's language."""
    job = {
        "city": SAYS[language].city,
        "issue_type": "plumbing",
        "language": language,
        "summary": "נזילה מתחת לכיור במטבח",
        "address": SAYS[language].address,
        "requested_date": tomorrow_at(10).date().isoformat(),
        "requested_time": "10:00",
    }
    return fakes.reading(**{**job, **changes})


def gemini(reading: dict, persona_text: str = "", price_ids=()):
    def responder(model, body):
        system = body["systemInstruction"]["parts"][0]["text"]
        if "on behalf of" in system:  # the persona prompt
            return {"reply_text": persona_text, "intent": "question", "price_item_ids": price_ids}
        return reading

    return responder


def system_prompts(fake_gemini) -> list[str]:
    return [call["system"] for call in fake_gemini.calls()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_gemini_the_pro_reads_geminis_hebrew_summary_beside_the_customers_words(
    plumber, fake_gemini, language
):
    fake_gemini.responder = gemini(gemini_reading(language))

    assert say(SAYS[language].job) == Outcome.ASKED_PRO

    assert Lead.objects.get().summary == "נזילה מתחת לכיור במטבח"
    assert HEARS[language].asked_pro in last_to(CUSTOMER)
    assert_in_language(language)
    (offer,) = assert_pro_reads_hebrew(plumber)
    assert "תיאור: נזילה מתחת לכיור במטבח" in offer and SAYS[language].job in offer
    assert '"ar" Arabic, "ru" Russian' in system_prompts(fake_gemini)[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_gemini_an_emergency_gets_the_safety_tip_in_the_customers_language(
    plumber, fake_gemini, language
):
    fake_gemini.responder = gemini(
        gemini_reading(
            language, urgent=True, urgency_reason="flooding", requested_date="", requested_time=""
        )
    )

    say(SAYS[language].flood)

    lead = Lead.objects.get()
    assert lead.urgent and lead.pro == plumber
    reply = last_to(CUSTOMER)
    assert HEARS[language].flood_tip in reply and HEARS[language].asked_pro in reply
    assert_in_language(language)
    assert "דחוף" in assert_pro_reads_hebrew(plumber)[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_gemini_the_pro_answers_in_the_customers_language_with_database_prices(
    plumber, fake_gemini, language
):
    book(language, plumber)  # nothing scripted yet: the offline reader reads it
    voice = HEARS[language].voice
    fake_gemini.responder = gemini(gemini_reading(language, intent="price"), voice)

    assert say(SAYS[language].price) == Outcome.ANSWERED

    answer = last_to(CUSTOMER)
    assert voice in answer and "₪250" in answer and "₪380" in answer
    assert_in_language(language)
    persona_prompt = next(p for p in system_prompts(fake_gemini) if "on behalf of" in p)
    assert prompts.LANGUAGE_NAMES[language] in persona_prompt


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_gemini_a_reply_in_hebrew_to_an_arabic_or_russian_customer_is_the_template(
    plumber, fake_gemini, language
):
    fake_gemini.responder = gemini({}, "שלום! יוסי יחזור אליכם בהקדם.")

    reply = persona.persona_reply(Pro.objects.get(), SAYS[language].price, language, {})

    assert reply.source.startswith("gemini:")
    assert reply.text == texts.persona_fallback(plumber, language)
    assert HEARS[language].template in reply.text


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("ar", "السعر 300 شيكل."),
        ("ar", "الزيارة مجانًا."),
        ("ar", "عندكم خصم على الزيارة."),
        ("ar", "تكلفة الزيارة 250."),
        ("ru", "Это будет 300 шекелей."),
        ("ru", "Выезд бесплатно."),
        ("ru", "Для Вас скидка на выезд."),
        ("ru", "Стоимость выезда 250."),
    ],
)
def test_an_arabic_or_russian_reply_that_names_a_price_is_the_template(
    plumber, fake_gemini, language, written
):
    fake_gemini.responder = gemini({}, written)

    reply = persona.persona_reply(Pro.objects.get(), "?", language, {})

    assert reply.text == texts.persona_fallback(plumber, language)


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("ar", "يمكن لـ Yossi Cohen أن يصل بكرا الساعة 10 أو بعد 4 مساءً، 8 ديسمبر."),
        ("ar", "العمل يأخذ حوالي 2 ساعات."),
        ("ru", "Мастер Yossi Cohen может приехать завтра в 10 или с 14 до 16, 8 декабря."),
        ("ru", "Работа займёт около 2 часов."),
    ],
)
def test_an_arabic_or_russian_reply_with_times_dates_and_durations_is_kept(
    plumber, fake_gemini, language, written
):
    fake_gemini.responder = gemini({}, written)

    reply = persona.persona_reply(Pro.objects.get(), "?", language, {})

    assert reply.text.lstrip(texts.RLM) == written
