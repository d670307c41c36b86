"""Who is signed in: the one lookup the forms use to record who made a change, and the privacy section to
decide whether erasure and access requests may be answered here. The dashboard lets in only a signed-in
person with an e-mail address on its allow-list (monitor.access), so the address is who they are."""
from __future__ import annotations

import streamlit as st


def signed_in_email() -> str | None:
    """The signed-in person's e-mail, or None when no one is signed in or sign-in is not configured."""
    try:
        return st.user.get("email") if st.user.is_logged_in else None
    except Exception:  # sign-in not configured
        return None
