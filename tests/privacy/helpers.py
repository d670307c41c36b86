"""What the privacy tests share: a world collected from the simulated API in two campaigns, with people of
our own in it whose every trace can be searched for; and the searches themselves, over every row of
every table, over the SQLite file and its write-ahead log, and over PostgreSQL's table files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from monitor import metrics
from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.metrics import Filters
from monitor.models import Base, Post
from monitor.sources.x import XSource
from tests.helpers import HASHTAGS, TOKEN

ALL = Campaign(name="ipfs", title="IPFS", hashtags=HASHTAGS, mentions=("NAHTnews",))
# A second campaign whose posts are also ALL's: posts matched by two campaigns.
FUND = Campaign(name="fund", title="Fund", hashtags=("FundOurSchools",), mentions=())
SALT = "test-privacy-salt-5b1e0c7d9a"


@dataclass
class Person:
    """An account of our own in the simulated world, with text no generated post has."""
    user: dict
    texts: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)   # one word no generated post has, in each text
    post_ids: list[str] = field(default_factory=list)

    @property
    def handle(self) -> str:
        return self.user["username"]

    @property
    def needles(self) -> list[str]:
        """Everything that would identify them or their posts, as stored."""
        return [self.handle, self.user["id"], self.user["name"], self.user["location"], self.user["description"],
                *self.texts, *self.tokens, *self.post_ids]

    @property
    def words(self) -> list[str]:
        """The needles a line-wrapping reader (a PDF's text) still shows whole: single words."""
        return [self.handle, self.user["id"], *self.tokens, *self.post_ids]


def person(key: str, user_id: str, location: str = "Leeds") -> Person:
    return Person({"id": user_id, "username": f"Zq{key}Person", "name": f"Zoltan {key} Quimby",
                   "location": f"{location}, Zqshire {key}", "description": f"Head teacher {key}",
                   "public_metrics": {"followers_count": 321, "following_count": 5, "tweet_count": 9,
                                      "listed_count": 0, "like_count": 0}})


def say(fake: FakeX, who: Person, text: str, at: datetime, metrics_: tuple = (2, 1, 7, 0, 1, 300)) -> str:
    """Post as this person: the text with a word of its own added."""
    token = f"Zqword{who.user['id']}n{len(who.tokens)}"
    full = f"{text} {token}"
    post_id = fake.add_post(full, who.user, at, final_metrics=metrics_)
    who.texts.append(full)
    who.tokens.append(token)
    who.post_ids.append(post_id)
    return post_id


@dataclass
class World:
    engine: object
    config: object
    fake: FakeX
    clock: SimClock
    source: XSource

    def collect(self) -> None:
        collector = Collector(self.engine, self.config, self.source, clock=self.clock)
        for campaign in self.config.campaigns:
            collector.collect_campaign(campaign)

    def make_all_due(self) -> None:
        with transaction(self.engine) as s:
            s.execute(update(Post).where(Post.next_refresh_at.is_not(None))
                      .values(next_refresh_at=self.clock() - timedelta(hours=2)))  # past the batching window


def start_world(engine, config, *, seed: int = 21, posts_per_day: int = 120, reports_folder: str | None = None):
    """Two days of simulated posts ending now, for ALL and FUND; the caller adds people, then collects."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now)
    fake = FakeX(seed=seed, start=now - timedelta(days=2), days=2, posts_per_day=posts_per_day, bearer_token=TOKEN,
                 clock=clock).start()
    cfg = replace(config, campaigns=(ALL, FUND), reports_folder=reports_folder or config.reports_folder)
    return World(engine, cfg, fake, clock, XSource(TOKEN, fake.base_url, timeout=5.0))


def figures(engine, campaigns=(ALL.name, FUND.name)) -> dict:
    """Every total a person reads, for the whole stored period and each day, per campaign."""
    with transaction(engine) as s:
        days = sorted(set(s.scalars(select(Post.created_date_uk))))
    found = {}
    for campaign in campaigns:
        whole = Filters(campaign, days[0], days[-1])
        found[campaign] = {
            "kpis": metrics.kpis(engine, whole),
            "days": [(t.day, t.posts, t.potential_reach) for t in metrics.timeline(engine, whole)],
            "hours": [(t.day, t.hour, t.posts, t.potential_reach) for t in metrics.timeline(engine, whole, by="hour")],
            "regions": [(r.key, r.kpis) for r in metrics.regions_table(engine, whole)],
            "branches": sorted(((r.key or "", r.kpis.posts) for r in metrics.branches_table(engine, whole))),
        }
    return found


# --- searching for what should be gone -----------------------------------------------------------

def rows_holding(engine, needles: list[str]) -> dict[str, list]:
    """{table: [row]} of every row of every table holding any needle (in any column, any case)."""
    lowered = [n.lower() for n in needles if n]
    found: dict[str, list] = {}
    with transaction(engine) as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)):
                flat = json.dumps([str(v) for v in row], ensure_ascii=False).lower() + repr(tuple(row)).lower()
                if any(n in flat for n in lowered):
                    found.setdefault(table.name, []).append(row)
    return found


def _forms(needle: str) -> list[bytes]:
    """How a value can sit in a file: UTF-8, and as JSON writes it (non-ASCII escaped)."""
    return sorted({needle.encode("utf-8"), json.dumps(needle)[1:-1].encode("ascii")})


def bytes_holding(blobs: dict[str, bytes], needles: list[str]) -> dict[str, list[str]]:
    """{name: [needle]} of the blobs holding a needle, byte for byte (in any ASCII case)."""
    found: dict[str, list[str]] = {}
    for name, blob in blobs.items():
        lower = blob.lower()
        for needle in needles:
            if needle and any(form.lower() in lower for form in _forms(needle)):
                found.setdefault(name, []).append(needle)
    return found


def sqlite_files(engine) -> dict[str, bytes]:
    """The database file and, when there is one, its write-ahead log and shared-memory index."""
    path = Path(make_url(str(engine.url)).database)
    return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()}


def _as_postgres(sql: str, database: str = "postgres") -> str | None:
    """Run SQL as the server's superuser through runuser (root on the machine running the server), or None."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return None
    done = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qtAX", "-d", database, "-c", sql],
                          capture_output=True, text=True, timeout=300, cwd="/tmp")
    return done.stdout.strip() if done.returncode == 0 else None


