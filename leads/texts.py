"""What the lead lifecycle says on WhatsApp: to pros in Hebrew, to customers in their own
language (Hebrew or English). Times are shown in the business time zone.

Hebrew to customers is gender-neutral the way WhatsApp writes it (plural forms); a pro's
gender is not known, so sentences about the pro use "/ה" forms.
"""

from django.utils import timezone

from fixi.vocabulary import IssueType, Language

HE_DAYS = ["ב׳", "ג׳", "ד׳", "ה׳", "ו׳", "ש׳", "א׳"]  # Monday first, as datetime.weekday()
EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HE_DAY_NAMES = ["שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת", "ראשון"]
EN_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_PRICE_LINES = 5
MAX_MEDIA_LINKS = 3

PRO_BUTTONS = (("approve", "אשר"), ("reject", "דחה"))


def _en(language: str) -> bool:
    return language == Language.ENGLISH


def when(moment, language: str = Language.HEBREW) -> str:
    """The day in words and digits, and the hour, local time: 'יום שלישי 8/12 בשעה 10:00' /
    'Tuesday 8 Dec at 10:00'. Every booking message uses it, so a day is never in doubt."""
    local = timezone.localtime(moment)
    if _en(language):
        return f"{EN_DAY_NAMES[local.weekday()]} {local.day} {local:%b} at {local:%H:%M}"
    return f"יום {HE_DAY_NAMES[local.weekday()]} {local.day}/{local.month} בשעה {local:%H:%M}"


def slot_label(moment, language: str = Language.HEBREW) -> str:
    """A button's text (at most 25 characters): 'ג׳ 24.11 10:00' / 'Tue 24/11 10:00'."""
    local = timezone.localtime(moment)
    if _en(language):
        return f"{EN_DAYS[local.weekday()]} {local.day}/{local.month} {local:%H:%M}"
    return f"{HE_DAYS[local.weekday()]} {local.day}.{local.month} {local:%H:%M}"


def issue_label(issue_type: str, language: str = Language.HEBREW) -> str:
    if not issue_type:
        return ""
    if _en(language):
        return issue_type.replace("_", " ")
    return str(HEBREW_ISSUES.get(issue_type, IssueType(issue_type).label))


HEBREW_ISSUES = {
    "plumbing": "אינסטלציה",
    "electrical": "חשמל",
    "hvac": "מיזוג אוויר",
    "appliances": "מכשירי חשמל",
    "locksmith": "מנעולן",
    "handyman": "הנדימן",
    "sealing": "איטום ורטיבות",
    "other": "אחר",
}


def city_name(lead, language: str = Language.HEBREW) -> str:
    if lead.city is None:
        return lead.city_text
    return lead.city.name_en if _en(language) else lead.city.name_he


# --- to the pro (Hebrew) -------------------------------------------------------------


def pro_job_offer(lead, slot_start) -> str:
    """The new-job message: everything a pro needs to say yes or no between jobs."""
    customer = lead.customer
    lines = [
        "🔧 עבודה חדשה מ-Fixi" + (" — דחוף!" if lead.urgent else ""),
        f"סוג: {issue_label(lead.issue_type)}",
        f"עיר: {city_name(lead)}",
        f"כתובת: {lead.full_address}",
        f"מועד: {when(slot_start)}",
        f"לקוח/ה: {customer.first_name or 'לא ציין/ה שם'}",
    ]
    if lead.summary:
        lines.append(f"תיאור: {lead.summary}")
    links = [item["url"] for item in lead.media if item.get("url")][:MAX_MEDIA_LINKS]
    if links:
        lines.append("תמונות/קבצים: " + " ".join(links))
    lines.append("")
    lines.append("לאשר את העבודה?")
    return "\n".join(lines)


def pro_approved(lead, slot_start) -> str:
    customer = lead.customer
    phone = customer.phone or customer.chat_id.split("@")[0]
    return (
        f"✅ העבודה שלך: {issue_label(lead.issue_type)}, {lead.full_address}, "
        f"{city_name(lead)}, {when(slot_start)}.\n"
        f"לקוח/ה: {customer.name or '—'}, טלפון {phone}.\n"
        'כשיוצאים כתבו "בדרך", ובסיום "סיימתי".'
    )


def pro_rejected_ack() -> str:
    return "קיבלנו, תודה. נעביר את העבודה לבעל מקצוע אחר."


def pro_late_answer() -> str:
    return "העבודה הזו כבר הועברה לבעל מקצוע אחר, ולכן התשובה לא נקלטה. תודה!"


def pro_already_answered(approved: bool) -> str:
    if approved:
        return "כבר אישרת את העבודה הזו – הכול מסודר 👍"
    return "כבר ענית על העבודה הזו, לא שינינו דבר."


