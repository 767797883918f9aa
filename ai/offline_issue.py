"""What the job is and how urgent, from a Hebrew or English message, by weighted keywords.

Each trade has weighted patterns; the trade with the highest total wins, and a message
whose best total is under MIN_SCORE is "other". Before that, a few combinations that
keywords alone get wrong are decided explicitly, in this order (first match wins):

1. A gas smell, pests or a house move: "other". Gas goes to the gas company or a licensed
   gas technician, not one of our trades; a fridge being moved is a mover's job.
2. An outlet, plug or panel with a burning smell, smoke or sparks: electrical, whatever
   device was plugged in.
3. An air conditioner is the subject: hvac, even when it drips or leaks water, floods the
   ceiling or trips the breaker ("the AC trips the breaker" is the unit's fault until shown
   otherwise). Electrical only when the message is about the panel (לוח חשמל, panel, fuse
   box), asks for an electrician, or asks for a new outlet or power point for the AC.
4. An appliance (not a kettle) trips the breaker: appliances, unless several devices trip
   it together (an overloaded circuit) or the message is about the panel: electrical.
5. A boiler (דוד, דוד שמש, בוילר, water heater) that doesn't heat or leaks: plumbing, the
   usual Israeli call; electrical when the message names the thermostat, the heating
   element, electricity itself or an electrician. "דוד חשמלי" names the kind of boiler,
   not an electrical fault, so the adjective alone does not count.
6. Damp, mould, or water through the ceiling, roof, walls or windows: sealing; plumbing
   when pipes or the neighbour upstairs are named as the source.
7. A pipe or hose that leaks or floods: plumbing, even next to a washing machine.

A fridge or freezer that does not cool is an appliance: "מקרר" is counted as a fridge only
as a noun, not in "(המזגן) לא מקרר" / "רק מקרר" (it cools). Appliances named as a place
("ליד המקרר", "behind the washing machine") are not the subject and are not counted.
"""

import re
from dataclasses import dataclass

from ai.offline_issue_words import (
    AS_PLACE_AR_RU,
    LEXICON_AR,
    LEXICON_RU,
    SIGNALS_AR,
    SIGNALS_RU,
)
from fixi.vocabulary import IssueType

HE = "\u05d0-\u05ea"
PREFIXES = "ובלמהשכ"
NOT_PREFIXES = "".join(sorted({chr(c) for c in range(0x5D0, 0x5EB)} - set(PREFIXES)))
WORD_START = rf"(?<![{HE}])(?:[{PREFIXES}]{{0,3}})"
# Arabic letters (hamza to yeh), and the letters a word may open with before its stem: the
# conjunctions و ف, the prepositions ب ل ك and Levantine ع (على), the article ال, and
# their runs ("وبالحمام", "للمكيف", "عالباب"), at most four.
AR = "\u0621-\u064a"
AR_PREFIXES = "وفبلكعا"
NOT_AR_PREFIXES = "".join(sorted({chr(c) for c in range(0x621, 0x64B)} - set(AR_PREFIXES)))
AR_WORD_START = rf"(?<![{AR}])(?:[{AR_PREFIXES}]{{0,4}})"
WORD_END = rf"(?![{HE}{AR}])"
MIN_SCORE = 2.0

