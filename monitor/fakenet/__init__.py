"""Simulated Bluesky and Mastodon servers on loopback, beside the simulated X API (monitor.fakex)."""
from .bluesky import FakeBluesky
from .mastodon import FakeMastodon

__all__ = ["FakeBluesky", "FakeMastodon"]