def pro_lead_moved(lead, why: str) -> str:
    return f"העבודה ({issue_label(lead.issue_type)}, {lead.full_address}, {city_name(lead)}) {why}."


def pro_customer_cancelled(lead) -> str:
    return pro_lead_moved(lead, "בוטלה על ידי הלקוח/ה. המועד ביומן שוחרר")


def pro_on_the_way_ack() -> str:
    return "מעולה, עדכנו את הלקוח/ה שיצאת לדרך 🚐"


def pro_done_ack() -> str:
    return "כל הכבוד! העבודה סומנה כהושלמה ✔️"


def pro_no_active_job() -> str:
    return "לא מצאנו עבודה מאושרת פתוחה שלך כרגע."


def pro_help() -> str:
    return (
        "לא הבנתי 🙂 אפשר לענות:\n"
        "אשר / דחה – על עבודה חדשה\n"
        "בדרך – כשיוצאים ללקוח/ה\n"
        "סיימתי – בסיום העבודה"
    )


# --- to the customer -----------------------------------------------------------------


def asked_pro(pro, slot_start, language: str) -> str:
    if _en(language):
        return (
            f"We've asked {pro.name} to confirm {when(slot_start, language)}. "
            "We'll let you know here as soon as they do."
        )
    return f"ביקשנו מ{pro.name} לאשר את המועד: {when(slot_start, language)}. נעדכן כאן ברגע שיאושר."


def offer_slots(pro, asked, language: str) -> str:
    if _en(language):
        return (
            f"{pro.name} isn't free {when(asked, language)}. "
            "These are the nearest free times – which one suits you?"
        )
    return (
        f"ל{pro.name} אין זמן פנוי {when(asked, language)}. "
        "אלה המועדים הפנויים הקרובים – מה מתאים לכם?"
    )


def slot_gone(language: str) -> str:
    if _en(language):
        return "Sorry, that time was just taken."
    return "מצטערים, המועד הזה נתפס הרגע."


def price_lines(pro) -> list[str]:
    """The pro's price list from the database (cheapest first); the model never sets prices."""
    items = list(pro.price_items.all().order_by("price")[:MAX_PRICE_LINES])
    lines = []
    for item in items:
        note = f" ({item.note})" if item.note else ""
        lines.append(f"• {item.service}: ₪{item.price:,.0f}{note}")
    return lines


def confirmed(lead, pro, slot_start, language: str) -> str:
    prices = price_lines(pro)
    if _en(language):
        text = (
            f"✅ Booked! {pro.name} will come to {lead.full_address}, {city_name(lead, language)}"
            f" on {when(slot_start, language)}."
        )
        if prices:
            text += f"\n\n{pro.name}'s prices:\n" + "\n".join(prices)
        return text + '\n\nTo cancel, just write "cancel".'
    text = (
        f"✅ נקבע! {pro.name} יגיע/תגיע ל{lead.full_address}, {city_name(lead, language)}, "
        f"{when(slot_start, language)}."
    )
    if prices:
        text += f"\n\nהמחירון של {pro.name}:\n" + "\n".join(prices)
    return text + '\n\nלביטול אפשר לכתוב "ביטול".'


def waiting_for_pro(pro, language: str) -> str:
    if _en(language):
        return f"We're waiting for {pro.name} to confirm; we'll update you here."
    return f"אנחנו מחכים לאישור של {pro.name}, נעדכן כאן."


def booked_status(pro, slot_start, language: str) -> str:
    if _en(language):
        return (
            f"You're booked with {pro.name} on {when(slot_start, language)}. "
            'To cancel, write "cancel".'
        )
    return f'התור שלך עם {pro.name} נקבע ל{when(slot_start, language)}. לביטול כתבו "ביטול".'


def on_the_way(pro, language: str) -> str:
    if _en(language):
        return f"🚐 {pro.name} is on the way to you."
    return f"🚐 {pro.name} בדרך אליכם."


def ask_rating(pro, language: str) -> str:
    if _en(language):
        return (
            f"{pro.name} has marked the job as done. How was it? "
            "Reply with a number from 1 (poor) to 5 (excellent)."
        )
    return f"{pro.name} סימן/ה שהעבודה הסתיימה. איך היה? נשמח לדירוג מ-1 (גרוע) עד 5 (מצוין)."


def rating_thanks(language: str) -> str:
    if _en(language):
        return "Thank you for the rating! 🙏"
    return "תודה על הדירוג! 🙏"


def cancelled(language: str) -> str:
    if _en(language):
        return "Your request has been cancelled. Write to us any time you need a pro."
    return "הבקשה בוטלה. אפשר לכתוב לנו בכל פעם שצריך בעל מקצוע."


