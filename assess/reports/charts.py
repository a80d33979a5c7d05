"""Chart geometry for the report: plain numbers that ``templates/report/_charts.html`` draws.

The charts are inline SVG written by Jinja macros (see ``docs/architecture.md``,
"Charts"), so the browser and WeasyPrint draw the very same markup. Python does
the arithmetic (scales, angles, wrapping); the templates only place shapes.
Which colour a shape gets is decided in :mod:`assess.reports.colours`.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from typing import Any

from markupsafe import Markup

from assess.reports import colours
from assess.reports import format as fmt
from assess.reports.patterns import audience_score
from assess.reports.wording import QUADRANTS

CHART_SCHEME = "assess-chart"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_CLASS = re.compile(r'<svg class="([^"]*)"')


class ChartSink:
    """Where the report's SVG charts go: inline for the screen, images for the PDF.

    For the PDF each chart becomes ``<img src="assess-chart://report/<name>">`` with
    the chart's ``<title>`` as its alt text, and the SVG itself waits in
    :attr:`svgs` for the report's fetcher. The markup is the same either way;
    WeasyPrint just lays an image out much faster than hundreds of inline SVG
    elements it would otherwise parse and style as part of the HTML.
    """

    def __init__(self, *, inline: bool) -> None:
        self.inline = inline
        self.svgs: dict[str, str] = {}

    def __call__(self, svg: str) -> Markup:
        if self.inline:
            return Markup(svg)
        name = f"chart-{len(self.svgs) + 1}.svg"
        self.svgs[name] = str(svg).strip()
        title = _TITLE.search(svg)
        classes = _CLASS.search(svg)
        return Markup('<img class="{}" src="{}://report/{}" alt="{}">').format(
            classes.group(1) if classes else "svgchart",
            CHART_SCHEME,
            name,
            html.unescape(title.group(1)).strip() if title else "Chart",
        )


# -- text ------------------------------------------------------------------------------------


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A rough width of ``text`` in IBM Plex Sans, for placing labels (not for wrapping)."""
    return len(text) * size * (0.58 if bold else 0.54)


def wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Greedy word wrap by characters; the last line is shortened with an ellipsis."""
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        kept = lines[: max_lines - 1]
        rest = " ".join(lines[max_lines - 1 :])
        kept.append(rest[: max(1, width - 1)].rstrip() + "…")
        lines = kept
    return lines


# -- means x ends map ----------------------------------------------------------------------


def map_chart(
    position: dict[str, Any],
    perception: dict[str, Any] | None,
    cut: float,
    previous: dict[str, Any] | None = None,
    previous_label: str = "",
    *,
    show_previous: bool = False,
) -> dict[str, Any]:
    """The means × ends map: quadrants, the position, the staff's view and the gap between."""
    x0, y0, size = 64.0, 16.0, 336.0

    def px(value: float) -> float:
        return round(x0 + max(0.0, min(100.0, value)) / 100 * size, 2)

    def py(value: float) -> float:
        return round(y0 + (100 - max(0.0, min(100.0, value))) / 100 * size, 2)

    cx, cy = px(cut), py(cut)
    quadrants = []
    for q in QUADRANTS:
        left = q["means"] == "low"
        top = q["ends"] == "high"
        rect = {
            "x": x0 if left else cx,
            "y": y0 if top else cy,
            "w": (cx - x0) if left else (x0 + size - cx),
            "h": (cy - y0) if top else (y0 + size - cy),
        }
        lines = wrap(q["label"], 20 if left else 16, 3)
        label_x = rect["x"] + 8 if left else rect["x"] + rect["w"] - 8
        label_y = rect["y"] + 16 if top else rect["y"] + rect["h"] - 8 - 12 * (len(lines) - 1)
        quadrants.append(
            {
                **rect,
                "id": q["id"],
                "fill": colours.QUADRANT_FILLS[q["id"]],
                "lines": lines,
                "label_x": label_x,
                "label_y": label_y,
                "anchor": "start" if left else "end",
                "current": q["id"] == position.get("quadrant"),
            }
        )
    ticks = [{"value": v, "x": px(v), "y": py(v)} for v in range(0, 101, 20)]
    markers: list[dict[str, Any]] = []
    gap_line = None
    means, ends = position.get("means"), position.get("ends")
    if means is not None and ends is not None:
        if previous and previous.get("means") is not None and previous.get("ends") is not None:
            markers.append(
                {
                    "kind": "previous",
                    "x": px(previous["means"]),
                    "y": py(previous["ends"]),
                    "label": previous_label,
                    "label_w": len(previous_label) * 6 + 4,
                }
            )
        if perception is not None:
            sx, sy = px(perception["staff_means"]), py(perception["staff_ends"])
            ox, oy = px(means), py(ends)
            markers.append({"kind": "staff", "x": sx, "y": sy, "label": "Staff's own view"})
            lines = ["Perception gap", f"{fmt.score(perception['distance'])} points"]
            label_w = max(text_width(line, 10.5, bold=True) for line in lines)
            label_x = max(sx, ox) + 12
            if label_x + label_w > x0 + size - 4:  # no room on the right: go left
                label_x = min(sx, ox) - 12 - label_w
            gap_line = {
                "x1": sx,
                "y1": sy,
                "x2": ox,
                "y2": oy,
                "lines": lines,
                "label": " ".join(lines),
                "label_x": round(label_x, 2),
                "label_y": round((sy + oy) / 2 - 2, 2),
                "label_w": round(label_w + 6, 2),
            }
        markers.append(
            {
                "kind": "self_rated" if position.get("self_rated") else "position",
                "x": px(means),
                "y": py(ends),
                "label": "Self-rated position" if position.get("self_rated") else "Position",
            }
        )
    return {
        "width": 640,
        "height": 400,
        "x0": x0,
        "y0": y0,
        "size": size,
        "cut_x": cx,
        "cut_y": cy,
        "cut": cut,
        "quadrants": quadrants,
        "ticks": ticks,
        "markers": markers,
        "gap": gap_line,
        "legend_x": x0 + size + 28,
        # The legend names the previous position when the report has a trend.
        "show_previous": show_previous,
        "previous_label": previous_label,
    }


# -- the gaps with their intervals -----------------------------------------------------------


def gap_chart(
    rows: list[dict[str, Any]], blind_spot_gap: float, cut: float = 60.0
) -> dict[str, Any]:
    """Every gap (staff − customers) with its 95% interval, largest first.

    It replaces a radar that repeated the table: what it shows that the table
    does not is which gaps are distinguishable from each other and from zero —
    gaps whose intervals overlap are one finding, not a ranking. Dimensions
    without a gap (asked of one audience only, or hidden) are left out.
    """
    shown = [r for r in rows if r.get("gap") is not None]
    shown.sort(key=lambda r: -r["gap"])
    lows = [r["gap_ci95"][0] if r.get("gap_ci95") else r["gap"] for r in shown]
    highs = [r["gap_ci95"][1] if r.get("gap_ci95") else r["gap"] for r in shown]
    # A symmetric-enough scale in steps of 10 that holds every interval and zero.
    low = math.floor(min([0.0, -blind_spot_gap, *lows]) / 10) * 10
    high = math.ceil(max([0.0, blind_spot_gap, *highs]) / 10) * 10
    width, label_w, value_w, row_h, top = 640.0, 230.0, 64.0, 19.0, 22.0
    left, right = label_w + 8, width - value_w - 8

    def px(value: float) -> float:
        return round(left + (value - low) / max(1e-9, high - low) * (right - left), 2)

    marks = []
    for i, row in enumerate(shown):
        y = top + i * row_h + row_h / 2
        ci = row.get("gap_ci95")
        lines = wrap(row["title"], 42, 1)
        marks.append(
            {
                "title": row["title"],
                "label": lines[0],
                "y": round(y, 2),
                "x": px(row["gap"]),
                "ci": None if not ci else {"x1": px(ci[0]), "x2": px(ci[1])},
                # As in the table beside it: the difference of the printed scores.
                "text": fmt.difference(
                    row["staff"]["score"], row["customer"]["score"], (cut,)
                ),
                "ci_text": "" if not ci else f"{fmt.gap(ci[0])} to {fmt.gap(ci[1])}",
                "hidden_strength": row["gap"] < 0,
            }
        )
    step = 10 if high - low <= 80 else 20
    ticks = [{"value": v, "x": px(v), "text": fmt.gap(v).replace(".0", "")}
             for v in range(int(low), int(high) + 1, step)]
    bottom = top + row_h * len(shown)
    return {
        "width": width,
        "height": round(bottom + 34, 2),
        "top": top,
        "bottom": round(bottom, 2),
        "left": left,
        "right": right,
        "value_x": width - value_w + 4,
        "zero_x": px(0.0),
        "threshold_x": px(blind_spot_gap),
        "threshold": blind_spot_gap,
        "ticks": ticks,
        "marks": marks,
        "axis_y": round(bottom + 12, 2),
        "axis_label_y": round(bottom + 28, 2),
    }


