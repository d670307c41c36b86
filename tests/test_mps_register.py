"""The MP register: the shipped file is the join of its sources; `db upgrade` loads it; `mps import`
rebuilds it from newer source files (bad files get one line naming the file and the column, exit 2);
handle corrections are audited and survive every import; `mps list` prints every MP's figures."""
from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from monitor.db import transaction
from monitor.models import MP, MPRegisterLoad
from monitor.mps.register import (
    PACKAGED_AS_OF,
    PACKAGED_REGISTER,
    RegisterFileError,
    import_files,
    read_sources,
    set_handle,
    write_register,
)
from monitor.schema import upgrade
from tests.helpers import cli, cli_env, write_config
from tests.helpers_mps import SHARED_MPS, mp, register, write_sources


def mps(engine) -> dict[int, MP]:
    with transaction(engine) as s:
        return {m.member_id: m for m in s.scalars(select(MP))}


def test_the_shipped_register_is_the_join_of_its_three_sources(tmp_path):
    if not SHARED_MPS.is_dir():
        pytest.skip("../shared/data/mps is not present")
    rows = read_sources(SHARED_MPS / "source-mp_lookup.csv", SHARED_MPS / "source-official-profiles.xml",
                        SHARED_MPS / "source-social-media-commons.xml")
    write_register(rows, tmp_path / "joined.csv")
    assert (tmp_path / "joined.csv").read_bytes() == PACKAGED_REGISTER.read_bytes()
    assert (tmp_path / "joined.csv").read_bytes() == (SHARED_MPS / "mps_2024_parliament.csv").read_bytes()
    assert len(rows) == 650 and sum(1 for r in rows if r.x_username) == 217
    assert sum(1 for r in rows if r.bluesky_handle) == 362


def test_db_upgrade_loads_the_shipped_register_once_and_again_when_a_newer_one_ships(engine):
    loaded = mps(engine)
    assert len(loaded) == 650 and all(m.sitting for m in loaded.values())
    kinnock = loaded[mp("skinnock").member_id]
    assert (kinnock.name, kinnock.constituency, kinnock.constituency_code, kinnock.region, kinnock.party) == \
        ("Stephen Kinnock", "Aberafan Maesteg", "W07000081", "Wales", "Labour")
    assert kinnock.local_authorities == "Neath Port Talbot / Bridgend"
    upgrade(engine)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(MPRegisterLoad)) == 1
        s.execute(update(MPRegisterLoad).values(as_of=date(2026, 1, 1)))   # an older register than the package's
        s.execute(update(MP).where(MP.member_id == kinnock.member_id).values(name="Someone Else"))
    upgrade(engine)
    assert mps(engine)[kinnock.member_id].name == "Stephen Kinnock"
    with transaction(engine) as s:
        assert s.scalars(select(MPRegisterLoad.as_of).order_by(MPRegisterLoad.id)).all() == [date(2026, 1, 1),
                                                                                              PACKAGED_AS_OF]


def test_an_import_rebuilds_the_register_and_marks_who_left(engine, tmp_path):
    rows = register()
    kinnock = mp("skinnock")
    newer = [replace(r, x_username="KinnockNew") if r.member_id == kinnock.member_id else r for r in rows[:-1]]
    result = import_files(engine, *write_sources(tmp_path, newer), today=date(2027, 1, 4))
    assert (result.mps, result.left) == (649, 1)
    loaded = mps(engine)
    assert loaded[rows[-1].member_id].sitting is False
    assert loaded[kinnock.member_id].x_username == "KinnockNew"
    assert loaded[kinnock.member_id].register_x_username == "KinnockNew"
    with transaction(engine) as s:
        last = s.scalars(select(MPRegisterLoad).order_by(MPRegisterLoad.id.desc())).first()
    assert (last.source, last.as_of, last.mps) == ("import", date(2027, 1, 4), 649)
    assert "mp_lookup.csv" in last.files


def test_a_handle_correction_survives_a_reimport_and_the_audit_keeps_every_one(engine, tmp_path):
    kinnock, blackman = mp("skinnock"), mp("KirstySNP")
    set_handle(engine, kinnock.member_id, x="kinnock_mp", corrected_by="Sam")
    set_handle(engine, blackman.member_id, bluesky="", x="", corrected_by="Alex", note="closed her accounts")
    set_handle(engine, kinnock.member_id, bluesky="stephen.example.org", corrected_by="Jo")
    import_files(engine, *write_sources(tmp_path, register()))
    loaded = mps(engine)
    assert (loaded[kinnock.member_id].x_username, loaded[kinnock.member_id].bluesky_handle) == \
        ("kinnock_mp", "stephen.example.org")
    assert loaded[kinnock.member_id].register_x_username == "skinnock"   # what the register says, kept apart
    assert (loaded[blackman.member_id].x_username, loaded[blackman.member_id].bluesky_handle) == (None, None)
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT member_id, x_username, bluesky_handle, corrected_by FROM "
                                  "mp_handle_corrections ORDER BY id")).all()
    assert audit == [(kinnock.member_id, "kinnock_mp", None, "Sam"), (blackman.member_id, "", "", "Alex"),
                     (kinnock.member_id, None, "stephen.example.org", "Jo")]


