"""An organisation's waves over time: each engagement's position (means and ends
indices, quadrant) and its change against the previous wave on the same
instrument, for the organisation's page (docs/results.md, "Waves")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assess.engagements.models import Engagement
from assess.results.service import engagement_results
from assess.results.statistics import MissingAnswerCodes
from assess.scoring import Results

__all__ = ["Wave", "organisation_waves", "waves"]


@dataclass(frozen=True)
class Wave:
    """One engagement of an organisation, as a point of its trend."""

    engagement: Engagement
    responses: dict[str, int]
    means: float | None
    ends: float | None
    quadrant_label: str | None
    self_rated: bool
    means_change: float | None  # against the previous wave on the same instrument
    ends_change: float | None


def waves(engagements: Sequence[Engagement], scored: Sequence[Results | None]) -> list[Wave]:
    """The organisation's waves, oldest first, from each engagement's results
    (None for one with nothing to score); a change is against the previous wave
    of the same instrument, as the report's trend (docs/scoring.md)."""
    pairs = sorted(zip(engagements, scored, strict=True),
                   key=lambda pair: (pair[0].created_on, pair[0].id))
    found: list[Wave] = []
    latest: dict[str, Wave] = {}
    for engagement, results in pairs:
        instrument_id = engagement.snapshot.instrument_id
        position = results.position if results is not None else None
        means = position.means if position is not None else None
        ends = position.ends if position is not None else None
        before = latest.get(instrument_id)
        wave = Wave(
            engagement=engagement,
            responses={k: v.responses for k, v in results.audiences.items()} if results else {},
            means=means,
            ends=ends,
            quadrant_label=position.quadrant_label if position is not None else None,
            self_rated=position.self_rated if position is not None else False,
            means_change=_change(before.means if before else None, means),
            ends_change=_change(before.ends if before else None, ends),
        )
        found.append(wave)
        if means is not None or ends is not None:
            latest[instrument_id] = wave
    return found


def _change(before: float | None, now: float | None) -> float | None:
    return None if before is None or now is None else now - before


def organisation_waves(engagements: Sequence[Engagement]) -> list[Wave]:
    """Each engagement scored on its own (the change is worked out here, against
    the wave before it); one whose answers await their codes counts as unscored."""
    scored: list[Results | None] = []
    for engagement in engagements:
        try:
            scored.append(engagement_results(engagement, with_previous=False))
        except MissingAnswerCodes:
            scored.append(None)
    return waves(engagements, scored)
