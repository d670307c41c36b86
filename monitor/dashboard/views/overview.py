"""Overview: how the campaign is doing in the period, where it is strong and weak, who carries it."""
import streamlit as st

from monitor.dashboard import data, ui

LIVE_SECONDS = 60


@st.fragment(run_every=LIVE_SECONDS)
def live_figures(filters) -> None:
    """KPIs and timeline refresh themselves every minute (the cache TTL keeps queries rare)."""
    ui.kpi_cards(data.kpis_with_change(filters))
    ui.timeline_chart(filters, key="overview")
    ui.network_split(filters)


def regions(filters) -> None:
    st.subheader("By region")
    rows = data.regions_table(filters)
    measure = st.segmented_control("Map shows", ["posts", "potential_reach", "engagements", "contributors"],
                                   default="posts", format_func=lambda m: m.replace("_", " ").capitalize(),
                                   key="map_measure") or "posts"
    left, right = st.columns([3, 2])
    with left:
        ui.tile_map(rows, measure)
        unknown = next(r for r in rows if r.key == "Unknown")
        st.caption(f"Unknown (not on the map): {unknown.kpis.posts:,} posts, {unknown.share_of_posts:.0%} of all.")
    with right:
        ui.region_links(rows, filters)
    ui.table(ui.regions_frame(rows, filters.network), "regions_table", ui.SHARE_COLUMN)


filters = st.session_state["filters"]
campaign = data.config().campaign(filters.campaign)
st.title(campaign.title)
st.caption(f"{ui.period_label(filters.from_date, filters.to_date)} · "
           f"terms: {', '.join(campaign.terms)} · refreshes every minute")
live_figures(filters)
regions(filters)
ui.activity_sections(filters, key="overview")
ui.weekly_downloads(filters.campaign, None, key="overview")
