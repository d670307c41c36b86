"""One region (or one branch): the overview's views for it, its accounts and their evidence, corrections.

Shareable: ?region=London&period=7d (a region's key or display name, any case; also &branch=...,
&campaign=..., &authors=..., &period=custom&from=...&to=...). A name that is no region is said so,
never shown as another region.
"""
from dataclasses import replace

import streamlit as st

from monitor import metrics
from monitor.dashboard import actions_ui, data, downloads_ui, figures_ui, markup, mps_ui, posts_ui, regions_ui, ui, url
from monitor.dashboard.markup import Column
from monitor.dashboard.signin import signed_in_email
from monitor.networks import label as network_label

ALL_BRANCHES = "All branches"
LAST_REGION = "last_region"   # the region this session last looked at: the page opens on it again


def pick_region() -> str | None:
    keys = metrics.region_keys()
    if url.from_link():
        asked = url.get("region")
        found = metrics.find_region(data.config(), asked)
        if asked and found is None:
            names = ", ".join(ui.region_name(k) for k in keys)
            st.warning(f"No region is called {asked!r}. Choose one below (regions: {names}).",
                       icon=":material/location_off:")
        st.session_state["region_key"] = found if asked else st.session_state.get(LAST_REGION)
    elif "region_key" not in st.session_state:
        st.session_state["region_key"] = st.session_state.get(LAST_REGION)
    region = st.selectbox("Region", keys, index=None, format_func=ui.region_name, key="region_key",
                          placeholder="Choose a region")
    st.session_state[LAST_REGION] = region
    return region


def pick_branch(filters) -> str | None:
    branches = sorted(r.key for r in data.branches_table(filters) if r.key)
    options = [ALL_BRANCHES] + branches
    if url.from_link():
        asked = url.get("branch")
        if asked and asked not in branches:
            st.warning(f"No branch called {asked!r} has posts in this region in the period: showing all branches.",
                       icon=":material/location_off:")
        st.session_state["branch_name"] = asked if asked in branches else ALL_BRANCHES
    elif st.session_state.get("branch_name") not in options:
        st.session_state["branch_name"] = ALL_BRANCHES
    branch = st.selectbox("Branch", options, key="branch_name")
    return None if branch == ALL_BRANCHES else branch


def branches(filters) -> None:
    rows = data.branches_table(filters)
    st.subheader("By branch")
    if not rows:
        st.info("No posts in this region in the period.", icon=":material/info:")
        return
    frame = regions_ui.regions_frame(rows, filters.network).rename(columns={"Region": "Branch"})
    frame["Branch"] = [r.key or "(no branch: region only)" for r in rows]
    ui.table(frame, "branches_table", regions_ui.SHARE_COLUMN)


ACCOUNT_COLUMNS = (Column("Author", "nowrap", key=True), Column("Network", "nowrap"), Column("Name"),
                   Column("Profile location"), Column("Followers", "num"), Column("Posts", "num"),
                   Column("Last post (UK)", "nowrap"), Column("Author's region", "nowrap"), Column("Branch", "nowrap"),
                   Column("Evidence", "nowrap"), Column("Confidence", "num"), Column("Why"), Column("Profile", "link"))


def accounts(filters) -> list:
    st.subheader("Accounts", help="Authors with posts here in the period, and the evidence for their region.")
    rows = data.region_accounts(filters)
    if not rows:
        st.info("No accounts posted here in the period.", icon=":material/info:")
        return rows
    body = [(f"@{a.username}", network_label(a.network), a.name or "", a.location or "", a.followers, a.posts,
             f"{a.last_post_date:%d %b %Y}", ui.region_name(a.region), a.branch or "", a.evidence,
             round(a.confidence, 2), a.detail or "", (posts_ui.open_on(a.network), a.url))
            for a in rows]
    caption = (f"The {len(rows):,} most active accounts: find any other by its handle in the correction form."
               if len(rows) == metrics.ACCOUNTS_LIMIT
               else f"{len(rows):,} accounts.")
    ui.html(markup.table(ACCOUNT_COLUMNS, body, caption=caption, label="accounts_table", cards=True))
    return rows


