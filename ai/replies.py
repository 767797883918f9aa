"""Templated replies in the customer's language, used when Gemini is not configured or fails.

Hebrew is written gender-neutral the way WhatsApp writes it (plural imperatives, "לך",
"איתך"), so one template fits every customer.
"""

from fixi.vocabulary import Language

SIGNATURE = "Fixi Support"

QUESTIONS = {
    "city": {
        Language.HEBREW: "באיזו עיר מדובר?",
        Language.ENGLISH: "Which city are you in?",
    },
    "issue": {
        Language.HEBREW: "ספרו לי בכמה מילים מה קרה ומה צריך לתקן (אפשר גם לשלוח תמונה).",
        Language.ENGLISH: "What needs fixing? A few words or a photo is plenty.",
    },
    "address": {
        Language.HEBREW: "מה הכתובת? רחוב, מספר בית, ודירה אם יש.",
        Language.ENGLISH: "What's the address? Street, house number and flat if there is one.",
    },
    "time": {
        Language.HEBREW: "מתי נוח לכם שנגיע? יום ושעה בערך זה מצוין.",
        Language.ENGLISH: "When would suit you? A day and a rough time is perfect.",
    },
    "name": {
        Language.HEBREW: "ואיך קוראים לך?",
        Language.ENGLISH: "And what's your name?",
    },
}

# One tip per urgency reason (ai.types.URGENCY_REASONS); Israeli emergency numbers:
# police 100, Magen David Adom 101, fire and rescue 102, Israel Electric Corporation 103.
SAFETY_TIPS = {
    "flooding": {
        Language.HEBREW: "קודם כל סגרו את ברז המים הראשי (בדרך כלל ליד שעון המים). אם המים "
        "מגיעים לשקעים או למכשירי חשמל, הורידו את המפסק הראשי בלוח – רק אם אפשר להגיע אליו "
        "בלי לעמוד במים.",
        Language.ENGLISH: "First, turn off the main water valve (usually next to the water "
        "meter). If the water is near outlets or appliances, switch off the main breaker, but "
        "only if you can reach the panel without standing in water.",
    },
    "gas_smell": {
        Language.HEBREW: "אל תדליקו ואל תכבו אורות או מכשירי חשמל, ואל תדליקו אש. פתחו חלונות, "
        "סגרו את ברז הגז אם אפשר, צאו מהבית והתקשרו לכבאות 102 או למוקד החירום של חברת הגז.",
        Language.ENGLISH: "Don't switch any lights or appliances on or off, and don't light "
        "anything. Open the windows, close the gas valve if you can, get everyone out and call "
        "the fire service on 102 or your gas company's emergency line.",
    },
    "sparks": {
        Language.HEBREW: "אל תגעו בשקע או בלוח החשמל. אם זה בטוח, הורידו את המפסק הראשי. אם יש "
        "אש או עשן כבד, צאו מהבית והתקשרו לכבאות 102.",
        Language.ENGLISH: "Don't touch the outlet or the panel. If it's safe, switch off the "
        "main breaker. If there's fire or heavy smoke, get out and call the fire service on 102.",
    },
    "no_power": {
        Language.HEBREW: "בדקו אם גם אצל השכנים אין חשמל – אם כן, זו הפסקה של חברת החשמל "
        "(103). אם רק אצלכם: אל תגעו בלוח בידיים רטובות; אפשר לנסות להרים את המפסק הראשי "
        "פעם אחת.",
        Language.ENGLISH: "Check whether the neighbours have power. If they don't, it's an "
        "outage: call the Israel Electric Corporation on 103. If it's only you, don't touch "
        "the panel with wet hands; you can try resetting the main breaker once.",
    },
    "locked_out": {
        Language.HEBREW: "אם נשאר בפנים ילד או מישהו שזקוק לעזרה, התקשרו קודם למשטרה 100 או "
        "למד״א 101 – הם יגיעו הכי מהר. בינתיים אנחנו מאתרים לכם מנעולן.",
        Language.ENGLISH: "If a child or anyone who needs help is inside, call the police on "
        "100 or MDA on 101 first: they'll get there fastest. Meanwhile we're finding you a "
        "locksmith.",
    },
}
URGENT_OTHER = {
    Language.HEBREW: "הבנו שזה דחוף – אנחנו מטפלים בזה ראשון.",
    Language.ENGLISH: "Got it, it's urgent: we're on it first.",
}
NO_PRO = {
    Language.HEBREW: "מצטערים, כרגע אין בעל מקצוע פנוי באזור שלך. העברנו את הפנייה לצוות "
    "שלנו ונחזור אליך בהקדם.",
    Language.ENGLISH: "Sorry, no pro is free in your area right now. We've passed your "
    "request to our team and we'll get back to you soon.",
}
RECEIVED = {
    Language.HEBREW: ("תודה{name}! קיבלנו את הפנייה ואנחנו כבר מחפשים בעל מקצוע מתאים. "
                      "נעדכן בקרוב."),
    Language.ENGLISH: ("Thanks{name}! We've got your request and we're finding the right pro. "
                       "We'll update you shortly."),
}  # fmt: skip
FLOOD = {
    Language.HEBREW: "קיבלנו הרבה הודעות ברצף 🙏 נקרא את כולן יחד ונענה ברגע שתסיימו לכתוב.",
    Language.ENGLISH: "We got a lot of messages in a row 🙏 We'll read them all together and "
    "answer as soon as you're done writing.",
}
ALL_SET = {
    Language.HEBREW: "מעולה, יש לנו את כל הפרטים. אנחנו מתאמים בעל מקצוע ונעדכן אותך כאן.",
    Language.ENGLISH: "Great, we have everything we need. We're lining up a pro and will "
    "update you here.",
}


def _lang(language: str) -> str:
    return Language.ENGLISH if language == Language.ENGLISH else Language.HEBREW


def ask_for(missing_field: str, language: str) -> str:
    """One short question for a missing field: city, issue, address, time or name."""
    try:
        return QUESTIONS[missing_field][_lang(language)]
    except KeyError:
        raise ValueError(
            f"no question for {missing_field!r}; use one of {list(QUESTIONS)}"
        ) from None


def safety_tip(reason: str, language: str) -> str:
    """The tip for a named danger, or "" (a plain "urgent" has no tip)."""
    tips = SAFETY_TIPS.get(reason)
    return tips[_lang(language)] if tips else ""


def urgent_note(reason: str, language: str) -> str:
    """What to tell an urgent customer first: the safety tip, or that we are on it."""
    return safety_tip(reason, language) or URGENT_OTHER[_lang(language)]


def no_pro_available(language: str) -> str:
    return f"{NO_PRO[_lang(language)]}\n{SIGNATURE}"


def received(language: str, name: str = "") -> str:
    return RECEIVED[_lang(language)].format(name=f" {name}" if name else "")


def all_set(language: str) -> str:
    return ALL_SET[_lang(language)]


def flood_notice(language: str) -> str:
    return FLOOD[_lang(language)]