# -- dumbbells (dimension rows) ---------------------------------------------------------------

DUMBBELL_WIDTH = 250.0
_DB_LEFT, _DB_RIGHT = 8.0, 242.0


def _dbx(value: float) -> float:
    return round(_DB_LEFT + max(0.0, min(100.0, value)) / 100 * (_DB_RIGHT - _DB_LEFT), 2)


def dumbbell_axis(cut: float) -> dict[str, Any]:
    return {
        "width": DUMBBELL_WIDTH,
        "height": 16,
        "ticks": [{"value": v, "x": _dbx(v)} for v in range(0, 101, 20)],
        "cut_x": _dbx(cut),
    }


def dumbbell(row: dict[str, Any], cut: float) -> dict[str, Any]:
    """One dimension: each audience's score with its 95% interval, on 0..100."""
    marks = []
    for audience, y in (("staff", 9.0), ("customer", 19.0)):
        value = audience_score(row, audience)
        if value is None:
            continue
        ci = (row.get(audience) or {}).get("ci95")
        marks.append(
            {
                "audience": audience,
                "x": _dbx(value),
                "y": y,
                "ci": None if not ci else {"x1": _dbx(ci[0]), "x2": _dbx(ci[1])},
            }
        )
    link = None
    if len(marks) == 2:
        link = {"x1": marks[0]["x"], "x2": marks[1]["x"]}
    return {
        "width": DUMBBELL_WIDTH,
        "height": 28,
        "marks": marks,
        "link": link,
        "cut_x": _dbx(cut),
        "grid": [_dbx(v) for v in range(0, 101, 20)],
    }


# -- paired items ----------------------------------------------------------------------------


PAIR_WIDTH = 250.0
# Room at both ends for a share's label beside its mark ("100%").
_PAIR_LEFT, _PAIR_RIGHT = 30.0, 220.0


def _pairx(share: float) -> float:
    return round(_PAIR_LEFT + max(0.0, min(1.0, share)) * (_PAIR_RIGHT - _PAIR_LEFT), 2)


def pair_axis() -> dict[str, Any]:
    """The column head of the paired statements: 0 to 100% favourable."""
    return {
        "width": PAIR_WIDTH,
        "height": 16,
        "ticks": [{"text": f"{v}%", "x": _pairx(v / 100)} for v in range(0, 101, 25)],
    }


def pair_dumbbell(pair: dict[str, Any]) -> dict[str, Any]:
    """One paired statement on one measure: the share of staff and of customers
    giving the favourable answer (0..100%), joined by a line whose length is the
    difference in the next column. Each share is written beside its mark, on
    the side away from the other, so the two labels never collide."""
    marks = []
    shares = {"staff": pair.get("staff_top_box"), "customer": pair.get("customer_top_box")}
    for audience, share in shares.items():
        if share is None:
            continue
        other = shares["customer" if audience == "staff" else "staff"]
        x = _pairx(share)
        on_left = other is not None and (share < other or (share == other and audience == "staff"))
        marks.append(
            {
                "audience": audience,
                "x": x,
                "text": fmt.percent(share),
                "label_x": round(x - 8 if on_left else x + 8, 2),
                "anchor": "end" if on_left else "start",
            }
        )
    link = None
    if len(marks) == 2:
        link = {"x1": marks[0]["x"], "x2": marks[1]["x"]}
    return {
        "width": PAIR_WIDTH,
        "height": 24,
        "marks": marks,
        "link": link,
        "grid": [_pairx(v / 100) for v in range(0, 101, 25)],
    }


