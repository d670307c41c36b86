"""Campaign actions: every action of the period with what it changed, one opened in full (its effect, its
history, a form to edit or remove it), and the form to record a new one.

Shareable: ?region=London&period=30d (a region's key or display name, any case; also &campaign=...,
&authors=..., &period=custom&from=...&to=...). Without a region, every action, national ones too.
"""
from dataclasses import replace

import streamlit as st

from monitor import metrics
from monitor.actions import csv_template
from monitor.dashboard import actions_ui, data, ui, url

ALL_REGIONS = "All regions"


def pick_region() -> str | None:
    options = [ALL_REGIONS, *metrics.SELECTABLE_REGIONS]
    if url.from_link():
        asked = url.get("region")
        found = metrics.find_region(data.config(), asked)
        if asked and found not in options:
            st.warning(f"No region is called {asked!r}: showing all regions.", icon=":material/location_off:")
        st.session_state["actions_region"] = found if found in options else ALL_REGIONS
    chosen = st.selectbox("Region", options, format_func=lambda k: k if k == ALL_REGIONS else ui.region_name(k),
                          key="actions_region")
    return None if chosen == ALL_REGIONS else chosen


base = st.session_state["filters"]
st.title("Campaign actions")
region = pick_region()
url.want(region=region)
filters = replace(base, region=region, branch=None)
st.caption(f"{ui.period_label(filters.from_date, filters.to_date)}{ui.audience_note(filters)} · "
           f"{ui.region_name(region) if region else 'every region and national actions'} · "
           "share this page's address to show the same view")
actions_ui.show_saved()
found = data.effects(filters)
if found:
    actions_ui.effects_table(found, "actions_table")
    actions_ui.edit_section([e.action for e in found], "actions_page")
else:
    st.info("No campaign actions recorded in this period: record one below, or choose a longer period in the "
            "sidebar.", icon=":material/info:")
st.subheader("Record an action")
actions_ui.add_form(filters.campaign, region, "actions_add")
with st.expander("Import a spreadsheet of actions"):
    st.markdown("Run `campaign-monitor actions import FILE.csv --by NAME` with a CSV of these columns (the "
                "first row names them; date, kind and title are needed). Each bad row is reported by its line "
                "and left out; the good rows are imported together.")
    st.download_button("Download the template CSV", csv_template(), file_name="actions-template.csv",
                       mime="text/csv", key="actions_template")