# What re.IGNORECASE equates with the Latin letters: their capitals, and İ ı ſ K; Cyrillic
# capitals and ё as е; Arabic letters in the one form the rules are written in (alef
# without hamza or madda, ى as ي, ة as ه, ؤ as و, ئ as ي, Persian keheh and yeh), and
# Arabic-Indic digits as ASCII ones. Arabic vowel marks and the tatweel are dropped.
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
        **{"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"},
        **{chr(c): chr(c + 32) for c in range(0x410, 0x430)},
        **{chr(c): chr(c + 80) for c in range(0x400, 0x410)},
        "\u0401": "е", "\u0451": "е",
        **dict.fromkeys("أإآٱ", "ا"), "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ک": "ك", "ی": "ي",
        **{chr(0x660 + d): str(d) for d in range(10)},
        **{chr(0x6F0 + d): str(d) for d in range(10)},
        **dict.fromkeys(map(chr, [*range(0x64B, 0x660), 0x670, 0x640])),
    }
)  # fmt: skip
_TO_FOLD = re.compile(
    "[A-Z\u0130\u0131\u017f\u212a\u0400-\u042f\u0451أإآٱىةؤئکی\u0640-\u065f\u0660-\u0669\u0670\u06f0-\u06f9]"
)
# Rules are folded as they are compiled, all but their ASCII (where "\\S" is not "\\s").
_FOLD_RULE = {key: value for key, value in _FOLD.items() if key >= 0x80}
_ARABIC = re.compile(f"[{AR}]")
_CYRILLIC = re.compile("[\u0430-\u044f]")


def fold(text: str) -> str:
    """The text as rules read it: what IGNORECASE would equate with a Latin letter becomes
    that letter in lower case, Cyrillic is lower-cased, Arabic letters take one form each
    and lose their vowel marks, so rules need no IGNORECASE (which stops the regex engine
    from skipping ahead to a rule's first letters). Folding twice changes nothing."""
    return text.translate(_FOLD) if _TO_FOLD.search(text) else text


def fold_letters(text: str) -> str:
    """fold() for Arabic and Cyrillic only, Latin left as written (readers that look at
    capitals: the date reader's "at 5 Herzl St")."""
    return text.translate(_FOLD_RULE) if _TO_FOLD.search(text) else text


def scripts(folded: str) -> tuple[str, ...]:
    """The scripts whose rules a folded text needs: "he_en" always (Hebrew and English
    rules also read the Hebrew and English words of an Arabic or Russian message), "ar"
    and "ru" when it has Arabic or Cyrillic letters."""
    found = ["he_en"]
    if _ARABIC.search(folded):
        found.append("ar")
    if _CYRILLIC.search(folded):
        found.append("ru")
    return tuple(found)


def rx(pattern: str) -> re.Pattern:
    """Compile a rule, to be searched in fold(text). `@` starts a Hebrew word (any of the
    prefixes ו ה ב ל מ ש כ, up to three); `&` starts an Arabic word (any of the letters
    و ف ب ل ك ع ا, up to four: "والحنفية", "بالمطبخ", "للمكيف"); `#` ends a Hebrew or an
    Arabic word; `~` right after the word
    an alternative opens is the rest of that word (_rest_of_word). English parts use \\b
    themselves and are written in lower case.

    A rule is only looked for, so it is compiled for speed with the same answer: every
    alternative is made to open with a letter (_letter_first), and the engine then jumps
    from one of those letters to the next instead of trying the rule at every position (a
    few times faster on long text; the answer of a search is the same, only a match's start
    may move past its prefix letters). rx_cut compiles a rule whose matches are cut out."""
    if re.search(r"(?<!\\)[A-Z]", pattern):
        raise ValueError(f"rules are matched in folded text, write them in lower case: {pattern}")
    pattern = pattern.translate(_FOLD_RULE)
    alternatives = map(_rest_of_word, _top_level(pattern.replace("#", WORD_END)))
    forms = [form for alternative in alternatives for form in _letter_first(alternative)]
    return re.compile("|".join(forms).replace("@", WORD_START).replace("&", AR_WORD_START))


@dataclass(frozen=True)
class CutRule:
    """A rule whose matches are cut out of the text (rx's are only looked for). It is looked
    for first, compiled as rx compiles it, and only a text that has it goes through the
    slower exact compile, whose matches start where they are read, prefix letters included,
    in the text as written."""

    found: re.Pattern
    exact: re.Pattern

    def cut(self, text: str) -> str:
        return self.exact.sub(" ", text) if self.found.search(fold(text)) else text


