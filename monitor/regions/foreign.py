"""Names that place a string outside the UK: states and provinces used as qualifiers
("London, Ontario", "Birmingham, AL"). Countries and big foreign cities come from the packages."""

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
