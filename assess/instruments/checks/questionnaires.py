"""Checks of ``staff.yaml`` and ``customer.yaml``, then of their items across both files.

:func:`check_questionnaires` checks each file's own content and collects its
items; the item, pair and coverage checks then look at all of them together
and against ``instrument.yaml``'s scales and dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assess.scoring.validate import NPS_SCALE as RECOMMEND_SCALE  # rule 13

from ..fileformat import INSTRUMENT_FILE, QUESTIONNAIRE_FILES
from ..schema import Audience, Outcome
from .context import (
    MAX_OPEN_LENGTH,
    OPTION_ID_PATTERN,
    CheckContext,
    ItemRef,
    Ref,
    elements,
    join,
    string,
    suggest,
    whole,
)

OUTCOME_VALUES = [o.value for o in Outcome]


# -- each questionnaire file --------------------------------------------------------


def check_questionnaires(ctx: CheckContext) -> None:
    """Each questionnaire file's own content; every item found goes to ``ctx.items``."""
    if ctx.instrument_known and not any(name in ctx.files for name in QUESTIONNAIRE_FILES.values()):
        ctx.add(
            "",
            "",
            "neither staff.yaml nor customer.yaml exists; an instrument needs at least one "
            "questionnaire",
        )
    # Segment and open question ids are unique across both files.
    segment_ids: dict[str, Ref] = {}
    open_ids: dict[str, Ref] = {}
    for audience, q in ctx.questionnaires.items():
        f = QUESTIONNAIRE_FILES[audience]
        _check_header(ctx, f, q)
        _check_sections(ctx, audience, f, q)
        _check_segments(ctx, f, q, segment_ids)
        _check_open_questions(ctx, f, q, open_ids)


def _check_header(ctx: CheckContext, f: str, q: dict[str, Any]) -> None:
    """Title, intro, privacy note, estimated minutes and the default scale."""
    for key in ("title", "intro", "privacy"):
        ctx.check_text(f, key, q.get(key))
    minutes = whole(q.get("estimated_minutes"))
    if minutes is not None and minutes < 1:
        ctx.add(f, "estimated_minutes", f"must be at least 1, got {minutes}")
    default_scale = q.get("default_scale")
    if isinstance(default_scale, str) and ctx.instrument_known and default_scale not in ctx.scales:
        ctx.add(
            f,
            "default_scale",
            f"unknown scale '{default_scale}'{suggest(default_scale, ctx.scales)}",
        )


def _check_sections(ctx: CheckContext, audience: Audience, f: str, q: dict[str, Any]) -> None:
    """At least one section, each with unique id, texts and at least one item."""
    if isinstance(q.get("sections"), list) and not q["sections"]:
        ctx.add(f, "sections", "a questionnaire needs at least one section")
    section_ids: dict[str, Ref] = {}
    for s_index, section in elements(q, "sections"):
        loc = f"sections[{s_index}]"
        section_id = ctx.check_id(f, join(loc, "id"), section.get("id"), "section")
        ctx.check_unique(section_ids, section_id, "section", f, join(loc, "id"))
        ctx.check_text(f, join(loc, "title"), section.get("title"))
        if section.get("intro") is not None:
            ctx.check_text(f, join(loc, "intro"), section.get("intro"))
        if isinstance(section.get("items"), list) and not section["items"]:
            ctx.add(f, join(loc, "items"), "a section needs at least one item")
        for i_index, item in elements(section, "items"):
            ctx.items.append(ItemRef(audience, f, f"{loc}.items[{i_index}]", item))


def _check_segments(
    ctx: CheckContext, f: str, q: dict[str, Any], segment_ids: dict[str, Ref]
) -> None:
    """Segment questions: unique ids, texts, at least two options with unique ids."""
    for g_index, segment in elements(q, "segments"):
        loc = f"segments[{g_index}]"
        segment_id = ctx.check_id(f, join(loc, "id"), segment.get("id"), "segment")
        ctx.check_unique(segment_ids, segment_id, "segment question", f, join(loc, "id"))
        ctx.check_text(f, join(loc, "text"), segment.get("text"))
        options = segment.get("options")
        if isinstance(options, list) and len(options) < 2:
            ctx.add(
                f,
                join(loc, "options"),
                f"a segment question needs at least 2 options, found {len(options)}",
            )
        option_ids: dict[str, Ref] = {}
        for o_index, option in elements(segment, "options"):
            o_loc = f"{loc}.options[{o_index}]"
            option_id = ctx.check_id(
                f, join(o_loc, "id"), option.get("id"), "option", OPTION_ID_PATTERN
            )
            ctx.check_unique(option_ids, option_id, "option", f, join(o_loc, "id"))
            ctx.check_text(f, join(o_loc, "label"), option.get("label"))


