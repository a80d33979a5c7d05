"""Stage 1: the sufficient statistics, their exactness and their use by the engine."""

from __future__ import annotations

import random

import pytest

from assess.scoring import (
    AlphaStatistics,
    GroupStatistics,
    ItemStatistics,
    Moments,
    NpsStatistics,
    SegmentSpec,
    Statistics,
    score,
    tally,
)
from tests.scoring.oracle import codes_of, compare, score_respondents, summarise

from . import reference
from .helpers import item, make_spec, resp


def _spec():
    return make_spec(
        [
            item("s1", "staff", "d"),
            item("s2", "staff", "d", reverse=True),
            item("c1", "customer", "d", lo=0, hi=10),
            item("rec", "customer", lo=0, hi=10, outcome="recommend"),
        ],
        segments=[SegmentSpec("f", "staff", ("a", "b")), SegmentSpec("g", "customer", ("x",))],
    )


def test_summarise_hand_computed() -> None:
    spec = _spec()
    respondents = [
        resp("staff", {"f": "a"}, s1=5, s2=1),  # 100, 100 -> 100 (listwise)
        resp("staff", {"f": "a"}, s1=3, s2=5),  # 50, 0 -> 25 (listwise)
        resp("staff", {"f": "b"}, s1=2),  # 25 -> 25 (1 of 2 is enough)
        resp("staff", {}, s2=2),  # 75 -> 75, in no segment group
        resp("customer", {"g": "x"}, c1=7, rec=9),
    ]
    stats = summarise(spec, respondents)
    assert stats.groups[("staff", None, None)] == GroupStatistics(
        respondents=4,
        dimensions={"d": Moments(4, 225.0, 100.0**2 + 25.0**2 + 25.0**2 + 75.0**2)},
    )
    assert stats.groups[("staff", "f", "a")] == GroupStatistics(
        2, {"d": Moments(2, 125.0, 10625.0)}
    )
    assert stats.groups[("staff", "f", "b")] == GroupStatistics(1, {"d": Moments(1, 25.0, 625.0)})
    assert stats.groups[("customer", "g", "x")] == GroupStatistics(
        1, {"d": Moments(1, 70.0, 4900.0)}
    )
    assert stats.alpha[("staff", "d")] == AlphaStatistics(
        n=2,
        item_sum={"s1": 150.0, "s2": 100.0},
        item_sumsq={"s1": 12500.0, "s2": 10000.0},
        total_sum=250.0,
        total_sumsq=200.0**2 + 50.0**2,
    )
    assert stats.alpha[("customer", "d")] == AlphaStatistics(
        1, {"c1": 70.0}, {"c1": 4900.0}, 70.0, 4900.0
    )
    assert stats.items["s1"] == ItemStatistics(n=3, sum=175.0, top_box=1)
    assert stats.items["s2"] == ItemStatistics(n=3, sum=175.0, top_box=2)
    assert stats.items["rec"] == ItemStatistics(n=1, sum=90.0, top_box=1)
    assert stats.nps == NpsStatistics(promoters=1, passives=0, detractors=0)
    assert stats.nps.n == 1


def test_every_group_key_is_present_even_when_empty() -> None:
    stats = summarise(_spec(), [])
    assert set(stats.groups) == {
        ("staff", None, None),
        ("staff", "f", "a"),
        ("staff", "f", "b"),
        ("customer", None, None),
        ("customer", "g", "x"),
    }
    assert stats.groups[("staff", "f", "b")] == GroupStatistics(0, {"d": Moments()})
    assert set(stats.alpha) == {("staff", "d"), ("customer", "d")}
    assert set(stats.items) == {"s1", "s2", "c1", "rec"}


def test_engine_treats_missing_keys_as_empty() -> None:
    # Statistics computed elsewhere (SQL) may leave out empty groups and dimensions.
    spec = _spec()
    stats = Statistics(
        groups={("staff", None, None): GroupStatistics(3, {"d": Moments(2, 100.0, 5000.0)})},
        items={"s1": ItemStatistics(2, 100.0, 1)},
    )
    results = score(spec, stats)
    staff = results.dimension("d").staff
    assert staff is not None
    assert (staff.score, staff.n, staff.sd, staff.alpha) == (50.0, 2, 0.0, None)
    assert results.audiences["customer"].responses == 0
    assert results.item("s2").n == 0 and results.item("s2").mean is None
    assert results.item("s1").mean == 50.0 and results.item("s1").top_box == 0.5
    assert [g.respondents for g in results.segments["f"].groups] == [None, None]