@pytest.mark.parametrize("kwargs, message", [
    ({"x": "not a handle!"}, "is not an X handle"),
    ({"bluesky": "no dots"}, "is not a Bluesky handle"),
    ({}, "give an X handle"),
    ({"x": "fine", "corrected_by": " "}, "say who makes the correction"),
    ({"x": "fine", "member_id": 1}, "no MP with member id 1"),
])
def test_a_bad_correction_is_refused_and_changes_nothing(engine, kwargs, message):
    args = {"member_id": mp("skinnock").member_id, "corrected_by": "Sam", **kwargs}
    with pytest.raises(ValueError, match=message):
        set_handle(engine, args.pop("member_id"), **args)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM mp_handle_corrections")).scalar() == 0
    assert mps(engine)[mp("skinnock").member_id].x_username == "skinnock"


@pytest.mark.parametrize("change, file_name, names", [
    ({"drop_column": "region_name"}, "mp_lookup.csv", ["column 'region_name'", "pcon_name"]),
    ({"drop_column": "display_as"}, "mp_lookup.csv", ["column 'display_as'"]),
    ({"rename_attribute": ("twitter_username", "x_username")}, "social.xml", ["attribute 'twitter_username'",
                                                                              "x_username"]),
])
def test_a_source_file_missing_a_column_is_named_with_the_column(tmp_path, change, file_name, names):
    paths = write_sources(tmp_path, register()[:5], **change)
    with pytest.raises(RegisterFileError) as raised:
        read_sources(*paths)
    assert str(raised.value).startswith(f"{file_name}: ")
    for name in names:
        assert name in str(raised.value)


def test_unreadable_source_rows_are_named_by_line_and_column(tmp_path):
    lookup, profiles, social = write_sources(tmp_path, register()[:3])
    body = lookup.read_text(encoding="utf-8").replace('"Wales"', '"Cymru"', 1)
    lookup.write_text(body, encoding="utf-8")
    with pytest.raises(RegisterFileError, match=r"mp_lookup.csv: line \d, column 'region_name': expected one of"):
        read_sources(lookup, profiles, social)
    profiles.write_text("<twfy><personinfo", encoding="utf-8")
    lookup, _, _ = write_sources(tmp_path / "ok", register()[:3])
    with pytest.raises(RegisterFileError, match=r"official-profiles.xml: \(syntax\): expected an XML file"):
        read_sources(lookup, profiles, social)


# --- the commands, in processes of their own -------------------------------------------------

def run(config_path, *args):
    return subprocess.run(cli(config_path, *args), capture_output=True, text=True, env=cli_env(), timeout=120)


@pytest.fixture
def config_path(tmp_path, sqlite_url):
    path = write_config(tmp_path, sqlite_url, "http://127.0.0.1:9")
    assert run(path, "db", "upgrade").returncode == 0
    return path


def test_mps_import_with_a_renamed_column_is_one_line_and_exit_2_and_loads_nothing(config_path, tmp_path):
    paths = write_sources(tmp_path / "files", register()[:10], drop_column="pcon_code")
    result = run(config_path, "mps", "import", "--lookup", str(paths[0]), "--profiles", str(paths[1]),
                 "--social", str(paths[2]))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: mp_lookup.csv: column 'pcon_code': expected a column named 'pcon_code'")
    good = write_sources(tmp_path / "good", register())
    result = run(config_path, "mps", "import", "--lookup", str(good[0]), "--profiles", str(good[1]),
                 "--social", str(good[2]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("650 MPs loaded (217 with an X handle, 362 with a Bluesky handle)")


def test_mps_set_handle_then_list_as_csv(config_path):
    kinnock = mp("skinnock")
    result = run(config_path, "mps", "set-handle", str(kinnock.member_id), "--x", "@kinnock_mp", "--by", "Sam")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Stephen Kinnock (Aberafan Maesteg): X @kinnock_mp, Bluesky skinnock.bsky.social"
    refused = run(config_path, "mps", "set-handle", str(kinnock.member_id), "--x", "no spaces allowed", "--by", "S")
    assert refused.returncode == 1 and "is not an X handle" in refused.stderr
    listed = run(config_path, "mps", "list", "--region", "NAHT Cymru", "--from", "2026-11-16", "--to",
                 "2026-11-22", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout.lstrip("\ufeff"))))
    assert list(rows[0]) == ["member_id", "name", "party", "constituency", "region", "status", "posts_by_mp",
                             "posts_mentioning", "members_mentioning", "last_activity"]
    assert len(rows) == 32 and {r["region"] for r in rows} == {"Wales"}
    assert {r["status"] for r in rows} == {"not reached"}
    table = run(config_path, "mps", "list", "--region", "wales")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:3] == ["member_id", "name", "party"]
    assert len(table.stdout.splitlines()) == 33
    unknown = run(config_path, "mps", "list", "--region", "Atlantis")
    assert unknown.returncode == 2 and "'Atlantis' is not a region" in unknown.stderr
