"""Tables the corpus generator draws from: profile locations, places, names, post texts.

Each profile location carries the region a careful human would give it (ONS region names,
"Wales", "Northern Ireland", "Scotland"), or None where a human could not tell. The generator
keeps that as ground truth so region attribution can be scored against the simulated corpus.
"""
from __future__ import annotations

# region -> (weight, profile location strings as people really write them)
LOCATIONS_BY_REGION: dict[str | None, tuple[int, tuple[str, ...]]] = {
    "North East": (5, (
        "Newcastle upon Tyne", "Newcastle, UK", "Sunderland", "Durham, England", "Teesside",
        "Middlesbrough", "Gateshead", "NE6", "Hartlepool", "Northumberland", "Toon 🖤🤍")),
    "North West": (12, (
        "Manchester", "Manchester / Salford", "Liverpool, UK", "Lancashire", "Preston", "Bolton",
        "Wigan", "M20", "Cumbria", "Warrington, Cheshire", "Stockport", "Blackpool")),
    "Yorkshire and The Humber": (9, (
        "Leeds, UK", "LS6", "Sheffield", "Bradford", "Hull", "York", "Donny", "God's Own County",
        "Yorkshire", "Wakefield", "Huddersfield", "Wales, South Yorkshire")),
    "East Midlands": (8, (
        "Nottingham", "Notts", "Derby", "Leicester", "Lincs", "Lincoln, UK", "Northampton",
        "East Mids", "NG7", "Chesterfield", "Loughborough")),
    "West Midlands": (10, (
        "Birmingham, UK", "Brum", "Coventry", "Wolverhampton", "Staffs", "Stoke-on-Trent",
        "Black Country", "Worcester, England", "Shropshire", "B15", "Hereford")),
    "East of England": (10, (
        "Norwich", "Cambridge, UK", "Ipswich", "Herts", "Essex", "Luton", "Peterborough",
        "Suffolk", "Chelmsford", "Norfolk, England", "CB1")),
    "London": (14, (
        "London", "London, UK", "SE London", "Hackney, London", "Croydon", "Islington", "E17",
        "Wandsworth", "North London", "Lewisham", "London 🇬🇧")),
    "South East": (15, (
        "Sunny Brighton", "Brighton & Hove", "Kent", "Oxford", "Reading", "Southampton", "Pompey",
        "Surrey", "Milton Keynes", "Canterbury", "Hampshire", "OX4")),
    "South West": (9, (
        "Bristol", "Exeter", "Plymouth", "Cornwall", "Glos", "Bath, UK", "West Country", "Devon",
        "Swindon", "Bournemouth", "Somerset", "BS5")),
    "Wales": (6, (
        "Cardiff", "Caerdydd", "Swansea", "Abertawe", "Wrexham", "Newport, Wales", "Casnewydd",
        "Bangor, Gwynedd", "Aberystwyth", "Cymru 🏴󠁧󠁢󠁷󠁬󠁳󠁿", "CF10", "Sir Gâr", "Pen-y-bont ar Ogwr")),
    "Northern Ireland": (4, (
        "Belfast", "Norn Iron", "BT9", "Derry~Londonderry", "Co. Antrim", "Newry", "Lisburn",
        "Belfast, Northern Ireland", "Co Down")),
    "Scotland": (2, (
        "Glasgow", "Edinburgh", "Aberdeen", "Dundee", "Scotland 🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Inverness", "Fife")),
    # Blank, joking, nation-wide, two-region or abroad: a careful human says "Unknown".
    None: (16, (
        "", "", "", "", "UK", "England", "United Kingdom", "🇬🇧", "somewhere over the rainbow",
        "In the staffroom ☕", "Planet Earth", "London, Ontario", "Sydney, Australia", "Dubai",
        "Birmingham, AL", "Perth, WA", "Leeds ↔ London", "Everywhere & nowhere", "she/her",
        "Manchester, NH")),
}

# Welsh-speaking profiles write in Welsh more often; these regions get a higher "cy" share.
WELSH_REGION = "Wales"

