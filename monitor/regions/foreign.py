"""Names that place a string outside the UK, and names that place it nowhere.

Countries, US states, the states and provinces of every country (pycountry) and big foreign cities
come from the packages; these lists hold what the packages lack."""

# Canadian provinces, Australian states, Irish counties: not in the packages as names.
FOREIGN_AREAS = [
    "Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia",
    "New Brunswick", "Newfoundland", "Prince Edward Island", "Queensland", "Victoria",
    "Western Australia", "South Australia", "Tasmania", "Northern Territory",
    "Australian Capital Territory", "County Dublin", "County Cork", "County Galway", "County Kerry",
    "County Donegal", "County Mayo", "County Clare", "County Wicklow", "County Kildare",
    "County Meath", "County Louth", "County Limerick", "County Waterford", "Galway", "Cork",
    "Donegal", "Kerry", "Limerick", "Waterford", "Wicklow", "Kildare",
]

# Written in capitals as a whole segment after a place: "Durham, NC", "London, ON", "Perth, WA".
# Left out: NE (North East), ME, OK, IN, OR, HI (ordinary words), SC and DE (too ambiguous here).
FOREIGN_CODES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "FL", "GA", "IA", "ID", "IL", "KS", "KY", "LA", "MA",
    "MD", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NH", "NJ", "NM", "NV", "NY", "OH", "PA", "RI",
    "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY", "DC", "ON", "QC", "BC", "AB", "MB",
    "SK", "NS", "NB", "NL", "PEI", "QLD", "VIC", "TAS", "ACT", "USA", "US", "NZ", "UAE", "ROI",
]

# Continents and world areas: a UK place beside one of them is not evidence for the UK ("Leeds,
# Asia" is someone between the two, or a joke): abroad. Europe is not here: the UK is in it.
WORLD_AREAS = [
    "Africa", "West Africa", "East Africa", "North Africa", "Southern Africa", "Sub-Saharan Africa",
    "Asia", "South Asia", "East Asia", "Central Asia", "South East Asia", "Southeast Asia", "SE Asia",
    "Asia Pacific", "APAC", "Middle East", "Gulf", "GCC", "Levant", "Americas", "North America",
    "South America", "Latin America", "Central America", "Sudamérica", "América Latina",
    "Latinoamérica", "Caribbean", "West Indies", "Oceania", "Australasia", "Pacific Islands",
    "Pacific Northwest", "Antarctica", "Arctic", "Scandinavia", "Nordics", "Balkans", "Baltics",
    "Benelux", "Eastern Europe", "Mediterranean", "Siberia", "Patagonia", "Himalayas", "Sahara",
    "EMEA",
]

# True of anywhere in the UK too: beside a UK place they change nothing, alone they name no region.
NEUTRAL_PLACES = [
    "Europe", "europa", "European Union", "Western Europe", "Northern Europe", "the world", "world",
    "worldwide", "world wide", "global", "globally", "international", "earth", "planet earth",
    "the planet", "universe", "the universe", "milky way", "solar system", "and beyond", "beyond",
    "everywhere", "anywhere", "somewhere", "nowhere", "online", "the internet", "internet", "cyberspace",
]
