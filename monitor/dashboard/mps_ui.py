"""MP widgets: the engaged/total tile map, the MPs table, the "not reached yet" list, the MPs' own posts,
the handle correction form, the MP section of a region page, the MP share under the KPI cards and the MP
watch's API use. Every figure comes from monitor.metrics.mps through data.py; text is shown as plain text.
"""
from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, posts_ui, ui
from monitor.dashboard.regions_ui import short_name
from monitor.dashboard.signin import signed_in_email
from monitor.metrics import Filters, MpRegionRow, MpRow
from monitor.regions import TILE_GRID

MPS_PAGE = "views/mps.py"
STATUS_LABELS = {metrics.ENGAGED: "Engaged", metrics.MENTIONED: "Mentioned only", metrics.NOT_REACHED: "Not reached"}
PROFILE_LINK = {"Profile": st.column_config.LinkColumn("Profile", display_text="Open"),
                "Parliament page": st.column_config.LinkColumn("Parliament page", display_text="Contact details")}


def definitions_help() -> str:
    d = metrics.DEFINITIONS_BY_KEY
    return " ".join(d[k].text for k in ("mp_engaged", "mp_mentioned", "mp_not_reached"))


def counts_line(regions: list[MpRegionRow]) -> str:
    c = metrics.mp_counts(regions)
    return (f"{c.engaged:,} engaged, {c.mentioned:,} mentioned only, {c.not_reached:,} not reached yet "
            f"(of {c.total:,} MPs)")


def mp_cards(regions: list[MpRegionRow]) -> None:
    c = metrics.mp_counts(regions)
    d = metrics.DEFINITIONS_BY_KEY
    columns = ui.card_columns(4)
    columns[0].metric("MPs engaged", f"{c.engaged:,}", border=True, help=d["mp_engaged"].text)
    columns[1].metric("MPs mentioned only", f"{c.mentioned:,}", border=True, help=d["mp_mentioned"].text)
    columns[2].metric("MPs not reached", f"{c.not_reached:,}", border=True, help=d["mp_not_reached"].text)
    columns[3].metric("Sitting MPs", f"{c.total:,}", border=True, help="Sitting MPs of the register in this selection.")


def tile_map(regions: list[MpRegionRow]) -> None:
    """One tile a region: MPs engaged / MPs there, shaded by the engaged share."""
    by_key = {r.region: r for r in regions}
    frame = pd.DataFrame([{"region": ui.region_name(key), "col": col, "row": row,
                           "engaged": by_key[key].engaged if key in by_key else 0,
                           "mentioned": by_key[key].mentioned if key in by_key else 0,
                           "total": by_key[key].total if key in by_key else 0,
                           "share": (by_key[key].engaged / by_key[key].total * 100)
                           if key in by_key and by_key[key].total else 0.0,
                           "label": short_name(ui.region_name(key)),
                           "figure": f"{by_key[key].engaged} / {by_key[key].total}" if key in by_key else "0 / 0"}
                          for key, (col, row) in TILE_GRID.items()])
    base = alt.Chart(frame).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(domain=list(range(5)))),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(domain=list(range(5)))))
    tiles = base.mark_rect(stroke="white", strokeWidth=3, cornerRadius=4).encode(
        color=alt.Color("share:Q", title="% of MPs engaged", scale=alt.Scale(scheme="greens", domainMin=0)),
        tooltip=[alt.Tooltip("region:N", title="Region"), alt.Tooltip("engaged:Q", title="MPs engaged"),
                 alt.Tooltip("mentioned:Q", title="Mentioned only"), alt.Tooltip("total:Q", title="MPs"),
                 alt.Tooltip("share:Q", title="% engaged", format=".0f")])
    names = base.mark_text(dy=-9, fontSize=10, fontWeight="bold").encode(text="label:N")
    figures = base.mark_text(dy=9, fontSize=12).encode(text="figure:N")
    st.altair_chart((tiles + names + figures).properties(width=520, height=430), width="content")
    st.caption("Each tile: MPs engaged in the period / sitting MPs of the region (by their constituency).")


def mps_frame(rows: list[MpRow]) -> pd.DataFrame:
    return pd.DataFrame({
        "MP": [r.name for r in rows], "Party": [r.party for r in rows], "Constituency": [r.constituency for r in rows],
        "Region": [ui.region_name(r.region) for r in rows], "Status": [STATUS_LABELS[r.status] for r in rows],
        "Posts by the MP": [r.posts_by_mp for r in rows], "Posts mentioning them": [r.posts_mentioning for r in rows],
        "Members mentioning them": [r.members_mentioning for r in rows],
        "Last activity (UK)": [ui.utc_text(r.last_activity) if r.last_activity else "" for r in rows],
        "X handle": [f"@{r.x_username}" if r.x_username else "none known" for r in rows],
        "Profile": [r.profile_url for r in rows]})


def mps_table(rows: list[MpRow], key: str) -> None:
    if not rows:
        st.info("No MPs match these filters.")
        return
    ui.table(mps_frame(rows), key, PROFILE_LINK)


def not_reached(rows: list[MpRow], key: str) -> None:
    """The MPs no campaign post reached in the period: who a branch lead can write to next."""
    waiting = [r for r in rows if r.status == metrics.NOT_REACHED]
    st.subheader(f"Not reached yet: {len(waiting):,} MPs", help=metrics.DEFINITIONS_BY_KEY["mp_not_reached"].text)
    if not waiting:
        st.info("Every MP here has been reached in the period.")
        return
    frame = pd.DataFrame({
        "MP": [r.name for r in waiting], "Constituency": [r.constituency for r in waiting],
        "Party": [r.party for r in waiting], "Region": [ui.region_name(r.region) for r in waiting],
        "X handle": [f"@{r.x_username}" if r.x_username else "none known" for r in waiting],
        "Parliament page": [r.parliament_url for r in waiting]})
    ui.table(frame, key, PROFILE_LINK)


