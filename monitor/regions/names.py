"""The region list: ONS names are the keys, NAHT display names are defaults the config may override."""

UNKNOWN = "Unknown"
# NAHT's national accounts (a known account with this region, @NAHTnews by default): the union speaking
# for the whole country, neither a region nor Unknown.
NATIONAL = "National"

# Ordered as ONS lists them, then the nations.
REGIONS: list[str] = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Northern Ireland",
    "Scotland",
]

ENGLISH_REGIONS: tuple[str, ...] = tuple(REGIONS[:9])

DEFAULT_DISPLAY_NAMES: dict[str, str] = {
    "North East": "North East",
    "North West": "North West",
    "Yorkshire and The Humber": "Yorkshire and the Humber",
    "East Midlands": "East Midlands",
    "West Midlands": "West Midlands",
    "East of England": "Eastern",
    "London": "London",
    "South East": "South East",
    "South West": "South West",
    "Wales": "NAHT Cymru",
    "Northern Ireland": "NAHT Northern Ireland",
    "Scotland": "Scotland",
    NATIONAL: "National (NAHT)",
    UNKNOWN: "Unknown",
}


def is_region(key: str) -> bool:
    return key in REGIONS
