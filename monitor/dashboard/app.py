"""Campaign monitor dashboard: `campaign-monitor dashboard` (or `streamlit run monitor/dashboard/app.py`).

The shell: optional sign-in, the collection banner, the campaign/period filter (in the sidebar, so
it is kept when moving between pages) and the navigation. Each page is a file in views/.

The page files must not live in a folder called `pages/` next to this file: Streamlit takes such a
folder for its legacy multipage mode until the first st.navigation call in the process, so the first
page a fresh server was asked for (a shared /region?... link) ran alone, without this shell: no
sign-in, no filters (KeyError on "filters"). tests/dashboard/test_first_visit.py holds that.
"""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run monitor/dashboard/app.py` from a checkout puts monitor/dashboard/ on the path, not the
# project: add the folder that holds the monitor package (in an installed wheel, site-packages, already
# on the path).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.config import ConfigError  # noqa: E402
from monitor.dashboard import data, ui, url  # noqa: E402
from monitor.db import DatabaseUnavailable  # noqa: E402

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("views/region.py", title="Region", icon=":material/map:", url_path="region"),
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
    if not sign_in_configured():
        return
    if not st.user.is_logged_in:
        st.title("NAHT campaign monitor")
        st.write("Sign in to see the campaign figures.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'user'}")
        st.button("Sign out", on_click=st.logout)


def collection_banner() -> None:
    """A clear banner on every page when any campaign's collection is stale or failing."""
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
    ui.page_style()
    require_sign_in()
    navigation = st.navigation(PAGES)
    url.begin()
    try:
        data.check_database()
        st.session_state["filters"] = ui.period_filter()
        collection_banner()
    except (ConfigError, DatabaseUnavailable) as e:
        st.error(f"Cannot start: {e}")
        st.stop()
    try:
        navigation.run()
    finally:
        url.write()   # the view's address, once the page has said what it holds (also after st.stop/rerun)


main()
