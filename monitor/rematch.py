"""Matching stored posts that carry no campaign match against their campaigns' terms again.

Migration 0011 gave posts stored cut (long posts, before the collector asked X for note_tweet) their
whole text and its hashtags and mentions. A post whose campaign term came only after the cut has no
campaign match, so no figure, page or report holds it. Matching needs each campaign's terms, which live in
the config, and Alembic does not have the config: so the migration leaves the task in
`maintenance_tasks`, and `upgrade_and_rematch` (what `db upgrade` and `run` call) carries it out right
after migrating. Doing it here, not in the migration, means a recovered post is matched by the very code
that matches a post stored today (monitor.parse.matched_terms, monitor.store.insert_ignore) against the
terms the config gives the campaign now.

A post's campaigns are those of the runs that stored it (`run_posts`): a search run's campaign, or every
configured campaign for an import (campaign '*'), as the importer matches. Earlier versions of edited
posts (monitor.editions) are left unmatched. Each batch commits on its own with the summary slices of
its newly matched posts (monitor.summary.add_posts: no slice held them); the task is removed after the
last, so a run killed half-way does the rest next time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select
from sqlalchemy.engine import Engine

from monitor.config import Config
from monitor.db import transaction
from monitor.models import CollectionRun, MaintenanceTask, Post, PostHashtag, PostMatch, PostMention, RunPost
from monitor.parse import matched_terms
from monitor.schema import upgrade
from monitor.store import insert_ignore
from monitor.summary import add_posts, lock

TASK = "rematch-unmatched-posts"   # left by migration 0011
BATCH = 1000
ALL_CAMPAIGNS = "*"   # the campaign of an import run: matched against every configured campaign


@dataclass
class RematchReport:
    checked: int = 0                      # posts with no campaign match, looked at
    matched: int = 0                      # of those, now matched to at least one campaign
    unknown_campaigns: set[str] = field(default_factory=set)   # run campaigns the config no longer has

    def describe(self) -> str:
        if not self.checked:
            return "every stored post has a campaign match: none to match again"
        text = (f"matched stored posts again on their whole text: {self.matched} of the {self.checked} posts "
                "with no campaign match now match their campaign")
        if self.unknown_campaigns:
            text += (f"; not in the config, so not matched: {', '.join(sorted(self.unknown_campaigns))}")
        return text


def upgrade_and_rematch(engine: Engine, config: Config) -> RematchReport | None:
    """Bring the schema to the current revision, then carry out a re-match a migration left (None if
    there was none): what `db upgrade` calls."""
    upgrade(engine)
    return pending_rematch(engine, config)


def pending_rematch(engine: Engine, config: Config) -> RematchReport | None:
    """Carry out the re-match a migration left, if any (None if there was none): `run` calls it once it
    holds the collector's lease, since it writes campaign matches."""
    with transaction(engine) as s:
        if s.get(MaintenanceTask, TASK) is None:
            return None
    report = rematch_unmatched(engine, config)
    with transaction(engine) as s:
        s.execute(delete(MaintenanceTask).where(MaintenanceTask.name == TASK))
    return report


def _unmatched(session, after: str) -> list[tuple[str, str]]:
    """(id, text) of the next BATCH posts after `after` with no campaign match (earlier versions aside)."""
    return list(session.execute(
        select(Post.id, Post.text)
        .where(Post.id > after, Post.superseded_by.is_(None), ~exists().where(PostMatch.post_id == Post.id))
        .order_by(Post.id).limit(BATCH)).all())


def _grouped(session, statement) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for post_id, value in session.execute(statement):
        grouped.setdefault(post_id, []).append(value)
    return grouped


def rematch_unmatched(engine: Engine, config: Config) -> RematchReport:
    """Match every stored post with no campaign match against the terms of its campaigns (see above)."""
    terms = {c.name: c.terms for c in config.campaigns}
    report = RematchReport()
    last = ""
    while True:
        with transaction(engine) as s:
            lock(s)   # a writer of matches and summary slices: see summary.lock
            batch = _unmatched(s, last)
            if not batch:
                return report
            last = batch[-1][0]
            ids = [post_id for post_id, _ in batch]
            campaigns = _grouped(s, select(RunPost.post_id, CollectionRun.campaign).distinct()
                                 .join(CollectionRun, CollectionRun.id == RunPost.run_id)
                                 .where(RunPost.post_id.in_(ids)))
            tags = _grouped(s, select(PostHashtag.post_id, PostHashtag.tag).where(PostHashtag.post_id.in_(ids)))
            mentions = _grouped(s, select(PostMention.post_id, PostMention.username)
                                .where(PostMention.post_id.in_(ids)))
            rows = []
            for post_id, text in batch:
                names = set(campaigns.get(post_id, []))
                if ALL_CAMPAIGNS in names:
                    names = (names - {ALL_CAMPAIGNS}) | set(terms)
                report.unknown_campaigns |= names - set(terms)
                for name in sorted(names & set(terms)):
                    found = matched_terms({"text": text}, tags.get(post_id, []), mentions.get(post_id, []),
                                          terms[name])
                    rows += [{"post_id": post_id, "campaign": name, "term": term} for term in found]
            insert_ignore(s, PostMatch, rows, ["post_id", "campaign", "term"])
            newly = {r["post_id"] for r in rows}
            add_posts(s, newly)   # they had no match, so no slice held them
            report.checked += len(batch)
            report.matched += len(newly)