def rx_cut(pattern: str) -> CutRule:
    exact = (
        pattern.translate(_FOLD_RULE)
        .replace("@", WORD_START)
        .replace("&", AR_WORD_START)
        .replace("#", WORD_END)
    )
    return CutRule(found=rx(pattern), exact=re.compile(exact, re.IGNORECASE))


def _letter_first(alternative: str) -> list[str]:
    """Alternatives that together match where `alternative` does, each opening with a
    letter where that can be done: a Hebrew word start (@) is checked by lookbehinds after
    the word, an English one (\\b) after its first letter, other lookbehinds after the first
    letter too, and a leading group is spread over its own alternatives. Anything else is
    kept as it is."""
    if alternative.startswith("@"):
        return _stems_first(alternative[1:], HE, NOT_PREFIXES, 3, "@")
    if alternative.startswith("&"):
        return _stems_first(alternative[1:], AR, NOT_AR_PREFIXES, 4, "&")
    if alternative.startswith("\\b"):
        return [form for head in _heads(alternative[2:]) for form in _boundary_after(head)]
    if alternative.startswith("(?<"):
        return _lookbehinds_after_first_letter(alternative)
    heads = _heads(alternative)
    if heads == [alternative]:
        return heads
    return [form for head in heads for form in _letter_first(head)]


def _heads(pattern: str) -> list[str]:
    """A pattern that opens with a group, as one pattern per alternative of the group (and
    one without it when the group is optional; the group's capture is dropped: rules use
    none); any other pattern as itself."""
    if not pattern.startswith("(") or pattern.startswith("(?"):
        return [pattern]
    end = _group_end(pattern)
    heads, rest = _top_level(pattern[1:end]), pattern[end + 1 :]
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        return [head + rest[1:] for head in heads] + [rest[1:]]
    if rest[:1] in ("?", "*", "+", "{"):
        return [pattern]
    return [head + rest for head in heads]


def _lookbehinds_after_first_letter(alternative: str) -> list[str]:
    """An alternative that opens with lookbehinds, "(?<!x)" checked as "(?<!x.)" right after
    the first letter of each of its forms (the letter is the "." they then look past)."""
    if "@" in alternative or "&" in alternative:
        return [alternative]  # a form opening at a stem starts past the prefix letters
    lookbehinds = []
    while alternative.startswith("(?<"):
        end = _group_end(alternative)
        lookbehinds.append(alternative[: end + 1])
        alternative = alternative[end + 1 :]
    shifted = "".join(lookbehind[:-1] + ".)" for lookbehind in lookbehinds)
    forms = []
    for form in _letter_first(alternative):
        if re.match(rf"[a-z\u0430-\u044f{HE}{AR}](?![?*+{{])", form):
            forms.append(form[0] + shifted + form[1:])
        else:
            forms.append("".join(lookbehinds) + form)
    return forms


def _stems_first(pattern: str, letters: str, not_prefixes: str, most: int, mark: str) -> list[str]:
    """`mark` + `pattern`, as one alternative per stem, with the stem first."""
    stems, rest = _stems(pattern, letters)
    if not stems:
        return [mark + pattern]
    return [stem + _after_word_start(stem, letters, not_prefixes, most) + rest for stem in stems]


def _stems(pattern: str, letters: str) -> tuple[list[str], str]:
    """The literal words a pattern opens with ("(א|ב)…" or "אבג…") and what follows; no
    words when the opening is not plain letters."""
    if pattern.startswith("("):
        end = _group_end(pattern)
        stems, rest = _top_level(pattern[1:end]), pattern[end + 1 :]
    else:
        found = re.match(rf"[{letters}]+", pattern)
        stems, rest = ([found.group()], pattern[found.end() :]) if found else ([], pattern)
    plain = all(re.fullmatch(r"[^\\.^$*+?{}\[\]()|]+", stem) for stem in stems)
    return (stems, rest) if plain and rest[:1] not in ("?", "*", "+", "{") else ([], pattern)


