"""Number formatting (rounding only for display, rule 16) and chart geometry."""

from __future__ import annotations

import math
from typing import Any

import pytest

from assess.reports import charts, colours
from assess.reports import format as fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (59.6, "60"), (59.4, "59"), (-64.55, "−65"), (-0.4, "0"), (100.0, "100")],
)
def test_score(value, expected):
    assert fmt.score(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (31.46, "+31.5"), (-4.04, "−4.0"), (0.04, "0.0"), (-0.04, "0.0")],
)
def test_gap(value, expected):
    assert fmt.gap(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (0.0219, "0.022"), (0.5, "0.5"), (0.000657, "< 0.001"), (float("nan"), "–")],
)
def test_pvalue_two_significant_digits(value, expected):
    assert fmt.pvalue(value) == expected


def test_percent_alpha_interval_count():
    assert fmt.percent(0.7249) == "72%" and fmt.percent(None) == "–"
    assert fmt.alpha(0.5608) == "0.56" and fmt.alpha(-0.07) == "−0.07"
    assert fmt.interval([54.8, 64.3]) == "55–64" and fmt.interval(None) == "–"
    assert fmt.count(1200) == "1,200" and fmt.count(None) == "–"


# -- colours ----------------------------------------------------------------------------


def test_accent_text_is_always_readable_on_white():
    for colour in ("#ffff00", "#f0e442", "#ffffff", "#1f4e79", "#56b4e9"):
        readable = colours.readable_on_white(colour)
        assert colours.contrast(readable, "#FFFFFF") >= 4.5
    assert colours.readable_on_white("#1f4e79") == "#1f4e79"  # dark enough already


def test_ink_reads_on_its_background():
    assert colours.ink_for("#0072B2") == "#FFFFFF"
    assert colours.ink_for("#F0E442") == "#1A1A1A"


def test_heat_fill_diverges_at_the_cut():
    below, at, above = (colours.heat_fill(v, 60) for v in (30, 60, 95))
    assert colours.heat_fill(None, 60) is None
    assert below != above
    # deeper the further from the cut
    shade = colours.luminance
    assert shade(colours.heat_fill(100, 60)) < shade(colours.heat_fill(65, 60))
    assert shade(colours.heat_fill(20, 60)) < shade(colours.heat_fill(55, 60))
    assert at == colours.heat_fill(60.0, 60)


def test_wrap_keeps_at_most_the_lines_asked_for():
    lines = charts.wrap("Owning the relationship across partners and channels", 20, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(len(line) <= 20 for line in lines)
    assert charts.wrap("Ease", 20, 2) == ["Ease"]


# -- map and radar ------------------------------------------------------------------------


def test_map_places_position_and_staff_view_and_draws_the_gap():
    position = {"means": 60.0, "ends": 40.0, "quadrant": "means_only", "self_rated": False}
    perception = {"staff_means": 60.0, "staff_ends": 75.0, "distance": 35.0}
    chart = charts.map_chart(position, perception, 60.0)
    x0, y0, size = chart["x0"], chart["y0"], chart["size"]
    kinds = {m["kind"]: m for m in chart["markers"]}
    assert kinds["position"]["x"] == pytest.approx(x0 + 0.6 * size)
    assert kinds["position"]["y"] == pytest.approx(y0 + 0.6 * size)  # 40 from the top of 100
    assert kinds["staff"]["y"] == pytest.approx(y0 + 0.25 * size)
    assert chart["gap"]["lines"] == ["Perception gap", "35 points"]
    assert [q["id"] for q in chart["quadrants"] if q["current"]] == ["means_only"]


def test_map_without_a_position_has_no_markers_and_self_rated_has_one():
    empty = charts.map_chart({"means": None, "ends": None}, None, 60.0)
    assert empty["markers"] == [] and empty["gap"] is None
    self_rated = charts.map_chart({"means": 50.0, "ends": 70.0, "self_rated": True}, None, 60.0)
    assert [m["kind"] for m in self_rated["markers"]] == ["self_rated"]


def radar_row(staff: float | None, customer: float | None, title: str = "D") -> dict[str, Any]:
    def part(value: float | None) -> dict[str, Any] | None:
        return None if value is None else {"score": value, "suppressed": False}

    return {"title": title, "lens": "ends", "staff": part(staff), "customer": part(customer)}


def test_radar_customer_line_never_crosses_a_spoke_without_a_score():
    rows = [radar_row(60, 50), radar_row(60, None), radar_row(60, 40), radar_row(60, 45),
            radar_row(60, 50)]
    chart = charts.radar_chart(rows, 60.0)
    staff, customers = chart["series"]
    assert staff["closed"] and len(staff["markers"]) == 5
    assert not customers["closed"] and len(customers["markers"]) == 4
    # Segments 2-3, 3-4, 4-0; none touching spoke 1 (no customer score).
    assert len(customers["segments"]) == 3
    spoke1 = (chart["spokes"][1]["x"], chart["spokes"][1]["y"])
    for segment in customers["segments"]:
        for x, y in ((segment["x1"], segment["y1"]), (segment["x2"], segment["y2"])):
            angle = math.atan2(y - chart["cy"], x - chart["cx"])
            spoke_angle = math.atan2(spoke1[1] - chart["cy"], spoke1[0] - chart["cx"])
            assert not math.isclose(angle, spoke_angle, abs_tol=1e-6)


def test_radar_point_at_100_is_on_the_outer_ring():
    chart = charts.radar_chart([radar_row(100, None), radar_row(0, None), radar_row(50, None)], 60)
    top = chart["series"][0]["markers"][0]
    assert (top["x"], top["y"]) == (chart["spokes"][0]["x"], chart["spokes"][0]["y"])


# -- heatmap -------------------------------------------------------------------------------


def test_heatmap_draws_a_suppressed_group_as_one_hatched_band():
    breakdown = {
        "id": "staff",
        "dimensions": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
        "all": {"label": "All staff", "respondents": 20, "suppressed": False,
                "scores": [70.0, 50.0]},
        "groups": [{"key": "A", "id": "q", "question": "Q?", "columns": [
            {"id": "x", "label": "X", "respondents": 17, "suppressed": False,
             "scores": [72.0, None]},
            {"id": "y", "label": "Y", "respondents": None, "suppressed": True,
             "scores": [None, None]},
        ]}],
    }
    chart = charts.heatmap(breakdown, 60.0)
    assert len(chart["bands"]) == 1  # the suppressed group
    assert [c["kind"] for c in chart["cells"]] == ["score", "score", "score", "missing"]
    assert [c["text"] for c in chart["cells"]] == ["70", "50", "72", "n/a"]
    assert [h["n"] for h in chart["heads"]] == ["20", "17", "–"]
    assert [b["key"] for b in chart["brackets"]] == ["A"]


def test_nps_bar_parts_add_up():
    bar = charts.nps_bar({"score": -10.0, "promoters": 0.2, "passives": 0.5, "detractors": 0.3,
                          "n": 10})
    assert sum(p["w"] for p in bar["parts"]) == pytest.approx(bar["width"])
    assert [p["text"] for p in bar["parts"]] == ["30%", "50%", "20%"]
    assert charts.nps_bar({"score": None}) is None
