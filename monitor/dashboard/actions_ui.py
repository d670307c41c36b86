"""Campaign action widgets: the form that records one, the list with each action's effect, an action's
edit form and history, its marks on the timelines and its count on the map's tooltips. Everything comes
from monitor.metrics.actions and goes to monitor.actions through data.py; text is shown as plain text.
"""
from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.actions import ActionError, ActionInput, parse_day, parse_member_ids, parse_time
from monitor.dashboard import data, markup, posts_ui, ui
from monitor.dashboard.signin import signed_in_email
from monitor.metrics import Effect, Filters
from monitor.timeutil import uk_today

ACTIONS_PAGE = "views/actions.py"
RECORDER = "action_recorder"    # the person's name, remembered for the session
SAVED = "action_saved"          # the message to show after the rerun a save makes
NATIONAL_LABEL = "National (no region)"


def region_label(key: str | None) -> str:
    return NATIONAL_LABEL if key is None else ui.region_name(key)


def describe(a: metrics.ActionRow) -> str:
    when = f"{a.day:%a %d %b %Y}" + (f" {a.at_time:%H:%M}" if a.at_time else "")
    return f"{when} · {a.kind} · {a.title} ({region_label(a.region)})"


# --- on the charts ---------------------------------------------------------------------------

def timeline_marks(filters: Filters) -> list[markup.Mark]:
    """A mark for each action of the timeline's period (in its region, when it has one)."""
    return [markup.Mark(datetime.combine(a.day, a.at_time or time(12)), describe(a)) for a in data.actions_in(filters)]


def map_notes(filters: Filters) -> dict[str, str]:
    """{region key: the tooltip's line about its campaign actions in the period}."""
    return {key: f"{n:,} campaign action{'s' if n != 1 else ''} in the period."
            for key, n in data.action_counts(filters).items() if key is not None}


def national_note(filters: Filters) -> str | None:
    n = data.action_counts(filters).get(None, 0)
    return f"{n:,} national campaign action{'s' if n != 1 else ''} in the period (in no region)." if n else None


# --- the list with effects ---------------------------------------------------------------------

def change_text(change: metrics.Change, figure: str) -> str:
    before, after = getattr(change.before, figure), getattr(change.after, figure)
    ratio = change.ratio(figure)
    return f"{before:,} → {after:,}" + (f" ({ratio:+.0%})" if ratio is not None else " (none before)")


def effect_text(e: Effect, figure: str = "posts") -> str:
    value = e.effect(figure)
    if value is None:
        return e.reason or "none before to compare with"
    if e.rest is None:
        return f"{value * 100:+.0f}% (national: no other regions to compare)"
    return f"{value * 100:+.0f} points"


def effects_table(effects: list[Effect], label: str) -> None:
    days = data.config().actions.effect_days
    frame = pd.DataFrame({
        "#": [e.action.id for e in effects],
        "Day (UK)": [f"{e.action.day:%a %d %b %Y}" + (f" {e.action.at_time:%H:%M}" if e.action.at_time else "")
                     for e in effects],
        "Kind": [e.action.kind for e in effects],
        "Action": [e.action.title for e in effects],
        "Region": [region_label(e.action.region) for e in effects],
        "Posts in the area, before → after": [change_text(e.area, "posts") for e in effects],
        "Posts in other regions, before → after": [change_text(e.rest, "posts") if e.rest else "—" for e in effects],
        "Effect on posts": [effect_text(e) for e in effects],
        "Recorded by": [e.action.recorded_by + (f" (edited by {e.action.updated_by})" if e.action.edited else "")
                        for e in effects],
    })
    st.caption(f"{len(effects):,} actions. Before: the {days} UK days before the action's day; after: its day and "
               f"the {days - 1} after. The effect is the region's change minus the other regions' (Definitions).")
    ui.table(frame, label, plain=("#",))


