"""Checks on an :class:`~assess.scoring.model.InstrumentSpec` and shared helpers.

Both stages of the scoring core (:func:`assess.scoring.statistics.summarise` and
:func:`assess.scoring.engine.score`) call :func:`validate_spec` first, so an
instrument that the scoring rules cannot handle fails loudly with a
``ValueError`` instead of producing wrong numbers.
"""

from __future__ import annotations

from .model import AUDIENCES, LENSES, RECOMMEND, InstrumentSpec, ItemSpec, Parameters

#: Rule 14: the anonymity threshold is never below this.
MIN_ANONYMITY_THRESHOLD = 3

#: Rule 13: the recommend item is answered on 0..10.
NPS_SCALE = (0, 10)


def effective_threshold(parameters: Parameters) -> int:
    """Rule 14: the engagement's anonymity threshold, raised to at least 3."""
    return max(MIN_ANONYMITY_THRESHOLD, int(parameters.anonymity_threshold))


def comment_threshold(parameters: Parameters) -> int:
    """Rule 14: free-text comments need twice the (effective) anonymity threshold."""
    return 2 * effective_threshold(parameters)


def recommend_item(spec: InstrumentSpec) -> ItemSpec | None:
    """The NPS item (rule 13): the item whose ``outcome`` is ``recommend``, if any."""
    for item in spec.items:
        if item.outcome == RECOMMEND:
            return item
    return None


def validate_spec(spec: InstrumentSpec) -> None:
    """Raise ``ValueError`` if ``spec`` cannot be scored by rules 1-16.

    Checked: unique ids; known audiences and lenses; every item has an integer
    scale with ``min < max`` (rule 1) and exactly one of ``dimension`` and
    ``outcome``; dimension items point at a declared dimension; outcome ids are
    unique (they key the outcome results); the recommend item, if any, is on
    0..10 (rule 13); weights are finite and not negative (rule 8); segment
    questions have unique, non-empty options; maturity cuts are ascending with
    one label per level (rule 12).
    """
    dim_ids = [d.id for d in spec.dimensions]
    if len(set(dim_ids)) != len(dim_ids):
        raise ValueError("duplicate dimension id in instrument")
    for dim in spec.dimensions:
        if dim.lens not in LENSES:
            raise ValueError(f"dimension {dim.id!r}: unknown lens {dim.lens!r}")
        weight = float(dim.weight)
        if not (weight >= 0.0 and weight != float("inf")):
            raise ValueError(f"dimension {dim.id!r}: weight must be finite and >= 0")
    known_dims = set(dim_ids)

    item_ids = [i.id for i in spec.items]
    if len(set(item_ids)) != len(item_ids):
        raise ValueError("duplicate item id in instrument")
    outcomes: set[str] = set()
    for item in spec.items:
        if item.audience not in AUDIENCES:
            raise ValueError(f"item {item.id!r}: unknown audience {item.audience!r}")
        if not isinstance(item.min, int) or not isinstance(item.max, int):
            raise ValueError(f"item {item.id!r}: scale bounds must be integers")
        if item.min >= item.max:
            raise ValueError(f"item {item.id!r}: scale needs min < max")
        if (item.dimension is None) == (item.outcome is None):
            raise ValueError(f"item {item.id!r}: set exactly one of dimension and outcome")
        if item.dimension is not None and item.dimension not in known_dims:
            raise ValueError(f"item {item.id!r}: unknown dimension {item.dimension!r}")
        if item.outcome is not None:
            if item.outcome in outcomes:
                raise ValueError(f"outcome {item.outcome!r} is measured by more than one item")
            outcomes.add(item.outcome)
            if item.outcome == RECOMMEND and (item.min, item.max) != NPS_SCALE:
                raise ValueError(f"recommend item {item.id!r} must use the 0..10 scale")

    seg_ids = [s.id for s in spec.segments]
    if len(set(seg_ids)) != len(seg_ids):
        raise ValueError("duplicate segment question id in instrument")
    for seg in spec.segments:
        if seg.audience not in AUDIENCES:
            raise ValueError(f"segment {seg.id!r}: unknown audience {seg.audience!r}")
        if not seg.options or len(set(seg.options)) != len(seg.options):
            raise ValueError(f"segment {seg.id!r}: options must be non-empty and unique")

    params = spec.parameters
    cuts = list(params.maturity_cuts)
    if cuts != sorted(cuts):
        raise ValueError("maturity cuts must be ascending")
    if len(params.maturity_labels) != len(cuts) + 1:
        raise ValueError("maturity labels: need exactly one label per level (cuts + 1)")
