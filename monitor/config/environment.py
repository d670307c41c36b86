"""What comes from the environment, never from config.toml: the secrets (from environment variables or the
file $MONITOR_SECRETS_FILE names), the config file's path and the database URL's override.

A secret found in config.toml is refused (monitor.config.reader), so it cannot end up committed."""
from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url

from monitor.config.errors import ConfigError, SecretMissing, parse_toml
from monitor.config.shape import Config

ENV_CONFIG = "MONITOR_CONFIG"
ENV_SECRETS_FILE = "MONITOR_SECRETS_FILE"
ENV_BEARER = "X_BEARER_TOKEN"
ENV_DATABASE_URL = "MONITOR_DATABASE_URL"
ENV_DATABASE_PASSWORD = "MONITOR_DATABASE_PASSWORD"
ENV_PRIVACY_SALT = "MONITOR_PRIVACY_SALT"
PRIVACY_SALT_MIN_LENGTH = 16
ENV_BLUESKY_HANDLE = "BLUESKY_HANDLE"
ENV_BLUESKY_PASSWORD = "BLUESKY_APP_PASSWORD"
ENV_MASTODON_TOKEN_PREFIX = "MASTODON_TOKEN_"   # + the server's host, e.g. MASTODON_TOKEN_MASTODON_SOCIAL
# Keys config.toml may not hold at any level: each names a secret.
SECRET_KEYS = {"bearer_token", "x_bearer_token", "password", "database_password", "token", "privacy_salt", "salt",
               "app_password", "bluesky_app_password", "access_token"}
# The database URLs the project runs on (and is tested on); anything else is a typing mistake to name
# now, not a driver import error or a traceback at the first query.
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


def config_path(explicit: str | None) -> str | None:
    return explicit or os.environ.get(ENV_CONFIG) or None


def database_scheme_problem(url: str) -> str | None:
    """What is wrong with a database URL's scheme (None when it is one we run on). Names the scheme only,
    never the rest of the URL, which may hold a password."""
    scheme = url.split("://", 1)[0] if "://" in url else None
    if scheme in DATABASE_SCHEMES:
        return None
    accepted = ", ".join(f"{s}://" for s in DATABASE_SCHEMES)
    found = f"{scheme}://" if scheme is not None else "no scheme"
    return f"a database URL starting with one of {accepted} (such as sqlite:///data/monitor.db), got {found}"


def _secrets_file() -> dict:
    path = os.environ.get(ENV_SECRETS_FILE)
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", f"a readable secrets file ({ENV_SECRETS_FILE} points here)") from None
    return parse_toml(path, text)


def _secret(variable: str, file_key: str) -> str | None:
    """The environment variable, else the secrets file's key (the file is read only when the variable is unset)."""
    return os.environ.get(variable) or _secrets_file().get(file_key)


def bearer_token(required: bool = True) -> str | None:
    token = _secret(ENV_BEARER, "x_bearer_token")
    if not token and required:
        raise SecretMissing("environment", ENV_BEARER,
                            f"the X API bearer token (set {ENV_BEARER}, or x_bearer_token in the file named by "
                            f"{ENV_SECRETS_FILE})")
    return token


def privacy_salt() -> str:
    """The key of the salted hashes that record privacy requests: from the environment or the secrets
    file, never from config.toml or the database (a hash keyed with a stored salt could be checked
    against a list of handles by anyone who can read the database)."""
    salt = _secret(ENV_PRIVACY_SALT, "privacy_salt")
    if not salt:
        raise SecretMissing("environment", ENV_PRIVACY_SALT,
                            f"a long random string keying the hash of handles in privacy requests (set "
                            f"{ENV_PRIVACY_SALT}, or privacy_salt in the file named by {ENV_SECRETS_FILE}; make one "
                            "with: python3 -c 'import secrets; print(secrets.token_hex(32))')")
    if len(salt) < PRIVACY_SALT_MIN_LENGTH:
        raise ConfigError("environment", ENV_PRIVACY_SALT,
                          f"a random string of at least {PRIVACY_SALT_MIN_LENGTH} characters, got {len(salt)}")
    return salt


def bluesky_credentials() -> tuple[str, str]:
    """The Bluesky handle and app password (never the account password: an app password can be revoked)."""
    secrets = _secrets_file()
    handle = os.environ.get(ENV_BLUESKY_HANDLE) or secrets.get("bluesky_handle")
    password = os.environ.get(ENV_BLUESKY_PASSWORD) or secrets.get("bluesky_app_password")
    if not handle or not password:
        missing = ENV_BLUESKY_HANDLE if not handle else ENV_BLUESKY_PASSWORD
        raise SecretMissing("environment", missing,
                            f"the Bluesky account to search with (set {ENV_BLUESKY_HANDLE} and {ENV_BLUESKY_PASSWORD}, "
                            f"an app password from the account's settings, or bluesky_handle and "
                            f"bluesky_app_password in the file named by {ENV_SECRETS_FILE}; or switch Bluesky off "
                            "with [bluesky] enabled = false)")
    return handle.strip().lstrip("@"), password


def _server_host(server: str) -> str:
    """A Mastodon server URL's host (and port): the secrets file's key for its token."""
    return re.sub(r"^https?://", "", server).split("/")[0]


def mastodon_token_variable(server: str) -> str:
    """MASTODON_TOKEN_ and the server's host (and port), upper case, other characters as '_'."""
    return ENV_MASTODON_TOKEN_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", _server_host(server)).upper()


def mastodon_token(server: str) -> str | None:
    """A server's access token, when it has one (hashtag timelines are public on most servers)."""
    tokens = _secrets_file().get("mastodon_tokens") or {}
    host = _server_host(server)
    return os.environ.get(mastodon_token_variable(server)) or (tokens.get(host) if isinstance(tokens, dict) else None)


def database_url(config: Config) -> str:
    """The configured URL, overridden by $MONITOR_DATABASE_URL, with a password from the environment."""
    url = os.environ.get(ENV_DATABASE_URL) or config.database_url
    if os.environ.get(ENV_DATABASE_URL) and database_scheme_problem(url):
        raise ConfigError("environment", ENV_DATABASE_URL, database_scheme_problem(url))
    password = _secret(ENV_DATABASE_PASSWORD, "database_password")
    if password and "://" in url and "@" in url:
        return make_url(url).set(password=password).render_as_string(hide_password=False)
    return url
