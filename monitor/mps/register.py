"""The MP register: read from the three public source files, shipped joined in data/mps.csv, loaded into
the `mps` table, and corrected by people.

Sources (data/README.md names them, their dates and licences): DfE's mp-lookup CSV (constituency,
member_id, name, party, local authorities, ONS region and country), mySociety parlparse's
official-profiles.xml (TheyWorkForYou person id -> Parliament member_id) and social-media-commons.xml
(person id -> X and Bluesky handles). They join on the person id and then the member_id.

Loading keeps what people corrected: an MP's handles are the register's unless a correction
(`set_handle`, audited in mp_handle_corrections) says otherwise, and every later load applies the
corrections again. A load that changes an MP's X handle looks the MP's X account up again among the
stored authors, and every MP whose handles or account changed has their posts found again
(monitor.mps.detect.redetect).
"""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.config import ConfigError
from monitor.db import transaction
from monitor.models import MP, Author, MPHandleCorrection, MPRegisterLoad
from monitor.mps.detect import redetect
from monitor.regions.names import REGIONS
from monitor.summary import lock
from monitor.timeutil import utcnow

DATA = Path(__file__).resolve().parent / "data"
PACKAGED_REGISTER = DATA / "mps.csv"
# The day the shipped register was joined from its sources (data/README.md). `db upgrade` loads it into
# a database whose register is older than this (or that has none).
PACKAGED_AS_OF = date(2026, 12, 1)

# The shipped file's columns, and where each comes from in mp_lookup.csv.
REGISTER_COLUMNS = ("member_id", "name", "constituency", "constituency_code", "party", "region", "country",
                    "local_authorities", "x_username", "bluesky_handle")
LOOKUP_COLUMNS = {"member_id": "member_id", "name": "display_as", "constituency": "pcon_name",
                  "constituency_code": "pcon_code", "party": "party_text", "region": "region_name",
                  "country": "country_name", "local_authorities": "la_names"}
PROFILE_ATTRIBUTES = ("id", "profile_url_uk_parl")
SOCIAL_ATTRIBUTES = ("id", "twitter_username", "bluesky_handle")
MEMBER_URL = re.compile(r"members\.parliament\.uk/member/(\d+)")
X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
BLUESKY_HANDLE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class RegisterFileError(ConfigError):
    """A source file that cannot be read as the register: str() names the file, the column (or attribute)
    and what was expected. A ConfigError, so the CLI prints one line and exits 2."""


@dataclass(frozen=True)
class RegisterRow:
    member_id: int
    name: str
    constituency: str
    constituency_code: str
    party: str
    region: str
    country: str
    local_authorities: str
    x_username: str | None
    bluesky_handle: str | None


@dataclass(frozen=True)
class LoadResult:
    mps: int
    x_handles: int
    bluesky_handles: int
    corrections_kept: int   # MPs whose handles in force come from a person's correction
    left: int               # MPs of the previous register no longer in this one
    changed: int            # MPs added, or whose handles or X account changed


# --- handles ---------------------------------------------------------------------------------

def clean_x_handle(value: str | None) -> str | None:
    """An X handle without '@', or None when there is none or it is not a handle."""
    value = (value or "").strip().lstrip("@")
    return value if X_HANDLE.match(value) else None


def clean_bluesky_handle(value: str | None) -> str | None:
    value = (value or "").strip().lstrip("@").lower()
    return value if BLUESKY_HANDLE.match(value) else None


# --- reading the source files ----------------------------------------------------------------

def _missing_column(path: Path, column: str, found: Sequence[str], what: str) -> RegisterFileError:
    return RegisterFileError(path.name, f"column {column!r}",
                             f"a column named {column!r} ({what}); the file's columns are: {', '.join(found)}")


