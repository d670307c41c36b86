"""`campaign-monitor import`: recorded API v2 pages (the shared real samples and our own)."""
import contextlib
import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from monitor.db import make_engine, transaction
from monitor.importer import import_jsonl
from monitor.models import Author, CollectionRun, Place, Post, RunEvent
from monitor.parse import parse_page
from tests import pages

SAMPLES = ["two_tweets", "geo_tweets", "edited", "withheld", "verified_type", "mentions_tweet", "quoted_edit",
           "media_tweet", "streaming_output_with_error"]


def count(engine, model):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", SAMPLES)
def test_each_real_sample_imports_and_reimports_without_duplicates(sqlite_engine, config, shared_samples, name):
    path = shared_samples / f"{name}.jsonl"
    expected_posts = set()
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            expected_posts |= {p["id"] for p in parse_page(json.loads(line)).posts}
    first = import_jsonl(sqlite_engine, config, path, progress=False)
    again = import_jsonl(sqlite_engine, config, path, progress=False)
    with transaction(sqlite_engine) as s:
        assert set(s.scalars(select(Post.id))) == expected_posts
    assert first.posts_new == len(expected_posts) and again.posts_new == 0
    assert again.posts_updated == len(expected_posts)


def test_samples_keep_what_matters(sqlite_engine, config, shared_samples):
    for name in ("geo_tweets", "withheld", "verified_type", "edited", "quoted_edit"):
        import_jsonl(sqlite_engine, config, shared_samples / f"{name}.jsonl", progress=False)
    with transaction(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Place)) > 0
        assert s.scalar(select(func.count()).select_from(Post).where(Post.place_id.is_not(None))) > 0
        assert s.scalar(select(func.count()).select_from(Post).where(Post.withheld.is_not(None))) > 0
        assert set(s.scalars(select(Author.verified_type))) - {None, "none"}
        assert s.scalar(select(func.count()).select_from(Post).where(Post.kind == "quote")) > 0
        edited = [p for p in s.scalars(select(Post)) if len(p.raw.get("edit_history_tweet_ids", [])) > 1]
        assert edited, "edited posts keep their edit history in raw"


def test_truncated_line_is_skipped_counted_and_reported(sqlite_engine, config, shared_samples):
    report = import_jsonl(sqlite_engine, config, shared_samples / "streaming_output_with_error.jsonl", progress=False)
    assert [n for n, _ in report.skipped_lines] == [8]
    assert "skipped 1 unreadable lines: line 8" in report.describe()
    assert report.pages == 7


def test_import_cli_reports_what_it_imported(tmp_path):
    when = datetime(2026, 11, 17, 8, 0, tzinfo=timezone.utc)
    good = pages.page([pages.post(when, "1", "#FundOurSchools now", tags=["FundOurSchools"]),
                       pages.post(when, "1", "Nothing to do with us", seq=1)], [pages.user("1", "ann")],
                      errors=[{"title": "Not Found Error", "type": "https://api.x.com/2/problems/resource-not-found",
                               "resource_id": "5"}])
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n\n" + json.dumps({"hello": 1}) + "\n")
    db = tmp_path / "m.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n[[campaigns]]\nname = "ipfs"\n'
                      'hashtags = ["FundOurSchools"]\n')
    run = lambda *a: subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config), *a],  # noqa: E731
                                    capture_output=True, text=True)
    assert run("db", "upgrade").returncode == 0
    result = run("import", "--no-progress", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 new posts" in result.stdout
    assert "skipped 2 unreadable lines: line 2 (JSONDecodeError), line 4 (ValueError)" in result.stdout
    assert "1 posts carry no configured campaign term" in result.stdout
    assert "1 API error entries recorded" in result.stdout
    engine = make_engine(f"sqlite:///{db}")
    assert count(engine, Post) == 2
    assert count(engine, RunEvent) == 1
    with transaction(engine) as s:
        assert s.scalars(select(CollectionRun)).one().status == "completed"