# -- heatmaps --------------------------------------------------------------------------------

#: What a hidden heatmap column says (``SegmentGroup.suppressed_reason``, rule 15).
SUPPRESSED_TEXT = {
    "too_few": "too few respondents",
    "protects_smaller": "hidden to protect a smaller group",
}


def heatmap(breakdown: dict[str, Any], cut: float) -> dict[str, Any]:
    """An audience's dimensions (rows) × all its segment groups (columns, grouped by question).

    Group labels are written upwards so that some fifteen groups fit across the
    page; a suppressed group is one hatched column marked "suppressed".
    """
    width = 640.0
    label_width = 176.0
    group_gap = 7.0
    row_h = 18.0
    line_chars = 21
    columns: list[dict[str, Any]] = [{**breakdown["all"], "all": True, "group": None}]
    for group in breakdown["groups"]:
        columns.extend({**c, "all": False, "group": group["key"]} for c in group["columns"])
    gaps = group_gap * len(breakdown["groups"])
    col_w = min(36.0, (width - label_width - gaps) / max(1, len(columns)))
    lines_fit = 3 if col_w >= 27 else 2
    wrapped = [wrap(c["label"], line_chars, lines_fit) for c in columns]
    longest = max(len(line) for lines in wrapped for line in lines)
    label_h = longest * 4.9 + 4
    key_y = 10.0
    label_base = 18.0 + label_h
    n_y = label_base + 12
    top = n_y + 6
    bottom = top + row_h * len(breakdown["dimensions"])

    x = label_width
    previous_group: str | None = "start"
    placed = []
    for column, lines in zip(columns, wrapped, strict=True):
        if column["group"] != previous_group and previous_group != "start":
            x += group_gap
        previous_group = column["group"]
        placed.append((x, column, lines))
        x += col_w

    heads, cells, bands = [], [], []
    for x, column, lines in placed:
        centre = x + col_w / 2
        offsets = {1: [0.0], 2: [-4.5, 5.5], 3: [-8.5, 0.5, 9.5]}[len(lines)]
        heads.append(
            {
                "lines": [
                    {"text": line, "x": round(centre + dx + 3.2, 2), "y": round(label_base, 2)}
                    for line, dx in zip(lines, offsets, strict=True)
                ],
                "x": round(centre, 2),
                "n": "–" if column["suppressed"] else fmt.count(column["respondents"]),
                "all": column["all"],
            }
        )
        if column["suppressed"]:
            # Rule 15: the column says which reason hides it, written upwards along
            # the column, small enough to fit its height.
            reason = SUPPRESSED_TEXT.get(column.get("reason") or "", "too few respondents")
            height = bottom - top - 2
            bands.append(
                {
                    "x": round(x + 1, 2),
                    "y": round(top + 1, 2),
                    "w": round(col_w - 2, 2),
                    "h": round(height, 2),
                    "tx": round(centre + 3, 2),
                    "ty": round((top + bottom) / 2, 2),
                    "text": reason,
                    "size": round(min(8.5, (height - 6) / (0.55 * len(reason))), 2),
                }
            )
            continue
        for i, value in enumerate(column["scores"]):
            y = top + i * row_h
            fill = colours.heat_fill(value, cut)
            cell: dict[str, Any] = {
                "x": round(x + 1, 2),
                "y": round(y + 1, 2),
                "w": round(col_w - 2, 2),
                "h": round(row_h - 2, 2),
                "cx": round(centre, 2),
                "ty": round(y + row_h / 2 + 3.3, 2),
            }
            if value is None:
                cell.update(
                    kind="missing", text="n/a", fill=colours.WHITE, ink=colours.MISSING_INK
                )
            else:
                assert fill is not None  # heat_fill has a colour for every score
                cell.update(  # colour and number agree about the cut (rule 16)
                    kind="score", text=fmt.score(value, (cut,)), fill=fill,
                    ink=colours.ink_for(fill),
                )
            cells.append(cell)
    brackets = []
    for group in breakdown["groups"]:
        xs = [x for x, column, _ in placed if column["group"] == group["key"]]
        if xs:
            brackets.append(
                {
                    "key": group["key"],
                    "x1": round(xs[0] + 1, 2),
                    "x2": round(xs[-1] + col_w - 1, 2),
                    "cx": round((xs[0] + xs[-1] + col_w) / 2, 2),
                }
            )
    rows = []
    for i, dimension in enumerate(breakdown["dimensions"]):
        lines = wrap(dimension["title"], 38, 2)
        y = top + i * row_h
        rows.append({"lines": lines, "y": round(y + row_h / 2 + 3.3 - 4.3 * (len(lines) - 1), 2)})
    all_right = placed[0][0] + col_w
    return {
        "id": breakdown["id"],
        "width": width,
        "height": round(bottom + 4, 2),
        "label_width": label_width,
        "key_y": key_y,
        "brackets": brackets,
        "heads": heads,
        "n_y": round(n_y, 2),
        "cells": cells,
        "bands": bands,
        "rows": rows,
        "all_right": round(all_right + group_gap / 2, 2),
        "top": round(top, 2),
        "bottom": round(bottom, 2),
    }


