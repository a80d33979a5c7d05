"""Property-based tests (hypothesis) on random instruments and responses."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess.scoring import (
    InstrumentSpec,
    Results,
    score,
    tally,
)
from tests.scoring.oracle import (
    Respondent,
    codes_of,
    compare,
    expected_suppression_reasons,
    score_respondents,
    summarise,
    welch_gap_interval,
)

from . import reference
from .results_from_dict import results_from_dict
from .strategies import surveys

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,  # no example database in the repository
)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _all_scores(results: Results) -> list[float]:
    values: list[float | None] = []
    for dim in results.dimensions:
        for side in (dim.staff, dim.customer):
            if side is not None:
                values.append(side.score)
    for it in results.items:
        values.append(it.mean)
    for idx in results.indices.values():
        values += [idx.means, idx.ends]
    values += [results.position.means, results.position.ends]
    for seg in results.segments.values():
        for group in seg.groups:
            values += [d.score for d in group.dimensions.values()]
    return [v for v in values if v is not None]


@SETTINGS
@given(surveys())
def test_all_scores_stay_in_0_to_100(survey: tuple[InstrumentSpec, list[Respondent]]) -> None:
    spec, respondents = survey
    results = score_respondents(spec, respondents)
    for value in _all_scores(results):
        assert 0.0 <= value <= 100.0
    for it in results.items:
        assert it.top_box is None or 0.0 <= it.top_box <= 1.0
    assert results.nps.score is None or -100.0 <= results.nps.score <= 100.0
    for dim in results.dimensions:
        for side in (dim.staff, dim.customer):
            if side is not None and side.sd is not None:
                assert side.sd >= 0.0
        assert dim.gap_p is None or 0.0 <= dim.gap_p <= 1.0


@SETTINGS
@given(surveys(), st.randoms(use_true_random=False))
def test_shuffling_respondents_changes_nothing(
    survey: tuple[InstrumentSpec, list[Respondent]], rnd: object
) -> None:
    spec, respondents = survey
    shuffled = list(respondents)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # sums are exact, so the results are identical, not merely close
    assert summarise(spec, shuffled) == summarise(spec, respondents)
    assert score_respondents(spec, shuffled) == score_respondents(spec, respondents)


def _top_respondent(spec: InstrumentSpec, audience: str) -> Respondent:
    """Answers every item of ``audience`` at the top of its item score (v' = max)."""
    answers = {
        it.id: (it.min if it.reverse else it.max) for it in spec.items if it.audience == audience
    }
    return Respondent(audience, answers)


@SETTINGS
@given(surveys(), st.sampled_from(["staff", "customer"]))
def test_adding_a_top_respondent_never_lowers_a_dimension_score(
    survey: tuple[InstrumentSpec, list[Respondent]], audience: str
) -> None:
    spec, respondents = survey
    before = score_respondents(spec, respondents)
    after = score_respondents(spec, [*respondents, _top_respondent(spec, audience)])
    for b, a in zip(before.dimensions, after.dimensions, strict=True):
        old, new = getattr(b, audience), getattr(a, audience)
        if old is None or old.score is None or new.score is None:
            continue
        assert new.score >= old.score - 1e-12
        assert new.n == old.n + 1


@SETTINGS
@given(surveys())
def test_engine_agrees_with_a_naive_reference(
    survey: tuple[InstrumentSpec, list[Respondent]],
) -> None:
    spec, respondents = survey
    results = score_respondents(spec, respondents)
    for dim in results.dimensions:
        for audience in ("staff", "customer"):
            got = getattr(dim, audience)
            if got is None or got.suppressed:
                continue
            mean, sd, n = reference.dimension_summary(spec, respondents, audience, dim.id)
            assert got.n == n
            assert _close(got.score, mean)
            assert _close(got.sd, sd)
            assert _close(got.alpha, reference.alpha(spec, respondents, audience, dim.id))
        staff, customer = dim.staff, dim.customer
        if staff is None or customer is None or staff.suppressed or customer.suppressed:
            assert dim.gap_ci95 is None
            continue
        # Rule 9: the gap's Welch interval against the oracle on respondent scores.
        scores = [reference.respondent_dimension_scores(spec, r) for r in respondents]
        sides = [
            [s[dim.id] for r, s in zip(respondents, scores, strict=True)
             if r.audience == audience and dim.id in s]
            for audience in ("staff", "customer")
        ]
        expected = welch_gap_interval(*sides)
        if expected is None:
            assert dim.gap_ci95 is None
        else:
            assert dim.gap_ci95 is not None
            assert all(
                math.isclose(g, e, rel_tol=1e-7, abs_tol=1e-7)
                for g, e in zip(dim.gap_ci95, expected, strict=True)
            ), (dim.gap_ci95, expected)
    for it in results.items:
        if it.suppressed:
            continue
        mean, top, n = reference.item_summary(spec, respondents, it.id)
        assert (it.n, _close(it.mean, mean), _close(it.top_box, top)) == (n, True, True)


@SETTINGS
@given(surveys())
def test_to_dict_is_json_and_round_trips(survey: tuple[InstrumentSpec, list[Respondent]]) -> None:
    spec, respondents = survey
    results = score_respondents(spec, respondents)
    text = json.dumps(results.to_dict(), allow_nan=False)
    back = results_from_dict(json.loads(text))
    assert back == results
    with_trend = score(spec, summarise(spec, respondents), previous=back)
    assert results_from_dict(json.loads(json.dumps(with_trend.to_dict()))) == with_trend


@SETTINGS
@given(surveys())
def test_segment_breakdowns_never_leave_one_group_recoverable(
    survey: tuple[InstrumentSpec, list[Respondent]],
) -> None:
    spec, respondents = survey
    stats = summarise(spec, respondents)
    results = score(spec, stats)
    threshold = results.parameters.anonymity_threshold
    for seg in spec.segments:
        total = stats.groups[(seg.audience, None, None)].respondents
        counts = {o: stats.groups[(seg.audience, seg.id, o)].respondents for o in seg.options}
        remainder = total - sum(counts.values())
        assert remainder >= 0
        groups = results.segments[seg.id].groups
        for g in groups:
            # rule 14: every group below the threshold is suppressed, counts hidden
            if counts[g.option] < threshold:
                assert g.suppressed
            assert (g.respondents is None) == g.suppressed
        # rule 15: the hidden part of the total is never exactly one small group
        hidden = sum(1 for g in groups if g.suppressed and counts[g.option] > 0)
        hidden += 1 if 0 < remainder < threshold else 0
        visible = [g for g in groups if not g.suppressed and counts[g.option] > 0]
        assert hidden != 1 or not visible
        # rule 15: each hidden group says why, as the oracle reads the rules
        reasons = expected_suppression_reasons(counts, total, threshold)
        assert {g.option: g.suppressed_reason for g in groups} == reasons
        assert all((g.suppressed_reason is not None) == g.suppressed for g in groups)


@SETTINGS
@given(surveys())
def test_tally_of_the_answer_codes_equals_the_oracle(
    survey: tuple[InstrumentSpec, list[Respondent]],
) -> None:
    """Stage 1 in production (numpy over answer codes) equals the oracle's
    summarise() of the same respondents, to the last bit."""
    spec, respondents = survey
    from_codes = tally(spec, codes_of(spec, respondents))
    from_oracle = summarise(spec, respondents)
    assert compare(from_codes, from_oracle, rel_tol=0.0, abs_tol=0.0) == []
    assert from_codes == from_oracle
