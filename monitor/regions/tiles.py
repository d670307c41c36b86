"""Tile-grid cartogram layout from docs/regions.md: (column, row), row 0 at the top."""

TILE_GRID: dict[str, tuple[int, int]] = {
    "Scotland": (2, 0),
    "Northern Ireland": (0, 1),
    "North East": (3, 1),
    "North West": (2, 2),
    "Yorkshire and The Humber": (3, 2),
    "Wales": (1, 3),
    "West Midlands": (2, 3),
    "East Midlands": (3, 3),
    "East of England": (4, 3),
    "South West": (1, 4),
    "South East": (2, 4),
    "London": (3, 4),
}