def heat_legend(cut: float) -> dict[str, Any]:
    values = [20, 35, 50, cut, 70, 85, 100]
    swatches = []
    x = 0.0
    for value in sorted(set(values)):
        fill = colours.heat_fill(value, cut) or colours.WHITE
        swatches.append(
            {"x": x, "fill": fill, "ink": colours.ink_for(fill), "text": fmt.score(value, (cut,))}
        )
        x += 34
    return {"width": 560, "height": 22, "swatches": swatches, "suppressed_x": x + 14}


# -- outcomes --------------------------------------------------------------------------------


def nps_bar(nps: dict[str, Any]) -> dict[str, Any] | None:
    """Detractors, passives and promoters as one stacked bar (shares of 0..1)."""
    if not nps or nps.get("score") is None:
        return None
    width = 640.0
    parts = []
    x = 0.0
    for key, label in (
        ("detractors", "Detractors (0–6)"),
        ("passives", "Passives (7–8)"),
        ("promoters", "Promoters (9–10)"),
    ):
        colour = colours.NPS_COLOURS[key]
        share = nps.get(key) or 0.0
        w = width * share
        parts.append(
            {
                "key": key,
                "label": label,
                "colour": colour,
                "ink": colours.ink_for(colour),
                "x": round(x, 2),
                "w": round(w, 2),
                "text": fmt.percent(share),
                "inside": w >= 34,
            }
        )
        x += w
    return {"width": width, "height": 44, "parts": parts}


def share_bars(
    rows: list[dict[str, Any]], colour: str = colours.SHARE_COLOUR
) -> dict[str, Any]:
    """Horizontal bars of top-box shares (0..100%), one row per outcome."""
    width, label_width, bar_width, row_h = 640.0, 250.0, 300.0, 30.0
    bars = []
    for i, row in enumerate(rows):
        y = i * row_h
        share = None if row.get("suppressed") else row.get("top_box")
        w = 0.0 if share is None else round(bar_width * share, 2)
        bars.append(
            {
                "y": y,
                "label": row["label"],
                "statement": row["statement"],
                "w": w,
                "text": "suppressed" if row.get("suppressed") else fmt.percent(share),
                "text_x": round(label_width + w + 6, 2),
                "colour": row.get("colour", colour),
            }
        )
    return {
        "width": width,
        "height": row_h * len(rows) + 4,
        "label_width": label_width,
        "track": bar_width,
        "bars": bars,
    }