def effect_detail(e: Effect) -> None:
    names = {"posts": "Posts", "contributors": "Contributors", "potential_reach": "Potential reach",
             "engagements": "Engagements"}
    figures = metrics.EFFECT_FIGURES
    frame = pd.DataFrame({
        "Figure": [names[f] for f in figures],
        "In the area, before → after": [change_text(e.area, f) for f in figures],
        "Other regions, before → after": [change_text(e.rest, f) if e.rest else "—" for f in figures],
        "Effect": [effect_text(e, f) for f in figures],
    })
    caption = (f"Effect of action #{e.action.id}: {e.before_from:%d %b} – {e.before_to:%d %b %Y} against "
               f"{e.action.day:%d %b} – {e.after_to:%d %b %Y} (UK days).")
    if e.overlapping:
        caption += (" Other actions in this region share some of these days: "
                    + ", ".join(f"#{i}" for i in e.overlapping) + ".")
    st.caption(caption)
    ui.table(frame, f"effect_{e.action.id}")


# --- recording and editing -------------------------------------------------------------------

def _who(key: str) -> str | None:
    """The signed-in address; else a typed name, remembered for the session."""
    signed_in = signed_in_email()
    if signed_in:
        return signed_in
    st.session_state.setdefault(f"{key}_by", st.session_state.get(RECORDER, ""))
    return st.text_input("Recorded by (your name or email)", key=f"{key}_by")


def _fields(key: str, current: metrics.ActionRow | None, region: str | None) -> dict:
    """The form's widgets, filled with `current` (an edit) or empty with the region chosen (a new one)."""
    kinds = list(data.config().actions.kinds)
    if current and current.kind not in kinds:
        kinds.append(current.kind)   # a kind since dropped from the config stays as it was
    regions = [None, *metrics.SELECTABLE_REGIONS]
    chosen = current.region if current else region
    return {
        # A text box, not st.date_input: its day and month fields are touch targets under WCAG's 24 px.
        "day": st.text_input("Day (UK, such as 20/11/2026)",
                             value=f"{(current.day if current else uk_today()):%d/%m/%Y}", key=f"{key}_day"),
        "at_time": st.text_input("Time (optional, 24-hour, such as 18:30)",
                                 value=f"{current.at_time:%H:%M}" if current and current.at_time else "",
                                 key=f"{key}_time"),
        "kind": st.selectbox("Kind", kinds, index=kinds.index(current.kind) if current else None,
                             placeholder="Choose a kind", key=f"{key}_kind"),
        "title": st.text_input("Title", value=current.title if current else "", key=f"{key}_title"),
        "region": st.selectbox("Region of the action", regions, index=regions.index(chosen) if chosen in regions else 0,
                               format_func=region_label, key=f"{key}_region"),
        "branch": st.text_input("Branch (optional)", value=(current.branch or "") if current else "",
                                key=f"{key}_branch"),
        "mp_member_ids": st.text_input("MPs (optional: member ids from the MPs page, such as 4514;172)",
                                       value=";".join(map(str, current.mp_member_ids)) if current else "",
                                       key=f"{key}_mps"),
        "link": st.text_input("Link (optional)", value=(current.link or "") if current else "", key=f"{key}_link"),
        "notes": st.text_area("Notes (optional)", value=(current.notes or "") if current else "", key=f"{key}_notes"),
    }


def _entry(values: dict) -> ActionInput:
    if not values["kind"]:
        raise ActionError("choose the kind of action")
    if not (values["day"] or "").strip():
        raise ActionError("give the day it took place")
    return ActionInput(day=parse_day(values["day"]), kind=values["kind"], title=values["title"],
                       region=values["region"], branch=values["branch"], at_time=parse_time(values["at_time"] or ""),
                       mp_member_ids=parse_member_ids(values["mp_member_ids"] or ""), link=values["link"],
                       notes=values["notes"])


def _saved(message: str, by: str) -> None:
    st.session_state[RECORDER] = by
    st.session_state[SAVED] = message
    st.rerun()   # every figure above (drawn before this form) shows the change at once


def show_saved() -> None:
    if SAVED in st.session_state:
        st.success(st.session_state.pop(SAVED), icon=":material/check_circle:")


