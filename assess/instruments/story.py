"""The words of the report's story: which sentences exist, what each may say,
and the wording shipped for instruments (and older snapshots) without a
``story.yaml``.

The report (:mod:`assess.reports.story`) chooses sentences by rules over the
results; the *words* live in the instrument, so a translated instrument gets a
translated summary. Each sentence key below lists the placeholders its template
may use: the checks refuse a template naming any other, so a typo in a
translation is caught when the instrument is loaded, not when a report is drawn.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

import yaml

from assess.paths import data_dir

from .schema import Instrument, Story

#: Sentence key -> the placeholders its template may use.
SENTENCES: dict[str, frozenset[str]] = {
    key: frozenset(fields.split())
    for key, fields in {
        "verdict_no_results": "threshold",
        "verdict_self_rated": "means ends",
        "verdict_customers_only": "ends threshold",
        "verdict_no_position": "ends",
        "verdict_systemic": "about scope",
        "verdict_concentrated": "dimensions gaps",
        "verdict_concentrated_wider": "dimensions gaps count",
        "verdict_hidden_strength": "dimensions",
        "verdict_taking": "means ends",
        "verdict_under_equipped": "means ends",
        "verdict_aligned_high": "means ends",
        "verdict_both_low": "means ends",
        "position": "quadrant means ends level levels label",
        "position_self_rated": "quadrant means ends",
        "customers_below_threshold": "customers threshold",
        "no_customers": "",
        "survey_adds": "threshold comment_threshold",
        "gap_systemic": "count low high",
        "gap_concentrated": "dimensions",
        "gap_other": "low high dimensions",
        "pair_but_only": "staff_share staff_verb staff_text customer_share customer_verb "
        "customer_text",
        "pair_while": "staff_share staff_verb staff_text customer_share customer_verb "
        "customer_text",
        "other_dimensions": "count",
        "verb_agree": "",
        "verb_disagree": "",
        "gap_none": "threshold largest",
        "hidden_strength": "dimensions",
        "taking": "",
        "under_equipped": "",
        "loyalty": "choice hostage neither",
        "hostages_lead": "choice hostage",
        "nps": "nps promoters detractors n",
        "nps_delivery_gap": "nps staff_ends",
        "small_sample": "n",
        "trend_changed": "label changed count up down",
        "trend_steady": "label count",
        "trend_hostage": "before now verdict",
        "trend_real": "",
        "trend_noise": "",
        "maturity_departs": "level departures",
        "condition_customers_find_fair": "ends low",
        "condition_most_stay_by_choice": "choice",
        "condition_would_recommend": "nps",
        "condition_few_blind_spots": "count threshold",
        "scope_every_end": "",
        "scope_every_means": "",
        "scope_every_dimension": "",
        "scope_some": "count total",
        "horizon_first_move": "",
        "horizon_structural": "",
        "systemic_title": "",
        "systemic_text": "",
        "systemic_owner": "",
        "systemic_measure": "",
        "survey_title": "",
        "survey_text": "",
        "survey_owner": "",
        "survey_measure": "",
        "evidence_survey": "customers threshold",
        "protect_title": "",
        "protect_text": "",
        "protect_owner": "",
        "protect_measure": "",
        "evidence_gap": "staff customer gap low high",
        "evidence_group": "low high count",
        "evidence_low": "staff customer threshold",
        "evidence_staff_low": "staff cut",
        "evidence_hostage": "hostage choice",
        "evidence_hidden_strength": "staff customer gap",
        "evidence_aligned": "means ends threshold",
        "quote": "question audience text times",
        "quote_times": "count",
        "audience_staff": "",
        "audience_customers": "",
    }.items()
}

#: What a maturity level's description may assume (``maturity:`` in story.yaml).
CONDITIONS = frozenset(
    {"customers_find_fair", "most_stay_by_choice", "would_recommend", "few_blind_spots"}
)
#: The findings an open question's answers may be quoted for (``comments:``).
COMMENT_FINDINGS = frozenset({"blind_spot", "low", "staff_low", "strength"})

#: The instrument whose story.yaml is the shipped wording.
DEFAULT_INSTRUMENT = "customer-centricity"


def placeholders(template: str) -> list[str]:
    """The ``{names}`` a template uses; ``ValueError`` for unbalanced braces."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


@cache
def default_story() -> Story:
    """The shipped wording: the default instrument's ``story.yaml``.

    Read from the shipped questionnaires (never the ``ASSESS_QUESTIONNAIRES_DIR``
    override), so an instrument folder elsewhere cannot change it.
    """
    from .fileformat import StoryFile, build_story

    path = data_dir("questionnaires") / DEFAULT_INSTRUMENT / "story.yaml"
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return build_story(StoryFile.model_validate(data), "en")


def story_for(instrument: Instrument) -> Story:
    """The instrument's story with the shipped wording filling whatever it leaves out.

    Sentences and dimension owners fall back key by key; the maturity
    assumptions, the comment questions and the hostage dimensions are the
    instrument's own when it has a story (they name its levels, questions and
    dimensions), else the shipped ones.
    """
    default = default_story()
    own = instrument.story
    if own is None:
        return default
    return Story(
        sentences={**default.sentences, **own.sentences},
        dimensions={**default.dimensions, **own.dimensions},
        maturity=dict(own.maturity),
        comments=dict(own.comments),
        hostage_dimensions=list(own.hostage_dimensions),
    )
