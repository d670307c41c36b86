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
    assert "skipped 1 unreadable lines (nothing imported from them):\n  line 8: not JSON (" in report.describe()
    assert report.pages == 7 and not report.complete


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
    assert result.returncode == 1, result.stderr  # a line could not be read: not a success
    assert "2 new posts" in result.stdout
    # The parser's own reasons, not the exceptions' class names.
    assert ("skipped 2 unreadable lines (nothing imported from them):\n"
            "  line 2: not JSON (Expecting property name enclosed in double quotes at line 1 column 2)\n"
            "  line 4: not an X API v2 response page (no data, meta or errors)") in result.stdout
    assert "1 posts carry no configured campaign term" in result.stdout
    assert "1 API error entries recorded" in result.stdout
    engine = make_engine(f"sqlite:///{db}")
    assert count(engine, Post) == 2
    with transaction(engine) as s:  # the API's error entries, and the unreadable lines: on record
        assert sorted(s.scalars(select(RunEvent.kind))) == ["partial_error", "skipped"]
    with transaction(engine) as s:
        assert s.scalars(select(CollectionRun)).one().status == "completed"


def run_import(tmp_path, *files):
    db = tmp_path / "m.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n'
                      '[[campaigns]]\nname = "ipfs"\nhashtags = ["FundOurSchools"]\n')
    run = lambda *a: subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config), *a],  # noqa: E731
                                    capture_output=True, text=True)
    assert run("db", "upgrade").returncode == 0
    return run("import", "--no-progress", *map(str, files)), make_engine(f"sqlite:///{db}")


WHEN = datetime(2026, 11, 17, 8, 0, tzinfo=timezone.utc)


def test_nothing_readable_exits_1_and_says_why(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("hello\n" + json.dumps({"hello": 1}) + "\n")
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 1
    assert "imported 0 pages from 2 lines" in result.stdout
    assert "  line 1: not JSON (Expecting value at line 1 column 1)" in result.stdout
    assert count(engine, Post) == 0


def test_every_line_read_exits_0(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(pages.page([pages.post(WHEN, "1", "#FundOurSchools")], [pages.user("1", "ann")]))
                    + "\n\n")
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stdout and count(engine, Post) == 1


def test_first_ten_reasons_then_a_count(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps({"n": i}) + "\n" for i in range(13)))
    result, _ = run_import(tmp_path, path)
    assert result.returncode == 1
    listed = [line for line in result.stdout.splitlines() if line.startswith("  line ")]
    assert listed == [f"  line {n}: not an X API v2 response page (no data, meta or errors)" for n in range(1, 11)]
    assert "  and 3 more" in result.stdout


def test_a_pretty_printed_page_is_read_whole(tmp_path):
    page = pages.page([pages.post(WHEN, "1", "#FundOurSchools one"),
                       pages.post(WHEN, "1", "#FundOurSchools two", seq=1)],
                      [pages.user("1", "ann")])
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page, indent=2))
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 0, result.stdout
    assert "one pretty-printed JSON document, not one page a line: read it whole" in result.stdout
    assert "2 new posts" in result.stdout and count(engine, Post) == 2
    with transaction(engine) as s:
        assert s.scalars(select(Author.username)).all() == ["ann"]


def test_a_pretty_printed_list_of_pages(tmp_path):
    first = pages.page([pages.post(WHEN, "1", "#FundOurSchools one")], [pages.user("1", "ann")])
    second = pages.page([pages.post(WHEN, "2", "#FundOurSchools two", seq=1)], [pages.user("2", "bob")])
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([first, second], indent=4))
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 0, result.stdout
    assert "imported 2 pages" in result.stdout and count(engine, Post) == 2


def test_broken_pretty_printed_json_is_named_as_such(tmp_path):
    path = tmp_path / "page.json"
    path.write_text('{\n  "data": [\n    {"id": "1",\n')
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 1
    assert "line 1: the file looks like pretty-printed JSON but is not valid JSON (" in result.stdout
    assert count(engine, Post) == 0


def test_single_post_objects_are_read_with_their_inlined_author(tmp_path):
    """twarc2 `flatten` writes one post a line with its author under "author": read, not "unreadable"."""
    page = pages.page([pages.post(WHEN, "1", "#FundOurSchools flat"), pages.post(WHEN, "2", "no author", seq=1)],
                      [pages.user("1", "ann")])
    with_author = dict(page["data"][0], author=page["includes"]["users"][0])
    path = tmp_path / "flat.jsonl"
    path.write_text(json.dumps(with_author) + "\n" + json.dumps(page["data"][1]) + "\n")
    result, engine = run_import(tmp_path, path)
    assert result.returncode == 0, result.stdout
    assert "2 lines held a single post object, not a response page: each was read as a page of one post" \
        in result.stdout
    with transaction(engine) as s:
        assert dict(s.execute(select(Post.id, Author.username).join(Author, Author.id == Post.author_id)).all())[
            page["data"][0]["id"]] == "ann"
    assert count(engine, Post) == 2
