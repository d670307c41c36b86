"""Recording campaign actions as a person does: the CLI (add, edit with history, remove with an audit row)
and the import of a spreadsheet (good rows in, bad rows named by line, Excel's exports, wrong encodings,
an empty file), on a real database."""
import csv
import io
import subprocess
from datetime import date, time

import pytest
from sqlalchemy import func, select

from monitor import metrics
from monitor.actions import ActionError, ActionInput, ImportFileError, add_action, edit_action, import_csv
from monitor.db import make_engine, transaction
from monitor.models import MP, Action, ActionVersion
from monitor.schema import upgrade
from tests.helpers import cli, cli_env, write_config

CAMPAIGN = "ipfs"
HEADER = "date,time,kind,title,region,branch,mp_ids,link,notes"


@pytest.fixture
def cfg(config):
    from dataclasses import replace

    from monitor.config import Campaign
    return replace(config, campaigns=(Campaign(CAMPAIGN, "IPFS", ("InvestInPupilServices",), ()),))


@pytest.fixture
def two_mps(engine):
    """Two member ids of the register that `db upgrade` loaded."""
    with transaction(engine) as s:
        return list(s.scalars(select(MP.member_id).order_by(MP.member_id).limit(2)))


def stored(engine) -> list[Action]:
    with transaction(engine) as s:
        found = list(s.scalars(select(Action).order_by(Action.id)))
        s.expunge_all()
        return found


def versions(engine) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(ActionVersion))


