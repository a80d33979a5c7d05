"""Checks of ``instrument.yaml``: identity, languages, scales, dimensions, scoring, maturity.

Each step records the definitions later steps refer to (scales, dimensions) in
the :class:`~.context.CheckContext`.
"""

from __future__ import annotations

import math
from typing import Any

from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD  # rule 14

from ..fileformat import INSTRUMENT_FILE
from ..schema import Lens
from .context import (
    INSTRUMENT_ID_PATTERN,
    LANGUAGE_PATTERN,
    LENS_VALUES,
    VERSION_PATTERN,
    CheckContext,
    Ref,
    elements,
    join,
    number,
    whole,
)

#: Every problem these steps find is in this file.
FILE = INSTRUMENT_FILE


def check_identity(ctx: CheckContext) -> None:
    """Id, version, title and description."""
    inst = ctx.inst
    inst_id = inst.get("id")
    if isinstance(inst_id, str) and not INSTRUMENT_ID_PATTERN.match(inst_id):
        ctx.add(
            FILE,
            "id",
            f"instrument id '{inst_id}' must start with a lower-case letter or digit and "
            "contain only lower-case letters, digits and hyphens (at most 64 characters)",
        )
    version = inst.get("version")
    if isinstance(version, str) and not VERSION_PATTERN.match(version):
        ctx.add(
            FILE, "version", f"version '{version}' is not a semantic version X.Y.Z (e.g. 1.0.0)"
        )
    ctx.check_text(FILE, "title", inst.get("title"))
    if inst.get("description") is not None:
        ctx.check_text(FILE, "description", inst.get("description"))


def check_languages(ctx: CheckContext) -> None:
    """At least one language, each a language code, none twice."""
    languages = ctx.inst.get("languages")
    if not isinstance(languages, list):
        return
    if not languages:
        ctx.add(FILE, "languages", "list at least one language; the first is the default")
    seen: set[str] = set()
    for index, lang in enumerate(languages):
        if not isinstance(lang, str):
            continue
        if not LANGUAGE_PATTERN.match(lang):
            ctx.add(
                FILE,
                f"languages[{index}]",
                f"'{lang}' is not a language code like 'en', 'de' or 'pt-BR'",
            )
        if lang in seen:
            ctx.add(FILE, f"languages[{index}]", f"language '{lang}' is listed twice")
        seen.add(lang)


def check_scales(ctx: CheckContext) -> None:
    """At least one scale; unique ids, min below max, labels on the scale."""
    inst = ctx.inst
    seen: dict[str, Ref] = {}
    if isinstance(inst.get("scales"), list) and not inst["scales"]:
        ctx.add(FILE, "scales", "define at least one scale")
    for index, scale in elements(inst, "scales"):
        loc = f"scales[{index}]"
        scale_id = ctx.check_id(FILE, join(loc, "id"), scale.get("id"), "scale")
        ctx.check_unique(seen, scale_id, "scale", FILE, join(loc, "id"))
        if scale_id is not None and scale_id not in ctx.scales:
            ctx.scales[scale_id] = scale
        lo, hi = whole(scale.get("min")), whole(scale.get("max"))
        if lo is not None and hi is not None and lo >= hi:
            ctx.add(FILE, loc, f"min ({lo}) must be less than max ({hi})")
        labels = scale.get("labels")
        if not isinstance(labels, dict):
            continue
        for point, label in labels.items():
            point_int = whole(point)
            if (
                point_int is not None
                and lo is not None
                and hi is not None
                and lo < hi
                and not lo <= point_int <= hi
            ):
                ctx.add(
                    FILE,
                    f"{loc}.labels.{point}",
                    f"label for {point} is outside the scale {lo}..{hi}",
                )
            ctx.check_text(FILE, f"{loc}.labels.{point}", label)


def check_dimensions(ctx: CheckContext) -> None:
    """Unique ids, a known lens, a positive weight, texts."""
    seen: dict[str, Ref] = {}
    for index, dim in elements(ctx.inst, "dimensions"):
        loc = f"dimensions[{index}]"
        dim_id = ctx.check_id(FILE, join(loc, "id"), dim.get("id"), "dimension")
        ctx.check_unique(seen, dim_id, "dimension", FILE, join(loc, "id"))
        if dim_id is not None and dim_id not in ctx.dimensions:
            ctx.dimensions[dim_id] = dim
        lens = dim.get("lens")
        if isinstance(lens, str) and lens not in LENS_VALUES:
            ctx.add(FILE, join(loc, "lens"), f"unknown lens '{lens}'; use 'means' or 'ends'")
        weight = number(dim.get("weight", 1.0))
        if weight is not None and not (weight > 0 and math.isfinite(weight)):
            ctx.add(FILE, join(loc, "weight"), f"weight must be greater than 0, got {weight:g}")
        ctx.check_text(FILE, join(loc, "title"), dim.get("title"))
        ctx.check_text(FILE, join(loc, "description"), dim.get("description"))