CORRECTOR = "corrector"          # the person's name or email, remembered for the session
CLEAR_FORM = "correction_clear"  # set after a saved correction: the next run empties the form (not the name)
FORM_EMPTY = {"correct_author": None, "correct_region": None, "correct_branch": "", "correct_note": ""}


def correction_form(rows) -> None:
    st.subheader("Correct an author's region")
    st.caption("Move any stored author to the right region (type their @handle to find one who is not listed, "
               "for example from Unknown). A correction is recorded with your name and applies at once to the "
               "author and all their posts; automatic attribution never overwrites it.")
    if "correction_saved" in st.session_state:
        st.success(st.session_state.pop("correction_saved"), icon=":material/check_circle:")
    if st.session_state.pop(CLEAR_FORM, False):
        st.session_state.update(FORM_EMPTY)   # set, not dropped: the browser's widgets are emptied too
    signed_in = signed_in_email()
    if not signed_in:
        st.session_state.setdefault("correct_by", st.session_state.get(CORRECTOR, ""))
    with st.form("correction", clear_on_submit=False):
        who = st.selectbox("Author (@handle)", [f"@{a.username}" for a in rows], index=None, accept_new_options=True,
                           placeholder="Type or pick an @handle", key="correct_author")
        region = st.selectbox("Move to region", metrics.SELECTABLE_REGIONS, index=None, format_func=ui.region_name,
                              placeholder="Choose the right region", key="correct_region")
        branch = st.text_input("Branch (optional, local authority)", key="correct_branch")
        by = signed_in or st.text_input("Your name or email (recorded)", key="correct_by")
        note = st.text_input("Note (optional)", key="correct_note")
        if not st.form_submit_button("Save correction", type="primary"):
            return
    problem = None if who else "Choose the author to move."
    author = data.find_author(who) if who else None
    if who and author is None:
        problem = f"No stored author has the handle {who}: check the spelling."
    elif not region:
        problem = problem or "Choose the region the author belongs to."
    elif not (by or "").strip():
        problem = "Please give your name or email: corrections are recorded."
    if problem:
        st.error(problem, icon=":material/error:")   # the form keeps what was typed
        return
    data.correct_author(author.author_id, region, branch.strip() or None, by.strip(), note.strip() or None)
    st.session_state[CORRECTOR] = by.strip()
    st.session_state[CLEAR_FORM] = True
    st.session_state["correction_saved"] = (
        f"Correction saved: @{author.username} moved from {ui.region_name(author.region)} to "
        f"{ui.region_name(region)}{f' ({branch.strip()})' if branch.strip() else ''}, recorded as {by.strip()}.")
    # Rerun so every figure above (drawn before this form) shows the correction at once.
    st.rerun()


base = st.session_state["filters"]
st.title("Region")
left, right = st.columns(2)
with left:
    region = pick_region()
if region is None:
    url.want(branch=None)
    st.info("Choose a region to see its figures.", icon=":material/map:")
else:
    with right:
        branch = pick_branch(replace(base, region=region))
    url.want(region=region, branch=branch)
    filters = replace(base, region=region, branch=branch)
    st.header(ui.region_name(region))
    if branch:
        st.text(f"Branch: {branch}")  # branch names can come from a person's correction: plain text
    st.caption(f"{ui.period_label(filters.from_date, filters.to_date)}{ui.audience_note(filters)} · "
               "share this page's address to show the same view")
    figures_ui.live_figures(filters, key="region")
    if data.kpis(filters).posts:
        if not branch:
            branches(filters)
        posts_ui.activity_sections(filters, key="region")
    else:
        st.info(f"No posts in {ui.region_name(region)} in {ui.period_label(filters.from_date, filters.to_date)}: "
                "choose a longer period in the sidebar.", icon=":material/info:")
    mps_ui.region_section(filters)
    actions_ui.region_section(filters)
    downloads_ui.weekly_downloads(filters.campaign, region, key="region")
    correction_form(accounts(filters))