def write(tmp_path, data: bytes, name="actions.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_good_file_is_imported_with_every_field(engine, cfg, tmp_path, two_mps):
    a, b = two_mps
    path = write(tmp_path, (f"{HEADER}\n"
                            f"2026-11-20,18:30,mp roundtable,Roundtable in Leeds,Yorkshire and the Humber,Leeds,"
                            f"{a};{b},https://naht.org.uk/leeds,Two MPs came\n"
                            "2026-11-21,,Letter-writing,Letters evening,london,,,,\n"
                            "2026-11-22,,Media,On the radio,,,,,\n").encode())
    result = import_csv(engine, cfg, CAMPAIGN, path, "comms@naht.org.uk")
    assert (len(result.imported), result.problems, result.skipped) == (3, [], [])
    leeds, letters, radio = stored(engine)
    assert (leeds.day, leeds.at_time, leeds.kind, leeds.region, leeds.branch) == \
        (date(2026, 11, 20), time(18, 30), "MP roundtable", "Yorkshire and The Humber", "Leeds")
    assert (leeds.mp_member_ids, leeds.link, leeds.notes, leeds.recorded_by) == \
        (f"{a},{b}", "https://naht.org.uk/leeds", "Two MPs came", "comms@naht.org.uk")
    assert letters.region == "London" and radio.region is None   # blank region: a national action
    assert versions(engine) == 3   # each with its first version


def test_mixed_rows_import_the_good_and_name_each_bad_row_by_line(engine, cfg, tmp_path):
    path = write(tmp_path, (f"{HEADER}\n"
                            "2026-11-20,,MP roundtable,Good one,London,,,,\n"
                            "2026-02-30,,MP roundtable,Bad date,London,,,,\n"
                            "2026-11-21,,Tea party,Bad kind,London,,,,\n"
                            "2026-11-21,,Media,Bad region,Narnia,,,,\n"
                            "2026-11-21,,Media,,London,,,,\n"
                            "2026-11-21,25:00,Media,Bad time,London,,,,\n"
                            "2026-11-21,,Media,Bad MP,London,,99999999,,\n"
                            "2026-11-21,,Media,Bad link,London,,,naht.org.uk,\n"
                            ",,,,,,,,\n"
                            "2026-11-23,,Media,Good two,,,,,\n").encode())
    result = import_csv(engine, cfg, CAMPAIGN, path, "tester")
    assert [a.title for a in stored(engine)] == ["Good one", "Good two"]
    lines = dict(result.problems)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert "date '2026-02-30'" in lines[3]
    assert "kind 'Tea party' is not one of MP roundtable" in lines[4]
    assert "region 'Narnia' is not a region" in lines[5]
    assert "title missing" in lines[6]
    assert "time '25:00'" in lines[7]
    assert "no MP in the register has member id 99999999" in lines[8]
    assert "link 'naht.org.uk'" in lines[9]
    # The same file again (bad rows fixed or not) adds nothing twice.
    again = import_csv(engine, cfg, CAMPAIGN, path, "tester")
    assert again.imported == [] and [line for line, _ in again.skipped] == [2, 11]
    assert len(stored(engine)) == 2


def test_excels_csv_export_bom_crlf_uk_dates_and_a_cell_over_two_lines(engine, cfg, tmp_path):
    text = (f"{HEADER}\r\n"
            '20/11/2026,09:00,School visit,"Visit, with parents",London,Camden,,,"Line one\r\nline two"\r\n'
            "21/11/2026,,Conference,Regional conference £5 entry,London,,,,\r\n"
            "32/11/2026,,Conference,Bad,London,,,,\r\n")
    path = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = import_csv(engine, cfg, CAMPAIGN, path, "tester")
    visit, conference = stored(engine)
    assert (visit.day, visit.title, visit.notes) == (date(2026, 11, 20), "Visit, with parents", "Line one\r\nline two")
    assert conference.title == "Regional conference £5 entry"
    assert [line for line, _ in result.problems] == [5]   # the quoted cell took lines 2 and 3
    assert result.encoding == "UTF-8"


def test_a_windows_1252_file_is_read_as_such_and_an_unreadable_one_refused(engine, cfg, tmp_path):
    path = write(tmp_path, f"{HEADER}\n2026-11-20,,Media,Café meeting – £5,London,,,,\n".encode("cp1252"))
    result = import_csv(engine, cfg, CAMPAIGN, path, "tester")
    assert result.encoding == "Windows-1252"
    assert [a.title for a in stored(engine)] == ["Café meeting – £5"]
    # 0x81 and 0x8D are no character in Windows-1252 and the file is not UTF-8 either.
    bad = write(tmp_path, HEADER.encode() + b"\n2026-11-21,,Media,\x81\x8d,London,,,,\n", "bad.csv")
    with pytest.raises(ImportFileError, match=r"bad\.csv: is neither UTF-8 nor Windows-1252"):
        import_csv(engine, cfg, CAMPAIGN, bad, "tester")
    utf16 = write(tmp_path, f"{HEADER}\n".encode("utf-16"), "utf16.csv")
    with pytest.raises(ImportFileError, match=r"utf16\.csv: is UTF-16"):
        import_csv(engine, cfg, CAMPAIGN, utf16, "tester")
    assert len(stored(engine)) == 1


def test_an_empty_file_or_one_without_the_columns_imports_nothing(engine, cfg, tmp_path):
    with pytest.raises(ImportFileError, match=r"empty\.csv: is empty"):
        import_csv(engine, cfg, CAMPAIGN, write(tmp_path, b"", "empty.csv"), "tester")
    with pytest.raises(ImportFileError, match=r"line 1 must name the columns .* missing: date, kind"):
        import_csv(engine, cfg, CAMPAIGN, write(tmp_path, b"when,what,title\n1,2,3\n", "cols.csv"), "tester")
    assert stored(engine) == [] and versions(engine) == 0


def test_an_edit_keeps_the_version_before_and_names_who_made_it(engine, cfg):
    action_id = add_action(engine, cfg, CAMPAIGN, ActionInput(date(2026, 11, 20), "Media", "Radio", "London"), "ann")
    assert edit_action(engine, cfg, action_id, {"title": "Radio Leeds", "region": "Yorkshire and The Humber"}, "bob")
    assert not edit_action(engine, cfg, action_id, {"title": "Radio Leeds"}, "bob")   # nothing differs
    history = metrics.action_history(engine, action_id)
    assert [(v.version, v.change, v.saved_by, v.title, v.region) for v in history] == [
        (1, "added", "ann", "Radio", "London"), (2, "edited", "bob", "Radio Leeds", "Yorkshire and The Humber")]
    row = metrics.action(engine, action_id)
    assert (row.recorded_by, row.updated_by, row.title, row.edited) == ("ann", "bob", "Radio Leeds", True)
    with pytest.raises(ActionError, match="kind 'Party'"):
        edit_action(engine, cfg, action_id, {"kind": "Party"}, "bob")
    with pytest.raises(ActionError, match="say who records it"):
        add_action(engine, cfg, CAMPAIGN, ActionInput(date(2026, 11, 20), "Media", "Radio"), "  ")


def test_the_cli_adds_edits_lists_removes_and_imports(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = write_config(tmp_path, url, "http://127.0.0.1:9")
    upgrade(make_engine(url))

    def run(*args):
        return subprocess.run(cli(config, "actions", *args), capture_output=True, text=True, env=cli_env(),
                              timeout=120)

    added = run("add", "--date", "2026-11-20", "--kind", "MP roundtable", "--title", "Roundtable", "--region",
                "London", "--by", "ann")
    assert added.returncode == 0 and "action #1 recorded" in added.stdout
    refused = run("add", "--date", "2026-11-20", "--kind", "Picnic", "--title", "x", "--by", "ann")
    assert refused.returncode == 1 and "kind 'Picnic' is not one of" in refused.stderr
    assert run("edit", "1", "--title", "Roundtable with MPs", "--by", "bob").returncode == 0
    listed = run("list", "--from", "2026-11-01", "--to", "2026-11-30")
    assert "#1  2026-11-20  MP roundtable  London  Roundtable with MPs" in listed.stdout
    run("add", "--date", "2026-11-21", "--kind", "Media", "--title", "=HYPERLINK(\"http://x\")", "--by", "ann")
    table = list(csv.DictReader(io.StringIO(run("list", "--from", "2026-11-01", "--to", "2026-11-30", "--format",
                                                "csv").stdout.lstrip("\ufeff"), newline="")))
    assert [(r["Action #"], r["Action"], r["Region"]) for r in table] == [
        ("2", "'=HYPERLINK(\"http://x\")", "National"), ("1", "Roundtable with MPs", "London")]   # neutralised
    assert table[1]["Effect on posts"].startswith("collection began")
    removed = run("remove", "1", "--by", "bob", "--reason", "entered twice")
    assert removed.returncode == 0
    history = run("history", "1").stdout.splitlines()
    assert [line.split(" by ")[0] for line in history] == ["v1 added", "v2 edited", "v3 removed"]
    assert "(reason: entered twice)" in history[2]
    assert "#1" not in run("list", "--from", "2026-11-01", "--to", "2026-11-30").stdout
    sheet = write(tmp_path, f"{HEADER}\n2026-11-20,,Media,Radio,London,,,,\n2026-11-20,,Nope,x,,,,,\n".encode())
    imported = run("import", str(sheet), "--by", "ann")
    assert imported.returncode == 1
    assert f"{sheet}: line 3: kind 'Nope'" in imported.stderr
    assert "1 actions imported, 1 bad rows left out" in imported.stdout
    empty = run("import", str(write(tmp_path, b"", "empty.csv")), "--by", "ann")
    assert empty.returncode == 2 and empty.stderr.strip().splitlines() == \
        [f"error: {tmp_path / 'empty.csv'}: is empty: nothing to import (the README has a template)"]