def check_lens_coverage(ctx: CheckContext) -> None:
    """Both lenses have a dimension: an instrument measures both."""
    inst = ctx.inst
    lenses = [d.get("lens") for _, d in elements(inst, "dimensions")]
    # A misspelt lens is reported by check_dimensions; do not also report its lens as empty.
    misspelt = any(isinstance(lens, str) and lens not in LENS_VALUES for lens in lenses)
    if not isinstance(inst.get("dimensions"), list) or misspelt:
        return
    for lens in Lens:
        if lens.value not in lenses:
            ctx.add(
                FILE,
                "dimensions",
                f"no dimension in the '{lens.value}' lens; an instrument measures both lenses",
            )


def _scoring(inst: dict[str, Any]) -> dict[str, Any]:
    """The scoring parameters as written (defaults are the scoring specification's)."""
    scoring = inst.get("scoring", {})
    return scoring if isinstance(scoring, dict) else {}


def _maturity_cuts(inst: dict[str, Any]) -> Any:
    return _scoring(inst).get("maturity_cuts", [20.0, 40.0, 60.0, 80.0])


def check_scoring(ctx: CheckContext) -> None:
    """Each scoring parameter within its range; maturity cuts strictly increasing."""
    scoring = _scoring(ctx.inst)
    cut = number(scoring.get("quadrant_cut"))
    if cut is not None and not 0 <= cut <= 100:
        ctx.add(FILE, "scoring.quadrant_cut", f"quadrant_cut must be within 0..100, got {cut:g}")
    threshold = whole(scoring.get("anonymity_threshold"))
    if threshold is not None and threshold < MIN_ANONYMITY_THRESHOLD:
        ctx.add(
            FILE,
            "scoring.anonymity_threshold",
            f"anonymity_threshold must be at least {MIN_ANONYMITY_THRESHOLD}, got {threshold}",
        )
    gap = number(scoring.get("blind_spot_gap"))
    if gap is not None and not 0 < gap <= 100:
        ctx.add(
            FILE, "scoring.blind_spot_gap", f"blind_spot_gap must be within 0..100, got {gap:g}"
        )
    for key in ("low_score", "strength_score"):
        value = number(scoring.get(key))
        if value is not None and not 0 <= value <= 100:
            ctx.add(FILE, f"scoring.{key}", f"{key} must be within 0..100, got {value:g}")
    cuts = _maturity_cuts(ctx.inst)
    if not isinstance(cuts, list):
        return
    previous: float | None = None
    for index, raw in enumerate(cuts):
        value = number(raw)
        if value is None:
            continue
        loc = f"scoring.maturity_cuts[{index}]"
        if not 0 <= value <= 100:
            ctx.add(FILE, loc, f"maturity cut {value:g} is outside 0..100")
        if previous is not None and value <= previous:
            ctx.add(
                FILE,
                loc,
                f"maturity cuts must be strictly increasing: {value:g} follows {previous:g}",
            )
        previous = value


def check_maturity_levels(ctx: CheckContext) -> None:
    """One level more than the cuts, numbered 1..N in order, with texts."""
    inst = ctx.inst
    levels = inst.get("maturity")
    if not isinstance(levels, list):
        return
    cuts = _maturity_cuts(inst)
    if isinstance(cuts, list) and len(levels) != len(cuts) + 1:
        ctx.add(
            FILE,
            "maturity",
            f"expected {len(cuts) + 1} maturity levels (one more than the {len(cuts)} "
            f"maturity_cuts), found {len(levels)}",
        )
    for index, level in elements(inst, "maturity"):
        loc = f"maturity[{index}]"
        level_number = whole(level.get("level"))
        if level_number is not None and level_number != index + 1:
            ctx.add(
                FILE,
                join(loc, "level"),
                f"levels are numbered 1..N in order: expected {index + 1}, found {level_number}",
            )
        ctx.check_text(FILE, join(loc, "label"), level.get("label"))
        ctx.check_text(FILE, join(loc, "description"), level.get("description"))


#: The steps, in the order their problems are reported.
STEPS = (
    check_identity,
    check_languages,
    check_scales,
    check_dimensions,
    check_lens_coverage,
    check_scoring,
    check_maturity_levels,
)


def check_instrument_file(ctx: CheckContext) -> None:
    """Every check of ``instrument.yaml`` (nothing if it is missing or not a mapping)."""
    if not ctx.inst:
        return
    for step in STEPS:
        step(ctx)
