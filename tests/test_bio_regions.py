"""Regions from Bluesky and Mastodon bios (monitor.regions.bio): explicit place phrases only, measured on
labelled bios whose labels were written before the reader ran.

tests/data/bios_labelled.tsv (324 bios) is the set the rules were developed on; tests/data/bios_heldout.tsv
(103 bios) was written and labelled afterwards, with the rules frozen, and is the honest measure. A wrong
region is worse than Unknown: the development set must give none.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from monitor.attribution import Attributor
from monitor.config import default_config
from monitor.regions import UNKNOWN
from monitor.regions.bio import EVIDENCE, place_phrases, read_bio

DATA = Path(__file__).parent / "data"


def score(name: str) -> dict:
    rows = list(csv.DictReader((DATA / name).open(encoding="utf-8"), delimiter="\t"))
    found = {"rows": len(rows), "placed": 0, "right": 0, "wrong": [], "unknown": []}
    for row in rows:
        got = read_bio(row["bio"], row["display_name"]).region
        found["placed"] += row["region"] != UNKNOWN
        if got == row["region"]:
            found["right"] += 1
        elif got == UNKNOWN:
            found["unknown"].append(row["bio"] or row["display_name"])
        else:
            found["wrong"].append((row["bio"] or row["display_name"], row["region"], got))
    return found


def test_the_development_set_gives_no_wrong_region_and_few_unknowns():
    found = score("bios_labelled.tsv")
    assert found["rows"] >= 300
    assert found["wrong"] == []
    print(f"development: {found['rows']} bios, {found['placed']} name a place; {len(found['unknown'])} of those "
          f"Unknown ({len(found['unknown']) / found['placed']:.1%}), 0 wrong")
    assert len(found["unknown"]) / found["placed"] <= 0.02, found["unknown"]


def test_the_held_out_set_as_measured_when_the_rules_were_frozen():
    """2 wrong of 103 when first run ('Tyneside primary head', labelled Unknown as a demonym-like phrase; 'Teacher
    in Wells', which the gazetteer reads as Wells, Somerset): held here as the bound, so a change that makes
    the reader guess more shows."""
    found = score("bios_heldout.tsv")
    print(f"held out: {found['rows']} bios, {found['placed']} name a place; {len(found['unknown'])} Unknown, "
          f"{len(found['wrong'])} wrong: {found['wrong']}")
    assert found["rows"] >= 100 and len(found["wrong"]) <= 2
    assert len(found["unknown"]) / found["placed"] <= 0.08


@pytest.mark.parametrize("bio, region", [
    ("Headteacher in Leeds. Views my own.", "Yorkshire and The Humber"),
    ("📍 LS6", "Yorkshire and The Humber"),
    ("Teacher. Leeds, UK.", "Yorkshire and The Humber"),
    ("Huddersfield-based school leader", "Yorkshire and The Humber"),
    ("Studied at Oxford, teaching ever since", UNKNOWN),      # where they were, not where they are
    ("Leeds United fan, maths teacher", UNKNOWN),             # a club, not a place
    ("Head of Reading at a primary school", UNKNOWN),         # a subject
    ("KS2 teacher, Y6 lead", UNKNOWN),                        # school codes shaped like postcodes
    ("Head teacher in London, Ontario", UNKNOWN),             # abroad
    ("Headteacher in Leeds and London", UNKNOWN),             # two regions
])
def test_explicit_place_phrases_only(bio, region):
    assert read_bio(bio, "Sam Jones").region == region


def test_a_display_name_is_read_for_places_but_never_its_person_name():
    assert read_bio("", "NAHT Cymru").region == "Wales"
    assert read_bio("", "Emma | Head | Bristol").region == "South West"
    assert read_bio("Teacher", "Lee Clarke").region == UNKNOWN     # Lee is a place in London too
    assert place_phrases("Lee Clarke", display_name=True) == []


def test_bluesky_and_mastodon_authors_are_attributed_from_their_bio_and_x_authors_are_not():
    attributor = Attributor(default_config())
    bluesky = {"id": "bsky:a", "network": "bluesky", "username": "sam.bsky.social", "name": "Sam",
               "location": None, "description": "Primary head in Sheffield"}
    decided = attributor.decide(bluesky, None, None)
    assert (decided["region"], decided["region_evidence"]) == ("Yorkshire and The Humber", EVIDENCE)
    assert "Sheffield" in decided["_detail"]
    x_author = {**bluesky, "id": "9", "network": "x", "username": "sam"}   # X has a location field: the bio waits
    assert attributor.decide(x_author, None, None)["region"] == UNKNOWN