# (name, full_name, country, country_code, lon, lat, region) for posts carrying a place.
PLACES: tuple[tuple[str, str, str, str, float, float, str | None], ...] = (
    ("Newcastle upon Tyne", "Newcastle upon Tyne, England", "United Kingdom", "GB", -1.61, 54.97, "North East"),
    ("Manchester", "Manchester, England", "United Kingdom", "GB", -2.24, 53.48, "North West"),
    ("Leeds", "Leeds, England", "United Kingdom", "GB", -1.55, 53.80, "Yorkshire and The Humber"),
    ("Nottingham", "Nottingham, England", "United Kingdom", "GB", -1.15, 52.95, "East Midlands"),
    ("Birmingham", "Birmingham, England", "United Kingdom", "GB", -1.89, 52.48, "West Midlands"),
    ("Norwich", "Norwich, England", "United Kingdom", "GB", 1.30, 52.63, "East of England"),
    ("Wandsworth", "Wandsworth, London", "United Kingdom", "GB", -0.19, 51.45, "London"),
    ("Hackney", "Hackney, London", "United Kingdom", "GB", -0.06, 51.55, "London"),
    ("Brighton", "Brighton, England", "United Kingdom", "GB", -0.14, 50.82, "South East"),
    ("Bristol", "Bristol, England", "United Kingdom", "GB", -2.59, 51.45, "South West"),
    ("Bournemouth", "Bournemouth, England", "United Kingdom", "GB", -1.88, 50.72, "South West"),
    ("Cardiff", "Cardiff, Wales", "United Kingdom", "GB", -3.18, 51.48, "Wales"),
    ("Belfast", "Belfast, Northern Ireland", "United Kingdom", "GB", -5.93, 54.60, "Northern Ireland"),
    ("Glasgow", "Glasgow, Scotland", "United Kingdom", "GB", -4.25, 55.86, "Scotland"),
)

FIRST_NAMES = (
    "Sarah", "James", "Emma", "David", "Claire", "Mark", "Rachel", "Paul", "Helen", "Andrew",
    "Laura", "Simon", "Nicola", "Richard", "Joanne", "Chris", "Amy", "Tom", "Priya", "Imran",
    "Aisha", "Hannah", "Gemma", "Lee", "Kirsty", "Daniel", "Fiona", "Neil", "Zoe", "Michael",
    "Rhys", "Siân", "Gareth", "Cerys", "Dafydd", "Eleri", "Ciara", "Niamh", "Seán", "Callum")
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Lewis", "Morgan", "Price",
    "O'Neill", "Murphy", "Campbell", "Stewart", "Ahmed", "Begum", "Okafor", "Nowak", "Griffiths")

TOWNS_FOR_BRANCHES = (
    ("Leeds", "Leeds, UK", "Yorkshire and The Humber"), ("Sheffield", "Sheffield", "Yorkshire and The Humber"),
    ("Manchester", "Manchester", "North West"), ("Lancashire", "Lancashire", "North West"),
    ("Newcastle", "Newcastle upon Tyne", "North East"), ("Derbyshire", "Derbyshire", "East Midlands"),
    ("Birmingham", "Birmingham, UK", "West Midlands"), ("Norfolk", "Norfolk, England", "East of England"),
    ("Camden", "Camden, London", "London"), ("Kent", "Kent", "South East"),
    ("Devon", "Devon", "South West"), ("Cardiff", "Caerdydd / Cardiff", "Wales"),
    ("Belfast", "Belfast", "Northern Ireland"), ("Essex", "Essex", "East of England"),
    ("Hampshire", "Hampshire", "South East"), ("Bristol", "Bristol", "South West"))

# (kind, share of ordinary authors, how active they are relative to others)
AUTHOR_KINDS = (
    ("teacher", 40, 1.0), ("head", 30, 1.3), ("parent", 15, 0.6),
    ("journalist", 3, 0.8), ("mp", 3, 0.7), ("staff", 2, 2.5), ("public", 7, 0.5))