def read_lookup(path: Path) -> list[dict]:
    """mp_lookup.csv's rows as {register column: value}, checked: every column present, member ids whole
    numbers and unique, regions the ONS keys."""
    path = Path(path)
    with _open_text(path) as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for ours, theirs in LOOKUP_COLUMNS.items():
            if theirs not in header:
                raise _missing_column(path, theirs, header, f"the MP's {ours.replace('_', ' ')}")
        rows, seen = [], set()
        for line, raw in enumerate(reader, start=2):
            row = {ours: (raw[theirs] or "").strip() for ours, theirs in LOOKUP_COLUMNS.items()}
            if not row["member_id"].isdigit():
                raise RegisterFileError(path.name, f"line {line}, column 'member_id'",
                                        f"a whole number, got {row['member_id']!r}")
            if row["region"] not in REGIONS:
                raise RegisterFileError(path.name, f"line {line}, column 'region_name'",
                                        f"one of {', '.join(REGIONS)}, got {row['region']!r}")
            if row["member_id"] in seen:
                raise RegisterFileError(path.name, f"line {line}, column 'member_id'",
                                        f"each MP once, but {row['member_id']} is there twice")
            seen.add(row["member_id"])
            rows.append(row)
    if not rows:
        raise RegisterFileError(path.name, "(rows)", "one row per constituency (the file has none)")
    return rows


def _open_text(path: Path):
    if not path.is_file():
        raise RegisterFileError(str(path), "(file)", "a readable file (not found)")
    return path.open(encoding="utf-8-sig", newline="")


def _person_elements(path: Path, attributes: Sequence[str], what: dict[str, str]) -> list[ET.Element]:
    """The <personinfo> elements of a parlparse file, checked to carry each attribute the join needs."""
    path = Path(path)
    if not path.is_file():
        raise RegisterFileError(str(path), "(file)", "a readable file (not found)")
    try:
        people = list(ET.parse(path).getroot().iter("personinfo"))
    except ET.ParseError as e:
        raise RegisterFileError(path.name, "(syntax)", f"an XML file ({e})") from None
    if not people:
        raise RegisterFileError(path.name, "<personinfo>", "one <personinfo> element per person (none found)")
    for attribute in attributes:
        if not any(attribute in p.attrib for p in people):
            found = sorted({a for p in people for a in p.attrib})
            raise RegisterFileError(path.name, f"attribute {attribute!r}",
                                    f"<personinfo {attribute}=...> ({what[attribute]}); the file's attributes "
                                    f"are: {', '.join(found)}")
    return people


def read_profiles(path: Path) -> dict[str, str]:
    """official-profiles.xml: person id -> Parliament member_id."""
    people = _person_elements(path, PROFILE_ATTRIBUTES, {
        "id": "the TheyWorkForYou person id", "profile_url_uk_parl": "the MP's members.parliament.uk page"})
    members = {}
    for person in people:
        found = MEMBER_URL.search(person.get("profile_url_uk_parl") or "")
        if found and person.get("id"):
            members[person.get("id")] = found.group(1)
    return members


def read_social(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """social-media-commons.xml: person id -> (X handle, Bluesky handle), either None."""
    people = _person_elements(path, SOCIAL_ATTRIBUTES, {
        "id": "the TheyWorkForYou person id", "twitter_username": "the X handle",
        "bluesky_handle": "the Bluesky handle"})
    return {p.get("id"): (clean_x_handle(p.get("twitter_username")), clean_bluesky_handle(p.get("bluesky_handle")))
            for p in people if p.get("id")}


def join_sources(lookup: list[dict], profiles: dict[str, str], social: dict[str, tuple]) -> list[RegisterRow]:
    """The register: each lookup row with the handles of the person whose Parliament page is its member_id
    (where one member has several person ids, the first in id order that has a handle)."""
    persons: dict[str, list[str]] = {}
    for person, member in sorted(profiles.items()):
        persons.setdefault(member, []).append(person)
    register = []
    for row in lookup:
        handles = [social[p] for p in persons.get(row["member_id"], []) if p in social]
        x = next((h[0] for h in handles if h[0]), None)
        bluesky = next((h[1] for h in handles if h[1]), None)
        register.append(RegisterRow(**{**row, "member_id": int(row["member_id"])}, x_username=x,
                                    bluesky_handle=bluesky))
    return sorted(register, key=lambda r: r.constituency)


def read_sources(lookup: Path, profiles: Path, social: Path) -> list[RegisterRow]:
    """The register from the three source files a user downloads (RegisterFileError on a bad one)."""
    return join_sources(read_lookup(Path(lookup)), read_profiles(Path(profiles)), read_social(Path(social)))


# --- the shipped register --------------------------------------------------------------------

def read_packaged(path: Path = PACKAGED_REGISTER) -> list[RegisterRow]:
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [RegisterRow(**{**row, "member_id": int(row["member_id"]),
                               "x_username": row["x_username"] or None,
                               "bluesky_handle": row["bluesky_handle"] or None})
                for row in csv.DictReader(f)]


def write_register(rows: Iterable[RegisterRow], path: Path) -> None:
    """The joined register as data/mps.csv holds it (to ship a newer one: read_sources, then this)."""
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REGISTER_COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, c) or "" for c in REGISTER_COLUMNS])


