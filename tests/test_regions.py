"""Region attribution: the labelled set (accuracy figures) and one test per trap in docs/regions.md."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.regions import (
    DEFAULT_DISPLAY_NAMES,
    GAZETTEER_VERSION,
    REGIONS,
    TILE_GRID,
    UNKNOWN,
    Attribution,
    Evidence,
    KnownAccount,
    attribute,
    explain,
    gazetteer,
    locate,
)
from monitor.regions.text import norm

LABELLED = Path(__file__).parent / "data" / "locations_labelled.csv"
MAX_WRONG_RATE = 0.01
MAX_UNKNOWN_RATE_UK = 0.10


def load_labelled():
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def region(text: str) -> str:
    return locate(text).region


# ---------------------------------------------------------------- the labelled set

def test_labelled_set_is_big_enough_and_valid():
    rows = load_labelled()
    assert len(rows) >= 300
    assert {r["expected"] for r in rows} <= set(REGIONS) | {UNKNOWN}
    assert {r["uk_place"] for r in rows} <= {"yes", "no"}


def test_labelled_set_accuracy(capsys):
    rows = load_labelled()
    wrong, unknown_uk, uk_rows = [], [], 0
    for row in rows:
        got = locate(row["location"])
        if got.region != UNKNOWN and got.region != row["expected"]:
            wrong.append((row["location"], row["expected"], got.region, got.detail))
        if row["uk_place"] == "yes":
            uk_rows += 1
            if got.region == UNKNOWN:
                unknown_uk.append((row["location"], got.detail))
    wrong_rate = len(wrong) / len(rows)
    unknown_rate = len(unknown_uk) / uk_rows
    with capsys.disabled():
        print(f"\nlabelled set: {len(rows)} strings, {uk_rows} naming a UK place")
        print(f"wrong region: {len(wrong)}/{len(rows)} = {wrong_rate:.2%} (limit {MAX_WRONG_RATE:.0%})")
        print(f"Unknown among UK places: {len(unknown_uk)}/{uk_rows} = {unknown_rate:.2%} "
              f"(limit {MAX_UNKNOWN_RATE_UK:.0%})")
    assert wrong_rate <= MAX_WRONG_RATE, wrong
    assert unknown_rate <= MAX_UNKNOWN_RATE_UK, unknown_uk


# ---------------------------------------------------------------- interface

def test_region_list_display_names_and_tiles():
    assert REGIONS[0] == "North East" and "Scotland" in REGIONS and len(REGIONS) == 12
    assert set(DEFAULT_DISPLAY_NAMES) >= set(REGIONS)
    assert DEFAULT_DISPLAY_NAMES["Wales"] == "NAHT Cymru"
    assert set(TILE_GRID) == set(REGIONS)
    assert len(set(TILE_GRID.values())) == len(TILE_GRID)
    assert TILE_GRID["Scotland"] == (2, 0) and TILE_GRID["London"] == (3, 4)


def test_gazetteer_version_is_a_short_stable_string():
    assert isinstance(GAZETTEER_VERSION, str) and len(GAZETTEER_VERSION) >= 8
    assert gazetteer.compute_version() == GAZETTEER_VERSION


def test_every_english_authority_of_the_packages_has_a_region():
    la_regions = gazetteer.load_la_regions()
    missing = {p.authority for p in gazetteer.load_rg_places()
               if p.nation == "England" and norm(gazetteer.clean_authority(p.authority)) not in la_regions}
    assert not missing
    assert set(la_regions.values()) <= set(REGIONS)


def test_aliases_name_only_known_regions():
    groups = set(gazetteer.GROUPS) | {"ABROAD", "NONE"}
    for alias, regions, _branch, match in gazetteer.load_aliases():
        assert set(regions.split("|")) <= set(REGIONS) | groups, alias
        assert match in {"any", "whole", "capital", "dir", "upper"}, alias


# ---------------------------------------------------------------- traps from docs/regions.md

def test_wales_the_nation_and_wales_the_village():
    assert region("Wales") == "Wales"
    assert region("Wales, UK") == "Wales"
    village = locate("Wales, Rotherham")
    assert village.region == "Yorkshire and The Humber" and village.branch == "Rotherham"
    assert region("Wales, South Yorkshire") == "Yorkshire and The Humber"


def test_newport_namesakes():
    assert region("Newport") == "Wales"  # the city outweighs the Isle of Wight town sixfold
    assert region("Newport, Isle of Wight") == "South East"
    assert region("Newport, Shropshire") == "West Midlands"
    assert region("Newport, South Wales") == "Wales"


def test_bangor_and_st_ives_stay_unknown_alone():
    assert region("Bangor") == UNKNOWN
    assert region("Bangor, Gwynedd") == "Wales"
    assert region("Bangor, Co Down") == "Northern Ireland"
    assert region("St Ives") == UNKNOWN
    assert region("St. Ives, Cornwall") == "South West"
    assert region("Saint Ives, Cambs") == "East of England"


def test_warrington_the_town_not_the_village():
    assert locate("Warrington").branch == "Warrington"
    assert region("Warrington") == "North West"


@pytest.mark.parametrize("text", ["London, Ontario", "London, ON", "Birmingham, Alabama", "Birmingham, AL",
                                  "Durham, NC", "Worcester, MA", "Lincoln, Nebraska", "Perth, Australia",
                                  "Dublin, Ireland", "New South Wales", "Leeds born, Dubai based"])
def test_namesakes_abroad_are_unknown(text):
    assert region(text) == UNKNOWN
    assert "abroad" in locate(text).detail


def test_big_uk_names_beat_smaller_foreign_namesakes():
    assert region("London") == "London"
    assert region("Birmingham") == "West Midlands"
    assert region("Durham") == "North East"
    assert region("Perth") == UNKNOWN  # Perth, Western Australia is forty times bigger
    assert region("Perth, Scotland") == "Scotland"


def test_two_places_same_region_and_two_regions():
    both = locate("Manchester / Salford")
    assert both.region == "North West"
    assert region("Huddersfield/Leeds") == "Yorkshire and The Humber"
    assert region("Leeds / London") == UNKNOWN
    assert "different regions" in locate("Kent / Essex").detail
    assert region("Brighton & Hove") == "South East"  # one authority, not two places


def test_postcode_districts():
    for text, expected, branch in [("LS6", "Yorkshire and The Humber", "Leeds"), ("CF10", "Wales", "Cardiff"),
                                   ("BT9", "Northern Ireland", "Belfast"), ("SW19", "London", "Merton"),
                                   ("ls6 3qs", "Yorkshire and The Humber", "Leeds"),
                                   ("Leeds LS6", "Yorkshire and The Humber", "Leeds"),
                                   ("EH1", "Scotland", None)]:
        got = locate(text)
        assert got.region == expected, text
        if branch:
            assert got.branch == branch, text
    assert region("JE2") == UNKNOWN  # Jersey: outside the twelve regions
    assert region("EC1") == "London"  # split central districts (EC1A, EC1M...) by their prefix
    assert region("KS2") == UNKNOWN  # Key Stage 2, not a postcode
    assert region("Y6 teacher") == UNKNOWN


def test_welsh_names():
    for text in ["Caerdydd", "Abertawe", "Casnewydd", "Wrecsam", "Ynys Môn", "Pen-y-bont ar Ogwr", "Cymru"]:
        assert region(text) == "Wales", text
    assert locate("Caerdydd").branch == "Cardiff"


def test_emoji_and_flags():
    assert region("🏴󠁧󠁢󠁷󠁬󠁳󠁿") == "Wales"
    assert region("🏴󠁧󠁢󠁳󠁣󠁴󠁿") == "Scotland"
    assert region("🏴󠁧󠁢󠁥󠁮󠁧󠁿") == UNKNOWN  # England names no region
    assert region("🇬🇧") == UNKNOWN
    assert region("🇺🇸") == UNKNOWN
    assert region("Leeds 🏫📚") == "Yorkshire and The Humber"
    assert region("📍 Sheffield") == "Yorkshire and The Humber"
    assert region("Birmingham 🇬🇧") == "West Midlands"
    assert region("🇮🇪 Galway") == UNKNOWN


def test_case_and_punctuation():
    for text in ["leeds", "LEEDS", "Leeds!!", "~ Leeds ~", "#Leeds", "Leeds.", "  Leeds  "]:
        assert region(text) == "Yorkshire and The Humber", text
    assert region("Stoke-on-Trent") == region("stoke on trent") == "West Midlands"
    assert region("King's Lynn") == "East of England"
    assert region("Co. Durham") == "North East"


def test_aliases_nicknames_and_region_names():
    cases = {"Notts": "East Midlands", "Lincs": "East Midlands", "Herts": "East of England",
             "Staffs": "West Midlands", "Glos": "South West", "Brum": "West Midlands",
             "Donny": "Yorkshire and The Humber", "Pompey": "South East", "Norn Iron": "Northern Ireland",
             "God's Own County": "Yorkshire and The Humber", "East Mids": "East Midlands",
             "West Country": "South West", "Black Country": "West Midlands", "Teesside": "North East"}
    for text, expected in cases.items():
        assert region(text) == expected, text
    notts = locate("Notts")
    assert notts.branch == "Nottinghamshire" and "notts" in notts.detail.lower()


def test_no_region_named():
    for text in ["UK", "England", "Britain", "United Kingdom", "somewhere over the rainbow", "", "   ",
                 "Midlands", "South Coast", "SEND", "Reading books", "Primary school"]:
        assert region(text) == UNKNOWN, text


def test_scotland_is_counted():
    assert region("Glasgow") == "Scotland"
    assert region("Edinburgh, Scotland") == "Scotland"


def test_direction_words_do_not_become_regions():
    assert region("North West London") == "London"
    assert region("South West London") == "London"
    assert region("North West") == "North West"


# ---------------------------------------------------------------- evidence order

ACCOUNTS = {"NAHT_Leeds": KnownAccount("NAHT_Leeds", "Yorkshire and The Humber", "Leeds")}


def test_known_account_comes_first_and_matches_case_insensitively():
    got = attribute(Evidence(username="naht_leeds", profile_location="Cardiff", correction="Wales"), ACCOUNTS)
    assert got == Attribution("Yorkshire and The Humber", "Leeds", "known_account", 1.0, got.detail)
    assert attribute(Evidence(username="@NAHT_LEEDS"), ACCOUNTS).evidence == "known_account"


def test_correction_beats_place_and_profile():
    place = {"full_name": "Leeds, England", "name": "Leeds", "country_code": "GB", "place_type": "city"}
    got = attribute(Evidence(username="someone", profile_location="Leeds", place=place,
                             correction="Scotland", correction_branch=None), ACCOUNTS)
    assert (got.region, got.evidence) == ("Scotland", "correction")
    with pytest.raises(ValueError):
        attribute(Evidence(correction="Narnia"))


def test_place_beats_profile_location():
    place = {"full_name": "Cardiff, Wales", "name": "Cardiff", "country_code": "GB", "place_type": "city"}
    got = attribute(Evidence(profile_location="Leeds", place=place))
    assert (got.region, got.branch, got.evidence) == ("Wales", "Cardiff", "place")


def test_place_abroad_or_country_only_falls_back_to_profile():
    abroad = {"full_name": "Paris, France", "name": "Paris", "country_code": "FR", "place_type": "city"}
    assert attribute(Evidence(profile_location="Leeds", place=abroad)).evidence == "profile_location"
    country = {"full_name": "United Kingdom", "name": "United Kingdom", "country_code": "GB", "place_type": "country"}
    assert attribute(Evidence(profile_location="Notts", place=country)).region == "East Midlands"


def test_place_wales_village_with_england():
    place = {"full_name": "Wales, England", "name": "Wales", "country_code": "GB", "place_type": "city"}
    assert attribute(Evidence(place=place)).region == "Yorkshire and The Humber"


def test_nothing_known_is_unknown_with_evidence_none():
    got = attribute(Evidence(username="x", profile_location="somewhere over the rainbow"))
    assert (got.region, got.evidence, got.confidence) == (UNKNOWN, "none", 0.0)
    assert attribute(Evidence()).region == UNKNOWN


def test_confidence_in_range():
    for text in ["Leeds", "LS6", "Wales, Rotherham", "Newport", "Somewhere in Kent"]:
        assert 0.0 < locate(text).confidence <= 1.0


# ---------------------------------------------------------------- explain and cache

def test_explain_names_the_evidence():
    text = explain("Notts")
    assert "East Midlands" in text and "Nottinghamshire" in text and "notts" in text.lower()
    assert "Unknown" in explain("Bangor")


def test_module_command_line():
    out = subprocess.run([sys.executable, "-m", "monitor.regions", "explain", "Notts"],
                         capture_output=True, text=True, check=True).stdout
    assert "East Midlands" in out


def test_tables_are_pickled_under_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path))
    tables = gazetteer.get_tables()
    gazetteer._write_cache(gazetteer._cache_path(), tables)
    path = tmp_path / f"gazetteer-{GAZETTEER_VERSION}.pickle"
    assert path.exists()
    gazetteer.clear_memory()
    try:
        assert gazetteer._load_or_build().names.keys() == tables.names.keys()
    finally:
        gazetteer.clear_memory()
