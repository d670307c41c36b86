"""Load and validate config.toml; read secrets from the environment or a secrets file.

Every mistake raises ConfigError naming the file, the key and what was expected, so that
`campaign-monitor` can print one clear line and exit 2. Secrets are never read from config.toml:
a bearer token or password found there is refused, so it cannot end up committed.

The modules: `shape` (Config and its parts, their defaults, the built-in demo config), `errors`
(ConfigError), `reader` (one table's values read and checked), `campaigns` and `sections` (one reader
a part of the file), `load` (the file to one Config), `environment` (secrets, $MONITOR_CONFIG, the
database URL's override). Callers import from here: `from monitor.config import Config, load_config`.
"""
from monitor.config.campaigns import slug
from monitor.config.environment import (
                                        DATABASE_SCHEMES,
                                        ENV_BEARER,
                                        ENV_BLUESKY_HANDLE,
                                        ENV_BLUESKY_PASSWORD,
                                        ENV_CONFIG,
                                        ENV_DATABASE_PASSWORD,
                                        ENV_DATABASE_URL,
                                        ENV_MASTODON_TOKEN_PREFIX,
                                        ENV_PRIVACY_SALT,
                                        ENV_SECRETS_FILE,
                                        PRIVACY_SALT_MIN_LENGTH,
                                        SECRET_KEYS,
                                        bearer_token,
                                        bluesky_credentials,
                                        config_path,
                                        database_scheme_problem,
                                        database_url,
                                        mastodon_token,
                                        mastodon_token_variable,
                                        privacy_salt,
)
from monitor.config.errors import ConfigError, SecretMissing
from monitor.config.load import load_config, parse_config
from monitor.config.shape import (
                                        DEFAULT_ACTION_KINDS,
                                        DEFAULT_BLUESKY_URL,
                                        DEFAULT_BUDGET_USD,
                                        DEFAULT_DATABASE_URL,
                                        DEFAULT_EFFECT_DAYS,
                                        DEFAULT_KNOWN_ACCOUNTS,
                                        DEFAULT_WARNING_SHARE,
                                        DEMO_CAMPAIGN,
                                        MIN_INTERVAL_MINUTES,
                                        REAL_X_API,
                                        ActionSettings,
                                        Alerts,
                                        Campaign,
                                        Config,
                                        MentionsTimeline,
                                        MetricsRefresh,
                                        MpWatch,
                                        Privacy,
                                        Webhook,
                                        default_config,
)

__all__ = [
    "DATABASE_SCHEMES", "DEFAULT_ACTION_KINDS", "DEFAULT_BLUESKY_URL", "DEFAULT_BUDGET_USD", "DEFAULT_DATABASE_URL",
    "DEFAULT_EFFECT_DAYS", "DEFAULT_KNOWN_ACCOUNTS", "DEFAULT_WARNING_SHARE", "DEMO_CAMPAIGN", "ENV_BEARER",
    "ENV_BLUESKY_HANDLE", "ENV_BLUESKY_PASSWORD", "ENV_CONFIG", "ENV_DATABASE_PASSWORD", "ENV_DATABASE_URL",
    "ENV_MASTODON_TOKEN_PREFIX", "ENV_PRIVACY_SALT", "ENV_SECRETS_FILE", "MIN_INTERVAL_MINUTES",
    "PRIVACY_SALT_MIN_LENGTH", "REAL_X_API", "SECRET_KEYS", "ActionSettings", "Alerts", "Campaign", "Config",
    "ConfigError", "MentionsTimeline", "MetricsRefresh", "MpWatch", "Privacy", "SecretMissing", "Webhook",
    "bearer_token", "bluesky_credentials", "config_path", "database_scheme_problem", "database_url",
    "default_config", "load_config", "mastodon_token", "mastodon_token_variable", "parse_config", "privacy_salt",
    "slug",
]
