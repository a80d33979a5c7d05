"""The parsed form of an instrument: what every other feature reads.

An instrument lives in ``questionnaires/<id>/`` as YAML files (see
``docs/instrument-format.md``). :mod:`assess.instruments.loader` turns those
files into an :class:`Instrument`; an engagement stores ``Instrument.model_dump``
as its snapshot, and :meth:`Instrument.from_snapshot` brings it back, so a
later edit of the files never changes an engagement's questions or results.

Texts are :data:`LocalText` mappings ``{language: text}`` so translations can
be added later without touching ids; a plain string in a file means the
instrument's default language.
"""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

LocalText = dict[str, str]


class Lens(enum.StrEnum):
    MEANS = "means"
    ENDS = "ends"


class Audience(enum.StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"


class Outcome(enum.StrEnum):
    """Customer outcome items: scored apart from the dimensions."""

    RECOMMEND = "recommend"  # 0..10, for NPS (rule 13)
    VALUE_EQUITY = "value_equity"
    BRAND_EQUITY = "brand_equity"
    RELATIONSHIP_EQUITY = "relationship_equity"
    STAY_BY_CHOICE = "stay_by_choice"  # "I stay because I want to"
    STAY_HOSTAGE = "stay_hostage"  # "I stay because leaving is hard"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Model):
    id: str
    min: int
    max: int
    # Labels for some or all points, keyed by the point's value.
    labels: dict[int, LocalText] = Field(default_factory=dict)
    # Whether respondents are offered "don't know / not applicable".
    allow_na: bool = True

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class Dimension(_Model):
    id: str
    lens: Lens
    weight: float = 1.0
    title: LocalText
    description: LocalText


class MaturityLevel(_Model):
    level: int
    label: LocalText
    description: LocalText


class ScoringParameters(_Model):
    """Defaults are those of the scoring specification."""

    quadrant_cut: float = 60.0  # rule 11
    maturity_cuts: list[float] = Field(default_factory=lambda: [20.0, 40.0, 60.0, 80.0])  # rule 12
    anonymity_threshold: int = 5  # rule 14; never below 3
    # A dimension gap at or above this many points (0..100) is a blind spot in the
    # report; at or below minus this, a hidden strength.
    blind_spot_gap: float = 10.0
    # A dimension scored below this by both audiences counts as "low".
    low_score: float = 50.0
    # A dimension scored at or above this by customers counts as a strength.
    strength_score: float = 70.0


class Item(_Model):
    """One rated item. Exactly one of ``dimension`` and ``outcome`` is set."""

    id: str
    audience: Audience
    section: str
    dimension: str | None = None
    outcome: Outcome | None = None
    text: LocalText
    scale: str
    reverse: bool = False
    pair: str | None = None


class Option(_Model):
    id: str
    label: LocalText


class SegmentQuestion(_Model):
    id: str
    audience: Audience
    text: LocalText
    options: list[Option]


class OpenQuestion(_Model):
    id: str
    audience: Audience
    text: LocalText
    max_length: int = 2000


class Section(_Model):
    id: str
    title: LocalText
    intro: LocalText = Field(default_factory=dict)
    items: list[str]  # item ids, in order


class Questionnaire(_Model):
    audience: Audience
    title: LocalText
    intro: LocalText
    privacy: LocalText
    estimated_minutes: int
    sections: list[Section]
    segments: list[SegmentQuestion]
    open_questions: list[OpenQuestion]


class Recommendation(_Model):
    title: LocalText
    text: LocalText


class DimensionRecommendations(_Model):
    blind_spot: list[Recommendation] = Field(default_factory=list)
    low: list[Recommendation] = Field(default_factory=list)
    strength: list[Recommendation] = Field(default_factory=list)


class StoryDimension(_Model):
    """Who owns a dimension's board action and what would show it working."""

    owner: LocalText
    measure: LocalText


class Story(_Model):
    """The words of the executive summary and board actions (``story.yaml``).

    ``sentences``: templates by key (see :mod:`assess.instruments.story` for the
    keys and their placeholders); ``dimensions``: owner and measure per
    dimension; ``maturity``: per level, the conditions its description assumes;
    ``comments``: per open question, the findings its answers bear on;
    ``hostage_dimensions``: where the advice for a hostage-heavy base is.
    """

    sentences: dict[str, LocalText] = Field(default_factory=dict)
    dimensions: dict[str, StoryDimension] = Field(default_factory=dict)
    maturity: dict[int, list[str]] = Field(default_factory=dict)
    comments: dict[str, list[str]] = Field(default_factory=dict)
    #: The dimensions whose low-score advice answers "more customers stay because
    #: leaving is hard than because they want to" (the first with advice is used).
    hostage_dimensions: list[str] = Field(default_factory=list)


class Instrument(_Model):
    id: str
    version: str
    title: LocalText
    description: LocalText = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=lambda: ["en"])
    scales: list[Scale]
    dimensions: list[Dimension]
    scoring: ScoringParameters = Field(default_factory=ScoringParameters)
    maturity: list[MaturityLevel]
    items: list[Item]
    questionnaires: dict[Audience, Questionnaire]
    recommendations: dict[str, DimensionRecommendations] = Field(default_factory=dict)
    # None: the instrument (or an older snapshot) carries no story.yaml; the
    # report then uses the shipped wording (assess.instruments.story).
    story: Story | None = None

    # -- lookups -----------------------------------------------------------------

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def scale(self, scale_id: str) -> Scale:
        return next(s for s in self.scales if s.id == scale_id)

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def items_for(self, audience: Audience) -> list[Item]:
        return [i for i in self.items if i.audience == audience]

    def audiences(self) -> list[Audience]:
        return [a for a in Audience if a in self.questionnaires]

    def dimensions_in(self, lens: Lens) -> list[Dimension]:
        return [d for d in self.dimensions if d.lens == lens]

    def dimension_items(self, dimension_id: str, audience: Audience | None = None) -> list[Item]:
        """The items of a dimension, for one audience or both, in questionnaire order."""
        return [
            i
            for i in self.items
            if i.dimension == dimension_id and (audience is None or i.audience == audience)
        ]

    def outcome_item(self, outcome: Outcome) -> Item | None:
        """The item measuring ``outcome`` (at most one per instrument), if any."""
        return next((i for i in self.items if i.outcome == outcome), None)

    def pairs(self) -> dict[str, tuple[Item, Item]]:
        """Pair key -> ``(staff item, customer item)``, in staff questionnaire order."""
        staff = {i.pair: i for i in self.items_for(Audience.STAFF) if i.pair}
        customer = {i.pair: i for i in self.items_for(Audience.CUSTOMER) if i.pair}
        return {key: (item, customer[key]) for key, item in staff.items() if key in customer}

    def text(self, value: LocalText, language: str | None = None) -> str:
        """The text in ``language``, falling back to the default language."""
        if not value:
            return ""
        return value.get(language or self.default_language) or value.get(
            self.default_language, next(iter(value.values()))
        )

    # -- snapshot ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        canonical = json.dumps(self.snapshot(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Instrument:
        return cls.model_validate(data)