def cancel_too_late(language: str) -> str:
    if _en(language):
        return "The appointment time has already started, so it can't be cancelled here."
    return "מועד הביקור כבר התחיל, ולכן אי אפשר לבטל כאן."


def nothing_to_cancel(language: str) -> str:
    if _en(language):
        return "There's no open request to cancel."
    return "אין כרגע בקשה פתוחה לביטול."


# --- the periodic jobs -----------------------------------------------------------------


def pro_timed_out(lead) -> str:
    return pro_lead_moved(lead, "הועברה לבעל מקצוע אחר כי לא התקבלה תשובה בזמן")


def offer_expired(language: str) -> str:
    if _en(language):
        return (
            "The times we offered are no longer held. When would suit you? "
            "A day and a rough time is perfect."
        )
    return "המועדים שהצענו כבר לא שמורים. מתי נוח לכם? יום ושעה בערך זה מצוין."


def pro_stale_followup(lead, slot_start) -> str:
    name = lead.customer.first_name or "הלקוח/ה"
    return (
        f"העבודה אצל {name} ({lead.full_address}, {city_name(lead)}, {when(slot_start)}) "
        '– סיימת? כתבו "סיימתי" כשהעבודה הושלמה.'
    )


def customer_stale_check(pro, language: str) -> str:
    if _en(language):
        return (
            f"Did {pro.name} come and finish the job? If it's done, reply with a rating from "
            "1 to 5 once they mark it; if not, just tell us here and we'll sort it out."
        )
    return f"האם {pro.name} הגיע/ה וסיים/ה את העבודה? אם משהו לא הסתדר, כתבו לנו כאן ונטפל בזה."


REMINDER_BUTTONS = {
    "he": (("confirm", "אישור הגעה"), ("reschedule", "שינוי מועד"), ("cancel", "ביטול")),
    "en": (("confirm", "Confirm"), ("reschedule", "Reschedule"), ("cancel", "Cancel")),
}


def reminder(lead, pro, slot_start, hours: int, language: str) -> str:
    if _en(language):
        lead_in = "Tomorrow" if hours == 24 else "In about two hours"
        return (
            f"⏰ Reminder: {lead_in} – {pro.name}, {when(slot_start, language)}, "
            f"{lead.full_address}."
        )
    lead_in = "מחר" if hours == 24 else "בעוד כשעתיים"
    return f"⏰ תזכורת: {lead_in} – {pro.name}, {when(slot_start, language)}, {lead.full_address}."


def reminder_confirmed(language: str) -> str:
    if _en(language):
        return "Thanks, see you then! 👍"
    return "תודה, נתראה! 👍"


def reschedule_offer(pro, language: str) -> str:
    if _en(language):
        return f"These are {pro.name}'s nearest free times – which one suits you?"
    return f"אלה המועדים הפנויים הקרובים של {pro.name} – מה מתאים לכם?"


def no_other_times(language: str) -> str:
    if _en(language):
        return "Sorry, there are no other free times right now; your booking stays as it is."
    return "מצטערים, אין כרגע מועדים פנויים אחרים; התור נשאר כפי שהוא."


def rescheduled(pro, slot_start, language: str) -> str:
    if _en(language):
        return f"✅ Moved: {pro.name}, {when(slot_start, language)}."
    return f"✅ המועד עודכן: {pro.name}, {when(slot_start, language)}."


def pro_rescheduled(lead, slot_start) -> str:
    return (
        f"📅 שינוי מועד: העבודה ב{lead.full_address}, {city_name(lead)} עברה ל{when(slot_start)}."
    )


def sos_report(lines: list[str]) -> str:
    head = f"🆘 Fixi – פניות שלא שובצו ({len(lines)}):"
    return head + "\n\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


# --- the conversation after routing ------------------------------------------------------


def call_answer(language: str) -> str:
    if _en(language):
        return (
            "We can't take calls on this number, but we answer here in writing, fast: "
            "send a message or a voice note and we'll take it from there."
        )
    return (
        "אין לנו מענה לשיחות במספר הזה, אבל אנחנו עונים כאן בכתב ומהר: "
        "שלחו הודעה או הקלטה קולית ונמשיך משם."
    )


def thanks_reply(language: str) -> str:
    if _en(language):
        return "You're welcome! 🙏"
    return "בשמחה! 🙏"


def person_will_answer(language: str) -> str:
    if _en(language):
        return "Good question – someone from our team will answer you here shortly."
    return "שאלה טובה – מישהו מהצוות שלנו יענה לך כאן בהקדם."


