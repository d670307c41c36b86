"""Text normalisation shared by the gazetteer builder and the matcher.

Both sides must normalise identically, so that "St. Helens", "Saint Helens" and "st helens"
meet at one key.
"""
import functools
import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z ]+")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=100_000)
def norm(text: str) -> str:
    """Lower case, no accents, no apostrophes or dots, hyphens as spaces, '&' as 'and'.
    Cached: the same words come back in string after string."""
    if text.isascii() and text.isalnum():  # one plain word: the common case, and the same answer
        word = text.lower()
        return "st" if word == "saint" else word
    text = strip_accents(text).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"['\u2019`.]", "", text)  # King's -> kings, St. -> st
    text = _NON_WORD.sub(" ", text)
    words = _SPACES.sub(" ", text).strip().split(" ")
    words = ["st" if w == "saint" else w for w in words]
    if len(words) > 1 and words[0] == "co":  # "Co. Durham", "Co Down"
        words[0] = "county"
    return " ".join(w for w in words if w)
