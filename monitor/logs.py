"""Logging for every entry point, with secrets scrubbed from every record.

tweepy logs request headers (the bearer token among them) at DEBUG; we keep its logger above
DEBUG and, as a second guard, a filter replaces any known secret in any record's text.
"""
from __future__ import annotations

import logging
import os

from monitor.config import ENV_BEARER, ENV_DATABASE_PASSWORD, ENV_PRIVACY_SALT

REDACTED = "[secret]"


class SecretFilter(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for s in self.secrets:
                message = message.replace(s, REDACTED)
            record.msg, record.args = message, None
        return True


def setup_logging(level: str = "INFO", extra_secrets: list[str] | None = None) -> None:
    secrets = [os.environ.get(name, "") for name in (ENV_BEARER, ENV_DATABASE_PASSWORD, ENV_PRIVACY_SALT)]
    secrets += extra_secrets or []
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("tweepy", "urllib3", "requests_oauthlib", "apscheduler.executors.default", "apscheduler.scheduler",
                  "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
