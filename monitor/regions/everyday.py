"""english-words (the web2 word list): which one-word names are also everyday English words
("Hope", "Wool", "Time"), so that the matcher asks for support before taking them as places."""
from __future__ import annotations

import functools

from .tables import Tables


@functools.cache
def everyday_words() -> frozenset[str]:
    """Everyday English words: web2's lower-case entries ('hope', 'wool', 'time'), not its names."""
    # heavy and needed only to build the tables, so imported here, not with monitor.regions
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False) if w.islower())


def add_common_words(tables: Tables) -> None:
    """One-word names that are also everyday English words."""
    words = everyday_words()
    tables.common_words = {key for key in tables.names if " " not in key and key in words}
