"""What the MP tests share (not fixtures): register rows to test with, source files written in the shape of
the real downloads, and pages of posts by and about MPs stored through the real store path."""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from monitor.mps.register import LOOKUP_COLUMNS, RegisterRow, read_packaged
from tests import pages

SHARED_MPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "mps"


def register() -> list[RegisterRow]:
    return read_packaged()


def mp(handle: str) -> RegisterRow:
    """The register's MP with this X handle (any case)."""
    return next(r for r in register() if (r.x_username or "").lower() == handle.lower())


def write_sources(folder: Path, rows: list[RegisterRow], *, drop_column: str | None = None,
                  rename_attribute: tuple[str, str] | None = None) -> tuple[Path, Path, Path]:
    """mp_lookup.csv, official-profiles.xml and social-media-commons.xml for these MPs, as the real files
    are laid out (extra columns, person ids, former MPs); drop_column leaves a lookup column out,
    rename_attribute = (old, new) renames an attribute in the social file."""
    folder.mkdir(parents=True, exist_ok=True)
    lookup, profiles, social = folder / "mp_lookup.csv", folder / "official-profiles.xml", folder / "social.xml"
    columns = [c for c in ("pcon_name", "pcon_code", "member_id", "full_title", "display_as", "party_text",
                           "member_email", "la_names", "region_name", "country_name") if c != drop_column]
    ours = {theirs: mine for mine, theirs in LOOKUP_COLUMNS.items()}
    with lookup.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for r in rows:
            values = {c: str(getattr(r, ours[c])) for c in columns if c in ours}
            values.update({c: f"{r.name} MP" if c == "full_title" else "x@parliament.uk"
                           for c in columns if c not in ours})
            writer.writerow(values)
    people = [f'  <personinfo id="uk.org.publicwhip/person/{20000 + i}" '
              f'profile_url_uk_parl="https://members.parliament.uk/member/{r.member_id}/career"/>'
              for i, r in enumerate(rows)]
    people.append('  <personinfo id="uk.org.publicwhip/person/10001" profile_url_scot_parl="https://x/1"/>')
    profiles.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<twfy>\n' + "\n".join(people) + "\n</twfy>\n",
                        encoding="utf-8")
    x_name, bluesky_name = "twitter_username", "bluesky_handle"
    if rename_attribute:
        x_name = rename_attribute[1] if rename_attribute[0] == x_name else x_name
        bluesky_name = rename_attribute[1] if rename_attribute[0] == bluesky_name else bluesky_name
    handles = []
    for i, r in enumerate(rows):
        attributes = "".join(f" {name}={quoteattr(value)}" for name, value in
                             ((x_name, r.x_username), (bluesky_name, r.bluesky_handle)) if value)
        handles.append(f'  <personinfo id="uk.org.publicwhip/person/{20000 + i}"{attributes}/>')
    handles.append(f'  <personinfo id="uk.org.publicwhip/person/10001" {x_name}="FormerMember"/>')
    social.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<publicwhip>\n' + "\n".join(handles)
                      + "\n</publicwhip>\n", encoding="utf-8")
    return lookup, profiles, social


def mention(post: dict, username: str, user_id: str | None) -> dict:
    """Add an @mention (with the id X gives it) to a post built by tests.pages.post."""
    post["text"] += f" @{username}"
    entry = {"start": 0, "end": len(username) + 1, "username": username}
    if user_id is not None:
        entry["id"] = user_id
    post.setdefault("entities", {}).setdefault("mentions", []).append(entry)
    return post


def mp_user(uid: str, handle: str, followers: int = 20_000) -> dict:
    return pages.user(uid, handle, location="Westminster", followers=followers)


def post(when: datetime, author_id: str, text: str, seq: int, tags=(), refs=None) -> dict:
    """A post with no mentions (tests.pages.post gives every mention the same id)."""
    return pages.post(when, author_id, text, seq=seq, tags=tags, refs=refs)


# A plain count over posts, post_mentions and post_matches by the MPs' handles (not through post_mps or
# monitor.metrics): per MP with a handle, (posts by them in the campaign, posts mentioning them).
PLAIN_COUNTS = """
SELECT m.member_id, m.region,
  (SELECT COUNT(DISTINCT p.id) FROM posts p JOIN authors a ON a.id = p.author_id
    WHERE lower(a.username) = lower(m.x_username) AND p.created_date_uk BETWEEN :a AND :b
      AND (EXISTS (SELECT 1 FROM post_matches c WHERE c.post_id = p.id AND c.campaign = :c)
           OR (p.kind IN ('reply', 'quote') AND EXISTS (
               SELECT 1 FROM post_matches c WHERE c.post_id = p.referenced_post_id AND c.campaign = :c)))),
  (SELECT COUNT(DISTINCT p.id) FROM posts p JOIN post_mentions x ON x.post_id = p.id
    JOIN authors a ON a.id = p.author_id
    WHERE x.username = lower(m.x_username) AND lower(a.username) <> lower(m.x_username)
      AND p.created_date_uk BETWEEN :a AND :b
      AND EXISTS (SELECT 1 FROM post_matches c WHERE c.post_id = p.id AND c.campaign = :c))
FROM mps m WHERE m.sitting
"""


def plain_counts(engine, campaign: str, start, end) -> dict[int, tuple[str, int, int]]:
    """member_id -> (region, posts by the MP, posts mentioning the MP), counted plainly from the posts."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text(PLAIN_COUNTS), {"a": start, "b": end, "c": campaign}).all()
    return {r[0]: (r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows}


def plain_status_counts(counts: dict, region: str | None = None) -> tuple[int, int, int, int]:
    """(engaged, mentioned only, not reached, MPs) from plain_counts, for one region or all."""
    mine = [c for c in counts.values() if region is None or c[0] == region]
    engaged = sum(1 for _, by, _ in mine if by)
    mentioned = sum(1 for _, by, about in mine if not by and about)
    return engaged, mentioned, len(mine) - engaged - mentioned, len(mine)