def price_unknown(language: str) -> str:
    if _en(language):
        return (
            "The price depends on the pro and the job: as soon as we know what and where, "
            "we'll show you the pro's price list."
        )
    return "המחיר תלוי בבעל המקצוע ובעבודה: ברגע שנדע מה צריך ואיפה, נשלח את המחירון של בעל המקצוע."


def price_answer(pro, likely: bool, language: str) -> str:
    """The pro's price list, from the database only."""
    lines = "\n".join(price_lines(pro))
    if _en(language):
        head = f"{pro.name}'s prices" + (" (the pro we'd most likely send)" if likely else "")
        return f"{head}:\n{lines}\nThe final price is agreed with the pro on site."
    head = f"המחירון של {pro.name}" + (" (בעל המקצוע שסביר שנשלח)" if likely else "")
    return f"{head}:\n{lines}\nהמחיר הסופי נקבע מול בעל המקצוע במקום."


def eta(lead, slot_start, language: str) -> str:
    """Where the visit stands: on the way, booked for a time, or waiting for the pro."""
    pro = lead.pro
    if lead.on_the_way_at and lead.status == "booked":
        return on_the_way(pro, language)
    if lead.status == "booked":
        if _en(language):
            return (
                f"{pro.name} is coming {when(slot_start, language)}. "
                "We'll tell you when they're on the way."
            )
        return f"{pro.name} מגיע/ה {when(slot_start, language)}. נעדכן כשיצא/תצא לדרך."
    if _en(language):
        return (
            f"We've asked {pro.name} to confirm {when(slot_start, language)}; "
            "we'll tell you here as soon as they do."
        )
    return f"ביקשנו מ{pro.name} לאשר את {when(slot_start, language)}; נעדכן כאן ברגע שיאשר/תאשר."


MOVE_WORDS = {
    "earlier": ("מוקדם יותר", "earlier"),
    "later": ("מאוחר יותר", "later"),
    "other_day": ("ביום אחר", "on another day"),
}


def move_offer(pro, direction: str, language: str) -> str:
    he, en = MOVE_WORDS[direction]
    if _en(language):
        return f"These are {pro.name}'s free times {en} – which one suits you?"
    return f"אלה הזמנים הפנויים של {pro.name} {he} – מה מתאים לכם?"


def no_move_times(pro, direction: str, language: str) -> str:
    he, en = MOVE_WORDS[direction]
    if _en(language):
        return f"Sorry, {pro.name} has no free time {en} right now; your time stays as it is."
    return f"מצטערים, ל{pro.name} אין כרגע זמן פנוי {he}; המועד נשאר כפי שהוא."


def not_free_then(pro, asked, language: str) -> str:
    if _en(language):
        return f"{pro.name} isn't free {when(asked, language)}."
    return f"ל{pro.name} אין זמן פנוי {when(asked, language)}."


def address_updated(lead, language: str) -> str:
    if _en(language):
        return (
            f"Updated: the address is now {lead.full_address}, {city_name(lead, language)}. "
            f"We've told {lead.pro.name}."
        )
    return (
        f"עודכן: הכתובת היא עכשיו {lead.full_address}, {city_name(lead, language)}. "
        f"עדכנו את {lead.pro.name}."
    )


def passed_to_pro(pro, language: str) -> str:
    if _en(language):
        return f"Thanks, we've passed it on to {pro.name}."
    return f"תודה, העברנו ל{pro.name}."


def ask_day_again(problem: str, language: str) -> str:
    """A day that could not be read, or one that has passed: asked again, never guessed."""
    if problem == "past":
        if _en(language):
            return (
                "That date has already passed – which day would suit you? "
                "A day and a rough time is perfect."
            )
        return "התאריך הזה כבר עבר – לאיזה יום לקבוע? יום ושעה בערך זה מצוין."
    if _en(language):
        return "Sorry, I didn't catch the day – which day and roughly what time would suit you?"
    return "לא הצלחתי להבין איזה יום – לאיזה יום ובאיזו שעה בערך לקבוע?"


def pro_address_changed(lead) -> str:
    return f"📍 עדכון מהלקוח/ה: הכתובת עכשיו {lead.full_address}, {city_name(lead)}."


def pro_customer_added(lead, text: str, files: list[dict]) -> str:
    name = lead.customer.first_name or "הלקוח/ה"
    lines = [f"✉️ {name} ({lead.full_address}, {city_name(lead)}) הוסיף/ה:"]
    if text.strip():
        lines.append(text.strip()[:500])
    links = [item["url"] for item in files if item and item.get("url")][:MAX_MEDIA_LINKS]
    if links:
        lines.append("קבצים: " + " ".join(links))
    return "\n".join(lines)