# --- loading into the database ---------------------------------------------------------------

def _corrected_handles(session: Session) -> dict[int, dict[str, str]]:
    """Per MP, the handles people set, newest correction first: {member_id: {"x_username": ..., ...}}
    ('' where they said the MP has no such account)."""
    found: dict[int, dict[str, str]] = {}
    for c in session.scalars(select(MPHandleCorrection).order_by(MPHandleCorrection.id.desc())):
        mine = found.setdefault(c.member_id, {})
        for column in ("x_username", "bluesky_handle"):
            if getattr(c, column) is not None:
                mine.setdefault(column, getattr(c, column))
    return found


def _in_force(register_value: str | None, corrected: dict[str, str], column: str) -> str | None:
    if column in corrected:
        return corrected[column] or None
    return register_value


def account_ids(session: Session, handles: Iterable[str]) -> dict[str, str]:
    """lower(handle) -> the id of the stored author with that handle now (ix_authors_username_lower)."""
    wanted = sorted({h.lower() for h in handles if h})
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        stmt = (select(func.lower(Author.username), Author.id)
                .where(func.lower(Author.username).in_(wanted[i:i + 500]), Author.placeholder.is_(False))
                .order_by(Author.last_seen_at))
        found.update(dict(session.execute(stmt).all()))  # the most recently seen wins
    return found


def _set_handles(mp: MP, x: str | None, bluesky: str | None, ids: dict[str, str]) -> bool:
    """Put handles in force; a changed X handle points the MP at the account holding it now (none known:
    None, until a post by the handle is stored). True when the MP's handles or account changed."""
    changed = mp.x_username != x or mp.bluesky_handle != bluesky
    if (mp.x_username or "").lower() != (x or "").lower():
        mp.x_user_id = ids.get((x or "").lower())
    mp.x_username, mp.bluesky_handle = x, bluesky
    return changed


def _register_values(row: RegisterRow) -> dict:
    """The columns of mps a register row sets (not the handles in force, which corrections may change)."""
    handles = ("x_username", "bluesky_handle")
    values = {f.name: getattr(row, f.name) for f in fields(RegisterRow) if f.name not in handles}
    return {**values, "register_x_username": row.x_username, "register_bluesky_handle": row.bluesky_handle}


def load_register(session: Session, rows: Sequence[RegisterRow], *, source: str, as_of: date,
                  files: str) -> LoadResult:
    """Bring the mps table to this register, inside the caller's transaction: new MPs added, changed ones
    updated, the ones gone marked as no longer sitting, corrections applied over the register's handles,
    and the posts of every MP that changed found again."""
    lock(session)   # before any row: it writes post_mps, as the store path does
    now = utcnow()
    corrections = _corrected_handles(session)
    existing = {mp.member_id: mp for mp in session.scalars(select(MP))}
    ids = account_ids(session, [r.x_username for r in rows if r.x_username]
                      + [c.get("x_username", "") for c in corrections.values()])
    changed: set[int] = set()
    added = []
    for row in rows:
        mine = corrections.get(row.member_id, {})
        x = _in_force(row.x_username, mine, "x_username")
        bluesky = _in_force(row.bluesky_handle, mine, "bluesky_handle")
        mp = existing.get(row.member_id)
        if mp is None:   # inserted together below: 650 ORM objects flushed one by one took 0.1 s
            added.append({**_register_values(row), "x_username": x, "bluesky_handle": bluesky, "sitting": True,
                          "x_user_id": ids.get((x or "").lower()), "updated_at": now})
            changed.add(row.member_id)
            continue
        for name, value in _register_values(row).items():
            setattr(mp, name, value)
        if _set_handles(mp, x, bluesky, ids) or not mp.sitting:
            changed.add(row.member_id)
        mp.sitting, mp.updated_at = True, now
    if added:
        session.execute(insert(MP), added)
    listed = {r.member_id for r in rows}
    left = [mp for member_id, mp in existing.items() if member_id not in listed and mp.sitting]
    for mp in left:
        mp.sitting, mp.updated_at = False, now
        changed.add(mp.member_id)
    session.flush()
    redetect(session, changed)
    result = LoadResult(mps=len(rows), x_handles=sum(1 for r in rows if r.x_username),
                        bluesky_handles=sum(1 for r in rows if r.bluesky_handle),
                        corrections_kept=sum(1 for r in rows if r.member_id in corrections), left=len(left),
                        changed=len(changed))
    session.add(MPRegisterLoad(source=source, as_of=as_of, loaded_at=now, files=files, mps=result.mps,
                               x_handles=result.x_handles, bluesky_handles=result.bluesky_handles))
    return result