def test_compare_reports_differences_and_treats_missing_as_zero() -> None:
    spec = _spec()
    stats = summarise(spec, [resp("staff", {"f": "a"}, s1=5, s2=1)] * 3)
    assert compare(stats, stats) == []
    # drop the empty groups: still equal
    trimmed = Statistics(
        groups={k: v for k, v in stats.groups.items() if v.respondents},
        alpha=stats.alpha,
        items=stats.items,
        nps=stats.nps,
    )
    assert compare(stats, trimmed) == []
    nudged = Statistics(
        groups={
            **stats.groups,
            ("staff", None, None): GroupStatistics(3, {"d": Moments(3, 300.0 + 1e-9, 30000.0)}),
        },
        alpha=stats.alpha,
        items={**stats.items, "s1": ItemStatistics(3, 300.0, 2)},
        nps=stats.nps,
    )
    assert compare(nudged, stats) == ["items[s1].top_box: 2 != 3"]
    assert compare(nudged, stats, rel_tol=0.0, abs_tol=0.0) == [
        "groups[('staff', None, None)][d].sum: 300.000000001 != 300.0",
        "items[s1].top_box: 2 != 3",
    ]


def test_moments_helpers() -> None:
    assert Moments().mean() is None
    assert Moments(1, 40.0, 1600.0).variance() is None
    assert Moments(2, 100.0, 10000.0).mean() == 50.0
    assert Moments(2, 100.0, 10000.0).variance() == 5000.0


def _random_survey(seed: int, n: int):
    spec = make_spec(
        [item(f"s{j}", "staff", "m", reverse=j == 2) for j in range(4)]
        + [item(f"t{j}", "staff", "e", lo=1, hi=7) for j in range(3)]
        + [item(f"c{j}", "customer", "e", lo=0, hi=10, reverse=j == 0) for j in range(3)]
        + [item("rec", "customer", lo=0, hi=10, outcome="recommend")],
        lenses={"m": "means", "e": "ends"},
        segments=[SegmentSpec("f", "staff", ("a", "b", "c"))],
    )
    rng = random.Random(seed)
    respondents = []
    for _ in range(n):
        audience = rng.choice(["staff", "customer"])
        answers = {
            it.id: rng.randint(it.min, it.max)
            for it in spec.items
            if it.audience == audience and rng.random() < 0.8
        }
        segments = {"f": rng.choice("abc")} if audience == "staff" and rng.random() < 0.9 else {}
        respondents.append(resp(audience, segments, **answers))
    return spec, respondents


def test_deterministic_cross_check_against_naive_reference() -> None:
    spec, respondents = _random_survey(7, 400)
    results = score_respondents(spec, respondents)
    checked = 0
    for dim in results.dimensions:
        for audience in ("staff", "customer"):
            got = getattr(dim, audience)
            if got is None:
                continue
            mean, sd, n = reference.dimension_summary(spec, respondents, audience, dim.id)
            assert got.suppressed is False
            assert got.n == n and n > 50
            assert got.score == pytest.approx(mean, rel=1e-12)
            assert got.sd == pytest.approx(sd, rel=1e-12)
            expected_alpha = reference.alpha(spec, respondents, audience, dim.id)
            if expected_alpha is None:
                assert got.alpha is None
            else:
                assert got.alpha == pytest.approx(expected_alpha, rel=1e-9)
                checked += 1
    assert checked == 3  # staff m, staff e and customer e all have an alpha
    for it in results.items:
        mean, top, n = reference.item_summary(spec, respondents, it.id)
        assert it.n == n
        assert it.mean == pytest.approx(mean, rel=1e-12)
        assert it.top_box == pytest.approx(top, rel=1e-12)


def test_order_of_respondents_gives_identical_statistics() -> None:
    spec, respondents = _random_survey(11, 300)
    shuffled = list(respondents)
    random.Random(3).shuffle(shuffled)
    assert summarise(spec, shuffled) == summarise(spec, respondents)


@pytest.mark.slow
def test_tally_of_100k_respondents_equals_the_oracle() -> None:
    """The production stage 1 on a large survey, against the oracle (no timing:
    bench/results.py measures speed)."""
    spec = make_spec(
        [item(f"s{d}_{j}", "staff", f"d{d}", reverse=j == 0) for d in range(8) for j in range(3)]
        + [
            item(f"c{d}_{j}", "customer", f"d{d}", reverse=j == 0)
            for d in range(8)
            for j in range(3)
        ]
        + [item("rec", "customer", lo=0, hi=10, outcome="recommend")],
        segments=[
            SegmentSpec("f", "staff", ("a", "b", "c", "d")),
            SegmentSpec("l", "staff", ("x", "y", "z")),
        ],
    )
    rng = random.Random(5)
    staff_ids = [it.id for it in spec.items if it.audience == "staff"]
    cust_ids = [it.id for it in spec.items if it.audience == "customer"]
    respondents = []
    for n in range(100_000):
        if n % 2:
            answers = {i: rng.randint(1, 5) for i in staff_ids} | {"extra": 1}
            seg = {"f": "abcd"[n % 4], "l": "xyz"[n % 3]}
            respondents.append(resp("staff", seg, **answers))
        else:
            answers = {i: rng.randint(1, 5) for i in cust_ids} | {"rec": n % 11}
            respondents.append(resp("customer", None, **answers))
    stats = tally(spec, codes_of(spec, respondents))
    assert stats.groups[("staff", None, None)].respondents == 50_000
    assert stats.items["s0_1"].n == 50_000
    assert stats == summarise(spec, respondents)
