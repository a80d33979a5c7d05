"""Plain inputs of the scoring core.

The core never sees Flask, SQLAlchemy or the YAML schema: callers translate an
instrument into an :class:`InstrumentSpec`
rows (or, for large surveys, compute :class:`~assess.scoring.statistics.Statistics`
in SQL) and get plain results back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

STAFF = "staff"
CUSTOMER = "customer"
AUDIENCES = (STAFF, CUSTOMER)
#: How the report and the pages name each audience.
AUDIENCE_LABELS: Mapping[str, str] = {STAFF: "Staff", CUSTOMER: "Customers"}
MEANS = "means"
ENDS = "ends"
LENSES = (MEANS, ENDS)
RECOMMEND = "recommend"


@dataclass(frozen=True)
class ItemSpec:
    id: str
    audience: str  # STAFF or CUSTOMER
    min: int
    max: int
    dimension: str | None = None  # set for dimension items
    outcome: str | None = None  # set for outcome items (RECOMMEND is the NPS item)
    reverse: bool = False
    pair: str | None = None


@dataclass(frozen=True)
class DimensionSpec:
    id: str
    lens: str  # MEANS or ENDS
    weight: float = 1.0


@dataclass(frozen=True)
class SegmentSpec:
    id: str
    audience: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Parameters:
    quadrant_cut: float = 60.0
    maturity_cuts: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0)
    anonymity_threshold: int = 5
    maturity_labels: tuple[str, ...] = (
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
        "Level 5",
    )


@dataclass(frozen=True)
class InstrumentSpec:
    dimensions: tuple[DimensionSpec, ...]
    items: tuple[ItemSpec, ...]
    segments: tuple[SegmentSpec, ...] = ()
    parameters: Parameters = field(default_factory=Parameters)
