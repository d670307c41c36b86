"""Parse and evaluate X API v2 search queries such as `(#A OR #B OR @NAHTnews) -is:retweet`.

Grammar, as X documents it: a space is AND and binds tighter than OR; parentheses group;
a leading `-` negates a term or a group; "double quotes" make an exact phrase.
Supported terms: #hashtag, @mention, from:user, lang:xx, is:retweet|reply|quote,
has:geo|mentions|hashtags, and plain keywords (matched as whole words of the text).
Hashtags, mentions and keywords match case-insensitively, as on X.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Protocol

MAX_QUERY_LENGTH = 512

_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|(-?"[^"]*")|([^\s()]+))')
_WORD_RE = re.compile(r"[\w']+", re.UNICODE)


class QueryError(ValueError):
    """The query cannot be parsed; the server answers 400 with this message."""


class Searchable(Protocol):
    """What a query needs to know about a post (all strings lower-case)."""

    hashtags: frozenset
    mentions: frozenset
    text_lower: str
    lang: str
    username: str
    is_reply: bool
    is_quote: bool
    has_geo: bool


Matcher = Callable[[Searchable], bool]


@dataclass(frozen=True)
class Query:
    text: str
    matches: Matcher


def _tokenize(query: str) -> list[str]:
    tokens, position = [], 0
    while position < len(query):
        found = _TOKEN_RE.match(query, position)
        if not found or found.end() == position:
            break
        tokens.append(next(group for group in found.groups() if group is not None))
        position = found.end()
    return tokens


def _term_matcher(term: str) -> Matcher:
    lowered = term.lower()
    if lowered.startswith('"'):
        phrase = lowered.strip('"')
        if not phrase:
            raise QueryError("empty phrase")
        return lambda post: phrase in post.text_lower
    if lowered.startswith("#") and len(lowered) > 1:
        tag = lowered[1:]
        return lambda post: tag in post.hashtags
    if lowered.startswith("@") and len(lowered) > 1:
        name = lowered[1:]
        return lambda post: name in post.mentions
    if ":" in lowered:
        return _operator_matcher(lowered)
    if not _WORD_RE.search(lowered):
        raise QueryError(f"invalid term '{term}'")
    # A keyword matches a whole word of the text, not part of a longer word.
    keyword = re.compile(r"(?<![\w#@])" + re.escape(lowered) + r"(?!\w)")
    return lambda post: keyword.search(post.text_lower) is not None


def _operator_matcher(term: str) -> Matcher:
    operator, _, value = term.partition(":")
    if operator == "from" and value:
        return lambda post: post.username == value.lstrip("@")
    if operator == "lang" and value:
        return lambda post: post.lang == value
    if operator == "is":
        flags = {
            # Since May 2026 keyword search returns no retweets, so no post here is one.
            "retweet": lambda post: False,
            "reply": lambda post: post.is_reply,
            "quote": lambda post: post.is_quote,
            "verified": lambda post: False,
        }
        if value in flags:
            return flags[value]
    if operator == "has":
        flags = {
            "geo": lambda post: post.has_geo,
            "mentions": lambda post: bool(post.mentions),
            "hashtags": lambda post: bool(post.hashtags),
        }
        if value in flags:
            return flags[value]
    raise QueryError(f"Reference to invalid operator '{term}'")


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Matcher:
        if not self.tokens:
            raise QueryError("the query is empty")
        matcher = self.parse_or()
        if self.peek() is not None:
            raise QueryError(f"unexpected '{self.peek()}'")
        return matcher

    def parse_or(self) -> Matcher:
        alternatives = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            alternatives.append(self.parse_and())
        if len(alternatives) == 1:
            return alternatives[0]
        return lambda post: any(alternative(post) for alternative in alternatives)

    def parse_and(self) -> Matcher:
        parts = []
        while self.peek() not in (None, ")", "OR"):
            parts.append(self.parse_unary())
        if not parts:
            raise QueryError("an OR or a parenthesis has nothing beside it")
        if all(part[1] for part in parts):
            # X refuses queries made only of negations.
            raise QueryError("a query cannot consist only of negated terms")
        matchers = [part[0] for part in parts]
        if len(matchers) == 1:
            return matchers[0]
        return lambda post: all(matcher(post) for matcher in matchers)

    def parse_unary(self) -> tuple[Matcher, bool]:
        token = self.take()
        negated = False
        if token == "-" or (token.startswith("-") and len(token) > 1):
            negated = True
            token = token[1:] if len(token) > 1 else None
            if token is None:
                if self.peek() != "(":
                    raise QueryError("a '-' must be followed by a term or a group")
                token = self.take()
        if token == "(":
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError("missing ')'")
            self.take()
        elif token == ")":
            raise QueryError("unbalanced ')'")
        else:
            inner = _term_matcher(token)
        if negated:
            return (lambda post: not inner(post)), True
        return inner, False


@lru_cache(maxsize=256)
def parse_query(query: str) -> Query:
    """Parse once and cache: collectors send the same few queries again and again."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"query is {len(query)} characters long, the limit is {MAX_QUERY_LENGTH}")
    if query.count("(") != query.count(")"):
        raise QueryError("unbalanced parentheses")
    return Query(text=query, matches=_Parser(_tokenize(query)).parse())


def campaign_query(hashtags, mention: str | None) -> str:
    """The query a collector would send for the whole campaign."""
    terms = [f"#{tag}" for tag in hashtags]
    if mention:
        terms.append(f"@{mention}")
    return f"({' OR '.join(terms)}) -is:retweet"
