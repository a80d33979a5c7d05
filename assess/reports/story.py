"""The executive summary's story, composed from the results by explicit rules.

Answer first: one verdict sentence a board can repeat, then the position, the
size and shape of the perception gap, the outcomes set against each other, the
trend, and at most four board actions. Every sentence is chosen by a named rule
(``Sentence.rule``) over :class:`~assess.scoring.Results` and carries the
figures it rests on; no rule fires on missing, suppressed or too-thin data
(a gap needs its Welch interval, ``gap_ci95``: both audiences n >= 2). The words
come from the instrument's ``story.yaml`` (:func:`assess.instruments.story.story_for`).

Pure: no Flask, database or WeasyPrint. The rules are listed in ``docs/report.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assess.instruments.schema import Audience, Instrument, Recommendation
from assess.instruments.schema import Story as StoryWords
from assess.instruments.story import story_for
from assess.reports import format as fmt
from assess.reports import patterns
from assess.reports.patterns import Thresholds
from assess.reports.precision import SMALL_SAMPLE
from assess.scoring import (
    CUSTOMER_CENTRIC,
    DEVOTED_UNDER_EQUIPPED,
    MEANS_ONLY,
    PRODUCT_CENTRIC,
    DimensionResult,
    DimensionScore,
    Results,
    welch_interval,
)
from assess.text import without_bidi_controls

#: At most this many board actions on the summary page (the brief allows three to
#: five; four keep page 1 to one page with the verdict, findings and tiles).
MAX_ACTIONS = 4
#: A gap shared by at most this many dimensions, and by fewer than half of those
#: both audiences rate, is "concentrated"; a larger leading group is "systemic".
CONCENTRATED_MAX = 3

STAFF_ONLY = "staff_only"
CUSTOMERS = "customers"
NO_RESULTS = "no_results"
CUSTOMERS_ONLY = "customers_only"


@dataclass(frozen=True)
class Sentence:
    """One sentence of the story and the rule that chose it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Quote:
    """An open answer quoted as evidence for a finding (``finding``: blind_spot, low,
    staff_low, strength): the question it answers and how many wrote it. It sits
    beside the findings, not on one action card: only its question links it to a
    finding, so it may not be pinned on one dimension."""

    finding: str
    question: str
    text: str
    count: int
    #: The whole sentence, and the parts around the quoted answer, so a page can
    #: isolate the respondent's words (``|bidi``) inside the instrument's sentence.
    sentence: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class BoardAction:
    """A decision for the board: what, why (figures), who, by when, and how to tell."""

    rule: str
    dimension: str | None
    dimension_title: str
    title: str
    text: str
    evidence: str
    owner: str
    horizon: str
    measure: str
    #: The recommendation library's pattern the advice comes from (None: the
    #: story's own firm-wide action).
    pattern: str | None = None


@dataclass(frozen=True)
class Story:
    """The executive summary: verdict first, then support, then decisions.

    ``evidence`` says what the story rests on: ``customers`` (both audiences),
    ``staff_only`` (the staff's own view: no quadrant or maturity verdict is
    stated as fact), ``customers_only`` (too few staff: no gap, no position) or
    ``no_results``.
    """

    evidence: str
    verdict: Sentence
    position: tuple[Sentence, ...]
    findings: tuple[Sentence, ...]
    outcomes: tuple[Sentence, ...]
    trend: tuple[Sentence, ...]
    survey: Sentence | None
    actions: tuple[BoardAction, ...]
    quotes: tuple[Quote, ...]

    @property
    def heading(self) -> str:
        """What the verdict is, as its label says: the answer only when customers
        answered; otherwise whose view it is."""
        return {
            "customers": "The answer",
            "staff_only": "The staff's own view",
            "customers_only": "The customers' view",
        }.get(self.evidence, "Not yet")

    def sentences(self) -> list[Sentence]:
        """Every sentence in reading order (for tests and plain-text use)."""
        out = [self.verdict, *self.position, *self.findings, *self.outcomes, *self.trend]
        return out + ([self.survey] if self.survey else [])

    def rules(self) -> list[str]:
        return [s.rule for s in self.sentences()] + [a.rule for a in self.actions]


# -- small helpers ----------------------------------------------------------------------


def _pts(value: float) -> str:
    """An unsigned gap size in points with one decimal (29.6)."""
    return fmt.gap(abs(value)).lstrip("+")


