"""The regions: their figures as a table (each name a link to the region's page) and the tile map."""
from __future__ import annotations

import pandas as pd

from monitor.dashboard import markup
from monitor.dashboard.markup import Column
from monitor.dashboard.sidebar import page_href
from monitor.dashboard.ui import html, region_name
from monitor.metrics import GroupRow
from monitor.networks import NOT_GIVEN, gives_impressions
from monitor.regions import TILE_GRID

SHARE_COLUMN = {"Share of posts": {"type_config": {"type": "number", "format": "%.1f%%"}}}
REGIONS_TABLE_NAME = "By region (table)"


def regions_frame(rows: list[GroupRow], network: str | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "Region": [region_name(r.key) for r in rows],
        "Posts": [r.kpis.posts for r in rows],
        "Share of posts": [r.share_of_posts * 100 for r in rows],
        "Contributors": [r.kpis.contributors for r in rows],
        "Potential reach": [r.kpis.potential_reach for r in rows],
        "Impressions": ([r.kpis.impressions for r in rows] if gives_impressions(network)
                        else [NOT_GIVEN] * len(rows)),
        "Engagements": [r.kpis.engagements for r in rows],
    })


def regions_table(rows: list[GroupRow], caption: str | None = None, network: str | None = None) -> None:
    """Every region with its figures; each name a link to the region's page (the link keeps the view);
    impressions 'not given' on a network that counts none."""
    impressions = (lambda r: r.kpis.impressions) if gives_impressions(network) else (lambda r: NOT_GIVEN)
    columns = [Column("Region", "page", key=True), Column("Posts", "num"), Column("Share of posts", "pct"),
               Column("Contributors", "num"), Column("Potential reach", "num"), Column("Impressions", "num"),
               Column("Engagements", "num")]
    body = [((region_name(r.key), page_href("region", region=r.key)), r.kpis.posts, r.share_of_posts * 100,
             r.kpis.contributors, r.kpis.potential_reach, impressions(r), r.kpis.engagements) for r in rows]
    html(markup.table(columns, body, caption=caption, label=REGIONS_TABLE_NAME))


def tile_map(rows: list[GroupRow], value: str = "posts", notes: dict[str, str] | None = None) -> None:
    """A tile-grid cartogram (one square a region, docs/regions.md): no geography, works offline; a click on
    a region opens its page."""
    by_key = {r.key: r for r in rows}
    measure = value.replace("_", " ")
    tiles = [markup.Tile(region_name(key), short_name(region_name(key)), col, row,
                         getattr(by_key[key].kpis, value) if key in by_key else 0,
                         by_key[key].share_of_posts if key in by_key else 0.0, page_href("region", region=key),
                         (notes or {}).get(key, ""))
             for key, (col, row) in TILE_GRID.items()]
    html(markup.tile_map(tiles, measure, REGIONS_TABLE_NAME))


def short_name(name: str) -> str:
    """Tiles are small: shorten the long names, keep the rest."""
    return {"Yorkshire and the Humber": "Yorkshire & Humber", "NAHT Northern Ireland": "N. Ireland",
            "Northern Ireland": "N. Ireland", "Yorkshire and The Humber": "Yorkshire & Humber",
            "East of England": "East", "NAHT Cymru": "Cymru"}.get(name, name)
