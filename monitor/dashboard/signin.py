"""Who is signed in: the one lookup the forms use to record who made a change."""
from __future__ import annotations

import streamlit as st


def signed_in_email() -> str | None:
    """The signed-in person's e-mail, or None when no one is signed in or sign-in is not configured."""
    try:
        return st.user.get("email") if st.user.is_logged_in else None
    except Exception:  # sign-in not configured
        return None
