"""Who may use the dashboard once signed in: the rule, computed here so the dashboard only renders it.

Signing in (OIDC) proves who a visitor is, not that they belong to the organisation: a provider app
open to every account (a Google "external" app, a multi-tenant Entra app) signs in anyone. So the
dashboard lets in only the addresses in `[dashboard] allowed_emails` and the addresses of the domains
in `[dashboard] allowed_domains`, and only when the provider says it verified the address. With sign-in
on and neither list set, nobody is let in: an open door is a setting to write down, not a default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from monitor.config import Config


@dataclass(frozen=True)
class Decision:
    allowed: bool
    email: str | None      # the signed-in address, as the provider gave it
    reason: str            # why not, in words for the visitor (empty when allowed)


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def decide(config: Config, claims: Mapping[str, Any]) -> Decision:
    """Whether the signed-in visitor described by the provider's claims (email, email_verified) may enter."""
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) and "@" in email else None
    if email is None:
        return Decision(False, None, "your sign-in did not give an e-mail address")
    # A provider that says outright the address is unverified could be naming anyone's address.
    if claims.get("email_verified") in (False, "false"):
        return Decision(False, email, f"your sign-in provider has not verified the address {email}")
    if not (config.allowed_emails or config.allowed_domains):
        return Decision(False, email, "no one is allowed in yet: the dashboard's configuration names no "
                                      "allowed e-mail addresses or domains")
    if email.lower() in config.allowed_emails or email_domain(email) in config.allowed_domains:
        return Decision(True, email, "")
    return Decision(False, email, f"{email} is not among the addresses allowed to use this dashboard")


def how_to_ask(config: Config) -> str:
    who = config.access_contact or "the person who runs the campaign monitor"
    return (f"To ask for access, write to {who} with the address you signed in with; they add it (or its domain) "
            "to `allowed_emails` (or `allowed_domains`) in the `[dashboard]` section of the configuration.")