def _after_word_start(stem: str, letters: str, not_prefixes: str, most: int) -> str:
    """Lookbehinds, placed after `stem`, that hold where "@" (or "&") would have matched
    before it: the letters right before the stem are at most `most`, and all prefixes."""
    word = re.escape(stem)
    checks = [rf"(?<![{letters}]{{{most + 1}}}{word})", rf"(?<![{not_prefixes}]{word})"]
    checks += [rf"(?<![{not_prefixes}][{letters}]{{{k}}}{word})" for k in range(1, most)]
    return "".join(checks)


def _boundary_after(pattern: str) -> list[str]:
    """\\b + `pattern`, with the boundary checked after the first letter when it is a plain
    one (a word boundary before a letter is "no word character before it")."""
    if re.match(r"[a-z\u0430-\u044f](?![?*+{])", pattern):
        return [pattern[0] + r"(?<!\w.)" + pattern[1:]]
    return ["\\b" + pattern]


def _top_level(pattern: str) -> list[str]:
    """`pattern` cut at each "|" outside groups and character classes."""
    cuts = [i for i, char, depth in _syntax(pattern) if char == "|" and depth == 0]
    bounds = zip([-1, *cuts], [*cuts, len(pattern)], strict=True)
    return [pattern[start + 1 : end] for start, end in bounds]


def _group_end(pattern: str) -> int:
    """Where the group that opens `pattern` closes."""
    for i, char, depth in _syntax(pattern):
        if char == ")" and depth == 1:
            return i
    raise ValueError(f"unbalanced group in a rule: {pattern}")


