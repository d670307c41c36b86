"""Reading one TOML table of config.toml: each value's type and range checked, each mistake a ConfigError
naming the file, the key (with its table's prefix, such as `x_api.mentions_timeline.`) and what was expected.
The value patterns the sections share live here too."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from monitor.config.environment import ENV_BEARER, ENV_DATABASE_PASSWORD, SECRET_KEYS
from monitor.config.errors import ConfigError

HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
HASHTAG_RE = re.compile(r"^\w{1,100}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$", re.I)
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,100}$")
QUIET_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
# An MP watch keyword: words (a phrase is searched as one), no quotes, brackets or operators.
KEYWORD_RE = re.compile(r"^[\w']([\w' &-]{0,58}[\w'])?$")
# A Bluesky handle (a domain name: naht.bsky.social) or a DID (did:plc:...).
BLUESKY_ACTOR_RE = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]{1,200}"
                              r"|[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63})$")
SERVER_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")
FLAG = "true or false"


def positive(v) -> bool:
    return v > 0


def non_negative(v) -> bool:
    return v >= 0


def is_handle(v: str) -> bool:
    """An X handle, with or without its '@'."""
    return bool(HANDLE_RE.match(v.lstrip("@")))


class TableReader:
    def __init__(self, file: str, table: dict, prefix: str = ""):
        self.file, self.table, self.prefix = file, table, prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, expected: str):
        raise ConfigError(self.file, self.key(name), expected)

    def fail_item(self, name: str, index: int, expected: str):
        """A mistake in one item of the list `name`: the key is name[index]."""
        raise ConfigError(self.file, f"{self.key(name)}[{index}]", expected)

    def get(self, name: str, kind: type | tuple, default: Any, expected: str,
            check: Callable[[Any], bool] = lambda v: True) -> Any:
        if name not in self.table:
            return default
        value = self.table[name]
        if kind in (int, float) and isinstance(value, bool):
            self.fail(name, expected)
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or not check(value):
            self.fail(name, f"{expected}, got {value!r}")
        return value

    def need(self, name: str, kind: type, expected: str, check: Callable[[Any], bool] = lambda v: True) -> Any:
        """Like get, for a key that must be there: its absence is '<expected> (missing)'."""
        value = self.get(name, kind, None, expected, check)
        if value is None:
            self.fail(name, f"{expected} (missing)")
        return value

    def flag(self, name: str, default: bool) -> bool:
        return self.get(name, bool, default, FLAG)

    def http_url(self, name: str, default: str) -> str:
        """An http(s) base URL, without its trailing '/'."""
        return self.get(name, str, default, "an http(s) URL",
                        lambda v: v.startswith(("http://", "https://"))).rstrip("/")

    def str_list(self, name: str, pattern: re.Pattern, what: str, strip: str) -> tuple[str, ...]:
        """A list of strings each matching pattern once the characters of `strip` ('#', '@') are off its start."""
        items = self.get(name, list, [], f"a list of {what}")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not pattern.match(item.lstrip(strip)):
                self.fail_item(name, i, f"{what}, got {item!r}")
            out.append(item.lstrip(strip))
        return tuple(out)

    def sub(self, name: str) -> "TableReader":
        value = self.table.get(name, {})
        if not isinstance(value, dict):
            self.fail(name, "a table")
        return TableReader(self.file, value, f"{self.key(name)}.")

    def tables(self, name: str, items: list, expected: str) -> Iterator[tuple[int, "TableReader"]]:
        """Each item of the list `name` (read already as `items`) as a reader keyed name[i]., or the
        mistake of an item that is not a table."""
        for i, item in enumerate(items):
            key = f"{self.key(name)}[{i}]"
            if not isinstance(item, dict):
                raise ConfigError(self.file, key, expected)
            yield i, TableReader(self.file, item, f"{key}.")

    def unknown_keys(self, allowed: set[str]):
        for k in self.table:
            if k in SECRET_KEYS:
                raise ConfigError(self.file, self.key(k), "no secret here: set it in the environment "
                                  f"({ENV_BEARER}, {ENV_DATABASE_PASSWORD}) or a secrets file")
            if k not in allowed:
                self.fail(k, f"one of {', '.join(sorted(allowed))} (unknown key)")
