"""The health page's personal-data section: the retention policy and its last run, the requests answered,
and, for signed-in staff, the erasure and access forms (the same monitor.privacy calls as the CLI)."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError

from monitor.config import ConfigError
from monitor.dashboard import data, ui
from monitor.dashboard.signin import signed_in_email
from monitor.db import db_error_reason
from monitor.networks import label
from monitor.privacy import RequestError, export_json, normalise_handle


def _refused(e: Exception) -> str:
    """A request the dashboard could not make, in one line: what to fix (the salt, the handle) or the
    database's refusal (a read-only role: deploy/README.md says which grants requests need)."""
    if isinstance(e, DBAPIError):
        return f"The database refused the request ({db_error_reason(e)}): nothing was changed."
    return str(e)


def policy() -> None:
    cfg = data.config()
    p = cfg.privacy
    st.subheader("Personal data")
    st.write(f"Raw API responses are kept for {p.raw_json_days:,} days after they are collected, then dropped "
             "(the parsed columns stay). An author not seen for "
             f"{p.author_inactive_days:,} days loses their profile: name, location, description and counts. "
             "A post deleted or made private on its network is removed when it is next read: an X post at its next "
             "metrics refresh or, once its refresh has ended, by the daily deletion check, which also asks Bluesky "
             f"and Mastodon for theirs ({_check_policy(p)}). A person can ask "
             "to be forgotten or for a copy of what is held. Removed posts stay counted in every figure, "
             "without their author, and are listed nowhere (see Definitions and help, Removed posts).")
    run = data.last_retention_run()
    if run is None:
        st.caption("Retention runs every night at 03:30 UK time; it has not run yet on this database.")
    else:
        st.caption(f"Last retention run {ui.utc_text(run.started_at)}: {run.status}.")
        if run.detail:
            st.text(run.detail)
    if not p.deletion_check_posts_per_day:
        return
    for network in cfg.networks:
        check = data.last_deletion_check(network)
        if check is not None:
            st.caption(f"Last deletion check of {label(network)} {ui.utc_text(check.started_at)}: {check.status}.")
            if check.detail:
                st.text(check.detail)


def _check_policy(p) -> str:
    if not p.deletion_check_posts_per_day:
        return ("turned off in config.toml, so a post deleted on Bluesky or Mastodon, or on X after its refresh "
                "ended, stays here")
    return (f"up to {p.deletion_check_posts_per_day:,} posts a day of each network, not read for "
            f"{p.deletion_check_after_days:,} days, the longest unread first")


def requests_table() -> None:
    rows = data.privacy_requests()
    st.markdown("**Requests answered** (the handle is not stored: only a salted hash of it)")
    if not rows:
        st.caption("None yet.")
        return
    ui.table(pd.DataFrame({
        "When": [ui.utc_text(r.requested_at) for r in rows], "Request": [r.kind for r in rows],
        "Asked by": [r.requested_by for r in rows], "Accounts": [r.authors for r in rows],
        "Posts": [r.posts for r in rows], "Named in other posts": [r.mentions for r in rows],
    }), "privacy_requests_table")


def forget_form(staff: str) -> None:
    if "privacy_forgotten" in st.session_state:
        st.success(st.session_state.pop("privacy_forgotten"))
    with st.form("privacy_forget", clear_on_submit=True):
        st.markdown("**Forget an account** (erasure request)")
        handle = st.text_input("X handle", placeholder="@handle", key="forget_handle")
        sure = st.checkbox("I have checked who is asking: erase everything stored about this account",
                           key="forget_sure")
        if st.form_submit_button("Forget this account", type="primary"):
            if not sure:
                st.error("Tick the box to confirm: an erasure cannot be undone.")
                return
            try:
                result = data.forget(handle, staff)
            except (RequestError, ConfigError, DBAPIError) as e:
                st.error(_refused(e))
                return
            st.session_state["privacy_forgotten"] = (
                f"Request {result.request_id}: erased {result.authors} account(s) and removed {result.posts} posts "
                f"(still counted, with no author); the handle was erased from {result.mentions} other posts.")
            st.rerun()   # so the requests table above, and every figure, shows it


def export_form(staff: str) -> None:
    with st.form("privacy_export"):
        st.markdown("**Export an account's data** (access request)")
        handle = st.text_input("X handle", placeholder="@handle", key="export_handle")
        if st.form_submit_button("Prepare the export"):
            try:
                result = data.export(handle, staff)
            except (RequestError, ConfigError, DBAPIError) as e:
                st.error(_refused(e))
                return
            st.session_state["privacy_export_file"] = (normalise_handle(handle), export_json(result.document),
                                                  result.authors, result.posts)
    prepared = st.session_state.get("privacy_export_file")
    if prepared:
        bare, document, authors, posts = prepared
        st.caption(f"{authors} account(s), {posts} posts. The file is personal data: send it to the person "
                   "securely and do not keep a copy.")
        st.download_button("Download the JSON file", document, file_name=f"privacy-export-{bare}.json",
                           mime="application/json", key="privacy_export_download",
                           on_click=lambda: st.session_state.pop("privacy_export_file", None))


def privacy_section() -> None:
    policy()
    requests_table()
    staff = signed_in_email()   # signed in means let in by the allow-list (monitor.access)
    if staff is None:
        st.info("Sign in to answer erasure and access requests here, or use `campaign-monitor privacy forget` "
                "and `campaign-monitor privacy export` (docs/privacy.md).")
        return
    left, right = st.columns(2)
    with left:
        forget_form(staff)
    with right:
        export_form(staff)