def _check_open_questions(
    ctx: CheckContext, f: str, q: dict[str, Any], open_ids: dict[str, Ref]
) -> None:
    """Open questions: unique ids, texts, a maximum length within bounds."""
    for o_index, question in elements(q, "open_questions"):
        loc = f"open_questions[{o_index}]"
        question_id = ctx.check_id(f, join(loc, "id"), question.get("id"), "open question")
        ctx.check_unique(open_ids, question_id, "open question", f, join(loc, "id"))
        ctx.check_text(f, join(loc, "text"), question.get("text"))
        max_length = whole(question.get("max_length"))
        if max_length is not None and not 1 <= max_length <= MAX_OPEN_LENGTH:
            ctx.add(
                f,
                join(loc, "max_length"),
                f"max_length must be within 1..{MAX_OPEN_LENGTH}, got {max_length}",
            )


# -- the items of both files --------------------------------------------------------


def check_items(ctx: CheckContext) -> None:
    """Each item: unique id, text, a dimension or an outcome, a known scale."""
    item_ids: dict[str, Ref] = {}
    outcomes: dict[str, ItemRef] = {}
    for ref in ctx.items:
        f, loc, item = ref.file, ref.location, ref.element
        item_id = ctx.check_id(f, join(loc, "id"), item.get("id"), "item")
        ctx.check_unique(item_ids, item_id, "item", f, join(loc, "id"))
        ctx.check_text(f, join(loc, "text"), item.get("text"))
        _check_dimension_or_outcome(ctx, ref)
        scale = _check_item_scale(ctx, ref)
        outcome = item.get("outcome")
        if isinstance(outcome, str):
            _check_outcome_item(ctx, ref, outcome, outcomes, scale)


def _check_dimension_or_outcome(ctx: CheckContext, ref: ItemRef) -> None:
    f, loc, item = ref.file, ref.location, ref.element
    dimension, outcome = item.get("dimension"), item.get("outcome")
    if dimension is None and outcome is None:
        ctx.add(f, loc, "an item needs either a dimension or an outcome")
    elif dimension is not None and outcome is not None:
        ctx.add(f, loc, "an item has either a dimension or an outcome, not both")
    if isinstance(dimension, str) and ctx.instrument_known and (dimension not in ctx.dimensions):
        ctx.add(
            f,
            join(loc, "dimension"),
            f"unknown dimension '{dimension}'{suggest(dimension, ctx.dimensions)}",
        )


@dataclass(frozen=True)
class _ItemScale:
    """The scale an item is answered on: its own, or its file's default."""

    id: Any  # as written; None if neither the item nor the file names one
    location: str  # where to report a problem with it
    inherited: bool  # from the file's default_scale
    scale: dict[str, Any] | None  # its definition in instrument.yaml, if known


def _check_item_scale(ctx: CheckContext, ref: ItemRef) -> _ItemScale:
    """The item has a scale (its own or the file's default) and that scale exists."""
    f, loc = ref.file, ref.location
    scale_id = ref.element.get("scale")
    scale_loc = join(loc, "scale")
    inherited = scale_id is None
    if inherited:
        scale_id = ctx.questionnaires[ref.audience].get("default_scale")
        scale_loc = loc  # the item, which has no scale of its own
        if scale_id is None:
            ctx.add(f, loc, "no scale: set 'scale' on the item or 'default_scale' in the file")
    scale = None
    if isinstance(scale_id, str) and ctx.instrument_known:
        scale = ctx.scales.get(scale_id)
        if scale is None and not inherited:  # an unknown default_scale: reported above
            ctx.add(f, scale_loc, f"unknown scale '{scale_id}'{suggest(scale_id, ctx.scales)}")
    return _ItemScale(scale_id, scale_loc, inherited, scale)


