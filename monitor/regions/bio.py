"""Region from a bio and a display name (Bluesky and Mastodon profiles have no location field).

A bio is mostly about other things than where a person is ("Studied at Oxford", "Leeds United fan",
"Head of Reading"), so only an explicit place phrase counts, each read by monitor.regions.locate:
- a pin or a label: "📍 Leeds", "🏠 LS6", "Location: Barnsley";
- a role or a verb of being somewhere, then "in"/"at"/"across": "headteacher in Leeds", "based in Hull",
  "working across Hertfordshire", "now in London" (not "trained in", "grew up in", "one in");
- "MP for Leeds Central", "NAHT Cymru", "the NAHT branch for Kent";
- "<place>, UK" (or England, Wales, Scotland, Northern Ireland), "<place>-based", "<place> based";
- a part of the bio between separators (| • / , .) that is a capitalised place name or a postcode
  district on its own: "Headteacher | Harrogate", "Deputy head, Colchester", "NE6 | governor".
All the phrases must agree on one region; two regions, a place abroad or nothing explicit is Unknown.
Measured on tests/data/bios_labelled.tsv (tests/test_bio_regions.py).
"""
from __future__ import annotations

import functools
import re

from monitor.regions import UNKNOWN, Attribution, locate

EVIDENCE = "profile_bio"
CONFIDENCE_FACTOR = 0.9   # a bio's place is said in passing: a little less sure than a location field

ROLE = (r"head(?:teacher|\s+teacher)?|deputy(?:\s+head)?|depute(?:\s+head)?|principal|teacher|teaching|teach|"
        r"teaches|senco|governors?|leaders?|lead|ect|nqt|worker|therapist|psychologist|nurse|officer|trustee|"
        r"ceo|manager|assistant|athro|athrawes|pennaeth|mum|dad|parent|school|schools|primary|nursery|academy|"
        r"based|living|live|lives|working|work|works|located|now|currently|still|supporting|unit|trust|mat|"
        r"service|services|team|college|office|class|classroom")
TRIGGER = re.compile(rf"\b(?:{ROLE})\s+(?:in|at|across|around|yng|ym|yn)\s+(?P<place>[^|•/;!?\n]+)", re.IGNORECASE)
PIN = re.compile(r"(?:📍|🏠|📌|\blocation\s*:|\bbased\s*:)\s*(?P<place>[^|•/;!?\n]+)", re.IGNORECASE)
MP_FOR = re.compile(r"\b(?:MP|Member of Parliament)\s+for\s+(?P<place>[^|•/;!?.\n]+)")
NAHT = re.compile(r"\bNAHT\s+(?!branch\b|member\b|rep\b|regional\b|officer\b)(?P<place>[A-Z][^|•/;!?.,\n]*)")
BRANCH_FOR = re.compile(r"\bbranch\s+(?:for|covering|in)\s+(?P<place>[^|•/;!?.\n]+)", re.IGNORECASE)
NATION_AFTER = re.compile(r"(?P<place>[A-Z][\w'’&-]*(?:[ -][A-Z][\w'’&-]*){0,3}),\s*(?:UK|England|Wales|Scotland|"
                          r"Northern Ireland|N\.? ?Ireland)\b")
BASED = re.compile(r"(?P<place>[A-Z][\w'’&]*(?:[ -][A-Z][\w'’&]*){0,2})[ -]based\b")
# "<place> headteacher", "SE London primary head": a place written just before a role.
PLACE_ROLE = re.compile(r"(?P<place>[A-Z][\w'’-]*(?: (?:of |upon |on )?[A-Z][\w'’-]*)?) "
                        r"(?:(?:primary|secondary|special|nursery) )?"
                        r"(?:headteacher|head teacher|head|teacher|deputy head|senco|SENCo|governor|principal)\b")
# Words that say who someone is, not where they are now ("Brummie teacher", "Proud Yorkshire lass").
DEMONYMS = {"brummie", "geordie", "mancunian", "scouse", "scouser", "londoner", "cockney", "yorkshire", "welsh",
            "scottish", "irish", "english", "british", "cornish", "former", "retired", "ex", "maths", "science",
            "music", "art", "history", "primary", "secondary", "special", "proud", "supply"}
# Lower-case words a place name can hold (Newcastle upon Tyne, Pen-y-bont ar Ogwr); any other makes a phrase.
PLACE_CONNECTORS = {"upon", "on", "under", "le", "la", "de", "y", "ar", "the", "-", "&"}   # Brighton & Hove
SEPARATORS = re.compile(r"\s*(?:[|•/]|\.\s|,\s|\s[-–—]\s)\s*")
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
# Shaped like postcode districts, but school words: key stages, year groups (S1-S6 and P1-P7 in Scotland).
SCHOOL_CODES = re.compile(r"^(?:KS\d|Y\d{1,2}|S[1-6]|P[1-7])$")
# Capitalised words of bios that are also UK place names: never a place when they stand alone.
BARE_WORDS = {"reading", "march", "deal", "hope", "street", "battle", "bath", "wells", "rugby", "sandy", "ash",
              "send", "eye", "over", "home", "school", "primary", "academy", "mum", "dad", "teacher", "head",
              "governor", "england", "uk", "britain", "lee", "lewis"}
