"""Free text -> the names in it that the gazetteer knows ("mentions"), each with the readings that
fit where it stands.

A string is cut into segments (at commas, slashes, emoji, sentence ends...), each segment is
scanned for the longest names the gazetteer knows; a compass word before a name it does not form a
longer name with only qualifies it ("North Cornwall" is Cornwall). A mention is weak, and counts
only when another mention in the same region supports it, when it is an everyday word that is also
a small place ("Hope", "Wool") or a place name used as a word inside a phrase ("Bath time",
"Cheddar lover": see words.py). locate.py resolves the mentions to a region.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .tables import Entry, Tables
from .text import norm
from .words import COMPASS, FILLER, LOCATIVE, MOTORWAYS, NEUTRAL

SMALL_PLACE = 5_000  # smaller places count only as the whole segment
TOWN = 20_000  # smaller towns count inside a phrase only when written with a capital;
               # smaller places that are everyday words ("Hope", "Wool") need support even alone

FLAG_TAGS = {"gbwls": "wales", "gbsct": "scotland", "gbeng": "england"}
NEUTRAL_FLAGS = {"EU", "UN"}  # true of a UK place too
OUTWARD = re.compile(r"^([A-Za-z]{1,2}\d[A-Za-z\d]?)$")
INWARD = re.compile(r"^\d[A-Za-z]{2}$")
FULL_POSTCODE = re.compile(r"^([A-Za-z]{1,2}\d[A-Za-z\d]?)(\d[A-Za-z]{2})$")
_FLAG_START = re.compile("[\U0001F1E6-\U0001F1FF\U0001F3F4]")  # regional indicators, black flag
_LINKS = re.compile(r"https?://\S+|www\.\S+|@\w+")
_WORD_BREAK = re.compile(r"[\s\-]+")
# Letters, digits, spaces and these stay; anything else (emoji, | / ; ! ...) cuts the text.
_CUT = re.compile(r"[^\w\s'\u2019\-.&]|_")
# A full stop then a space ends a sentence ("Sheffield. Views my own."), except after these.
_SENTENCE_END = re.compile(r"(\w+)\.\s+")
ABBREVIATIONS = {"st", "co", "nr", "mt", "ft", "gt", "n", "s", "e", "w", "u", "k", "rd", "dr", "ave"}


@dataclass
class Token:
    orig: str
    key: str


@dataclass
class Mention:
    text: str
    entries: list[Entry]
    how: str  # name | postcode | flag
    whole: bool = True
    start: int = 0
    end: int = 0
    share: float = 1.0  # postcode districts: share of the district in the chosen region
    weak: str | None = None  # why it counts only with support from another mention
    qualifier: str | None = None  # the compass word before it ("North" of "North Cornwall")
    dropped: list[tuple[Entry, str]] = field(default_factory=list)  # readings not taken, and why


# ---------------------------------------------------------------- cutting the text

def extract_flags(text: str) -> tuple[str, list[str]]:
    """Replace flag emoji by separators; return the text and the flags as names or ISO codes."""
    if not _FLAG_START.search(text):
        return text, []
    flags: list[str] = []
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        code = ord(ch)
        if code == 0x1F3F4:  # black flag, maybe followed by tag letters (subdivision flags)
            j = i + 1
            tag = ""
            while j < len(text) and 0xE0061 <= ord(text[j]) <= 0xE007A:
                tag += chr(ord(text[j]) - 0xE0000)
                j += 1
            if j < len(text) and ord(text[j]) == 0xE007F:
                j += 1
            if tag in FLAG_TAGS:
                flags.append(FLAG_TAGS[tag])
            out.append(",")
            i = j
            continue
        if 0x1F1E6 <= code <= 0x1F1FF and i + 1 < len(text) and 0x1F1E6 <= ord(text[i + 1]) <= 0x1F1FF:
            flags.append(chr(code - 0x1F1E6 + 65) + chr(ord(text[i + 1]) - 0x1F1E6 + 65))
            out.append(",")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out), flags


def split_segments(text: str) -> list[list[Token]]:
    text = _LINKS.sub(",", text)
    text = text.replace("#", " ")
    text = text.replace(" - ", ",").replace(" -- ", ",")
    text = _SENTENCE_END.sub(lambda m: m.group(0) if m.group(1).lower() in ABBREVIATIONS else m.group(1) + ",", text)
    cleaned = _CUT.sub(",", unicodedata.normalize("NFC", text))
    segments = []
    for raw in cleaned.split(","):
        tokens = []
        for piece in _WORD_BREAK.split(raw):
            for word in norm(piece).split():
                tokens.append(Token(piece, word))
        for token, following in zip(tokens, tokens[1:]):
            if token.key == "co" and following.key not in FILLER:  # "Co Down", "Co. Durham"
                token.key = "county"
        if tokens:
            segments.append(tokens)
    return segments


# ---------------------------------------------------------------- finding mentions

def find_mentions(text: str, tables: Tables) -> list[Mention]:
    text, flags = extract_flags(text)
    mentions = [m for flag in flags if (m := _flag_mention(flag, tables))]
    for tokens in split_segments(text):
        mentions += _segment_mentions(tokens, tables)
    return mentions


def _flag_mention(flag: str, tables: Tables) -> Mention | None:
    if flag in ("wales", "scotland", "england"):
        entries = [e for e in tables.names.get(flag, []) if e.kind in ("alias", "context")]
    elif flag == "GB":
        entries = tables.names.get("uk", [])
    elif flag in NEUTRAL_FLAGS:
        entries = [Entry("none", f"flag {flag}", (), None, 0.0)]
    else:
        entries = [Entry("foreign", f"flag {flag}", (), None, 1e9)]
    return Mention(f"flag {flag}", entries, "flag") if entries else None


def _segment_mentions(tokens: list[Token], tables: Tables) -> list[Mention]:
    mentions: list[Mention] = []
    i = 0
    while i < len(tokens):
        found = _postcode_at(tokens, i, tables) or _name_at(tokens, i, tables)
        if found and _only_qualifies(found, tokens, tables):
            i += 1  # "North" of "North Cornwall": the name after it is the place
            continue
        if found:
            if i > 0 and tokens[i - 1].key in COMPASS:
                found.qualifier = tokens[i - 1].orig
            mentions.append(found)
            i = found.end
        else:
            i += 1
    _mark_whole(tokens, mentions)
    _drop_directions(mentions)
    kept = []
    for mention in mentions:
        if mention.how == "name":
            allowed = []
            for entry in mention.entries:
                reason = _entry_refused(entry, mention, tokens)
                if reason:
                    mention.dropped.append((entry, reason))
                else:
                    allowed.append(entry)
            mention.entries = allowed
            mention.weak = mention.weak or _everyday_word(mention, tables)
        if mention.entries:
            kept.append(mention)
        elif mention.dropped:
            kept.append(mention)  # kept for explain(): read_mention gives it no reading
    return kept


def _only_qualifies(found: Mention, tokens: list[Token], tables: Tables) -> bool:
    """A lone compass word right before another name qualifies that name."""
    if found.how != "name" or found.end - found.start != 1 or tokens[found.start].key not in COMPASS:
        return False
    following = found.end
    return following < len(tokens) and bool(_postcode_at(tokens, following, tables)
                                            or _name_at(tokens, following, tables))


def _name_at(tokens: list[Token], i: int, tables: Tables) -> Mention | None:
    longest = min(tables.first_words.get(tokens[i].key, 0), len(tokens) - i)
    for n in range(longest, 0, -1):
        key = " ".join(t.key for t in tokens[i:i + n]) if n > 1 else tokens[i].key
        entries = tables.names.get(key)
        if entries:
            text = " ".join(t.orig for t in tokens[i:i + n])
            return Mention(text, list(entries), "name", start=i, end=i + n)
    return None


def _postcode_at(tokens: list[Token], i: int, tables: Tables) -> Mention | None:
    orig = tokens[i].orig.strip(".'")
    outward, consumed = None, 1
    if full := FULL_POSTCODE.match(orig):
        outward = full.group(1)
    elif OUTWARD.match(orig):
        outward = orig
        if i + 1 < len(tokens) and INWARD.match(tokens[i + 1].orig):
            consumed = 2
    if outward is None:
        return None
    # "ls6" alone is a postcode, but lower-case codes inside text are more likely words.
    trusted = outward.isupper() or consumed == 2 or full or len(tokens) == 1
    found = tables.postcode_districts.get(outward.upper())
    if not (trusted and found):
        return None
    if found.region == "ABROAD":
        entries = [Entry("foreign", f"postcode {outward.upper()}", (), None, 1e9)]
    else:
        where = found.district if found.district in (None, found.branch) else f"{found.district}, {found.branch}"
        label = f"postcode district {outward.upper()} ({where or found.region})"
        entries = [Entry("postcode", label, (found.region,), found.branch, 1e8, district=found.district)]
    mention = Mention(" ".join(t.orig for t in tokens[i:i + consumed]), entries, "postcode",
                      start=i, end=i + consumed, share=found.share)
    if outward.upper() in MOTORWAYS and consumed == 1 and not full:
        mention.weak = "also the name of a motorway"
    return mention


def _mark_whole(tokens: list[Token], mentions: list[Mention]) -> None:
    """A mention is 'whole' when every other word of its segment is neutral or another place.
    Otherwise the segment is a phrase: a mention in it counts only after a locative word ("Teacher
    in Leeds"); without one it is a place name used as a word ("Bath time") and is weak."""
    covered = {k for m in mentions for k in range(m.start, m.end)}
    rest_is_neutral = all(t.key in NEUTRAL or k in covered for k, t in enumerate(tokens))
    for mention in mentions:
        mention.whole = rest_is_neutral
        if not rest_is_neutral and not _after_locative(tokens, mention.start, covered):
            others = [t.orig for k, t in enumerate(tokens) if k not in covered and t.key not in NEUTRAL]
            mention.weak = f"inside a phrase about something else ({' '.join(others[:3])!r})"


def _after_locative(tokens: list[Token], start: int, covered: set[int]) -> bool:
    for k in range(start - 1, -1, -1):
        key = tokens[k].key
        if key == "of":
            # "University of Bath", "son of Bolton" and not "Battle of Hastings", "Duke of York"
            before = tokens[k - 1].key if k else None
            return before is None or (before in NEUTRAL and (k - 1) not in covered)
        if key in LOCATIVE:
            return True
    return False


def _drop_directions(mentions: list[Mention]) -> None:
    """'North West London': a direction right before a place only qualifies it."""
    for current, following in zip(mentions, mentions[1:]):
        if following.start == current.end:
            current.entries = [e for e in current.entries if e.match != "dir"]


def _is_capitalised(text: str) -> bool:
    return text[:1].isupper()


def _entry_refused(entry: Entry, mention: Mention, tokens: list[Token]) -> str | None:
    """Why this reading of the mention is not taken, or None."""
    if entry.match == "whole" and not mention.whole:
        return "counts only as the whole segment"
    if entry.match == "upper":
        letters = [c for c in mention.text if c.isalpha()]
        if not (mention.whole and all(c.isupper() for c in letters)):
            return "counts only in capitals, as the whole segment"
    if entry.match == "capital" and not (mention.whole or _is_capitalised(mention.text)):
        return "counts inside a phrase only with a capital"
    if entry.kind == "place" and entry.weight < SMALL_PLACE and not mention.whole:
        return "a small place counts only as the whole segment"  # "St Mary's CE Primary" is a school
    if entry.kind == "place" and entry.weight < TOWN and not (mention.whole or _is_capitalised(mention.text)):
        return "a small town counts inside a phrase only with a capital"
    return None


def _everyday_word(mention: Mention, tables: Tables) -> str | None:
    """'Hope', 'Wool', 'Eye': an everyday word whose every UK reading is a small place."""
    if norm(mention.text) not in tables.common_words:
        return None
    uk = [e for e in mention.entries if e.regions and e.kind != "context"]
    if uk and all(e.kind == "place" and e.weight < TOWN for e in uk):
        return "an everyday word and a small place"
    return None