def add_form(campaign: str, region: str | None, key: str) -> None:
    """Record an action (the region chosen, on a region page)."""
    with st.form(f"{key}_form", clear_on_submit=False):
        values = _fields(key, None, region)
        by = _who(key)
        if not st.form_submit_button("Save action", type="primary"):
            return
    try:
        if not (by or "").strip():
            raise ActionError("Please give your name or email: actions are recorded with it.")
        action_id = data.add_action(campaign, _entry(values), by.strip())
    except ActionError as e:
        st.error(str(e), icon=":material/error:")   # the form keeps what was typed
        return
    for name in list(st.session_state):
        if name.startswith(f"{key}_") and name != f"{key}_by":
            del st.session_state[name]   # the next run draws an empty form (the name stays)
    _saved(f"Action #{action_id} saved: {values['title'].strip()}, recorded as {by.strip()}.", by.strip())


def edit_section(actions: list[metrics.ActionRow], key: str) -> None:
    """Pick an action: its effect in full, a form to change it, its history, and removing it."""
    if not actions:
        return
    by_id = {a.id: a for a in actions}
    chosen = st.selectbox("Action to open", list(by_id), index=None, format_func=lambda i: f"#{i} {describe(by_id[i])}",
                          placeholder="Choose an action to see its effect, edit it or see its history",
                          key=f"{key}_open")
    if chosen is None:
        return
    current = by_id[chosen]
    found = data.effects(Filters(current.campaign, current.day, current.day), action_id=current.id)
    if found:
        effect_detail(found[0])
    history(current.id)
    st.markdown(f"**Edit action #{current.id}**")
    form_key = f"{key}_edit_{current.id}_v{len(data.action_history(current.id))}"
    with st.form(form_key, clear_on_submit=False):
        values = _fields(form_key, current, current.region)
        by = _who(f"{key}_edit")
        if st.form_submit_button("Save changes", type="primary"):
            try:
                if not (by or "").strip():
                    raise ActionError("Please give your name or email: changes are recorded with it.")
                entry = _entry(values)
                changed = data.edit_action(current.id, {name: getattr(entry, name)
                                                        for name in ActionInput.__dataclass_fields__}, by.strip())
            except ActionError as e:
                st.error(str(e), icon=":material/error:")
                return
            _saved(f"Action #{current.id} {'changed' if changed else 'unchanged: nothing differs'}, "
                   f"recorded as {by.strip()}.", by.strip())
    with st.expander(f"Remove action #{current.id}"):
        reason = st.text_input("Why (kept with its history)", key=f"{key}_remove_reason_{current.id}")
        who = _who(f"{key}_remove")
        if st.button("Remove this action", key=f"{key}_remove_{current.id}"):
            if not (who or "").strip():
                st.error("Please give your name or email: removals are recorded with it.", icon=":material/error:")
                return
            data.remove_action(current.id, who.strip(), reason)
            _saved(f"Action #{current.id} removed (its history is kept), recorded as {who.strip()}.", who.strip())


def history(action_id: int) -> None:
    versions = data.action_history(action_id)
    frame = pd.DataFrame({
        "Version": [v.version for v in versions],
        "Change": [v.change + (f" ({v.reason})" if v.reason else "") for v in versions],
        "By": [v.saved_by for v in versions],
        "When (UK)": [posts_ui.posted_uk(v.saved_at) for v in versions],
        "Day": [f"{v.day:%d %b %Y}" + (f" {v.at_time:%H:%M}" if v.at_time else "") for v in versions],
        "Kind": [v.kind for v in versions],
        "Title": [v.title for v in versions],
        "Region": [region_label(v.region) for v in versions],
        "Branch": [v.branch or "" for v in versions],
        "MPs": [";".join(map(str, v.mp_member_ids)) for v in versions],
        "Link": [v.link or "" for v in versions],
        "Notes": [v.notes or "" for v in versions],
    })
    st.caption(f"Edit history of action #{action_id}: every version kept, the first first.")
    ui.table(frame, f"history_{action_id}", plain=("Version",))


# --- a region page's section -------------------------------------------------------------------

def region_section(filters: Filters) -> None:
    """The region's actions of the period with their effect, one opened in full, and the form to add one."""
    st.subheader("Campaign actions", help=metrics.DEFINITIONS_BY_KEY["action_effect"].text)
    show_saved()
    found = data.effects(filters)
    if found:
        effects_table(found, "region_actions_table")
        edit_section([e.action for e in found], "region_action")
    else:
        st.info("No campaign actions recorded in this region in the period.", icon=":material/info:")
    with st.expander("Record an action in this region"):
        add_form(filters.campaign, filters.region, "region_add")
