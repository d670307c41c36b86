"""One region (or one branch): the overview's views for it, its accounts and their evidence, corrections.

Shareable: ?region=London&from=2026-11-16&to=2026-11-22 (and &branch=..., &campaign=...).
"""
from dataclasses import replace

import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, ui
from monitor.networks import label as network_label

ALL_BRANCHES = "All branches"
LIVE_SECONDS = 60


def pick_region() -> str:
    keys = metrics.region_keys()
    wanted = st.query_params.get("region")
    region = st.selectbox("Region", keys, index=keys.index(wanted) if wanted in keys else 0,
                          format_func=ui.region_name, key="region_key")
    st.query_params["region"] = region
    return region


def pick_branch(filters) -> str | None:
    branches = [r.key for r in data.branches_table(filters) if r.key]
    wanted = st.query_params.get("branch")
    options = [ALL_BRANCHES] + sorted(branches)
    branch = st.selectbox("Branch", options, index=options.index(wanted) if wanted in options else 0,
                          key="branch_name")
    if branch == ALL_BRANCHES:
        st.query_params.pop("branch", None)
        return None
    st.query_params["branch"] = branch
    return branch


@st.fragment(run_every=LIVE_SECONDS)
def live_figures(filters) -> None:
    ui.kpi_cards(data.kpis_with_change(filters))
    ui.timeline_chart(filters, key="region")
    ui.network_split(filters)


def branches(filters) -> None:
    rows = data.branches_table(filters)
    st.subheader("By branch")
    if not rows:
        st.info("No posts in this region in the period.")
        return
    frame = ui.regions_frame(rows, filters.network).rename(columns={"Region": "Branch"})
    frame["Branch"] = [r.key or "(no branch: region only)" for r in rows]
    ui.table(frame, "branches_table", ui.SHARE_COLUMN)


def accounts_frame(accounts) -> pd.DataFrame:
    return pd.DataFrame({
        "Network": [network_label(a.network) for a in accounts],
        "Author": [f"@{a.username}" for a in accounts], "Name": [a.name or "" for a in accounts],
        "Profile location": [a.location or "" for a in accounts], "Followers": [a.followers for a in accounts],
        "Posts": [a.posts for a in accounts], "Last post (UK)": [a.last_post_date for a in accounts],
        "Author's region": [ui.region_name(a.region) for a in accounts], "Branch": [a.branch or "" for a in accounts],
        "Evidence": [a.evidence for a in accounts], "Confidence": [a.confidence for a in accounts],
        "Why": [a.detail or "" for a in accounts], "Profile": [a.url for a in accounts]})


def accounts(filters) -> list:
    st.subheader("Accounts", help="Authors with posts here in the period, and the evidence for their region.")
    rows = data.region_accounts(filters)
    if rows:
        ui.table(accounts_frame(rows), "accounts_table", {"Confidence": st.column_config.NumberColumn(format="%.2f"),
                                                          "Profile": st.column_config.LinkColumn(
                                                              "Profile", display_text="Open profile")})
    else:
        st.info("No accounts posted here in the period.")
    return rows


def signed_in_name() -> str | None:
    try:
        return st.user.get("email") if st.user.is_logged_in else None
    except Exception:  # sign-in not configured
        return None


def correction_form(rows) -> None:
    st.subheader("Correct an author's region")
    st.caption("A correction is recorded with your name and applies at once to the author and all their posts. "
               "It is never overwritten by automatic attribution.")
    if "correction_saved" in st.session_state:
        st.success(st.session_state.pop("correction_saved"))
    if not rows:
        return
    by_label = {f"@{a.username}": a for a in rows}
    with st.form("correction", clear_on_submit=True):
        who = st.selectbox("Author", list(by_label), key="correct_author")
        region = st.selectbox("Correct region", metrics.SELECTABLE_REGIONS, format_func=ui.region_name,
                              key="correct_region")
        branch = st.text_input("Branch (optional, local authority)", key="correct_branch")
        signed_in = signed_in_name()
        by = signed_in or st.text_input("Your name or email (recorded)", key="correct_by")
        note = st.text_input("Note (optional)", key="correct_note")
        if st.form_submit_button("Save correction", type="primary"):
            if not (by or "").strip():
                st.error("Please give your name or email: corrections are recorded.")
                return
            data.correct_author(by_label[who].author_id, region, branch.strip() or None, by.strip(),
                                note.strip() or None)
            # Rerun so every figure above (drawn before this form) shows the correction at once.
            st.session_state["correction_saved"] = f"Correction saved: the author is now in {ui.region_name(region)}."
            st.rerun()


base = st.session_state["filters"]
st.title("Region")
left, right = st.columns(2)
with left:
    region = pick_region()
with right:
    branch = pick_branch(replace(base, region=region))
filters = replace(base, region=region, branch=branch)
st.header(ui.region_name(region))
if branch:
    st.text(f"Branch: {branch}")  # branch names can come from a person's correction: plain text
st.caption(f"{ui.period_label(filters.from_date, filters.to_date)} · share this page's address to show the same view")
live_figures(filters)
if not branch:
    branches(filters)
ui.activity_sections(filters, key="region")
ui.weekly_downloads(filters.campaign, region, key="region")
correction_form(accounts(filters))
