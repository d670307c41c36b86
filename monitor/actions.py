"""Recording campaign actions: add, edit, remove (each kept as a version, monitor.models.actions) and
import a spreadsheet of them. One code path for the CLI and the dashboard; the figures are in
monitor.metrics.actions.

What a person types is checked here, field by field, into one sentence per mistake: the kind must be one
of the configured kinds ([actions] kinds), the region a region's key or NAHT name (blank: national),
the MPs member ids of the register (monitor.mps), the link a web address.

A CSV import checks every row first, then writes all the good rows in ONE transaction: an import is one
thing a person does, so a database failure half-way leaves none of it (never the first 40 rows of 90),
and running the same file again after fixing the bad rows adds only those (a row that matches an action
already recorded, by day, kind, title and region, is reported and skipped, not added twice).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.config import Config
from monitor.db import transaction
from monitor.metrics.filters import find_region
from monitor.models import ADDED, EDITED, MP, REMOVED, Action, ActionVersion
from monitor.regions import REGIONS
from monitor.timeutil import utcnow

# The spreadsheet's columns, in the template's order (README "Campaign actions"); the first four are needed.
CSV_COLUMNS = ("date", "time", "kind", "title", "region", "branch", "mp_ids", "link", "notes")
CSV_REQUIRED = ("date", "kind", "title")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")   # ISO, and UK spreadsheets' own (Excel's CSV export)
TIME_FORMATS = ("%H:%M", "%H:%M:%S")
UTF8_BOM = b"\xef\xbb\xbf"
LINK_RE = re.compile(r"^https?://\S+$")
MAX_TITLE = 200


class ActionError(ValueError):
    """What a person must fix, in one line."""


class ImportFileError(ActionError):
    """The whole file cannot be read as a spreadsheet of actions: nothing was imported."""


@dataclass(frozen=True)
class ActionInput:
    """What a person fills in, checked (see check_input)."""
    day: date
    kind: str
    title: str
    region: str | None = None
    branch: str | None = None
    at_time: time | None = None
    mp_member_ids: tuple[int, ...] = ()
    link: str | None = None
    notes: str | None = None

    def columns(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["mp_member_ids"] = ",".join(str(i) for i in self.mp_member_ids) or None
        return values


# --- checking what was typed -----------------------------------------------------------------

def parse_day(text: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ActionError(f"date {text!r} is not a date such as 2026-11-20 or 20/11/2026")


def parse_time(text: str) -> time | None:
    if not text.strip():
        return None
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).time()
        except ValueError:
            continue
    raise ActionError(f"time {text!r} is not a 24-hour UK time such as 18:30")


def parse_member_ids(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in re.split(r"[;,\s]+", text or "") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise ActionError(f"MPs {text!r} are not member ids such as 4514;172 (numbers from the MPs page)")
    return tuple(dict.fromkeys(int(p) for p in parts))


def _kind(config: Config, kind: str) -> str:
    for known in config.actions.kinds:
        if known.casefold() == kind.strip().casefold():
            return known
    raise ActionError(f"kind {kind!r} is not one of {', '.join(config.actions.kinds)} ([actions] kinds)")


def _region(config: Config, name: str | None) -> str | None:
    if not (name or "").strip():
        return None
    key = find_region(config, name)
    if key not in REGIONS:
        raise ActionError(f"region {name!r} is not a region (leave it blank for a national action; regions: "
                          f"{', '.join(REGIONS)})")
    return key


def check_input(session: Session, config: Config, entry: ActionInput) -> ActionInput:
    """The entry with its kind and region as stored (a kind in the configured spelling, a region's key),
    or ActionError naming the first field that is wrong."""
    title = " ".join(entry.title.split())
    if not title:
        raise ActionError("a title is needed (what happened, in a few words)")
    if len(title) > MAX_TITLE:
        raise ActionError(f"the title is {len(title)} characters: keep it under {MAX_TITLE} (notes take the rest)")
    link = (entry.link or "").strip() or None
    if link and not LINK_RE.match(link):
        raise ActionError(f"link {link!r} is not a web address starting http:// or https://")
    if entry.mp_member_ids:
        known = set(session.scalars(select(MP.member_id).where(MP.member_id.in_(entry.mp_member_ids))))
        missing = [str(i) for i in entry.mp_member_ids if i not in known]
        if missing:
            raise ActionError(f"no MP in the register has member id {', '.join(missing)}")
    return replace(entry, title=title, kind=_kind(config, entry.kind), region=_region(config, entry.region),
                   branch=(entry.branch or "").strip() or None, link=link, notes=(entry.notes or "").strip() or None)


def _who(by: str) -> str:
    if not (by or "").strip():
        raise ActionError("say who records it (a name or an e-mail address): actions are recorded with it")
    return by.strip()


# --- writing ---------------------------------------------------------------------------------

def _version(session: Session, action: Action, change: str, by: str, at: datetime, reason: str | None = None):
    number = (session.scalar(select(func.max(ActionVersion.version)).where(ActionVersion.action_id == action.id))
              or 0) + 1
    values = {name: getattr(action, name) for name in ActionInput.__dataclass_fields__}
    session.add(ActionVersion(action_id=action.id, version=number, change=change, saved_by=by, saved_at=at,
                              reason=reason, **values))


def _insert(session: Session, campaign: str, entry: ActionInput, by: str) -> Action:
    now = utcnow()
    action = Action(campaign=campaign, recorded_by=by, recorded_at=now, updated_by=by, updated_at=now,
                    **entry.columns())
    session.add(action)
    session.flush()
    _version(session, action, ADDED, by, now)
    return action


def add_action(engine: Engine, config: Config, campaign: str, entry: ActionInput, by: str) -> int:
    """Record an action; its id."""
    config.campaign(campaign)
    who = _who(by)
    with transaction(engine) as s:
        return _insert(s, campaign, check_input(s, config, entry), who).id


def _live(session: Session, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None or action.removed_at is not None:
        raise ActionError(f"there is no action #{action_id}" + (" (it was removed)" if action else ""))
    return action


def edit_action(engine: Engine, config: Config, action_id: int, changes: dict, by: str) -> bool:
    """Change some fields of an action (a dict of ActionInput's names); the version before is kept.
    False when nothing changed (no version is added)."""
    who = _who(by)
    unknown = set(changes) - set(ActionInput.__dataclass_fields__)
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    with transaction(engine) as s:
        action = _live(s, action_id)
        current = ActionInput(**{name: getattr(action, name) for name in ActionInput.__dataclass_fields__
                                 if name != "mp_member_ids"},
                              mp_member_ids=tuple(int(v) for v in (action.mp_member_ids or "").split(",") if v))
        entry = check_input(s, config, replace(current, **changes))
        if entry == current:
            return False
        for name, value in entry.columns().items():
            setattr(action, name, value)
        action.updated_by, action.updated_at = who, utcnow()
        _version(s, action, EDITED, who, action.updated_at)
    return True


def remove_action(engine: Engine, action_id: int, by: str, reason: str | None = None) -> None:
    """Take an action off the map, timelines and effects; it and every version stay, with a removal version."""
    who = _who(by)
    with transaction(engine) as s:
        action = _live(s, action_id)
        action.removed_at = utcnow()
        _version(s, action, REMOVED, who, action.removed_at, (reason or "").strip() or None)


# --- importing a spreadsheet -----------------------------------------------------------------

TEMPLATE_ROWS = (
    ("2026-11-20", "18:30", "MP roundtable", "Roundtable with Leeds MPs", "Yorkshire and The Humber", "Leeds",
     "413;4658", "https://www.naht.org.uk/", "Three heads and two MPs"),
    ("21/11/2026", "", "Letter-writing", "Letters evening", "London", "Camden", "", "", ""),
    ("2026-11-24", "", "Media", "National radio interview", "", "", "", "", "No region: a national action"),
)


def csv_template() -> bytes:
    """The template CSV (the README shows the same): the header and three example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue().encode("utf-8")


@dataclass
class ImportResult:
    imported: list[int] = field(default_factory=list)             # new actions' ids
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)
    skipped: list[tuple[int, str]] = field(default_factory=list)   # (line number, already recorded as #id)
    encoding: str = "UTF-8"


def decode_csv(path: str | Path) -> tuple[str, str]:
    """The file's text and the encoding it was read in: UTF-8 (with or without Excel's byte-order mark), else
    Windows-1252 (Excel's plain "CSV" on Windows: £, é and curly quotes read right); anything else is refused."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ImportFileError(f"{path}: cannot be read ({e.strerror})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(f"{path}: is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8' instead")
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM):]
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: is neither UTF-8 nor Windows-1252 text: save it from the spreadsheet "
                              "as 'CSV UTF-8'") from None
    if "\x00" in text:
        raise ImportFileError(f"{path}: is not a text file (it holds NUL bytes): save it as 'CSV UTF-8'")
    return text, "Windows-1252"


def _row_input(row: dict) -> ActionInput:
    missing = [c for c in CSV_REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise ActionError(f"{', '.join(missing)} missing")
    return ActionInput(day=parse_day(row["date"]), at_time=parse_time(row.get("time") or ""), kind=row["kind"],
                       title=row["title"], region=row.get("region"), branch=row.get("branch"),
                       mp_member_ids=parse_member_ids(row.get("mp_ids") or ""), link=row.get("link"),
                       notes=row.get("notes"))


def _already(session: Session, campaign: str, entry: ActionInput) -> int | None:
    return session.scalar(select(Action.id).where(
        Action.campaign == campaign, Action.day == entry.day, func.lower(Action.kind) == entry.kind.lower(),
        Action.title == entry.title, Action.removed_at.is_(None),
        Action.region.is_(None) if entry.region is None else Action.region == entry.region))


def import_csv(engine: Engine, config: Config, campaign: str, path: str | Path, by: str) -> ImportResult:
    """Import a spreadsheet of actions (CSV_COLUMNS; header names in any case). Every bad row is reported with
    its line number and reason; the good ones are written together, in one transaction (see the module)."""
    config.campaign(campaign)
    who = _who(by)
    text, encoding = decode_csv(path)
    if not text.strip():
        raise ImportFileError(f"{path}: is empty: nothing to import (the README has a template)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"{path}: line 1 must name the columns ({', '.join(CSV_COLUMNS)}); "
                              f"missing: {', '.join(missing)}")
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(f"{path}: line 1 has columns this import does not know: {', '.join(unknown)} "
                              f"(known: {', '.join(CSV_COLUMNS)})")
    reader.fieldnames = header
    result = ImportResult(encoding=encoding)
    good: list[tuple[int, ActionInput]] = []
    with transaction(engine) as s:
        seen: dict[tuple, int] = {}
        for row in reader:
            line = reader.line_num   # the row's last physical line (a quoted cell may span lines)
            if not any((v or "").strip() for k, v in row.items() if k):
                continue   # a blank line, or a spreadsheet's empty row of commas
            if None in row:
                result.problems.append((line, f"{len(row[None])} cells more than the header's columns"))
                continue
            try:
                entry = check_input(s, config, _row_input(row))
            except ActionError as e:
                result.problems.append((line, str(e)))
                continue
            key = (entry.day, entry.kind.lower(), entry.title, entry.region)
            earlier = _already(s, campaign, entry)
            if earlier is not None:
                result.skipped.append((line, f"already recorded as action #{earlier}"))
            elif key in seen:
                result.skipped.append((line, f"the same action as line {seen[key]}"))
            else:
                seen[key] = line
                good.append((line, entry))
        result.imported = [_insert(s, campaign, entry, who).id for _, entry in good]
    return result