def mp_posts(filters: Filters, key: str) -> None:
    """The MPs' own posts, apart from the members' posts."""
    rows = data.mp_posts(filters)
    st.subheader("Posts by MPs", help="Posts by MPs in the period (their replies to and quotes of campaign posts "
                                      "included): shown apart, never counted as members' posts.")
    if not rows:
        st.info("No posts by MPs in the period.")
        return
    frame = posts_ui.posts_frame([r.post for r in rows])
    frame.insert(0, "MP", [f"{r.mp_name} ({r.constituency})" for r in rows])
    frame.insert(1, "As", ["reply or quote of a campaign post" if r.kind == "reply_quote" else "post"
                           for r in rows])
    ui.table(frame, key, posts_ui.POST_LINK)


def mps_page_link(filters: Filters, region: str | None, label: str) -> None:
    params = {"campaign": filters.campaign, "from": filters.from_date.isoformat(), "to": filters.to_date.isoformat()}
    if region:
        params["region"] = region
    st.page_link(MPS_PAGE, label=label, icon=":material/groups:", query_params=params)


def region_section(filters: Filters) -> None:
    """The MPs of a region page's region (and branch: its local authorities), with a link to the MPs page."""
    st.subheader(f"MPs in {ui.region_name(filters.region)}", help=definitions_help())
    regions = data.mp_regions(filters)
    st.write(counts_line(regions))
    rows = data.mp_table(filters)
    mps_table(rows, "region_mps_table")
    with st.expander(f"Not reached yet: {sum(1 for r in rows if r.status == metrics.NOT_REACHED):,} MPs"):
        not_reached(rows, "region_mps_not_reached")
    mps_page_link(filters, filters.region, "All MP figures for this region on the MPs page")


def contributors_caption(filters: Filters) -> None:
    """Under the KPI cards: how many of the contributors are MPs."""
    share = data.mp_contributors(filters)
    st.caption(f"Of the contributors, {share.contributors:,} "
               f"{'is an MP' if share.contributors == 1 else 'are MPs'} ({share.posts:,} posts): MPs are "
               "counted apart from members on the MPs page.",
               help=metrics.DEFINITIONS_BY_KEY["mp_contributors"].text)


def watch_usage_section() -> None:
    """The health page: the MP watch's requests and cost this month, apart from the rest."""
    u = data.watch_usage()
    cfg = data.config()
    state = f"on, every {cfg.mp_watch.interval_minutes:g} minutes" if cfg.mp_watch.enabled else "off"
    st.subheader(f"MP watch ({state})", help=metrics.DEFINITIONS_BY_KEY["mp_watch_cost"].text)
    columns = ui.card_columns(4)
    columns[0].metric("MP watch runs", f"{u.runs:,}", border=True)
    columns[1].metric("MP watch requests", f"{u.requests:,}", border=True)
    columns[2].metric("MP watch posts read", f"{u.posts_read:,}", border=True)
    columns[3].metric("MP watch estimated cost", f"${u.estimated_cost_usd:,.2f}", border=True)
    st.caption(f"Since {u.month_start:%d %b %Y} (UTC month); included in the totals above.")


def correction_form(rows: list[MpRow]) -> None:
    """Correct an MP's handles (audited, never overwritten by an import)."""
    st.subheader("Correct an MP's handle")
    st.caption("Recorded with your name; no later import of the register overwrites it. Leave a box empty to "
               "keep that handle; type 'none' when the MP has no such account.")
    if "mp_handle_saved" in st.session_state:
        st.success(st.session_state.pop("mp_handle_saved"))
    if not rows:
        return
    by_label = {f"{r.name} ({r.constituency})": r for r in sorted(rows, key=lambda r: r.name)}
    with st.form("mp_handle"):
        who = st.selectbox("MP", list(by_label), key="mp_handle_who")
        x = st.text_input("X handle", key="mp_handle_x", placeholder="@handle")
        bluesky = st.text_input("Bluesky handle", key="mp_handle_bluesky", placeholder="name.bsky.social")
        signed_in = signed_in_email()
        by = signed_in or st.text_input("Your name or email (recorded)", key="mp_handle_by")
        note = st.text_input("Note (optional)", key="mp_handle_note")
        if st.form_submit_button("Save handle", type="primary"):
            _save_handle(by_label[who], x, bluesky, by, note)


def _value(typed: str) -> str | None:
    typed = typed.strip()
    return None if not typed else "" if typed.lower() == "none" else typed


def _save_handle(mp: MpRow, x: str, bluesky: str, by: str | None, note: str) -> None:
    if not (by or "").strip():
        st.error("Please give your name or email: corrections are recorded.")
        return
    try:
        saved = data.set_mp_handle(mp.member_id, _value(x), _value(bluesky), by.strip(), note.strip() or None)
    except ValueError as e:
        st.error(str(e))
        return
    st.session_state["mp_handle_saved"] = (f"Saved: {saved.name} is now X "
                                           f"{'@' + saved.x_username if saved.x_username else 'none'}, Bluesky "
                                           f"{saved.bluesky_handle or 'none'}.")
    st.rerun()


def with_region(filters: Filters, region: str | None) -> Filters:
    return replace(filters, region=region, branch=None)
