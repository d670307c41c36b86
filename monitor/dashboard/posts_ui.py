"""Posts, contributors and terms as tables, and the activity sections (top posts, top contributors, hashtags,
mentions) that end the overview and region pages."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from monitor.dashboard import data, markup
from monitor.dashboard.markup import Column
from monitor.dashboard.ui import html, region_name
from monitor.metrics import Filters
from monitor.networks import NETWORKS, NOT_GIVEN, gives_impressions
from monitor.networks import label as network_label
from monitor.timeutil import UK

POST_LINK = {"Link": st.column_config.LinkColumn("Link", display_text="Open post")}
# The figures before the post's text, which takes the width left: the key columns fit at 1280 px.
# The region wraps ("Yorkshire and the Humber" on two lines): at 1280 px the post's text then fits beside.
POST_COLUMNS = (Column("Posted (UK)", "nowrap", key=True), Column("Link", "link"), Column("Network", "nowrap"),
                Column("Author", "nowrap"), Column("Region"), Column("Kind", "nowrap"), Column("Engagements", "num"),
                Column("Impressions", "num"), Column("Followers", "num"), Column("Post", "post"))


def posted_uk(moment: datetime) -> str:
    return f"{moment.astimezone(UK):%a %d %b %Y %H:%M}"


def impressions_text(value: int | None) -> int | str:
    """Impressions as shown in a table: the count, or 'not given' where the network counts none."""
    return NOT_GIVEN if value is None else value


def handle(username: str | None) -> str:
    return f"@{username}" if username else ""


def open_on(network: str) -> str:
    """A link's text: where it goes ("Open on Bluesky")."""
    return NETWORKS[network].open_label


def posts_frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "Posted (UK)": [posted_uk(r.created_at) for r in rows],
        "Link": [r.url for r in rows],
        "Network": [network_label(r.network) for r in rows],
        "Author": [handle(r.username) for r in rows],
        "Region": [region_name(r.region) for r in rows],
        "Kind": [r.kind for r in rows],
        "Engagements": [r.engagements for r in rows],
        "Impressions": [impressions_text(r.impressions_given) for r in rows],
        "Followers": [r.author_followers for r in rows],
        "Text": [r.text for r in rows],
    })


def show_posts(rows, key: str, empty: str = "No posts in this period.", caption: str | None = None) -> None:
    """Posts as a table: one UK timestamp, a link to each on its network, the figures before the (whole) text;
    impressions 'not given' where the network counts none."""
    if not rows:
        st.info(empty, icon=":material/info:")
        return
    body = [(posted_uk(r.created_at), (open_on(r.network), r.url), network_label(r.network), handle(r.username),
             region_name(r.region), r.kind, r.engagements, impressions_text(r.impressions_given), r.author_followers,
             r.text) for r in rows]
    html(markup.table(POST_COLUMNS, body, caption=caption, label=key, cards=True))


def show_contributors(rows, key: str) -> None:
    if not rows:
        st.info("No contributors in this period.", icon=":material/info:")
        return
    columns = [Column("Author", "nowrap", key=True), Column("Network", "nowrap"), Column("Name"),
               Column("Region", "nowrap"), Column("Posts", "num"), Column("Followers (as of post)", "num"),
               Column("Engagements", "num"), Column("Impressions", "num"), Column("Profile", "link")]
    body = [(handle(c.username), network_label(c.network), c.name or "", region_name(c.region), c.posts,
             c.potential_reach, c.engagements,
             impressions_text(c.impressions if gives_impressions(c.network) else None), (open_on(c.network), c.url))
            for c in rows]
    html(markup.table(columns, body, label=key, cards=True))


def terms_chart(rows, prefix: str, key: str) -> None:
    """Hashtags or mentions: posts (with a bar) and unique authors per term."""
    if not rows:
        st.info("None in this period.", icon=":material/info:")
        return
    top = max(t.posts for t in rows) or 1
    columns = [Column("Hashtag" if prefix == "#" else "Account", "nowrap", key=True), Column("Posts", "num"),
               Column("", "bar"), Column("Contributors", "num")]
    body = [(prefix + t.term, t.posts, t.posts / top, t.contributors) for t in rows]
    html(markup.table(columns, body, label=key))


def activity_sections(filters: Filters, key: str, n: int = 10) -> None:
    """Top posts, top contributors, hashtags and mentions: the second half of overview and region pages."""
    st.subheader("Top posts", help="Ranked by engagements, then impressions.")
    show_posts(data.top_posts(filters, n), key=f"{key}_top_posts")
    st.subheader("Top contributors", help="Ranked by posts in the period, then engagements.")
    show_contributors(data.top_contributors(filters, n), key=f"{key}_top_contributors")
    left, right = st.columns(2)
    with left:
        st.subheader("Hashtags")
        terms_chart(data.hashtags(filters, 15), "#", key=f"{key}_hashtags")
    with right:
        st.subheader("Mentions")
        terms_chart(data.mentions(filters, 15), "@", key=f"{key}_mentions")
