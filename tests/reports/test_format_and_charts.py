"""Number formatting (rounding only for display, rule 16) and chart geometry."""

from __future__ import annotations

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
    ("value", "cuts", "expected"),
    [(59.6, (60,), "59.6"), (59.96, (60,), "59.9"), (60.4, (60,), "60"), (59.4, (60,), "59"),
     (79.5, (20, 40, 60, 80), "79.5"), (39.7, (60,), "40"), (None, (60,), "–")],
)
def test_a_score_is_never_printed_as_a_cut_it_lies_below(value, cuts, expected):
    """Rule 16 (amended): 59.6 against a cut of 60 reads 59.6, so the 'low' colour
    beside it does not contradict it; away from a cut, whole numbers."""
    assert fmt.score(value, cuts) == expected


def test_printed_gap_is_the_difference_of_the_printed_scores():
    # 77.34 and 44.16 print as 77.3 and 44.2; the gap printed beside them is +33.1,
    # although the full-precision gap (33.18) would round to +33.2.
    assert (fmt.score1(77.34), fmt.score1(44.16)) == ("77.3", "44.2")
    assert fmt.difference(77.34, 44.16) == "+33.1" and fmt.gap(77.34 - 44.16) == "+33.2"
    assert fmt.difference(44.16, 77.34) == "−33.1"
    assert fmt.difference(59.96, 50.0, (60,)) == "+9.9"  # 59.9 − 50.0
    assert fmt.difference(None, 50.0) == "–"
    # shares: the difference of the printed whole percentages, in points
    assert fmt.points(0.725, 0.314) == "+41" and fmt.points(0.1, 0.5) == "−40"
    assert fmt.points(0.3, 0.3) == "0" and fmt.points(None, 0.3) == "–"


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


# -- map --------------------------------------------------------------------------------------


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


def gap_row(title: str, staff: float, customer: float,
            ci: tuple[float, float] | None) -> dict[str, Any]:
    return {"title": title, "lens": "ends", "gap": staff - customer,
            "gap_ci95": None if ci is None else list(ci),
            "staff": {"score": staff, "suppressed": False},
            "customer": {"score": customer, "suppressed": False}}


def test_gap_chart_draws_each_gap_with_its_interval_largest_first():
    rows = [gap_row("Small", 60.0, 55.0, (-1.0, 11.0)),
            gap_row("Large", 80.0, 45.0, (28.0, 42.0)),
            gap_row("Hidden", 50.0, 65.0, (-22.0, -8.0)),
            {"title": "Staff only", "lens": "means", "gap": None, "gap_ci95": None}]
    chart = charts.gap_chart(rows, 10.0, 60.0)
    assert [m["title"] for m in chart["marks"]] == ["Large", "Small", "Hidden"]
    large, small, hidden = chart["marks"]
    assert large["ci"]["x1"] < large["x"] < large["ci"]["x2"]
    # the scale holds every interval, zero and the blind-spot line, in order
    assert chart["left"] <= hidden["ci"]["x1"] < chart["zero_x"] < chart["threshold_x"]
    assert large["ci"]["x2"] <= chart["right"]
    assert hidden["hidden_strength"] and not large["hidden_strength"]
    assert large["text"] == "+35.0" and large["ci_text"] == "+28.0 to +42.0"


def test_pair_dumbbell_draws_the_two_favourable_shares_on_one_scale():
    pair = {"staff_top_box": 0.86, "customer_top_box": 0.09}
    chart = charts.pair_dumbbell(pair)
    staff, customer = chart["marks"]
    assert (staff["text"], customer["text"]) == ("86%", "9%")
    assert customer["x"] < staff["x"] and chart["link"] == {"x1": staff["x"], "x2": customer["x"]}
    # labels sit outside the line, away from each other
    assert staff["anchor"] == "start" and staff["label_x"] > staff["x"]
    assert customer["anchor"] == "end" and customer["label_x"] < customer["x"]
    axis = charts.pair_axis()
    assert [t["text"] for t in axis["ticks"]] == ["0%", "25%", "50%", "75%", "100%"]
    assert axis["ticks"][-1]["x"] == charts.pair_dumbbell(
        {"staff_top_box": 1.0, "customer_top_box": None})["marks"][0]["x"]


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
             "reason": "protects_smaller", "scores": [None, None]},
        ]}],
    }
    chart = charts.heatmap(breakdown, 60.0)
    assert len(chart["bands"]) == 1  # the suppressed group
    # rule 15: the column says why it is hidden
    assert chart["bands"][0]["text"] == "hidden to protect a smaller group"
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
