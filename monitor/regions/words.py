"""The words around a place name, and what they say about it (the matcher's vocabulary, one place).

A segment of a profile location ("Primary head in sunny Leeds") is a place when its other words are
neutral: filler, words for a kind of place, a person or a school. Otherwise it is a phrase, and a
place inside a phrase counts only after a locative word ("in", "near", "University of"): "Bath time",
"Cheddar lover" and "Clark Kent" use a place name as a word.
"""

# Words that may stand beside a place without making it part of a sentence.
FILLER = set("""
sunny rainy beautiful lovely gorgeous bonny grim windy leafy deepest darkest sunniest
near nr nearby in at of the a just outside outskirts edge based living live lives from and or
currently now originally formerly born bred raised via ish somewhere around between mostly
usually sometimes often proud little old good olde ye north south east west n s e w ne nw se sw
central mid upper lower greater inner outer village town city county borough area region
uk gb england great britain home sweet hometown x innit obvs mainly sth nth
i im am we our my its it is be where else too also way yes
""".split())

# A kind of place: "Leeds city centre", "Kent coast", "North Devon coast".
PLACE_WORDS = set("""
centre center suburbs suburb district coast coastal seaside side countryside villages towns
cities heart valley borders border shire county's region's metropolitan met
""".split())

# A person from or in a place: "Leeds lad", "Proud son of Bolton", "Primary head, Leeds".
PERSON_WORDS = set("""
lad lass lassie girl gal boy guy man woman mum mam dad son daughter native resident local locals
born bred raised based dweller family person people folk teacher teachers head heads headteacher
headteachers deputy senco leader leaders educator governor member rep
""".split())

# Schools and the bodies around them: "Headteacher at a Leeds primary school", "NAHT Leeds".
SCHOOL_WORDS = set("""
school schools primary secondary infant infants junior juniors nursery academy academies college
uni university council la authority trust mat naht branch union education early years
""".split())

NEUTRAL = FILLER | PLACE_WORDS | PERSON_WORDS | SCHOOL_WORDS

# After one of these, a place inside a phrase is where the person is: "Living the dream in Whitby".
LOCATIVE = set("in at near nr from around across outside within based living covering serving of".split())

# Single compass words that qualify the place after them: "North Cornwall", "South Glasgow".
COMPASS = set("north south east west mid central inner outer greater upper lower n s e w ne nw se sw sth".split())

# Outward codes that are also motorways: "M6" alone may be the road, so it needs support
# ("Manchester M6", "M6 3PQ"); a full postcode is never a road.
MOTORWAYS = set("""
M1 M2 M3 M4 M5 M6 M8 M9 M11 M18 M20 M23 M25 M26 M27 M32 M40 M42 M45 M48 M49 M50 M53 M54 M55 M56
M57 M58 M60 M61 M62 M65 M66 M67 M69 M73 M74 M77 M80 M90
""".split())