def _check_outcome_item(
    ctx: CheckContext,
    ref: ItemRef,
    outcome: str,
    outcomes: dict[str, ItemRef],
    scale: _ItemScale,
) -> None:
    """A known outcome, measured once, by an unpaired customer item on its own scale."""
    f, loc, item = ref.file, ref.location, ref.element
    if outcome not in OUTCOME_VALUES:
        ctx.add(
            f,
            join(loc, "outcome"),
            f"unknown outcome '{outcome}'; expected one of {', '.join(OUTCOME_VALUES)}",
        )
        return
    if ref.audience != Audience.CUSTOMER:
        ctx.add(f, join(loc, "outcome"), "outcome items belong in customer.yaml only")
    if outcome in outcomes:
        first = outcomes[outcome]
        ctx.add(
            f,
            join(loc, "outcome"),
            f"outcome '{outcome}' is already measured by the item at {first.file} {first.location}",
        )
    else:
        outcomes[outcome] = ref
    if item.get("pair") is not None:
        ctx.add(f, join(loc, "pair"), "outcome items cannot be paired; pairs join dimension items")
    if item.get("reverse") is True:
        ctx.add(
            f,
            join(loc, "reverse"),
            "outcome items cannot be reverse-keyed; each outcome has a fixed direction",
        )
    if outcome == Outcome.RECOMMEND and scale.scale is not None:
        lo, hi = whole(scale.scale.get("min")), whole(scale.scale.get("max"))
        if (lo, hi) != RECOMMEND_SCALE and lo is not None and hi is not None:
            source = " (the file's default_scale)" if scale.inherited else ""
            ctx.add(
                f,
                scale.location,
                f"the recommend item needs a 0..10 scale; '{scale.id}'{source} is {lo}..{hi}",
            )


def check_pairs(ctx: CheckContext) -> None:
    """Each pair joins exactly one staff and one customer item of the same dimension."""
    pairs: dict[str, list[ItemRef]] = {}
    for ref in ctx.items:
        pair = ref.element.get("pair")
        if not isinstance(pair, str) or ref.element.get("outcome") is not None:
            continue
        ctx.check_id(ref.file, join(ref.location, "pair"), pair, "pair")
        pairs.setdefault(pair, []).append(ref)
    for pair, refs in pairs.items():
        _check_pair(ctx, pair, refs)


def _check_pair(ctx: CheckContext, pair: str, refs: list[ItemRef]) -> None:
    by_audience: dict[Audience, list[ItemRef]] = {a: [] for a in Audience}
    for ref in refs:
        by_audience[ref.audience].append(ref)
    for audience, members in by_audience.items():
        for extra in members[1:]:
            first = members[0]
            ctx.add(
                extra.file,
                join(extra.location, "pair"),
                f"pair '{pair}' already has a {audience.value} item "
                f"(at {first.file} {first.location}); a pair joins exactly one staff "
                "item and one customer item",
            )
    if ctx.items_complete:
        for audience, members in by_audience.items():
            if not members:
                other = refs[0]
                ctx.add(
                    other.file,
                    join(other.location, "pair"),
                    f"pair '{pair}' has no {audience.value} item; a pair joins one staff "
                    "item and one customer item",
                )
    staff, customer = by_audience[Audience.STAFF], by_audience[Audience.CUSTOMER]
    if not (staff and customer):
        return
    s_dim, c_dim = staff[0].element.get("dimension"), customer[0].element.get("dimension")
    if isinstance(s_dim, str) and isinstance(c_dim, str) and s_dim != c_dim:
        ctx.add(
            customer[0].file,
            join(customer[0].location, "dimension"),
            f"pair '{pair}' joins items of different dimensions: the staff item is "
            f"in '{s_dim}', this one in '{c_dim}'",
        )


def check_coverage(ctx: CheckContext) -> None:
    """Every dimension is measured by at least one item (of either audience)."""
    if not (ctx.items_complete and ctx.instrument_known and ctx.questionnaires):
        return
    used = {string(ref.element, "dimension") for ref in ctx.items}
    for index, dim in elements(ctx.inst, "dimensions"):
        dim_id = dim.get("id")
        if isinstance(dim_id, str) and dim_id not in used:
            ctx.add(
                INSTRUMENT_FILE,
                f"dimensions[{index}]",
                f"dimension '{dim_id}' has no items in any questionnaire",
            )
