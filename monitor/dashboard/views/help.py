"""Definitions and help: every figure in plain English, from monitor.metrics (one place)."""
import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, ui

st.title("Definitions and help")
st.write("Every figure on this dashboard and in the weekly report uses these definitions.")
for definition in metrics.DEFINITIONS:
    st.subheader(definition.name)
    st.write(definition.text)

st.header("Reading the dashboard")
st.markdown("""
- **Dates** are UK calendar days (Europe/London): a post at 00:30 BST belongs to that day.
- **Change** on a card compares with the previous period of the same length (for *7 days*, the 7 days before).
- **Regions** are NAHT's regions. A post's region comes, strongest first, from a known account, a
  correction made on a Region page, the post's place, or the author's profile location; otherwise
  it is *Unknown*. Scotland has no NAHT branches, but posts from Scotland are counted as Scotland.
  NAHT's national accounts (@NAHTnews) are in no region: they are *National (NAHT)*, not Unknown.
- **Authors** in the sidebar: *all authors*, *members and public* only, or *NAHT accounts* only. It applies
  to every figure on every page except the weekly summary downloads, which count all authors.
- **Links**: every page's address holds its view (campaign, period, authors, region, the explorer's
  search and page). Bookmark it or share it; *7 days* stays the last 7 days, a custom range stays fixed.
- **Charts**: each chart's figures are also in a table (the timeline's under *The timeline's figures*,
  the map's in *By region*); a region on the map, or its name in the table, opens its page.
- **Collection gaps** (red bands on the timeline) mark times when the collector had no successful run
  for over twice its interval, or a run failed.
- **Posts explorer**: *Text contains* finds the words anywhere in a post, in any case. The author
  filter takes an @handle and matches it exactly, in any case (`@nahtnews` finds @NAHTnews,
  `@naht` does not); tick *Also match display names containing it* to also find
  authors whose display name contains what you typed.
- Post text and profiles are shown exactly as written on X, as plain text. A post is always whole, a
  long one too (X sends those cut at 280 characters plus the whole text): a table's column may cut it
  on screen; double-click the cell, or select the row in the *Posts explorer*, to read all of it.
  An edited post is shown as its latest version.
""")
cfg = data.config()
st.header("Regions")
ui.table(pd.DataFrame({"Key (ONS name)": metrics.region_keys(),
                       "Shown as": [metrics.region_display_name(cfg, k) for k in metrics.region_keys()]}),
         "Regions: their keys and the names shown")
