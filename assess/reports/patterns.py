"""What the report finds: the patterns, detected by pure functions (no wording).

The sentences that describe them are in :mod:`assess.reports.wording`; the
report's sections are assembled in :mod:`assess.reports.sections`. Nothing here
touches the database, Flask or WeasyPrint, so every pattern is unit-tested on
hand-made results.

The patterns (see ``docs/report.md``), with the instrument's thresholds:

- **blind spot**: staff score a dimension at least ``blind_spot_gap`` points
  higher than customers do (gap = staff − customer, scoring rule 9);
- **hidden strength**: customers score it at least that much higher than staff;
- **low**: every audience that scores it scores it below ``low_score``;
- **strength**: customers score it at or above ``strength_score`` (for a
  dimension customers are not asked about: the staff score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from assess.instruments.schema import Instrument
from assess.scoring import AudienceResult, Results

#: A gap is marked significant when Welch's p-value is below this.
SIGNIFICANCE = 0.05

BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
LOW = "low"
STRENGTH = "strength"


@dataclass(frozen=True)
class Thresholds:
    """The instrument's report thresholds (``scoring:`` in instrument.yaml)."""

    blind_spot_gap: float = 10.0
    low_score: float = 50.0
    strength_score: float = 70.0

    @classmethod
    def of(cls, instrument: Instrument) -> Thresholds:
        s = instrument.scoring
        return cls(s.blind_spot_gap, s.low_score, s.strength_score)


def audience_score(row: dict[str, Any], audience: str) -> float | None:
    """An audience's visible score on a dimension row (None: not asked, suppressed, none)."""
    part = row.get(audience)
    if not part or part.get("suppressed"):
        return None
    return part.get("score")


def is_significant(p: float | None) -> bool:
    return p is not None and not math.isnan(p) and p < SIGNIFICANCE


def asks(row: dict[str, Any], audience: str) -> bool:
    """Whether the instrument asks ``audience`` about the dimension at all."""
    return row.get(audience) is not None


def has_results(result: AudienceResult | None) -> bool:
    """Whether an audience has responses that may be shown (rule 14)."""
    return result is not None and bool(result.responses) and not result.suppressed


# -- dimensions --------------------------------------------------------------------------


def dimension_patterns(row: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """The patterns a dimension row shows: blind spot or hidden strength, low, strength."""
    patterns: list[str] = []
    staff, customer = audience_score(row, "staff"), audience_score(row, "customer")
    gap = row.get("gap")
    if gap is not None and gap >= thresholds.blind_spot_gap:
        patterns.append(BLIND_SPOT)
    elif gap is not None and gap <= -thresholds.blind_spot_gap:
        patterns.append(HIDDEN_STRENGTH)
    available = [s for s in (staff, customer) if s is not None]
    if available and all(s < thresholds.low_score for s in available):
        patterns.append(LOW)
    if customer is not None:
        if customer >= thresholds.strength_score:
            patterns.append(STRENGTH)
    elif not asks(row, "customer") and staff is not None and staff >= thresholds.strength_score:
        # Customers are not asked about this dimension: the staff score is the only evidence.
        patterns.append(STRENGTH)
    return patterns


def blind_spots(rows: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """The ``limit`` dimensions staff overrate most (largest positive gaps first)."""
    found = [r for r in rows if BLIND_SPOT in r["patterns"]]
    return sorted(found, key=lambda r: -r["gap"])[:limit]


def hidden_strengths(rows: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """The ``limit`` dimensions customers rate most above staff (most negative gaps first)."""
    found = [r for r in rows if HIDDEN_STRENGTH in r["patterns"]]
    return sorted(found, key=lambda r: r["gap"])[:limit]


def gap_tiers(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Blind-spot dimensions in tiers that can be told apart (scoring rule 9).

    Tier 0 is the leading group: the largest gap and every gap whose 95% interval
    (``gap_ci95``) overlaps its interval; tier 1 the leading group of the rest,
    and so on. Within a tier the order means nothing. A gap without an interval
    (an audience with n < 2) cannot be compared and forms a tier of its own.
    """
    left = [r for r in rows if BLIND_SPOT in r["patterns"]]
    tiers: dict[str, int] = {}
    tier = 0
    while left:
        lead = max(left, key=lambda r: r["gap"])
        ci = lead.get("gap_ci95")
        if ci is None:
            group = [lead]
        else:
            group = [
                r for r in left
                if r.get("gap_ci95") is not None
                and r["gap_ci95"][0] <= ci[1] and ci[0] <= r["gap_ci95"][1]
            ]
        for r in group:
            tiers[r["id"]] = tier
        left = [r for r in left if r["id"] not in tiers]
        tier += 1
    return tiers


# -- paired items ------------------------------------------------------------------------


def headline_choice(pairs: list[dict[str, Any]], tolerance: float = 0.10) -> dict[str, Any] | None:
    """The pair for the headline sentence: the largest top-box difference, staff minus customers.

    Plainly worded pairs read better than reverse-worded ones ("disagree that ..."),
    so a reverse-worded pair wins only when its difference is larger by more than
    ``tolerance`` (a share, 0.10 = 10 percentage points).
    """
    candidates = [p for p in pairs if p["top_box_gap"] is not None]
    if not candidates:
        return None
    best = max(candidates, key=lambda p: p["top_box_gap"])
    plain = [p for p in candidates if not (p["staff_reverse"] or p["customer_reverse"])]
    if plain:
        best_plain = max(plain, key=lambda p: p["top_box_gap"])
        if best["top_box_gap"] - best_plain["top_box_gap"] <= tolerance:
            best = best_plain
    return best


# -- position ----------------------------------------------------------------------------


def perception_gap(results: Results) -> dict[str, Any] | None:
    """Staff's own view (their means and ends indices) against the position (rule 10).

    None when the position is self-rated or either point is incomplete.
    """
    position = results.position
    staff = results.indices.get("staff")
    if position.self_rated or staff is None:
        return None
    points = (position.means, position.ends, staff.means, staff.ends)
    if any(v is None for v in points):
        return None
    means, ends, staff_means, staff_ends = points
    assert means is not None and ends is not None  # for the type checker: checked above
    assert staff_means is not None and staff_ends is not None
    return {
        "staff_means": staff_means,
        "staff_ends": staff_ends,
        "means_difference": staff_means - means,
        "ends_difference": staff_ends - ends,
        "distance": math.hypot(staff_means - means, staff_ends - ends),
    }


def change(current: float | None, previous: float | None) -> float | None:
    """``current - previous``, None when either is missing (the trend's changes)."""
    if current is None or previous is None:
        return None
    return current - previous


# -- comments ----------------------------------------------------------------------------


def comments_shown(audience_result: AudienceResult | None, comment_threshold: int) -> bool:
    """Rule 14: an audience's comments are shown only from twice the anonymity threshold."""
    if audience_result is None or audience_result.suppressed:
        return False
    return audience_result.responses >= comment_threshold


def collapse_comments(texts: list[str]) -> list[dict[str, Any]]:
    """Comments in alphabetical order, identical ones once with how many wrote them.

    The order is by text, never by response, so it says nothing about who wrote
    what or when; the text itself is kept exactly as written (only surrounding
    white space is dropped).
    """
    counts: dict[str, int] = {}
    for text in texts:
        text = text.strip()
        if text:
            counts[text] = counts.get(text, 0) + 1
    return [
        {"text": text, "count": counts[text]}
        for text in sorted(counts, key=lambda t: (t.casefold(), t))
    ]
