"""The simulated Bluesky's identifiers and cursors, made as the AT Protocol makes them (DIDs, record keys,
CIDs) from the simulated world's keys, so that the same world always has the same ids."""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone

from .world import WorldPost

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def did_for(key: str) -> str:
    return "did:plc:" + base64.b32encode(hashlib.sha256(f"plc:{key}".encode()).digest()).decode().lower()[:24]


def tid(ms: int, salt: str) -> str:
    """A record key as the AT Protocol makes them: microseconds since 1970 and a clock id, base32-sortable."""
    clock_id = int(hashlib.md5(salt.encode()).hexdigest(), 16) & 0x3FF
    value, out = (ms * 1000) << 10 | clock_id, ""
    for _ in range(13):
        out = TID_ALPHABET[value & 31] + out
        value >>= 5
    return out


def cid_for(text: str) -> str:
    return "bafyrei" + base64.b32encode(hashlib.sha256(text.encode()).digest()).decode().lower().rstrip("=")[:52]


def time_param(raw: str | None) -> datetime | None:
    if not raw:
        return None
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def encode_cursor(post: WorldPost, query: str) -> str:
    raw = json.dumps([post.ms, post.key, hashlib.sha1(query.encode()).hexdigest()[:8]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, query: str) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        ms, key, fingerprint = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if fingerprint != hashlib.sha1(query.encode()).hexdigest()[:8]:
        return None
    return int(ms), str(key)
