"""The networks a campaign is collected from, and every rule that differs between them: one place.

    from monitor.networks import NETWORKS, network_id, post_link
    NETWORKS["bluesky"].label                # "Bluesky"
    network_id("bluesky", "at://did:plc:abc/app.bsky.feed.post/3kq")   # "bsky:..." (fits posts.id)

Every table refers to posts and authors by their text id. X's rows keep X's numeric id (nothing is
rewritten); the other networks' native ids (an AT URI, an ActivityPub URI) are long and are kept in
`native_id`, with a short id made of a network prefix and a digest of the native id: it fits the
24-character id columns, cannot collide with X's all-digit ids, and is the same whichever server or
page the post came from (a Mastodon status seen on two servers is one post).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

X = "x"
BLUESKY = "bluesky"
MASTODON = "mastodon"
DIGEST_CHARS = 16   # 80 bits of SHA-256: a collision needs ~10^12 posts; "masto:" + 16 = 22 <= 24 chars


@dataclass(frozen=True)
class Network:
    key: str                  # posts.network, authors.network, collection_runs.network
    label: str                # what people read
    id_prefix: str            # "" for X: its ids are stored as X gives them
    gives_impressions: bool   # X counts impressions; Bluesky and Mastodon do not ("not given", never 0)
    open_label: str           # the link's text in tables


NETWORKS: dict[str, Network] = {
    X: Network(X, "X", "", True, "Open on X"),
    BLUESKY: Network(BLUESKY, "Bluesky", "bsky:", False, "Open on Bluesky"),
    MASTODON: Network(MASTODON, "Mastodon", "masto:", False, "Open on Mastodon"),
}
NETWORK_KEYS: tuple[str, ...] = tuple(NETWORKS)
NOT_GIVEN = "not given"   # how a figure the network does not give is shown (never as 0)


def label(network: str | None) -> str:
    return NETWORKS[network].label if network in NETWORKS else "All networks"


def network_id(network: str, native_id: str) -> str:
    """The id of a post or author of `network` in our tables (X: the native id itself)."""
    prefix = NETWORKS[network].id_prefix
    if not prefix:
        return native_id
    digest = hashlib.sha256(native_id.encode("utf-8")).digest()
    return prefix + base64.b32encode(digest).decode("ascii").lower()[:DIGEST_CHARS]


def network_of_id(row_id: str) -> str:
    """The network an id belongs to, from its prefix."""
    for network in NETWORKS.values():
        if network.id_prefix and row_id.startswith(network.id_prefix):
            return network.key
    return X


def gives_impressions(network: str | None) -> bool:
    """None (all networks) gives impressions when any network does: X's, the only ones counted."""
    return network is None or NETWORKS[network].gives_impressions


# --- links: where a person opens a post or a profile ------------------------------------------

def bluesky_post_link(handle_or_did: str | None, uri: str) -> str:
    """bsky.app's page of a post: /profile/<handle or DID>/post/<record key> (the URI's last part)."""
    parts = uri.removeprefix("at://").split("/")
    actor = handle_or_did or parts[0]
    return f"https://bsky.app/profile/{quote(actor, safe=':.')}/post/{quote(parts[-1], safe='')}"


def post_link(network: str, username: str | None, post_id: str, native_id: str | None = None,
              url: str | None = None) -> str:
    """The post on its network: x.com for X, bsky.app for Bluesky, the status's own page for Mastodon."""
    if network == BLUESKY and native_id:
        return bluesky_post_link(username, native_id)
    if network == MASTODON:
        return url or native_id or ""
    return f"https://x.com/{username or 'i'}/status/{post_id}"


def profile_link(network: str, username: str | None, url: str | None = None) -> str:
    if network == BLUESKY:
        return f"https://bsky.app/profile/{quote(username or '', safe=':.')}"
    if network == MASTODON:
        return url or ""
    return f"https://x.com/{username or 'i'}"
