"""Overview: how the campaign is doing in the period, where it is strong and weak, who carries it."""
import streamlit as st

from monitor import metrics
from monitor.dashboard import actions_ui, data, downloads_ui, figures_ui, posts_ui, regions_ui, ui
from monitor.regions import NATIONAL, UNKNOWN

MEASURES = ("posts", "potential_reach", "engagements", "contributors")


def regions(filters, rows) -> None:
    st.subheader("By region")
    measure = st.segmented_control("Map shows", MEASURES, default="posts",
                                   format_func=lambda m: m.replace("_", " ").capitalize(), key="map_measure") or "posts"
    regions_ui.tile_map(rows, measure, notes=actions_ui.map_notes(filters))
    outside = [r for r in rows if r.key in (NATIONAL, UNKNOWN) and r.kpis.posts]
    if outside:
        st.caption("Not on the map: " + "; ".join(f"{ui.region_name(r.key)} {r.kpis.posts:,} posts "
                                                  f"({r.share_of_posts:.0%})" for r in outside) + ".")
    note = actions_ui.national_note(filters)
    if note:
        st.caption(note)
    regions_ui.regions_table(rows, caption="Every region's figures; a region's name opens its page.",
                             network=filters.network)


filters = st.session_state["filters"]
campaign = data.config().campaign(filters.campaign)
st.title(campaign.title)
st.caption(f"{ui.period_label(filters.from_date, filters.to_date)}{ui.audience_note(filters)} · "
           f"terms: {', '.join(campaign.terms)} · refreshes every minute")
figures_ui.live_figures(filters, key="overview")
rows = data.regions_table(filters)
if sum(r.kpis.posts for r in rows):
    regions(filters, rows)
    posts_ui.activity_sections(filters, key="overview")
else:
    st.info(f"No posts in {ui.period_label(filters.from_date, filters.to_date)}"
            f"{' from ' + filters.audience.label.lower() if filters.audience.key != metrics.ALL else ''}: "
            "choose a longer period in the sidebar.", icon=":material/info:")
downloads_ui.weekly_downloads(filters.campaign, None, key="overview")