DESCRIPTIONS = {
    "teacher": ("Primary teacher. SENCo. Views my own.", "Teacher | {town} | tea drinker",
                "KS2 teacher and union rep. All views mine.", "Early years teacher 🍎"),
    "head": ("Headteacher of a primary school in {town}.", "Head of a special school. Proud NAHT member.",
             "Executive head, {town}. Tweets are my own.", "Pennaeth ysgol gynradd / Primary head"),
    "parent": ("Mum of three, school governor.", "Dad, runner, PTA chair.", "Parent carer of a child with SEND."),
    "journalist": ("Education correspondent. DMs open.", "Schools reporter for a regional paper."),
    "mp": ("Member of Parliament. Campaigning for local schools.", "MP. Member of the Education Committee."),
    "staff": ("Working for NAHT, the union for school leaders.", "NAHT regional officer."),
    "public": ("", "Just here for the dog pictures.", "Retired. Opinions plentiful."),
}

EN_SENTENCES = (
    "Our waiting list for an educational psychologist is now {n} months.",
    "Pupils cannot wait years for speech and language therapy.",
    "Family support workers keep children in school. Fund them properly.",
    "We have lost {n} support staff this year and the need keeps growing.",
    "CAMHS referrals from our school have doubled since September.",
    "School leaders are picking up the work of services that no longer exist.",
    "Every child deserves timely help, not a place on a waiting list.",
    "Great turnout at the branch meeting tonight, thank you all.",
    "Heads are plugging gaps in pupil services out of stretched budgets.",
    "Our SENCo spends {n} hours a week chasing external support.",
    "Proud to stand with colleagues asking for proper investment.",
    "Just wrote to my MP. It took five minutes, please do the same.",
    "The survey results are stark: {n}% of leaders cannot get the help pupils need.",
    "Attendance, wellbeing and safeguarding all depend on these services.",
    "Morning briefing done, now off to fight for our pupils again.",
    "Brilliant speech at the rally today.",
    "Local authority budgets cut again and children pay the price.",
    "We need a long-term plan for pupil and family services.",
    "This is not a cost, it is an investment in children.",
    "Read the new report before the budget statement.",
)
CY_SENTENCES = (
    "Mae angen cyllid teg ar ein hysgolion.",
    "Rhaid buddsoddi yng ngwasanaethau disgyblion a theuluoedd.",
    "Mae ein disgyblion yn haeddu gwell.",
    "Diolch i bawb a ddaeth i'r cyfarfod heno.",
    "Mae rhestrau aros CAMHS yn llawer rhy hir.",
)
# The rest of a long post (over 280 characters, X Premium): the considered posts of heads, MPs and branches.
LONG_EN_SENTENCES = (
    "I have been a head for {n} years and I have never seen waiting lists like the ones our families face now.",
    "Last term we referred {n} children for specialist support and most of them are still waiting for a "
    "first appointment.",
    "Our school nurse covers four schools, our educational psychologist visits once a term, and the gaps "
    "fall on teachers.",
    "When pupil and family services are cut, the work does not disappear: it lands on school leaders who "
    "are not trained for it.",
    "This week I met parents who have given up their jobs to care for children the system has left waiting.",
    "The evidence is clear that early help costs less and works better than crisis support later on.",
    "We are asking every MP in the region to meet us, hear from our families and back proper investment in "
    "these services.",
    "Please share this thread, write to your MP using the template letter, and tell NAHT about what is "
    "happening locally.",
)
LONG_CY_SENTENCES = (
    "Rydym wedi cyfeirio {n} o blant am gymorth arbenigol y tymor hwn ac mae'r rhan fwyaf yn dal i aros.",
    "Mae arweinwyr ysgolion yn gwneud gwaith gwasanaethau sydd wedi diflannu, heb yr hyfforddiant na'r arian.",
    "Rydym yn gofyn i bob aelod seneddol gyfarfod â ni a chefnogi buddsoddiad teg yn y gwasanaethau hyn.",
)
MENTION_LEADS = ("Thanks {at} for leading on this.", "Well said {at}.", "{at} this is happening here too.",
                 "Via {at}:", "Backing {at} all the way.")
UNRELATED_TAGS = ("edutwitter", "SEND", "headteachers", "schools", "EduTwitterUK", "teaching", "budget")
# Tags that look like campaign tags but are not: an exact-match search must not return them.
NEAR_MISS_SUFFIXES = ("Now", "2026", "UK")
