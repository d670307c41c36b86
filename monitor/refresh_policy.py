"""Which posts the metrics refresh re-reads, and when: the selective refresh.

X bills a post once per UTC day however often it is read that day (monitor.billing). The search that
collects a post has already billed it for its first UTC day, so every read on that day is free; a read on a
later day costs as much as the first. And most posts never gain another like: what a post will gain is
told early by how it is doing and by how many follow its author. So, with `metrics_refresh.selective`:

- **free reads are always taken**: the steps of `schedule_hours` that fall on the UTC day the post was
  last read, plus one more shortly before that day ends (`day_end_mark`), when the post is old enough for
  a read to say something;
- **a billed read** (a later UTC day) is taken only for a post that is *promising* (at least
  `promising_engagements` engagements or `promising_impressions` impressions at its last read, or an author
  with `promising_followers` followers), or once for a post whose last read came while it was still
  *young* (under YOUNG_HOURS old: posted late in the UTC day) when its author has some audience;
- otherwise the post's refresh ends: its figures stay as last read.

From the budget's warning share (monitor.budget) the refresh reads only the last step of the schedule.
Without `selective`, every post is read at every step (the full schedule).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from monitor.config import MetricsRefresh

# A post read when younger than this was read before most of its engagement came: one more read.
YOUNG_HOURS = 4.0
# ...when its author has at least this many followers (below it a post rarely gains anything worth a read).
YOUNG_MIN_FOLLOWERS = 150
# A free read is worth taking only when the post has been up this long since its last read.
MIN_GAP = timedelta(minutes=30)
# The day-end read is due this long before UTC midnight beyond the batching window, so that a lookup
# waiting to fill (window_minutes) and the refresh's own interval still send it before midnight.
DAY_END_MARGIN = timedelta(minutes=30)


def utc_midnight_after(moment: datetime) -> datetime:
    day = moment.astimezone(timezone.utc).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def day_end_mark(moment: datetime, policy: MetricsRefresh) -> datetime:
    """The last time a free read of a post last read at `moment` is due, so that it goes before midnight."""
    return utc_midnight_after(moment) - timedelta(minutes=policy.window_minutes) - DAY_END_MARGIN


def next_refresh_time(created_at: datetime, now: datetime, policy: MetricsRefresh) -> datetime | None:
    """The next read of a post last read at `now`: the first step of the schedule still ahead (None once the
    post is past max_age_hours), or, when selective, the day-end read if it comes first."""
    steps = [created_at + timedelta(hours=h) for h in policy.schedule_hours if h <= policy.max_age_hours]
    ahead = [t for t in steps if t > now]
    if not ahead:
        return None
    if policy.selective:
        mark = day_end_mark(now, policy)
        if now + MIN_GAP <= mark < ahead[0] and mark - created_at >= MIN_GAP:
            return mark
    return ahead[0]


def last_step_time(created_at: datetime, policy: MetricsRefresh) -> datetime | None:
    steps = [h for h in policy.schedule_hours if h <= policy.max_age_hours]
    return created_at + timedelta(hours=steps[-1]) if steps else None


@dataclass(frozen=True)
class DuePost:
    """What is known of a post when its read comes due."""
    id: str
    created_at: datetime
    last_read_at: datetime
    next_refresh_at: datetime
    engagements: int
    impressions: int
    followers: int


def is_free(post: DuePost, now: datetime) -> bool:
    """A read now is on the UTC day the post was last read (and so billed): X bills it once."""
    return post.last_read_at.astimezone(timezone.utc).date() == now.astimezone(timezone.utc).date()


def is_promising(post: DuePost, policy: MetricsRefresh) -> bool:
    return (post.engagements >= policy.promising_engagements or post.impressions >= policy.promising_impressions
            or post.followers >= policy.promising_followers)


def was_young(post: DuePost) -> bool:
    return (post.last_read_at - post.created_at) < timedelta(hours=YOUNG_HOURS) and \
        post.followers >= YOUNG_MIN_FOLLOWERS


def worth_reading(post: DuePost, now: datetime, policy: MetricsRefresh) -> bool:
    """Whether the read due now is worth what it costs (see the module's docstring)."""
    if not policy.selective:
        return True
    return is_free(post, now) or is_promising(post, policy) or was_young(post)