def _syntax(pattern: str):
    """(index, character, depth) for each character of `pattern` outside escapes and
    character classes; depth counts the groups open around it, its own included."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += char == "("
            yield i, char, depth
            depth -= char == ")"
        i += 1


def _rest_of_word(alternative: str) -> str:
    """An alternative written "start~rest", with `~` as the rest of the word that `start`
    opens (up to a space; `start` has none in it).

    The rest stops where `start` could match again, so a run of joined words that all open
    with it ("שקע.שקע.שקע…") is read once, from the last of them, and not once from each
    (quadratic in the run, as "\\S*" was). A search finds the same: every start in the run
    is followed by the same words."""
    if "~" not in alternative:
        return alternative
    start, rest = alternative.split("~", 1)
    return rf"{start}(?:(?!{start})\S)*{rest}"


# (weight, pattern) per trade. Stems are open on the right unless they end with `#`.
LEXICON: dict[str, list[tuple[float, str]]] = {
    IssueType.PLUMBING: [
        (5, r"@(אינסטלטור|אינסטלאטור|אינסטלציה|שרברב)|\bplumb(er|ing)|\bplumer"),
        (3, r"@(ברז|ברזים)#|\b(faucets?|taps?)\b"),
        (3, r"@(אסלה|אסלת|אסלות|ניאגרה|ניאגרות)|\b(toil+et|toliet|cistern)|\bflush"),
        (3, r"@(סתימה|סתימא|סתום|סתומה|סתומים|נסתם|נסתמה)|\b(clog+ed|clogs?|blocked|blockage)\b"),
        (3, r"@(ביוב|ביובית)|\b(sewage|sewer)"),
        (3, r"@(דוד|דודים|בוילר|בויילר)#|\b(water heater|boiler|dud shemesh|solar heater)"),
        (2, r"@(כיור|כיורים)#|\bsinks?\b"),
        (2, r"@(צינור|צנרת|צינורות)|\b(pipes?|piping|hose)\b"),
        (2, r"@(מים חמים)|\bhot water|@(לחץ מים)|\bwater pressure|@(מסנן מים)|\bwater filter"),
        (2, r"@(מקלחת|טוש|אמבטיה|אמבט|שירותים)#|\b(shower|bath ?tub)s?\b"),
        (3, r"@(הורדת מים|הורדת המים|מיכל הדחה)|\bgarbage disposal"),
        (2, r"@(נזילה|ניזילה|נזילות|דולף|דולפת|דליפה|מטפטף|מטפטפת|טפטוף)|\b(leak|leek|drip)\w*"),
        (1, r"@(ניקוז|מתנקז)|\bdrain\w*"),
    ],
    IssueType.ELECTRICAL: [
        (5, r"@(חשמלאי)|\belectric(ian|ion|ain|ition)|\belectrisian"),
        (3, r"@(שקע|שקעים|תקע|תקעים)#|\b(outlets?|sockets?|plugs?)\b"),
        (3, r"@(פחת|ממסר|פיוז|פיוזים|מפסק|מפסקים|לוח חשמל|לוח החשמל)|\b(breakers?|rcd|fuses?)\b"),
        (3, r"@(קצר חשמלי)|(יש|עשה|עושה|היה)\s+קצר#|\bshort[- ]?circuit"),
        (3, r"@(קפץ|קופץ|קפצה|מקפיץ|מקפיצה)|\btrip(s|ped|ping)?\b"),
        (3, r"@(הפסקת חשמל|אין חשמל|בלי חשמל|ללא חשמל|נפל החשמל)|\b(no power|power (is )?out)"),
        (3, r"\b(no electricity|power outage|blackout)\b"),
        (3, r"@(נקודת חשמל|נקודות חשמל|הארקה|בדיקת חשמל)|\b(grounding|earthing)\b"),
        (2, r"@(חשמל)#|\belectric(al|ity)\b|\bpanel\b|@(לוח)#"),
        (2, r"@(מנורה|מנורות|תאורה|נורה|נורות|מתג|מתגים|ספוטים|גוף תאורה)|\b(light|lights)\b"),
        (2, r"\b(switch(es)?|lamps?|light fixtures?)\b"),
        (2, r"@(ניצוץ|ניצוצות)|\bspark"),
    ],
    IssueType.HVAC: [
        (5, r"@(טכנאי מזגנים|טכנאי מיזוג|טכנאי למזגנים)|\bhvac\b"),
        (
            4,
            r"@(מזגן|מזגנים|מיזוג|מיני מרכזי)|\b(a/?c|air[ -]?con(ditioner|ditioning)?s?|aircon)\b",
        ),
        (4, r"\b(central air|split (ac|unit)|heat pump|mini[ -]?central)\b"),
        (2, r"@(מילוי גז)|\b(gas refill|regas)"),
    ],
    IssueType.APPLIANCES: [
        (4, r"@(מקפיא|מקפיאים|מכונת כביסה|מכונת הכביסה|מכונות כביסה|מדיח|תנור|תנורים)"),
        (4, r"@(מייבש|כיריים|מיקרוגל|קולט אדים|מכונת כלים)"),
        (4, r"\b(fridge|refrigerator|refridgerator|freezer|washing machine|washer|dishwasher)s?\b"),
        (4, r"\b(oven|dryer|tumble dryer|stove|cooktop|hob|microwave|range hood)s?\b"),
        (2, r"@(מוצרי חשמל|מכשירי חשמל)|\bappliances?\b"),
        (1, r"@(שגיאה|קוד שגיאה)|\berror( code)?\b"),
    ],
    IssueType.LOCKSMITH: [
        (5, r"@(מנעולן|מנעלן|מנעולנים)|\block ?smith"),
        (3, r"@(מנעול|מנעולים|צילינדר|רב בריח|בריח|מפתח|כספת|פריצת דלת|לפרוץ)"),
        (3, r"@(ננעלתי|ננעלנו|ננעלה|ננעל|נעול|נעולה)#"),
        (3, r"\b(locks?|cylinder|deadbolt|keys?|locked|lockout)\b|\bsafe\b(?! room)"),
        (1, r"@(דלת|דלתות)#|\bdoors?\b"),
    ],
    IssueType.HANDYMAN: [
        (5, r"@(הנדימן|הנדימנים|איש תחזוקה|תיקונים קטנים)|\b(handy ?m[ae]n|odd jobs)\b"),
        (3, r"@(מדף|מדפים|לתלות|תליית|תלייה|להרכיב|הרכבת|הרכבה|ירכיב|איקאה|רהיט|וילון|ציר|צירים)"),
        (3, r"@(לקדוח|קידוח|ספריה|ספרייה|טלוויזיה|דלת פנים|דלתות פנים|משתפשפת|חורים בקיר)"),
        (3, r"\b(shel(f|ves)|hang(ing)?|mount(ing)?|assembl\w*|ikea|furniture|curtains?)\b"),
        (3, r"\b(hinges?|mirrors?|picture frames?|drill\w*|cribs?|bookshel\w*|bookcase)\b"),
        (3, r"\b(put together|interior doors?|scrapes?|re-?anchor\w*|tv)\b"),
        (2, r"@(ארון|ארונות|מוט|מוטות|מראה|תמונה|תמונות|ידית|ידיות|מיטה|מיטת|שולחן|כיסא|מתקן)"),
        (2, r"\b(wardrobe|cabinet|rods?|pictures?|holes?|patch\w*|fix(es)? around)\b"),
    ],
    IssueType.SEALING: [
        (5, r"@(איטום|אטימה|לאטום|איטומים|בידוד)|\b(waterproof\w*|sealing|damp[- ]?proof\w*)"),
        (4, r"@(רטיבות|עובש|טחב|חלחול|מחלחל|חודרים|חודרת)|\b(damp\w*|mou?ld\w*|moisture)\b"),
        (3, r"@(רטוב|רטובה|רטובים|רטובות|מתקלף|מתקלפת|קילופים|מתנפח)#|\b(seep\w*|peeling)\b"),
        (3, r"@(גג|גגות|רעפים|ביטומן|יריעות)#|\b(roofs?|roofing|bitumen)\b"),
        (2, r"@(תקרה|תקרת)|\bceilings?\b|\b(musty|condensation)\b"),
        (1, r"@(גשם|גשמים|חורף)#|\b(rain\w*|winter)\b"),
    ],
    IssueType.OTHER: [
        (
            4,
            r"@(לצבוע|צביעה|צביעת|צבעי)#|\bpainter\b"
            r"|\bpaint(ing)? (the |my |a |an )?\d? ?(room|apartment|flat|house|walls?)",
        ),
        (4, r"@(ניקיון)|\b(house cleaning|cleaner|cleaning lady|post[- ]renovation cleaning)\b"),
        (5, r"@(גנן|גינון|גיזום)|\b(gardener|gardening|lawn|tree trimming)\b"),
        (4, r"@(רצף|ריצוף|אריחים)#|\b(tiler|tiling|tiles)\b"),
    ],
}


def _compiled(lexicon: dict[str, list[tuple[float, str]]]) -> dict[str, list]:
    return {trade: [(w, rx(p)) for w, p in rules] for trade, rules in lexicon.items()}


# Rules by script: a message is read with the Hebrew and English rules, and with the Arabic
# or Russian ones only when it has letters of that script (ai.offline_issue_words).
RULES_BY_SCRIPT = {
    "he_en": _compiled(LEXICON),
    "ar": _compiled(LEXICON_AR),
    "ru": _compiled(LEXICON_RU),
}
RULES = RULES_BY_SCRIPT["he_en"]

# Signals the override rules combine.
SIGNALS = {
    "gas_smell": r"@(ריח גז|ריח של גז|ריח חזק של גז|דליפת גז|נזילת גז)"
    r"|@(מריח|מריחה|מריחים)~(\s+\S+){0,2}\s+גז#"
    r"|\bsmell\w* (of |like )?gas|\bgas (smell|leak)",
    "pests": r"@(הדברה|מדביר|ג'וקים|ג׳וקים|מקקים|טרמיטים|עכברים)|\b(pest|cockroach|roach|termite)",
    "moving": r"@(הובלה|הובלות|מובילים)#|\b(movers?|moving company|removals)\b",
    "outlet_or_panel": r"@(שקע|שקעים|תקע|לוח חשמל|לוח החשמל)#|\b(outlets?|sockets?|plugs?|panel)\b",
    "burning": r"@(ריח של שרוף|ריח שרוף|ריח של שריפה|שרוף|נמס|עשן|ניצוץ)|\b(burn\w*|smok\w*|"
    r"spark\w*|melt\w*|smells hot)\b",
    "ac": r"@(מזגן|מזגנים|מיזוג|מיני מרכזי)|\b(a/?c|air[ -]?con\w*|aircon|central air|heat pump)\b",
    "panel": r"@(לוח חשמל|לוח החשמל|הלוח|חשמלאי)|\b(panel|fuse box|electrician)\b",
    "new_point": r"@(נקודת חשמל|נקודות חשמל|התקנת שקע|להתקין שקע|להוסיף שקע|שקע חדש|שקעים חדשים)"
    r"|\b(install|add) (an? |new )?(outlet|socket|power point)",
    "breaker_trip": r"@(מקפיץ|מקפיצה|קופץ|קפץ|קופצת)|\btrip(s|ped|ping)?\b",
    "appliance": r"@(מקרר|מקפיא|מכונת כביסה|מכונת הכביסה|מדיח|תנור|מייבש|כיריים|מיקרוגל)|\b(fridge|"
    r"refrigerator|freezer|washing machine|dishwasher|oven|dryer|stove|microwave)\b",
    "together": r"@(ביחד|יחד)#|\btogether\b",
    "boiler": r"@(דוד|בוילר|בויילר)#|\b(water heater|boiler|dud shemesh)",
    "boiler_trouble": r"@(לא מחמם|לא מחממים|אין מים חמים|מים קרים|נזילה|דולף|מטפטף|נוזל)"
    r"|\b(not heat"
    r"\w*|isn'?t heating|doesn'?t heat|no hot water|leak\w*|drip\w*)",
    "boiler_electric": r"@(תרמוסטט|טרמוסטט|גוף חימום|גוף החימום|חשמלאי|חשמל)#|\b(thermostat|heating"
    r" element|electrician|electricity)\b",
    "damp": r"@(רטיבות|עובש|טחב|כתמי מים|חלחול)|\b(damp\w*|mou?ld\w*|moisture|musty)\b",
    "through_structure": r"@(תקרה|תקרת|גג|קיר|קירות|חלון)|\b(ceilings?|roofs?|walls?|windows?)\b",
    "water": r"@(מים|נזילה|נוזל|נוזלים|מטפטף|דולף|דליפה|רטוב|רטובה|רטובים)"
    r"|\b(water|wet|leak\w*|drip\w*)\b",
    "pipe_source": r"@(צינור|צנרת|צינורות|השכן מלמעלה|השכנים מלמעלה)|\b(pipes?|upstairs)\b",
    "pipe_leak_pipe": r"@(צינור|צנרת|צינורות)|\b(pipes?|hose)\b",
    "pipe_leak_water": r"@(נזילה|נוזל|דולף|מטפטף|התנתק|התפוצץ|הצפה|מוצף)|\b(leak\w*|burst|"
    r"flood\w*|drip\w*)",
}
SIGNAL_RX_BY_SCRIPT = {
    "he_en": {name: rx(p) for name, p in SIGNALS.items()},
    "ar": {name: rx(p) for name, p in SIGNALS_AR.items()},
    "ru": {name: rx(p) for name, p in SIGNALS_RU.items()},
}
SIGNAL_RX = SIGNAL_RX_BY_SCRIPT["he_en"]

# "לא מקרר" / "רק מקרר" / "ומקרר" describe cooling, not a fridge.
FRIDGE_HE = rx(r"(?<!לא )(?<!רק )(?<![ו])(?<![א-ת])(ה|של ה|ל|ב)?(מקרר|מקררר|מקררים)#")
# Appliances named as a place: "ליד המקרר", "behind the washing machine" (water *under* an
# appliance usually comes from it, so "מתחת למדיח" still counts).
AS_PLACE = rx_cut(
    r"(ליד|מאחורי|מעל)\s*ה?(מקרר|מכונת (ה)?כביסה|מדיח|תנור)"
    r"|\b(behind|next to|near|beside) (the |my )?(fridge|washing machine|dishwasher|oven)\b"
    rf"|{AS_PLACE_AR_RU}"
)


@dataclass
class IssueReading:
    issue_type: str
    rule: str = ""  # the override that decided, or "" when the keyword scores did


def classify(text: str) -> IssueReading:
    text = AS_PLACE.cut(fold(text))
    present = scripts(text)
    has = {
        name: any(SIGNAL_RX_BY_SCRIPT[script][name].search(text) for script in present)
        for name in SIGNALS
    }
    for rule, decide in OVERRIDES:
        trade = decide(has)
        if trade:
            return IssueReading(trade, rule)
    return IssueReading(best_trade(scores(text)))


def scores(text: str) -> dict[str, float]:
    text = fold(text)  # no copy when classify folded it already
    totals = dict.fromkeys(RULES, 0.0)
    for script in scripts(text):
        for trade, rules in RULES_BY_SCRIPT[script].items():
            totals[trade] += sum(w for w, p in rules if p.search(text))
    if FRIDGE_HE.search(text):
        totals[IssueType.APPLIANCES] += 4
    return totals


def best_trade(totals: dict[str, float]) -> str:
    # Ties go to the trade listed first in LEXICON (dict order); "other" when nothing is strong.
    trade, score = max(totals.items(), key=lambda item: item[1])
    return trade if score >= MIN_SCORE else IssueType.OTHER


def _not_ours(has):
    return IssueType.OTHER if has["gas_smell"] or has["pests"] or has["moving"] else None


def _burning_outlet(has):
    if has["outlet_or_panel"] and has["burning"] and not has["ac"]:
        return IssueType.ELECTRICAL
    return None


def _air_conditioner(has):
    if not has["ac"]:
        return None
    if has["panel"] or has["new_point"]:
        return IssueType.ELECTRICAL
    return IssueType.HVAC


def _appliance_trips(has):
    if not (has["appliance"] and has["breaker_trip"]):
        return None
    return IssueType.ELECTRICAL if has["together"] or has["panel"] else IssueType.APPLIANCES


def _boiler(has):
    if not (has["boiler"] and has["boiler_trouble"]):
        return None
    return IssueType.ELECTRICAL if has["boiler_electric"] else IssueType.PLUMBING


def _through_structure(has):
    if not (has["damp"] or (has["through_structure"] and has["water"])):
        return None
    if has["appliance"] and not has["damp"]:
        return None  # "the dishwasher leaks onto the floor by the wall" is the appliance
    return IssueType.PLUMBING if has["pipe_source"] else IssueType.SEALING


def _pipe_leak(has):
    return IssueType.PLUMBING if has["pipe_leak_pipe"] and has["pipe_leak_water"] else None


OVERRIDES = [
    ("not-our-trade", _not_ours),
    ("burning-outlet", _burning_outlet),
    ("air-conditioner", _air_conditioner),
    ("appliance-trips-breaker", _appliance_trips),
    ("boiler", _boiler),
    ("water-through-structure", _through_structure),
    ("pipe-leak", _pipe_leak),
]
