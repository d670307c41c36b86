"""The page's address holds its view: the shell's campaign, period and authors, and each page's own
filters (region, branch; the explorer's search and page). A bookmark, a shared link, a reload and the
browser's back and forward buttons all open the view the address names.

Each run starts with `begin()`, which tells whether the address is one this session wrote (the widgets
are then the truth: a person just changed one) or came from outside (a first visit, a link, a reload,
back or forward: Streamlit reruns with the address the browser went to, and the widgets are set from
it). Widgets say what the address must hold with `want()`; `write()`, after the page has run, puts it
in the address in one step, so each change of view is one entry of the browser's history.
"""
from __future__ import annotations

import streamlit as st

_WRITTEN = "_url_written"     # the address this session last wrote
_FROM_LINK = "_url_from_link"
_WANTED = "_url_wanted"


def _current() -> dict[str, str]:
    return {name: st.query_params.get(name) for name in st.query_params}


def begin() -> None:
    st.session_state[_FROM_LINK] = st.session_state.get(_WRITTEN) != _current()
    st.session_state[_WANTED] = {}


def from_link() -> bool:
    """True when this run's address was not written by this session: set the widgets from it."""
    return st.session_state.get(_FROM_LINK, True)


def get(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else None


def want(**params: str | None) -> None:
    """What the address must hold after this run (None or "": left out)."""
    wanted = st.session_state.setdefault(_WANTED, {})
    wanted.update({name: str(value) for name, value in params.items() if value not in (None, "")})


def wanted() -> dict[str, str]:
    return dict(st.session_state.get(_WANTED, {}))


def write() -> None:
    """Make the address exactly what this run wants: one history entry when the view changed."""
    wanted = dict(st.session_state.get(_WANTED, {}))
    if _current() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[_WRITTEN] = wanted
