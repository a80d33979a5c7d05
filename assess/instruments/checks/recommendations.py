"""Checks of ``recommendations.yaml``: keys are dimensions, every text is there."""

from __future__ import annotations

from ..fileformat import RECOMMENDATIONS_FILE
from .context import RECOMMENDATION_PATTERNS, CheckContext, elements, join, suggest


def check_recommendations(ctx: CheckContext) -> None:
    """Every key is a dimension id; each recommendation has a title and a text."""
    f = RECOMMENDATIONS_FILE
    recs = ctx.files.get(f)
    if not isinstance(recs, dict):
        return
    for dim_id, drec in recs.items():
        if not isinstance(dim_id, str):
            continue
        if ctx.instrument_known and dim_id not in ctx.dimensions:
            ctx.add(f, dim_id, f"unknown dimension '{dim_id}'{suggest(dim_id, ctx.dimensions)}")
        for pattern in RECOMMENDATION_PATTERNS:
            for index, rec in elements(drec, pattern):
                loc = f"{dim_id}.{pattern}[{index}]"
                ctx.check_text(f, join(loc, "title"), rec.get("title"))
                ctx.check_text(f, join(loc, "text"), rec.get("text"))