def load_packaged_if_newer(engine: Engine) -> LoadResult | None:
    """Load the shipped register when the database holds none, or an older one (db upgrade calls this).
    Two upgrades at once can both find none: the one that commits second fails on the register's keys,
    finds the register loaded, and leaves it."""
    try:
        with transaction(engine) as s:
            if _packaged_is_loaded(s):
                return None
            return load_register(s, read_packaged(), source="package", as_of=PACKAGED_AS_OF,
                                 files=f"monitor/mps/data/{PACKAGED_REGISTER.name}")
    except IntegrityError:
        with transaction(engine) as s:
            if _packaged_is_loaded(s):
                return None
        raise


def _packaged_is_loaded(session: Session) -> bool:
    newest = session.scalar(select(func.max(MPRegisterLoad.as_of)))
    return newest is not None and newest >= PACKAGED_AS_OF


def import_files(engine: Engine, lookup: Path, profiles: Path, social: Path, *,
                 today: date | None = None) -> LoadResult:
    """`mps import`: the register from newer copies of the three source files. Every file is read and
    checked before anything is written."""
    rows = read_sources(lookup, profiles, social)
    names = ", ".join(Path(p).name for p in (lookup, profiles, social))
    with transaction(engine) as s:
        return load_register(s, rows, source="import", as_of=today or utcnow().date(), files=names)


# --- corrections -----------------------------------------------------------------------------

def set_handle(engine: Engine, member_id: int, *, x: str | None = None, bluesky: str | None = None,
               corrected_by: str, note: str | None = None, now: datetime | None = None) -> MP:
    """Record a person's correction of an MP's handles (audited) and apply it at once: the posts by and
    mentioning the MP are found again. x / bluesky: the handle, '' for "has no such account", None to
    leave it. No later import overwrites it. ValueError on a mistake (unknown MP, not a handle)."""
    if x is None and bluesky is None:
        raise ValueError("give an X handle (--x) or a Bluesky handle (--bluesky) to set")
    if not (corrected_by or "").strip():
        raise ValueError("say who makes the correction (--by): corrections are recorded")
    x_value = _checked(x, clean_x_handle, "an X handle such as NAHTnews (letters, digits and _, at most 15)")
    bluesky_value = _checked(bluesky, clean_bluesky_handle, "a Bluesky handle such as name.bsky.social")
    with transaction(engine) as s:
        lock(s)
        mp = s.get(MP, int(member_id))
        if mp is None:
            raise ValueError(f"no MP with member id {member_id} in the register")
        s.add(MPHandleCorrection(member_id=mp.member_id, x_username=x_value, bluesky_handle=bluesky_value,
                                 corrected_by=corrected_by.strip(), corrected_at=now or utcnow(), note=note))
        new_x = mp.x_username if x_value is None else (x_value or None)
        new_bluesky = mp.bluesky_handle if bluesky_value is None else (bluesky_value or None)
        if _set_handles(mp, new_x, new_bluesky, account_ids(s, [new_x or ""])):
            mp.updated_at = now or utcnow()
            s.flush()
            redetect(s, [mp.member_id])
        return mp


def _checked(value: str | None, clean, expected: str) -> str | None:
    """None (leave as it is), '' (no account) or the cleaned handle; ValueError when it is not one."""
    if value is None:
        return None
    if not value.strip():
        return ""
    cleaned = clean(value)
    if cleaned is None:
        raise ValueError(f"{value!r} is not {expected}")
    return cleaned
