"""The gazetteer's data: Israel's cities, local councils and best-known communities.

`cities.json` is a list with one object per line:

- `slug`: stable ASCII key (`tel-aviv`, `petah-tikva`); the `pros.City` slug.
- `kind`: `city` (municipal status), `local_council`, or `community` (a locality of a
  regional council that people give as their place).
- `name_he`, `name_en`: display names. Both are also matched, unless excluded.
- `aliases`: other spellings, abbreviations, transliterations, unambiguous neighbourhoods.
  Write each once: `ai.gazetteer` derives the variants (gershayim or geresh and their
  ASCII quotes, hyphen or maqaf or space, קריית or קרית, Latin with or without
  apostrophes, Latin multi-word names written as one word).
- `strict` (optional): spellings that are also everyday words or first names (אלעד,
  עומר, נשר, "Ariel"). They count only after a place preposition (באלעד, מעומר, "in
  Ariel"), a place word (העיר, היישוב, "moshav") or alone between punctuation.
- `exclude` (optional): forms never to match, e.g. a Hebrew name that is mostly an
  everyday word (אזור "area", מסעדה "restaurant", מגדל "tower").
"""

import json
from pathlib import Path

CITIES_FILE = Path(__file__).with_name("cities.json")


def load_cities() -> list[dict]:
    return json.loads(CITIES_FILE.read_text(encoding="utf-8"))
