"""MPs: which MPs the campaign reaches in the period, region by region, and which it has not reached yet.

Shareable: /mps?region=London&party=Labour&status=not+reached&from=2026-11-16&to=2026-11-22 (and
&campaign=...). Every figure is from monitor.metrics.mps; the definitions are on the help page.
"""
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, mps_ui, ui, url

ALL = "All"


def pick(label: str, param: str, options: list, key: str, format_func=str):
    """A filter kept in the address (monitor.dashboard.url): taken from it on a first visit, a link (another
    region's link to this page), a reload or back and forward; otherwise the person's choice; either way
    written back to it."""
    choices = [ALL, *options]
    if url.from_link() or key not in st.session_state:
        wanted = url.get(param) or ALL
        st.session_state[key] = wanted if wanted in choices else ALL
    chosen = st.selectbox(label, choices, key=key, format_func=lambda v: "All" if v == ALL else format_func(v))
    url.want(**{param: None if chosen == ALL else chosen})
    return None if chosen == ALL else chosen


base = st.session_state["filters"]
st.title("MPs")
st.caption(f"{ui.period_label(base.from_date, base.to_date)} · which MPs the campaign reaches, and which it has "
           "not reached yet · share this page's address to show the same view")
left, middle, right = st.columns(3)
with left:
    region = pick("Region", "region", list(metrics.SELECTABLE_REGIONS), "mps_region", ui.region_name)
with middle:
    party = pick("Party", "party", data.mp_parties(), "mps_party")
with right:
    status = pick("Status", "status", list(metrics.MP_STATUSES), "mps_status", mps_ui.STATUS_LABELS.get)
filters = mps_ui.with_region(base, region)

regions = data.mp_regions(filters, party=party)
mps_ui.mp_cards(regions)
st.caption("Engaged: the MP posted about the campaign (or replied to or quoted a campaign post). Mentioned only: a "
           "campaign post mentioned them. Not reached: neither. Regions are the MPs' constituencies'. Full "
           "definitions on the help page and beside each card.")
map_column, table_column = st.columns([3, 2])
with map_column:
    mps_ui.tile_map(data.mp_regions(mps_ui.with_region(base, None), party=party))
with table_column:
    st.dataframe({"Region": [ui.region_name(r.region) for r in regions], "Engaged": [r.engaged for r in regions],
                  "Mentioned only": [r.mentioned for r in regions], "Not reached": [r.not_reached for r in regions],
                  "MPs": [r.total for r in regions]}, hide_index=True, key="mps_regions_table")

rows = data.mp_table(filters, party=party, status=status)
st.subheader(f"MPs: {len(rows):,}")
mps_ui.mps_table(rows, "mps_table")
st.download_button("MPs (CSV)", data=lambda: data.mps_csv(filters, party, status),
                   file_name=f"naht-{filters.campaign}-mps-{filters.from_date}-{filters.to_date}.csv",
                   mime="text/csv", icon=":material/download:", key="mps_csv")
mps_ui.not_reached(rows if status in (None, metrics.NOT_REACHED) else data.mp_table(filters, party=party),
                   "mps_not_reached")
mps_ui.mp_posts(filters, "mps_posts")
mps_ui.correction_form(data.mp_table(filters, party=party))
