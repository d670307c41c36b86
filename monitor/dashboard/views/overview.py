"""Overview: how the campaign is doing in the period, where it is strong and weak, who carries it."""
from dataclasses import replace

import streamlit as st

from monitor import metrics
from monitor.dashboard import actions_ui, data, mps_ui, ui
from monitor.regions import NATIONAL, UNKNOWN

LIVE_SECONDS = 60
MEASURES = ("posts", "potential_reach", "engagements", "contributors")


def naht_part(filters):
    """NAHT's own accounts' share of the figures, when the page counts every author."""
    if filters.audience.key != metrics.ALL:
        return None
    return data.kpis(replace(filters, audience=filters.audience.only(metrics.NAHT)))


@st.fragment(run_every=LIVE_SECONDS)
def live_figures(filters) -> None:
    """KPIs and timeline refresh themselves every minute (the cache TTL keeps queries rare)."""
    ui.kpi_cards(data.kpis_with_change(filters), naht_part(filters))
    mps_ui.contributors_caption(filters)
    ui.timeline_chart(filters, key="overview", marks=actions_ui.timeline_marks(filters))
    ui.network_split(filters)


def regions(filters, rows) -> None:
    st.subheader("By region")
    measure = st.segmented_control("Map shows", MEASURES, default="posts",
                                   format_func=lambda m: m.replace("_", " ").capitalize(), key="map_measure") or "posts"
    ui.tile_map(rows, measure, notes=actions_ui.map_notes(filters))
    outside = [r for r in rows if r.key in (NATIONAL, UNKNOWN) and r.kpis.posts]
    if outside:
        st.caption("Not on the map: " + "; ".join(f"{ui.region_name(r.key)} {r.kpis.posts:,} posts "
                                                  f"({r.share_of_posts:.0%})" for r in outside) + ".")
    note = actions_ui.national_note(filters)
    if note:
        st.caption(note)
    ui.regions_table(rows, caption="Every region's figures; a region's name opens its page.", network=filters.network)


filters = st.session_state["filters"]
campaign = data.config().campaign(filters.campaign)
st.title(campaign.title)
st.caption(f"{ui.period_label(filters.from_date, filters.to_date)}{ui.audience_note(filters)} · "
           f"terms: {', '.join(campaign.terms)} · refreshes every minute")
live_figures(filters)
rows = data.regions_table(filters)
if sum(r.kpis.posts for r in rows):
    regions(filters, rows)
    ui.activity_sections(filters, key="overview")
else:
    st.info(f"No posts in {ui.period_label(filters.from_date, filters.to_date)}"
            f"{' from ' + filters.audience.label.lower() if filters.audience.key != metrics.ALL else ''}: "
            "choose a longer period in the sidebar.", icon=":material/info:")
ui.weekly_downloads(filters.campaign, None, key="overview")
