"""Whether a message is urgent, and why (a key of ai.types.URGENCY_REASONS).

The named dangers come first, most dangerous first: a gas smell, then sparks or smoke, a
flood, someone locked out, no power in the whole home. A plain "urgent" / "דחוף" / "ASAP"
is urgent with the reason "other"; "לא דחוף" / "not urgent" / "no rush" is not.
Power missing in part of the home ("חצי בית", "only in the kitchen") is not no_power.
"""

import re

from ai.offline_issue import fold, rx, rx_cut

REASON_PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "gas_smell",
        rx(
            r"@(ריח גז|ריח של גז|ריח חזק של גז|דליפת גז|נזילת גז)"
            r"|@(מריח|מריחה|מריחים)~(\s+\S+){0,2}\s+גז#"
            r"|\bsmell\w* (of |like )?gas|\bgas (smell|leak)"
        ),
    ),
    (
        "sparks",
        rx(
            r"@(ניצוץ|ניצוצות|עשן|מעשן|ריח של שרוף|ריח שרוף|ריח של שריפה|פלסטיק שרוף|נשרף השקע)"
            r"|@(תקע|שקע|כבל|חוט)~(\s+\S+){0,3}\s+נמס"
            r"|@נמס~\s+(\S+\s+){0,2}ב?(שקע|תקע|כבל)"
            r"|@ריח~(\s+\S+){0,3}\s+ה?(מה|ב|מ)?(לוח|שקע|תקע)"
            r"|@(לוח|שקע|תקע)~(\s+\S+){0,4}\s+ו?ריח"
            r"|\b(spark\w*|smoke|smoking|burning smell|smells? (like )?burn\w*|smells hot)\b"
            r"|\bsmell\w*(\s+\S+){0,3}\s+(from|in|at) (the )?(panel|outlet|socket|fuse box)"
            r"|\b(panel|outlet|socket)~(\s+\S+){0,2}\s+smells?\b"
            # "fuse box" has a space, so it cannot open a run of joined words: plain \S*.
            r"|\bfuse box\S*(\s+\S+){0,2}\s+smells?\b"
            r"|\b(plug|outlet|socket|wire|cable)s?\b(\s+\S+){0,3}\s+melt\w*"
            r"|\bmelt\w*\s+(\S+\s+){0,2}(plug|outlet|socket|wire|cable)"
            r"|\b(burnt|burning) (smell|plastic)|\bhot to the touch"
        ),
    ),
    (
        "flooding",
        rx(
            r"@(הצפה|הוצף|הוצפה|מוצף|מוצפת|שיטפון|פיצוץ צינור|פיצוץ בצינור)"
            r"|@(צינור התפוצץ|התפוצץ צינור)"
            r"|צינור~(\s+\S+){0,3}\s+התפוצץ|@(מים בכל ה|מים בכל מקום)"
            r"|@(עולה על גדותיו|עולים על גדותיהם|גולש|גולשים)"
            r"|\b(flood\w*|overflow\w*|burst pipe|pipe (has )?burst)"
            r"|\b(water everywhere|water all over)"
            r"|\bpipe\b(\s+\S+){0,4}\s+burst"
        ),
    ),
    (
        "locked_out",
        rx(
            r"@(ננעלתי בחוץ|ננעלנו בחוץ|ננעלתי מחוץ|ננעלנו מחוץ|נשארתי בחוץ)"
            r"|@(נטרקה לי הדלת|נטרקה הדלת)"
            r"|מפתח~\s+(נשאר\S*\s+)?בפנים"
            r"|@(תינוק|תינוקת|ילד|ילדה|פעוט)~\s+(נשאר\S*\s+)?(נעול\S*\s+)?בפנים"
            r"|(לא מצליח|לא מצליחה|לא יכול|לא יכולה|לא מצליחים)\s+(לפתוח|להיכנס)"
            r"|@(פריצת דלת|לפרוץ|איבדתי את המפתחות|איבדתי מפתחות)"
            r"|@(תקוע|תקועה|תקועים|נשארנו) בחוץ"
            r"|\blocked (myself |ourselves |us |me )?out|\bkeys? (are |is )?(locked )?inside"
            r"|\b(stuck|locked) outside\b|\bdoor slammed\b"
            r"|\b(baby|child|kid|toddler)\b(\s+\S+){0,2}\s+inside|\bcan'?t get in\b"
            r"|\blost (my |our |the )?keys\b"
        ),
    ),
    (
        "no_power",
        rx(
            r"@(אין חשמל|אין לנו חשמל|אין לי חשמל|בלי חשמל|ללא חשמל|הפסקת חשמל)"
            r"|@(הבית בחושך|הדירה בחושך)"
            r"|\b(no power|power (is )?out|power outage|no electricity|lost power|blackout)\b"
        ),
    ),
]
PARTIAL_POWER = rx(
    r"@(חצי|בחלק|חלק מה)|(אין חשמל|בלי חשמל)\s+(רק\s+)?(ב|ל)(חדר|מטבח|סלון|מרפסת|שקע|מזגן)"
    r"|\b(half|part of|some of)\b|\b(no power|no electricity) (only )?(in|to) (the |one |a )?"
    r"(kitchen|room|bedroom|bathroom|outlet|socket|balcony)"
)
URGENT_WORDS = rx(
    r"@(דחוף|דחופה|בדחיפות|חירום|כמה שיותר מהר|מהר בבקשה|בהקדם האפשרי|מיידי)#"
    r"|\b(urgent\w*|asap|a\.s\.a\.p|emergency|right now|immediately|hurry)\b"
)
NOT_URGENT = rx_cut(
    r"@(לא דחוף|לא דחופה|לא בוער|אין לחץ|לא חירום)#"
    r"|\b(not (urgent|an emergency)|isn'?t urgent|no rush|no hurry|not in a hurry)\b"
)


def urgency(text: str) -> tuple[bool, str]:
    """(urgent, reason); reason is "" when not urgent."""
    folded = fold(text)
    for reason, pattern in REASON_PATTERNS:
        if pattern.search(folded) and not (reason == "no_power" and PARTIAL_POWER.search(folded)):
            return True, reason
    if URGENT_WORDS.search(fold(NOT_URGENT.cut(text))):
        return True, "other"
    return False, ""
