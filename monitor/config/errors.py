"""The one error a configuration mistake raises: it names the file, the key and what was expected, so that
`campaign-monitor` can print one clear line and exit 2."""
from __future__ import annotations

import tomllib


class ConfigError(Exception):
    """A configuration mistake: str(error) is one line naming file, key and expectation."""

    def __init__(self, file: str, key: str, expected: str):
        self.file, self.key, self.expected = file, key, expected
        super().__init__(f"{file}: {key}: expected {expected}")


class SecretMissing(ConfigError):
    pass


def parse_toml(file: str, text: str) -> dict:
    """The TOML text of `file` (config.toml or the secrets file) as a dict; a syntax error as one line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(file, "(syntax)", f"valid TOML ({e})") from None
