"""The shell's filters: campaign, period, authors and network in the sidebar, kept in the address (a link, a
reload, back or forward sets them; a link naming something that does not exist says so)."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import streamlit as st

from monitor import metrics
from monitor.dashboard import data, markup, url
from monitor.dashboard.ui import period_label
from monitor.metrics import Filters
from monitor.networks import NETWORK_KEYS
from monitor.networks import label as network_label
from monitor.timeutil import uk_today

DEFAULT_PRESET = "7 days"
PRESET_BY_CODE = {code: preset for preset, code in metrics.PRESET_CODES.items()}
SHELL_PARAMS = ("campaign", "period", "from", "to", "authors", "network")   # what period_filter keeps in the address


def _url_date(name: str) -> date | None:
    try:
        return date.fromisoformat(url.get(name) or "")
    except ValueError:
        return None


def _from_link(names: list[str], titles: dict) -> list[str]:
    """A link, a reload, back or forward: set the sidebar from the address. Returns what in it was wrong
    (shown as warnings: a link never silently shows something else)."""
    problems = []
    campaign = url.get("campaign")
    if campaign is not None and campaign not in names:
        problems.append(f"The link names no campaign called {campaign!r}: showing {titles[names[0]]}.")
    st.session_state["campaign"] = campaign if campaign in names else names[0]
    start, end = _url_date("from"), _url_date("to")
    code = url.get("period") or ("custom" if start and end else metrics.PRESET_CODES[DEFAULT_PRESET])
    preset = PRESET_BY_CODE.get(code)
    if preset is None:
        problems.append(f"The link names no period called {code!r}: showing {DEFAULT_PRESET}.")
    elif preset == "Custom" and not (start and end and start <= end):
        problems.append(f"The link's custom dates are missing or out of order: showing {DEFAULT_PRESET}.")
        preset = None
    elif preset == "Custom":
        st.session_state["custom_dates"] = (start, end)
    st.session_state["period"] = preset or DEFAULT_PRESET
    authors = url.get("authors") or metrics.ALL
    if authors not in metrics.AUTHOR_CLASSES:
        problems.append(f"The link names no authors called {authors!r}: showing all authors.")
        authors = metrics.ALL
    st.session_state["authors"] = authors
    network = url.get("network")
    if network is not None and network not in NETWORK_KEYS:
        problems.append(f"The link names no network called {network!r}: showing every network.")
        network = None
    st.session_state["network"] = network
    return problems


def period_filter() -> Filters:
    """Campaign, period and authors in the sidebar (kept in the address); the Filters every page starts from."""
    cfg = data.config()
    names = [c.name for c in cfg.campaigns]
    titles = {c.name: c.title for c in cfg.campaigns}
    problems = _from_link(names, titles) if url.from_link() else []
    st.session_state.setdefault("period", DEFAULT_PRESET)
    st.session_state.setdefault("authors", metrics.ALL)
    with st.sidebar:
        if len(names) > 1:
            campaign = st.selectbox("Campaign", names, format_func=titles.get, key="campaign")
        else:
            campaign = names[0]
            st.caption("Campaign")
        st.html(f'<p class="cm-campaign">{markup.text(titles[campaign])}</p>')
        preset = st.selectbox("Period", metrics.PRESETS, key="period")
        today = uk_today()
        if preset == "Custom":
            st.session_state.setdefault("custom_dates", metrics.preset_range(DEFAULT_PRESET, today))
            picked = st.date_input("From – to (UK dates)", key="custom_dates", format="YYYY-MM-DD")
            start, end = (tuple(picked) * 2)[:2] if isinstance(picked, (tuple, list)) and picked else (today, today)
        else:
            start, end = metrics.preset_range(preset, today)
        st.caption(f"{period_label(start, end)}, Europe/London days")
        authors = st.radio("Authors", list(metrics.AUTHOR_CLASSES), format_func=metrics.AUTHOR_CLASSES.get,
                           key="authors", help="NAHT accounts: NAHT's national and branch accounts (the config's "
                                               "known accounts). Members and public: everyone else.")
        network = network_filter(cfg.networks)
    for problem in problems:
        st.warning(problem, icon=":material/link_off:")
    custom = preset == "Custom"
    url.want(campaign=campaign, period=metrics.PRESET_CODES[preset],
             **{"from": start.isoformat() if custom else None, "to": end.isoformat() if custom else None},
             authors=authors, network=network)
    return Filters(campaign, start, end, audience=data.audience(authors), network=network)


def network_filter(collected: tuple[str, ...]) -> str | None:
    """Every network, or one (kept in the address: ?network=bluesky). Shown when more than one network is
    collected, or when a link names one (a filter in force is always on screen)."""
    chosen = st.session_state.get("network")
    if len(collected) < 2 and chosen is None:
        return None
    options = (None, *dict.fromkeys((*collected, *([chosen] if chosen else []))))
    return st.selectbox("Network", options, format_func=network_label, key="network")


def page_href(page: str, **params: str | None) -> str:
    """A link to a page with the shell's filters of this view and `params` (relative: works behind a proxy's
    path prefix)."""
    shell = {k: v for k, v in url.wanted().items() if k in SHELL_PARAMS}
    query = {**shell, **{k: v for k, v in params.items() if v}}
    return f"{page}?{urlencode(query)}"
