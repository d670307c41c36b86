"""Who may use the dashboard once signed in (monitor.access), read from config.toml as a person writes it."""
import pytest

from monitor.access import decide, how_to_ask
from monitor.config import parse_config

CAMPAIGN = {"campaigns": [{"name": "ipfs", "hashtags": ["FundOurSchools"]}]}


def config(**dashboard):
    return parse_config({**CAMPAIGN, "dashboard": dashboard}, "config.toml")


NAHT = config(allowed_domains=["NAHT.org.uk"], allowed_emails=["Adviser@Example.org"])


@pytest.mark.parametrize("email, allowed", [
    ("lead@naht.org.uk", True),
    ("Lead@NAHT.ORG.UK", True),                # addresses are not case-sensitive
    ("adviser@example.org", True),             # a single address
    ("colleague@example.org", False),          # not its whole domain
    ("someone@gmail.com", False),
    ("lead@naht.org.uk.evil.com", False),      # the domain must be the whole of it
    ("lead@sub.naht.org.uk", False),
])
def test_only_the_listed_addresses_and_domains_get_in(email, allowed):
    decision = decide(NAHT, {"email": email, "email_verified": True})
    assert decision.allowed is allowed and decision.email == email
    assert (decision.reason == "") is allowed


def test_an_address_the_provider_says_is_unverified_is_refused():
    decision = decide(NAHT, {"email": "lead@naht.org.uk", "email_verified": False})
    assert not decision.allowed and "has not verified the address lead@naht.org.uk" in decision.reason


def test_no_email_no_entry():
    assert not decide(NAHT, {"email": None}).allowed


def test_nobody_gets_in_when_no_list_is_set():
    decision = decide(config(), {"email": "lead@naht.org.uk", "email_verified": True})
    assert not decision.allowed and "names no allowed e-mail addresses or domains" in decision.reason


def test_how_to_ask_names_the_contact():
    assert "write to comms@naht.org.uk" in how_to_ask(config(access_contact="comms@naht.org.uk"))
    assert "the person who runs the campaign monitor" in how_to_ask(config())
