"""Instruments parsed from their stored snapshots, once per content hash per process.

An engagement's instrument is the snapshot stored with it (``instrument_snapshots``,
one row per distinct content, keyed by the SHA-256 of that content). Parsing one
(JSON, then pydantic validation of every scale, item and text) took about half a
respondent page's time when every request did it. A snapshot never changes, and
its hash names its content exactly, so the parsed :class:`Instrument` is kept
here by hash and shared by every request of the process: the snapshot's content
is not even read from the database again (``InstrumentSnapshot.content`` is
loaded only when asked for).

The instruments are frozen pydantic models; the dicts and lists inside them are
shared too, so nothing may change them in place. At most :data:`CAPACITY`
instruments are kept, the least recently used leaving first: a process serves a
few instrument versions, not hundreds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from assess.instruments.schema import Instrument
from assess.lru import LRU

#: Parsed instruments kept per process.
CAPACITY = 32

_parsed: LRU[str, Instrument] = LRU(CAPACITY)
_lock = threading.Lock()  # for the counts
#: How many snapshots this process has parsed, by content hash (read by the tests).
parse_counts: dict[str, int] = {}


def instrument_for(content_hash: str, content: Callable[[], dict[str, Any]]) -> Instrument:
    """The instrument of the snapshot with ``content_hash``; ``content()`` supplies
    the stored snapshot when this process has not parsed it yet (or no longer keeps it)."""
    found = _parsed.get(content_hash)
    if found is not None:
        return found
    # Parsed outside any lock: another thread may parse the same snapshot meanwhile,
    # which costs time once but gives an equal instrument.
    instrument = Instrument.from_snapshot(content())
    with _lock:
        parse_counts[content_hash] = parse_counts.get(content_hash, 0) + 1
    _parsed.put(content_hash, instrument)
    return instrument


def forget_all() -> None:
    """Empty the cache (tests)."""
    _parsed.clear()
    with _lock:
        parse_counts.clear()
