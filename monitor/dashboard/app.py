"""Campaign monitor dashboard: `campaign-monitor dashboard` (or `streamlit run monitor/dashboard/app.py`).

The shell: optional sign-in, the collection banner, the campaign/period filter (in the sidebar, so
it is kept when moving between pages) and the navigation. Each page is a file in views/.

Errors: outside development (`campaign-monitor demo` sets MONITOR_DEVELOPMENT) a visitor never sees a
traceback, which shows the server's paths and code: a database error is one line saying what is wrong
(a missing grant names the command that grants it), anything else a short message with an id, and the
full error goes to the server's log under that id. Streamlit's own handler (live fragments) shows its
generic message (client.showErrorDetails = none).

The page files must not live in a folder called `pages/` next to this file: Streamlit takes such a
folder for its legacy multipage mode until the first st.navigation call in the process, so the first
page a fresh server was asked for (a shared /region?... link) ran alone, without this shell: no
sign-in, no filters (KeyError on "filters"). tests/dashboard/test_first_visit.py holds that.
"""
from __future__ import annotations

import logging
import os
import sys
import uuid
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

# `streamlit run monitor/dashboard/app.py` from a checkout puts monitor/dashboard/ on the path, not the
# project: add the folder that holds the monitor package (in an installed wheel, site-packages, already
# on the path).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.errors import FragmentHandledException  # noqa: E402

from monitor import access  # noqa: E402
from monitor.config import ENV_BEARER, ENV_DATABASE_PASSWORD, ConfigError  # noqa: E402
from monitor.dashboard import data, sidebar, ui, url  # noqa: E402
from monitor.db import DatabaseUnavailable, describe_error  # noqa: E402
from monitor.logs import SecretFilter  # noqa: E402

ENV_DEVELOPMENT = "MONITOR_DEVELOPMENT"
log = logging.getLogger("monitor.dashboard")

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("views/region.py", title="Region", icon=":material/map:", url_path="region"),
    st.Page("views/mps.py", title="MPs", icon=":material/groups:", url_path="mps"),
    st.Page("views/actions.py", title="Campaign actions", icon=":material/campaign:", url_path="actions"),
    st.Page("views/posts.py", title="Posts explorer", icon=":material/search:", url_path="posts"),
    st.Page("views/health.py", title="Collector health", icon=":material/monitor_heart:", url_path="health"),
    st.Page("views/help.py", title="Definitions and help", icon=":material/help:", url_path="help"),
]


def sign_in_configured() -> bool:
    """Sign-in is on when .streamlit/secrets.toml has an [auth] section (README: Dashboard)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def require_sign_in() -> None:
    """With sign-in on: a signed-out visitor sees only the sign-in page, a signed-in one outside the
    allowed addresses and domains (monitor.access) only a refusal; neither sees a figure or a page."""
    if not sign_in_configured():
        return
    if not st.user.is_logged_in:
        st.title("NAHT campaign monitor")
        st.write("Sign in to see the campaign figures.")
        if st.button("Sign in", type="primary"):
            st.login()
        st.stop()
    decision = access.decide(data.config(), {"email": st.user.get("email"),
                                              "email_verified": st.user.get("email_verified")})
    if not decision.allowed:
        st.title("NAHT campaign monitor")
        st.error(f"Signed in as {decision.email or 'an account without an e-mail address'}: no access, "
                 f"because {decision.reason}.", icon=":material/block:")
        st.markdown(access.how_to_ask(data.config()))
        st.button("Sign out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {decision.email}")
        st.button("Sign out", on_click=st.logout)


@st.cache_resource
def _error_log() -> logging.Logger:
    """The server's log for errors a visitor is shown only an id of (stderr: journalctl, compose logs),
    with known secrets scrubbed as in every other log."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter([os.environ.get(ENV_BEARER, ""), os.environ.get(ENV_DATABASE_PASSWORD, "")]))
    log.addHandler(handler)
    log.propagate = False
    return log


def show_error(error: Exception) -> None:
    """One line for the visitor, with an id to quote; the whole error, under that id, in the log."""
    if isinstance(error, FragmentHandledException) and error.args and isinstance(error.args[0], Exception):
        # A live fragment failed: Streamlit has shown its generic notice there; say here what went wrong.
        error = error.args[0]
    error_id = uuid.uuid4().hex[:10]
    what = describe_error(error, data.db_url(), name_database=False) if isinstance(error, SQLAlchemyError) else \
        "Something went wrong on this page."
    _error_log().error("dashboard error %s: %s", error_id, what, exc_info=error)
    st.error(f"{what} (error id {error_id}: quote it to whoever runs the dashboard)", icon=":material/error:")
def budget_banner() -> bool:
    """A banner on every page while the month's X budget pauses collection; True when it does."""
    spent = data.spend()
    if spent.state != "capped":
        return False
    st.error(f"Collection is paused: this month's X API spend (${spent.usd:,.2f}) has reached the budget of "
             f"${spent.budget_usd:,.0f}. It resumes on {spent.month_end:%d %b %Y} (UTC), or at the next poll after "
             "[x_api] monthly_budget_usd is raised in config.toml. Figures stop at the pause.",
             icon=":material/payments:")
    return True


def collection_banner() -> None:
    """A clear banner on every page when any campaign's collection is stale or failing (while the budget
    pauses it, the budget banner says why instead)."""
    if budget_banner():
        return
    for state in data.collection_states():
        if state.headline is None:
            continue
        show = st.error if state.failing else st.warning
        show(f"{state.headline} Figures may be incomplete. See Collector health.",
             icon=":material/error:" if state.failing else ":material/warning:")


# The tab's icon, served by the dashboard itself: a ":material/...:" page icon is fetched by the
# browser from fonts.gstatic.com (the icons inside the page come from a font Streamlit bundles).
ICON = Path(__file__).resolve().parent / "icon.png"


def main() -> None:
    st.set_page_config(page_title="NAHT campaign monitor", page_icon=str(ICON), layout="wide")
    development = bool(os.environ.get(ENV_DEVELOPMENT))
    st.set_option("client.showErrorDetails", "full" if development else "none")
    st.set_option("client.toolbarMode", "viewer")  # no "Deploy" or developer menu, for a developer either
    ui.page_style()
    try:
        require_sign_in()
        navigation = st.navigation(PAGES)
        url.begin()
        try:
            data.check_database()
            st.session_state["filters"] = sidebar.period_filter()
            collection_banner()
        except (ConfigError, DatabaseUnavailable) as e:
            st.error(f"Cannot start: {e}")
            st.stop()
        try:
            navigation.run()
        finally:
            url.write()   # the view's address, once the page has said what it holds (also after st.stop/rerun)
    except Exception as e:  # noqa: BLE001 - st.stop and st.rerun are not Exceptions: they pass
        if development:
            raise
        show_error(e)


main()
