"""A simulated X API v2 (recent search, post lookup and the user mentions timeline) served over loopback HTTP.

Public interface: FakeX, Fault, SimClock; helpers for snowflake ids.
"""
from monitor.snowflake import snowflake, snowflake_ms, snowflake_time

from .clock import SimClock, wall_clock
from .faults import FAULT_KINDS, Fault
from .server import FakeX, main

__all__ = ["FakeX", "Fault", "FAULT_KINDS", "SimClock", "wall_clock", "snowflake", "snowflake_ms",
           "snowflake_time", "main"]