def postgres_tuples_holding(engine, needles: list[str]) -> dict[str, list[str]] | None:
    """{table: [needle]} of every row version in this database's tables, their TOAST tables and the
    planner's column samples (pg_statistic), live or dead, holding a needle, read page by page with
    pageinspect as the superuser; None when that cannot be done here."""
    database = make_url(str(engine.url)).database
    if _as_postgres("CREATE EXTENSION IF NOT EXISTS pageinspect", database) is None:
        return None
    found = _as_postgres("""
        SELECT c.oid::regclass::text, encode(h.t_data, 'hex')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL generate_series(0, pg_relation_size(c.oid) / current_setting('block_size')::int - 1) b
        CROSS JOIN LATERAL heap_page_items(get_raw_page(c.oid::regclass::text, b::int)) h
        WHERE c.relkind IN ('r', 't') AND h.t_data IS NOT NULL
          AND (n.nspname IN ('public', 'pg_toast') OR c.oid = 'pg_catalog.pg_statistic'::regclass)""", database)
    if found is None:
        return None
    tuples: dict[str, list[bytes]] = {}
    for line in found.splitlines():
        name, _, data = line.partition("|")
        tuples.setdefault(name, []).append(bytes.fromhex(data))
    return bytes_holding({name: b"\n".join(datas) for name, datas in tuples.items()}, needles)


def postgres_files(engine) -> dict[str, bytes] | None:
    """Every file of this database's tables, indexes and TOAST tables after a CHECKPOINT (so what the
    server holds in memory is on disk), or None when they cannot be read here (not root, remote server)."""
    data_dir = _as_postgres("SHOW data_directory")
    if not data_dir or _as_postgres("CHECKPOINT") is None:
        return None
    with engine.connect() as conn:
        paths = conn.execute(text("SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                  "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i') "
                                  "AND pg_relation_filepath(c.oid) IS NOT NULL")).scalars().all()
    files = {}
    for rel in paths:
        for segment in sorted(Path(data_dir).glob(rel + "*")):   # 1 GB segments and the free-space map
            if segment.name.split(".")[0].split("_")[0] == Path(rel).name:
                files[str(segment)] = segment.read_bytes()
    return files


def readable(fmt: str, data: bytes, folder: Path) -> str:
    """What a person reads in an export: every cell of a workbook, a CSV's text, a PDF's text (pdftotext)."""
    if fmt == "csv":
        return data.decode("utf-8-sig")
    if fmt == "xlsx":
        import io

        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(data))
        return "\n".join(str(cell.value) for ws in book.worksheets for row in ws.iter_rows() for cell in row
                         if cell.value is not None)
    pdf = folder / "export.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def text_holding(text_: str, needles: list[str]) -> list[str]:
    lower = text_.lower()
    return [n for n in needles if n and n.lower() in lower]