NATIONS = {"wales": "Wales", "cymru": "Wales", "scotland": "Scotland", "northern ireland": "Northern Ireland"}
# "Head in Cannock and proud of our pupils", "I live in Chester and teach in Wrexham": each clause read on its
# own (the gazetteer refuses a place inside a phrase about something else); "Cardiff South and Penarth",
# whose second part is capitalised, stays one phrase.
AND_CLAUSE = re.compile(r"\s+(?:and|&)\s+(?=[a-z])")
STOP_AT = re.compile(r"\s+(?:since|for|with|but|who|where|when|to)\b.*$|[.:]\s.*$|\.$", re.IGNORECASE)


def _trim(place: str) -> str:
    """The place of a phrase: up to a clause that is no longer the place, without trailing emoji."""
    place = re.sub(r"['’]s\s+[a-z].*$", "", place.strip())   # "Northern Ireland's schools", not "King's Lynn"
    place = STOP_AT.sub("", place)
    place = re.sub(r"[^\w)'’]+$", "", place)
    words = place.split()
    return " ".join(words[:6])


def _is_name(segment: str) -> bool:
    """Capitalised words only (and the connectors place names hold): 'Harrogate', 'Stoke-on-Trent'."""
    words = segment.replace("-", " - ").split()
    return bool(words) and all(w[0].isupper() or w in PLACE_CONNECTORS for w in words)


def _bare_segments(segments: list[str]) -> list[str]:
    """Parts between separators that are, on their own, a capitalised place name or a postcode district."""
    found = []
    for segment in segments:
        segment = re.sub(r"^[^\w]+|[^\w)]+$", "", segment.strip())
        if not segment or len(segment.split()) > 4:
            continue
        postcode = POSTCODE_DISTRICT.match(segment) and not SCHOOL_CODES.match(segment)
        # "Mancunian", "Londoner": who someone is, not where they are (the gazetteer reads demonyms as places).
        name = (_is_name(segment) and segment.lower() not in BARE_WORDS | DEMONYMS
                and not re.search(r"\d", segment))
        if postcode or name:
            found.append(segment)
    return found


def _place_before_role(text: str) -> list[str]:
    return [m.group("place") for m in PLACE_ROLE.finditer(text)
            if not ({w.lower() for w in m.group("place").split()} & DEMONYMS)]


def place_phrases(text: str | None, display_name: bool = False) -> list[str]:
    """Every explicit place phrase of a bio (or a display name: there a name's parts are never read as
    places, only the separated parts after the first), in order, not yet read as places."""
    if not text or not text.strip():
        return []
    phrases = []
    for pattern in (PIN, TRIGGER, MP_FOR, BRANCH_FOR, NAHT):
        phrases += [_trim(m.group("place")) for clause in AND_CLAUSE.split(text) for m in pattern.finditer(clause)]
    phrases += [m.group("place") for m in NATION_AFTER.finditer(text)]
    phrases += [m.group("place") for m in BASED.finditer(text)]
    if display_name:
        parts = re.split(r"\s*[|•]\s*", text)
        phrases += _bare_segments(parts[1:]) if len(parts) > 1 else []
    else:
        phrases += _place_before_role(text)
        phrases += _bare_segments(SEPARATORS.split(text))
    return [p for p in dict.fromkeys(phrases) if p]


def _read(phrase: str) -> Attribution | None:
    nation = NATIONS.get(phrase.lower())
    if nation:
        return Attribution(nation, None, EVIDENCE, 0.9, f"names {nation}")
    found = locate(phrase)
    if found.region != UNKNOWN:
        return found
    # "Cardiff South and Penarth": each part a place of one region; "Leeds and London" stays Unknown.
    parts = [p for p in re.split(r"\s+and\s+|\s*&\s*", phrase) if p]
    if len(parts) > 1:
        readings = [locate(p) for p in parts]
        if all(r.region != UNKNOWN for r in readings) and len({r.region for r in readings}) == 1:
            return readings[0]
    return None


# An author comes back page after page (and poll after poll): each (bio, display name) is read once per
# process, as monitor.regions.locate caches each place (reading was a quarter of Bluesky's ingest time).
BIO_CACHE_SIZE = 50_000


@functools.lru_cache(maxsize=BIO_CACHE_SIZE)
def read_bio(bio: str | None, display_name: str | None = None) -> Attribution:
    """The region the bio and display name state explicitly, or Unknown (evidence 'profile_bio')."""
    readings = []
    for source, text in (("bio", bio), ("display name", display_name)):
        for phrase in place_phrases(text, display_name=source == "display name"):
            found = _read(phrase)
            if found is not None:
                readings.append((source, phrase, found))
    regions = {found.region for _, _, found in readings}
    if not readings:
        return Attribution(UNKNOWN, None, "none", 0.0, "no place stated in the bio or display name")
    if len(regions) > 1:
        said = "; ".join(f"{phrase!r} -> {found.region}" for _, phrase, found in readings)
        return Attribution(UNKNOWN, None, "none", 0.0, f"the bio names places in several regions ({said})")
    source, phrase, found = readings[0]
    branches = {f.branch for _, _, f in readings if f.branch}
    branch = found.branch if len(branches) <= 1 else None
    return Attribution(found.region, branch, EVIDENCE, round(found.confidence * CONFIDENCE_FACTOR, 2),
                       f"{source} says {phrase!r}: {found.detail}")