def _names(titles: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def _gap(d: DimensionResult) -> float:
    """A dimension's gap as the difference of its two scores printed with one
    decimal (rule 16), so every place the story prints it agrees with the
    evidence that prints the scores beside it."""
    text = fmt.difference(_score(d.staff), _score(d.customer))
    return float(text.replace(fmt.MINUS, "-")) if text != fmt.DASH else (d.gap or 0.0)


def _score(part: DimensionScore | None) -> float | None:
    if part is None or part.suppressed:
        return None
    return part.score


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Two 95% intervals share at least one point."""
    return a[0] <= b[1] and b[0] <= a[1]


def leading_group(dimensions: Sequence[DimensionResult]) -> list[DimensionResult]:
    """The largest gap and every gap whose interval overlaps its interval (rule 9).

    Only gaps with an interval take part (n >= 2 on both sides): a gap without
    one is too thin to rank. Returned in instrument order: the members are one
    finding, and their order means nothing.
    """
    candidates = [d for d in dimensions if d.gap is not None and d.gap_ci95 is not None]
    if not candidates:
        return []
    lead = max(candidates, key=lambda d: d.gap or 0.0)
    assert lead.gap_ci95 is not None
    return [d for d in candidates if d.gap_ci95 and overlaps(d.gap_ci95, lead.gap_ci95)]


class _Words:
    """The story's templates in the instrument's language."""

    def __init__(self, instrument: Instrument, words: StoryWords) -> None:
        self.instrument = instrument
        self.words = words

    def __call__(self, key: str, **figures: Any) -> str:
        template = self.instrument.text(self.words.sentences.get(key, {}))
        return template.format(**figures).rstrip()

    def owner(self, dimension: str) -> tuple[str, str]:
        entry = self.words.dimensions.get(dimension)
        if entry is None:
            return self("systemic_owner"), ""
        return self.instrument.text(entry.owner), self.instrument.text(entry.measure)


# -- the composition --------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    results: Results
    instrument: Instrument
    thresholds: Thresholds
    say: _Words
    titles: Mapping[str, str]
    comments: Mapping[str, Sequence[Mapping[str, Any]]]


def compose_story(
    results: Results,
    instrument: Instrument,
    *,
    previous: Results | None = None,
    previous_label: str = "",
    comments: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Story:
    """The story of ``results``.

    ``previous``: the previous wave's results (for the trend); ``comments``: the
    visible open answers by question id, as :func:`patterns.collapse_comments`
    gives them (only audiences above the comment threshold).
    """
    ctx = _Context(
        results=results,
        instrument=instrument,
        thresholds=Thresholds.of(instrument),
        say=_Words(instrument, story_for(instrument)),
        titles={d.id: instrument.text(d.title) for d in instrument.dimensions},
        comments=comments or {},
    )
    staff = results.audiences.get("staff")
    customers = results.audiences.get("customer")
    staff_ok = staff is not None and staff.responses > 0 and not staff.suppressed
    customers_ok = (
        customers is not None
        and customers.responses > 0
        and not customers.suppressed
        and not results.position.self_rated
    )
    quotes: list[Quote] = []
    if customers_ok and staff_ok:
        return _customer_story(ctx, previous, previous_label, quotes)
    if staff_ok:
        return _staff_story(ctx, quotes)
    customer_ends = results.indices["customer"].ends if "customer" in results.indices else None
    if customers_ok and customer_ends is not None:
        # Customers without enough staff: their own view, and no gap or position.
        return Story(
            evidence=CUSTOMERS_ONLY,
            verdict=Sentence(
                "verdict.customers_only",
                ctx.say(
                    "verdict_customers_only",
                    ends=fmt.score(customer_ends, [results.parameters.quadrant_cut]),
                    threshold=results.parameters.anonymity_threshold,
                ),
            ),
            position=(),
            findings=(),
            outcomes=tuple(_outcomes(ctx)),
            trend=(),
            survey=None,
            actions=(),
            quotes=(),
        )
    return Story(
        evidence=NO_RESULTS,
        verdict=Sentence(
            "verdict.no_results",
            ctx.say("verdict_no_results", threshold=results.parameters.anonymity_threshold),
        ),
        position=(),
        findings=(),
        outcomes=(),
        trend=(),
        survey=None,
        actions=(),
        quotes=(),
    )


def _quote(ctx: _Context, finding: str, used: list[Quote]) -> Quote | None:
    """The most often written answer (then the first alphabetically) to an open
    question that bears on ``finding``, not quoted before. Nothing is read from
    the content: the question it answers is the only link to the finding."""
    words = story_for(ctx.instrument)
    questions = {
        q.id: q
        for audience in ctx.instrument.audiences()
        for q in ctx.instrument.questionnaires[audience].open_questions
    }
    quoted = {q.text for q in used}
    for question_id, findings in words.comments.items():
        if finding not in findings or question_id not in questions:
            continue
        answers = [c for c in ctx.comments.get(question_id, ()) if c["text"] not in quoted]
        if not answers:
            continue
        best = min(answers, key=lambda c: (-int(c["count"]), str(c["text"]).casefold()))
        question = questions[question_id]
        audience = ctx.say(
            "audience_staff" if question.audience == Audience.STAFF else "audience_customers"
        )
        count = int(best["count"])
        times = ctx.say("quote_times", count=count) if count > 1 else ""
        # Typed by a respondent: no bidi controls (they would reorder the sentence).
        answer = without_bidi_controls(str(best["text"])).strip().rstrip(".")
        marker = "\x00"
        framed = ctx.say(
            "quote",
            question=ctx.instrument.text(question.text).rstrip("?.").strip() + "?",
            audience=audience,
            text=marker,
            times=times,
        )
        before, found, after = framed.partition(marker)
        quote = Quote(
            finding=finding,
            question=ctx.instrument.text(question.text),
            text=answer if found else "",
            count=count,
            sentence=before + (answer if found else "") + after,
            before=before,
            after=after,
        )
        used.append(quote)
        return quote
    return None


def _recommendation(ctx: _Context, dimension: str, pattern: str) -> Recommendation | None:
    library = ctx.instrument.recommendations.get(dimension)
    options = getattr(library, pattern, []) if library else []
    return options[0] if options else None


def _dimension_action(
    ctx: _Context,
    rule: str,
    dimension: str,
    pattern: str,
    evidence: str,
    horizon: str,
) -> BoardAction | None:
    advice = _recommendation(ctx, dimension, pattern)
    if advice is None:
        return None
    owner, measure = ctx.say.owner(dimension)
    return BoardAction(
        rule=rule,
        dimension=dimension,
        dimension_title=ctx.titles.get(dimension, dimension),
        title=ctx.instrument.text(advice.title),
        text=ctx.instrument.text(advice.text),
        evidence=evidence,
        owner=owner,
        horizon=ctx.say(horizon),
        measure=measure,
        pattern=pattern,
    )


def _staff_low_actions(ctx: _Context, quotes: list[Quote]) -> list[BoardAction]:
    """Rule action.staff_low: a dimension only staff rate, below the "high" mark.

    Staff judge the machinery best; when they rate it low that is evidence in
    its own right (no customer figure is needed)."""
    cut = ctx.results.parameters.quadrant_cut
    rows = [
        d
        for d in ctx.results.dimensions
        if d.customer is None and _score(d.staff) is not None and (_score(d.staff) or 0) < cut
    ]
    out = []
    # The lowest score and every score whose interval overlaps it first (one
    # group, instrument order), then the others: no ranking by tenths.
    lowest = min(rows, key=lambda d: _score(d.staff) or 0.0, default=None)
    first = [
        d
        for d in rows
        if lowest is not None
        and d.staff is not None
        and d.staff.ci95 is not None
        and lowest.staff is not None
        and lowest.staff.ci95 is not None
        and overlaps(d.staff.ci95, lowest.staff.ci95)
    ] or ([lowest] if lowest is not None else [])
    for d in first + [d for d in rows if d not in first]:
        staff = _score(d.staff)
        evidence = ctx.say("evidence_staff_low", staff=fmt.score(staff, [cut]), cut=fmt.score(cut))
        # The low-score advice: the blind-spot advice speaks of customers, who
        # are not asked about these dimensions.
        action = _dimension_action(
            ctx, "action.staff_low", d.id, "low", evidence, "horizon_structural"
        )
        if action is not None:
            out.append(action)
    if out:
        _quote(ctx, "staff_low", quotes)
    return out


def _survey_action(ctx: _Context) -> BoardAction:
    """Rule action.survey: without customer results the first decision is to ask them."""
    say = ctx.say
    customers = ctx.results.audiences.get("customer")
    answered = 0 if customers is None else customers.responses
    return BoardAction(
        rule="action.survey",
        dimension=None,
        dimension_title="",
        title=say("survey_title"),
        text=say("survey_text"),
        evidence=say(
            "evidence_survey",
            customers=fmt.count(answered),
            threshold=ctx.results.parameters.anonymity_threshold,
        ),
        owner=say("survey_owner"),
        horizon=say("horizon_first_move"),
        measure=say("survey_measure"),
    )


def _staff_story(ctx: _Context, quotes: list[Quote]) -> Story:
    """No usable customer results: the staff's own view, said first; no verdict as fact."""
    results = ctx.results
    position = results.position
    customers = results.audiences.get("customer")
    threshold = results.parameters.anonymity_threshold
    means, ends = fmt.score(position.means), fmt.score(position.ends)
    said: list[Sentence] = []
    if position.quadrant_label is not None:
        said.append(
            Sentence(
                "position.self_rated",
                ctx.say(
                    "position_self_rated", quadrant=position.quadrant_label, means=means, ends=ends
                ),
            )
        )
    if customers is not None and customers.responses and customers.suppressed:
        said.append(
            Sentence(
                "customers.below_threshold",
                ctx.say(
                    "customers_below_threshold",
                    customers=fmt.count(customers.responses),
                    threshold=threshold,
                ),
            )
        )
    elif Audience.CUSTOMER in ctx.instrument.questionnaires:
        said.append(Sentence("customers.none", ctx.say("no_customers")))
    return Story(
        evidence=STAFF_ONLY,
        verdict=Sentence(
            "verdict.self_rated", ctx.say("verdict_self_rated", means=means, ends=ends)
        ),
        position=tuple(said),
        findings=(),
        outcomes=(),
        trend=(),
        survey=Sentence(
            "survey.adds",
            ctx.say(
                "survey_adds",
                threshold=threshold,
                comment_threshold=results.parameters.comment_threshold,
            ),
        ),
        actions=tuple(([_survey_action(ctx)] + _staff_low_actions(ctx, quotes))[:MAX_ACTIONS]),
        quotes=tuple(quotes),
    )


def _customer_story(
    ctx: _Context, previous: Results | None, previous_label: str, quotes: list[Quote]
) -> Story:
    results, say, th = ctx.results, ctx.say, ctx.thresholds
    position = results.position
    cut = results.parameters.quadrant_cut
    means, ends = fmt.score(position.means, [cut]), fmt.score(position.ends, [cut])
    paired = [d for d in results.dimensions if d.gap is not None and d.gap_ci95 is not None]
    group = leading_group(paired)
    lead_gap = max((d.gap or 0.0 for d in group), default=0.0)
    gap_found = bool(group) and lead_gap >= th.blind_spot_gap
    systemic = gap_found and not (len(group) <= CONCENTRATED_MAX and len(group) * 2 < len(paired))
    hidden = [
        d
        for d in paired
        if (d.gap or 0.0) <= -th.blind_spot_gap and d.gap_ci95 is not None and d.gap_ci95[1] < 0
    ]
    group_titles = [ctx.titles[d.id] for d in group]
    findings: list[Sentence] = []
    actions: list[BoardAction] = []

    # -- verdict, in priority: gap shape, hidden strength, then the quadrant.
    if systemic:
        ids = {d.id for d in group}
        ends_ids = {d.id for d in paired if d.lens == "ends"}
        means_ids = {d.id for d in paired if d.lens == "means"}
        if ids == {d.id for d in paired}:
            scope = say("scope_every_dimension")
        elif ends_ids and ids == ends_ids:
            scope = say("scope_every_end")
        elif means_ids and ids == means_ids:
            scope = say("scope_every_means")
        else:
            scope = say("scope_some", count=len(group), total=len(paired))
        mean_gap = sum(d.gap or 0.0 for d in group) / len(group)
        about = fmt.score(5 * round(mean_gap / 5))
        verdict = Sentence(
            "verdict.systemic_gap", say("verdict_systemic", about=about, scope=scope)
        )
        findings.append(
            Sentence(
                "gap.systemic",
                say(
                    "gap_systemic",
                    count=len(group),
                    low=_pts(min(_gap(d) for d in group)),
                    high=_pts(max(_gap(d) for d in group)),
                ),
            )
        )
    elif gap_found:
        gaps = _names([_pts(_gap(d)) for d in group])
        wider = sum(1 for d in paired if (d.gap or 0.0) >= th.blind_spot_gap)
        if wider > len(group):
            # Other dimensions have blind-spot gaps too: not "broadly agree".
            verdict = Sentence(
                "verdict.concentrated_gap_wider",
                say(
                    "verdict_concentrated_wider",
                    dimensions=_names(group_titles),
                    gaps=gaps,
                    count=wider,
                ),
            )
        else:
            verdict = Sentence(
                "verdict.concentrated_gap",
                say("verdict_concentrated", dimensions=_names(group_titles), gaps=gaps),
            )
        if wider == len(group):
            detail = [
                f"{ctx.titles[d.id]} ({fmt.score1(_score(d.staff))} vs "
                f"{fmt.score1(_score(d.customer))}, "
                f"{fmt.difference(_score(d.staff), _score(d.customer))})"
                for d in group
            ]
            findings.append(
                Sentence("gap.concentrated", say("gap_concentrated", dimensions="; ".join(detail)))
            )
        shown = _pair_sentence(ctx, {d.id for d in group})
        if shown is not None:
            findings.append(shown)
    elif hidden:
        verdict = Sentence(
            "verdict.hidden_strength",
            say("verdict_hidden_strength", dimensions=_names([ctx.titles[d.id] for d in hidden])),
        )
    elif position.quadrant is None:
        # No staff means index (no means items answered): the customers' view only.
        verdict = Sentence("verdict.no_position", say("verdict_no_position", ends=ends))
    else:
        verdict = Sentence(
            f"verdict.{position.quadrant}",
            say(
                {
                    MEANS_ONLY: "verdict_taking",
                    DEVOTED_UNDER_EQUIPPED: "verdict_under_equipped",
                    CUSTOMER_CENTRIC: "verdict_aligned_high",
                    PRODUCT_CENTRIC: "verdict_both_low",
                }[position.quadrant or PRODUCT_CENTRIC],
                means=means,
                ends=ends,
            ),
        )

    # -- the rest of the gap: smaller gaps outside the leading group; none at all.
    if gap_found:
        rest = [d for d in paired if d not in group and (d.gap or 0.0) >= th.blind_spot_gap]
        if rest:
            findings.append(
                Sentence(
                    "gap.other",
                    say(
                        "gap_other",
                        low=_pts(min(_gap(d) for d in rest)),
                        high=_pts(max(_gap(d) for d in rest)),
                        # Up to three are named; more are counted (the dimension section
                        # lists them), so page 1 stays one page.
                        dimensions=_names([ctx.titles[d.id] for d in rest])
                        if len(rest) <= 3
                        else say("other_dimensions", count=len(rest)),
                    ),
                )
            )
    elif paired and not any(d.gap is not None and d.gap_ci95 is None for d in results.dimensions):
        # "No gap" is a claim too: only when every gap could be judged.
        largest = max(paired, key=lambda d: abs(d.gap or 0.0))
        findings.append(
            Sentence(
                "gap.none",
                say(
                    "gap_none", threshold=fmt.score(th.blind_spot_gap), largest=fmt.gap(largest.gap)
                ),
            )
        )
    if hidden and verdict.rule != "verdict.hidden_strength":
        findings.append(
            Sentence(
                "gap.hidden_strength",
                say("hidden_strength", dimensions=_names([ctx.titles[d.id] for d in hidden])),
            )
        )
    outcomes = _outcomes(ctx)
    hostage_lead = any(s.rule == "outcomes.hostages_lead" for s in outcomes)
    if (
        position.quadrant == MEANS_ONLY
        and verdict.rule != "verdict.means_only"
        and not hostage_lead
    ):
        # (More hostages than loyal customers already says "taking", in one line.)
        findings.append(Sentence("position.taking", say("taking")))
    if position.quadrant == DEVOTED_UNDER_EQUIPPED and verdict.rule != (
        "verdict.devoted_under_equipped"
    ):
        findings.append(Sentence("position.under_equipped", say("under_equipped")))

    # -- position and maturity, conditioned on the data.
    levels = len(ctx.instrument.maturity)
    position_said = []
    if position.quadrant_label is not None:
        position_said.append(
            Sentence(
                "position",
                say(
                    "position",
                    quadrant=position.quadrant_label,
                    means=means,
                    ends=ends,
                    level=position.maturity_level,
                    levels=levels,
                    label=position.maturity_label,
                ),
            )
        )
    departures = _maturity_departures(ctx, paired)
    if departures:
        position_said.append(
            Sentence(
                "maturity.departs",
                say(
                    "maturity_departs",
                    level=position.maturity_level,
                    departures="; ".join(departures),
                ),
            )
        )

    # -- board actions, at most MAX_ACTIONS.
    if gap_found:
        _quote(ctx, "blind_spot", quotes)
    if systemic:
        actions.append(
            BoardAction(
                rule="action.systemic_gap",
                dimension=None,
                dimension_title=_names(group_titles) if len(group) <= 3 else scope,
                title=say("systemic_title"),
                text=say("systemic_text"),
                evidence=say(
                    "evidence_group",
                    low=_pts(min(_gap(d) for d in group)),
                    high=_pts(max(_gap(d) for d in group)),
                    count=len(group),
                ),
                owner=say("systemic_owner"),
                horizon=say("horizon_first_move"),
                measure=say("systemic_measure"),
            )
        )
    elif gap_found:
        for d in group:
            action = _dimension_action(
                ctx,
                "action.concentrated_gap",
                d.id,
                "blind_spot",
                _gap_evidence(ctx, d),
                "horizon_first_move",
            )
            if action:
                actions.append(action)
    if hostage_lead:
        for dim_id in story_for(ctx.instrument).hostage_dimensions:
            hostage, choice = _loyalty(results)
            action = _dimension_action(
                ctx,
                "action.hostages",
                dim_id,
                "low",
                say("evidence_hostage", hostage=fmt.percent(hostage), choice=fmt.percent(choice)),
                "horizon_structural",
            )
            if action:
                actions.append(action)
                break
    if systemic:
        # The firm-wide action covers the leading group; the largest gap outside it
        # still gets its own first move (no ranking inside the group).
        rest = [d for d in paired if d not in group and (d.gap or 0.0) >= th.blind_spot_gap]
        for d in leading_group(rest)[:1]:
            action = _dimension_action(
                ctx,
                "action.second_gap",
                d.id,
                "blind_spot",
                _gap_evidence(ctx, d),
                "horizon_first_move",
            )
            if action:
                actions.append(action)
    actions.extend(_staff_low_actions(ctx, quotes))
    for d in paired:
        staff, customer = _score(d.staff), _score(d.customer)
        if (
            staff is not None
            and customer is not None
            and max(staff, customer) < th.low_score
            and (d.gap or 0.0) < th.blind_spot_gap
        ):
            action = _dimension_action(
                ctx,
                "action.both_low",
                d.id,
                "low",
                say(
                    "evidence_low",
                    staff=fmt.score(staff),
                    customer=fmt.score(customer),
                    threshold=fmt.score(th.low_score),
                ),
                "horizon_structural",
            )
            if action:
                actions.append(action)
                if not any(q.finding == "low" for q in quotes):
                    _quote(ctx, "low", quotes)
    for d in hidden:
        action = _dimension_action(
            ctx,
            "action.hidden_strength",
            d.id,
            "strength",
            say(
                "evidence_hidden_strength",
                staff=fmt.score1(_score(d.staff)),
                customer=fmt.score1(_score(d.customer)),
                gap=fmt.difference(_score(d.customer), _score(d.staff)).lstrip("+"),
            ),
            "horizon_structural",
        )
        if action:
            actions.append(action)
            _quote(ctx, "strength", quotes)
    if verdict.rule == f"verdict.{CUSTOMER_CENTRIC}":
        actions.append(
            BoardAction(
                rule="action.protect",
                dimension=None,
                dimension_title="",
                title=say("protect_title"),
                text=say("protect_text"),
                evidence=say(
                    "evidence_aligned",
                    means=means,
                    ends=ends,
                    threshold=fmt.score(th.blind_spot_gap),
                ),
                owner=say("protect_owner"),
                horizon=say("horizon_structural"),
                measure=say("protect_measure"),
            )
        )
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for action in actions:
        key = (action.dimension, action.title)
        if key not in seen:
            seen.add(key)
            unique.append(action)

    return Story(
        evidence=CUSTOMERS,
        verdict=verdict,
        position=tuple(position_said),
        findings=tuple(findings),
        outcomes=tuple(outcomes),
        trend=tuple(_trend(ctx, previous, previous_label)),
        survey=None,
        actions=tuple(unique[:MAX_ACTIONS]),
        quotes=tuple(quotes),
    )


def _pair_sentence(ctx: _Context, dimensions: set[str]) -> Sentence | None:
    """Rule gap.pair: the paired statements that show a concentrated gap.

    Among the pairs of the gap's dimensions, the widest difference in the share
    giving the favourable answer (:func:`patterns.headline_choice`: a plainly
    worded pair unless a reverse-worded one is clearly wider); only staff above
    customers (the direction of the gap)."""
    rows = []
    for pair in ctx.results.pairs:
        if pair.dimension not in dimensions:
            continue
        if pair.staff_top_box is None or pair.customer_top_box is None:
            continue
        staff_item = ctx.instrument.item(pair.staff_item)
        customer_item = ctx.instrument.item(pair.customer_item)
        rows.append(
            {
                "pair": pair,
                "top_box_gap": pair.staff_top_box - pair.customer_top_box,
                "staff_reverse": staff_item.reverse,
                "customer_reverse": customer_item.reverse,
                "staff_text": ctx.instrument.text(staff_item.text),
                "customer_text": ctx.instrument.text(customer_item.text),
            }
        )
    chosen = patterns.headline_choice(rows)
    if chosen is None or chosen["top_box_gap"] <= 0:
        return None
    say = ctx.say
    pair = chosen["pair"]
    # Rule 16 with shares: the printed percentages are what a reader compares.
    key = (
        "pair_but_only"
        if fmt.percent(pair.staff_top_box) != fmt.percent(pair.customer_top_box)
        else "pair_while"
    )
    return Sentence(
        "gap.pair",
        say(
            key,
            staff_share=fmt.percent(pair.staff_top_box),
            staff_verb=say("verb_disagree" if chosen["staff_reverse"] else "verb_agree"),
            staff_text=chosen["staff_text"].rstrip().rstrip("."),
            customer_share=fmt.percent(pair.customer_top_box),
            customer_verb=say("verb_disagree" if chosen["customer_reverse"] else "verb_agree"),
            customer_text=chosen["customer_text"].rstrip().rstrip("."),
        ),
    )


def _gap_evidence(ctx: _Context, d: DimensionResult) -> str:
    staff, customer = _score(d.staff), _score(d.customer)
    low, high = d.gap_ci95 or (None, None)
    return ctx.say(
        "evidence_gap",
        staff=fmt.score1(staff),
        customer=fmt.score1(customer),
        gap=fmt.difference(staff, customer),
        low=_pts(low) if low is not None else "–",
        high=_pts(high) if high is not None else "–",
    )


def _loyalty(results: Results) -> tuple[float | None, float | None]:
    """(hostage share, loyal-by-choice share), None where not available or suppressed."""
    choice = results.outcomes.get("stay_by_choice")
    hostage = results.outcomes.get("stay_hostage")

    def share(o: Any) -> float | None:
        return None if o is None or o.suppressed else o.top_box

    return share(hostage), share(choice)


def _outcomes(ctx: _Context) -> list[Sentence]:
    """Loyal by choice against hostage, what the rest are, NPS; with a caution under 30."""
    results, say = ctx.results, ctx.say
    out: list[Sentence] = []
    hostage, choice = _loyalty(results)
    if hostage is not None and choice is not None:
        # Customers answer the two statements separately, so some may agree with
        # both: the share agreeing with neither is at least 1 - choice - hostage.
        neither = max(0.0, 1.0 - choice - hostage)
        out.append(
            Sentence(
                "outcomes.loyalty",
                say(
                    "loyalty",
                    choice=fmt.percent(choice),
                    hostage=fmt.percent(hostage),
                    neither=fmt.percent(neither),
                ),
            )
        )
        if hostage > choice:
            out.append(
                Sentence(
                    "outcomes.hostages_lead",
                    say("hostages_lead", choice=fmt.percent(choice), hostage=fmt.percent(hostage)),
                )
            )
    nps = results.nps
    staff_ends = results.indices["staff"].ends if "staff" in results.indices else None
    cut = results.parameters.quadrant_cut
    if nps.score is not None and nps.n:
        if nps.score < 0 and staff_ends is not None and staff_ends >= cut:
            out.append(
                Sentence(
                    "outcomes.nps_delivery_gap",
                    say(
                        "nps_delivery_gap",
                        nps=fmt.score(nps.score),
                        staff_ends=fmt.score(staff_ends),
                    ),
                )
            )
        else:
            out.append(
                Sentence(
                    "outcomes.nps",
                    say(
                        "nps",
                        nps=fmt.score(nps.score),
                        promoters=fmt.percent(nps.promoters),
                        detractors=fmt.percent(nps.detractors),
                        n=fmt.count(nps.n),
                    ),
                )
            )
    customers = results.audiences.get("customer")
    if customers is not None and customers.responses < SMALL_SAMPLE:
        out.append(
            Sentence("caution.small_sample", say("small_sample", n=fmt.count(customers.responses)))
        )
    return out


def _maturity_departures(ctx: _Context, paired: Sequence[DimensionResult]) -> list[str]:
    """Each assumption of the current level's description that the figures contradict.

    A condition whose figures are missing is not judged (no rule fires on
    missing data)."""
    results, say, th = ctx.results, ctx.say, ctx.thresholds
    level = results.position.maturity_level
    if level is None:
        return []
    out = []
    hostage, choice = _loyalty(results)
    for condition in story_for(ctx.instrument).maturity.get(level, []):
        ends = results.position.ends
        if condition == "customers_find_fair" and ends is not None and ends < th.low_score:
            out.append(
                say(
                    "condition_customers_find_fair",
                    ends=fmt.score(ends),
                    low=fmt.score(th.low_score),
                )
            )
        elif condition == "most_stay_by_choice" and choice is not None and choice < 0.5:
            out.append(say("condition_most_stay_by_choice", choice=fmt.percent(choice)))
        elif (
            condition == "would_recommend"
            and results.nps.score is not None
            and results.nps.score <= 0
        ):
            out.append(say("condition_would_recommend", nps=fmt.score(results.nps.score)))
        elif condition == "few_blind_spots":
            count = sum(1 for d in paired if (d.gap or 0.0) >= th.blind_spot_gap)
            if count >= 2:
                out.append(
                    say(
                        "condition_few_blind_spots",
                        count=count,
                        threshold=fmt.score(th.blind_spot_gap),
                    )
                )
    return out


def _trend(ctx: _Context, previous: Results | None, label: str) -> list[Sentence]:
    """Direction of travel: how many dimension scores moved by more than their
    uncertainty (Welch interval of the change excludes 0), and the hostage share."""
    if previous is None or ctx.results.trend is None:
        return []
    say = ctx.say
    before = {d.id: d for d in previous.dimensions}
    up, down, count = [], [], 0
    for d in ctx.results.dimensions:
        p = before.get(d.id)
        if p is None:
            continue
        # The customers' score where both waves have it, else the staff's.
        for audience in ("customer", "staff"):
            now, then = getattr(d, audience), getattr(p, audience)
            if now is None or then is None or now.suppressed or then.suppressed:
                continue
            if None in (now.score, now.sd, now.n, then.score, then.sd, then.n):
                continue
            interval = welch_interval(now.score, now.sd, now.n, then.score, then.sd, then.n)
            if interval is None:
                continue
            count += 1
            if interval[0] > 0:
                up.append(d.id)
            elif interval[1] < 0:
                down.append(d.id)
            break
    out = []
    if count:
        if up or down:
            out.append(
                Sentence(
                    "trend.changed",
                    say(
                        "trend_changed",
                        label=label,
                        changed=len(up) + len(down),
                        count=count,
                        up=len(up),
                        down=len(down),
                    ),
                )
            )
        else:
            out.append(Sentence("trend.steady", say("trend_steady", label=label, count=count)))
    h_now, _ = _loyalty(ctx.results)
    h_then, _ = _loyalty(previous)
    n_now = ctx.results.outcomes.get("stay_hostage")
    n_then = previous.outcomes.get("stay_hostage")
    if h_now is not None and h_then is not None and n_now and n_then and n_now.n and n_then.n:
        # Two independent proportions: 1.96 standard errors of the difference.
        se = (h_now * (1 - h_now) / n_now.n + h_then * (1 - h_then) / n_then.n) ** 0.5
        real = abs(h_now - h_then) > 1.96 * se
        out.append(
            Sentence(
                "trend.hostage",
                say(
                    "trend_hostage",
                    before=fmt.percent(h_then),
                    now=fmt.percent(h_now),
                    verdict=say("trend_real" if real else "trend_noise"),
                ),
            )
        )
    return out
