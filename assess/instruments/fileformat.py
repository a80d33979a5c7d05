"""The YAML file format of an instrument folder, before it becomes an Instrument.

These models describe the files exactly as an author writes them (see
``docs/instrument-format.md``): texts may be a plain string or a
``{language: text}`` mapping, items sit inline in their sections, and
references (scales, dimensions, lenses, outcomes, pairs) are still plain
strings. They check *structure* only -- required keys, types, unknown keys;
:mod:`assess.instruments.checks` does everything that needs more than one
value at a time. :func:`build_instrument` turns valid files into an
:class:`~assess.instruments.schema.Instrument`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from .schema import (
    Audience,
    Dimension,
    DimensionRecommendations,
    Instrument,
    Item,
    LocalText,
    MaturityLevel,
    OpenQuestion,
    Option,
    Questionnaire,
    Recommendation,
    Scale,
    ScoringParameters,
    Section,
    SegmentQuestion,
    Story,
    StoryDimension,
)

INSTRUMENT_FILE = "instrument.yaml"
RECOMMENDATIONS_FILE = "recommendations.yaml"
STORY_FILE = "story.yaml"
QUESTIONNAIRE_FILES: dict[Audience, str] = {
    Audience.STAFF: "staff.yaml",
    Audience.CUSTOMER: "customer.yaml",
}
#: Every file an instrument folder may hold, in the order problems are reported.
FILES = (INSTRUMENT_FILE, *QUESTIONNAIRE_FILES.values(), RECOMMENDATIONS_FILE, STORY_FILE)


def _text(value: Any) -> str | dict[str, str]:
    """A text as written: a string, or a mapping of language code to string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return value
    raise PydanticCustomError(
        "text_type",
        "expected a text, or a mapping of language codes to texts (en: ...), got {got}",
        {"got": describe(value)},
    )


#: A text in a file: ``"Hello"`` or ``{en: "Hello", de: "Hallo"}``.
FileText = Annotated[str | dict[str, str], PlainValidator(_text)]


def describe(value: Any) -> str:
    """A short description of a YAML value for error messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- instrument.yaml ----------------------------------------------------------------


class ScaleFile(_File):
    id: StrictStr
    min: StrictInt
    max: StrictInt
    labels: dict[StrictInt, FileText] = Field(default_factory=dict)
    allow_na: StrictBool = True


class DimensionFile(_File):
    id: StrictStr
    lens: StrictStr
    weight: float = 1.0
    title: FileText
    description: FileText


class MaturityLevelFile(_File):
    level: StrictInt
    label: FileText
    description: FileText


class ScoringFile(_File):
    quadrant_cut: float = 60.0
    maturity_cuts: list[float] = Field(default_factory=lambda: [20.0, 40.0, 60.0, 80.0])
    anonymity_threshold: StrictInt = 5
    blind_spot_gap: float = 10.0
    low_score: float = 50.0
    strength_score: float = 70.0


class InstrumentFile(_File):
    id: StrictStr
    version: StrictStr
    title: FileText
    description: FileText | None = None
    languages: list[StrictStr] = Field(default_factory=lambda: ["en"])
    scales: list[ScaleFile]
    dimensions: list[DimensionFile]
    scoring: ScoringFile = Field(default_factory=ScoringFile)
    maturity: list[MaturityLevelFile]


# -- staff.yaml / customer.yaml -----------------------------------------------------


class ItemFile(_File):
    id: StrictStr
    dimension: StrictStr | None = None
    outcome: StrictStr | None = None
    text: FileText
    scale: StrictStr | None = None  # falls back to the file's default_scale
    reverse: StrictBool = False
    pair: StrictStr | None = None


class SectionFile(_File):
    id: StrictStr
    title: FileText
    intro: FileText | None = None
    items: list[ItemFile]


class OptionFile(_File):
    id: StrictStr
    label: FileText


class SegmentFile(_File):
    id: StrictStr
    text: FileText
    options: list[OptionFile]


class OpenQuestionFile(_File):
    id: StrictStr
    text: FileText
    max_length: StrictInt = 2000


class QuestionnaireFile(_File):
    title: FileText
    intro: FileText
    privacy: FileText
    estimated_minutes: StrictInt
    default_scale: StrictStr | None = None
    sections: list[SectionFile]
    segments: list[SegmentFile] = Field(default_factory=list)
    open_questions: list[OpenQuestionFile] = Field(default_factory=list)


# -- recommendations.yaml -----------------------------------------------------------


class RecommendationFile(_File):
    title: FileText
    text: FileText


class DimensionRecommendationsFile(_File):
    blind_spot: list[RecommendationFile] = Field(default_factory=list)
    low: list[RecommendationFile] = Field(default_factory=list)
    strength: list[RecommendationFile] = Field(default_factory=list)


class RecommendationsFile(RootModel[dict[StrictStr, DimensionRecommendationsFile]]):
    pass


# -- story.yaml ---------------------------------------------------------------------


class StoryDimensionFile(_File):
    owner: FileText
    measure: FileText


class StoryFile(_File):
    sentences: dict[StrictStr, FileText] = Field(default_factory=dict)
    dimensions: dict[StrictStr, StoryDimensionFile] = Field(default_factory=dict)
    maturity: dict[StrictInt, list[StrictStr]] = Field(default_factory=dict)
    comments: dict[StrictStr, list[StrictStr]] = Field(default_factory=dict)
    hostage_dimensions: list[StrictStr] = Field(default_factory=list)


#: The model for each file of a folder.
FILE_MODELS: dict[str, type[BaseModel]] = {
    INSTRUMENT_FILE: InstrumentFile,
    QUESTIONNAIRE_FILES[Audience.STAFF]: QuestionnaireFile,
    QUESTIONNAIRE_FILES[Audience.CUSTOMER]: QuestionnaireFile,
    RECOMMENDATIONS_FILE: RecommendationsFile,
    STORY_FILE: StoryFile,
}


def known_keys() -> set[str]:
    """Every key the format knows, to suggest a fix for a misspelt one."""
    keys: set[str] = set()
    for model in (
        ScaleFile,
        DimensionFile,
        MaturityLevelFile,
        ScoringFile,
        InstrumentFile,
        ItemFile,
        SectionFile,
        OptionFile,
        SegmentFile,
        OpenQuestionFile,
        QuestionnaireFile,
        RecommendationFile,
        DimensionRecommendationsFile,
        StoryDimensionFile,
        StoryFile,
    ):
        keys.update(model.model_fields)
    return keys


# -- files -> Instrument ------------------------------------------------------------


def local(value: str | dict[str, str] | None, language: str) -> LocalText:
    """Normalise a file text to a :data:`LocalText` mapping."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {language: value}
    return dict(value)


def build_instrument(
    instrument: InstrumentFile,
    questionnaires: dict[Audience, QuestionnaireFile],
    recommendations: RecommendationsFile | None,
    story: StoryFile | None = None,
) -> Instrument:
    """The :class:`Instrument` for structurally valid files.

    Items are flattened in questionnaire order (staff first), each taking its
    audience from its file and its section from the section holding it.
    """
    lang = instrument.languages[0] if instrument.languages else "en"

    def text(value: str | dict[str, str] | None) -> LocalText:
        return local(value, lang)

    items: list[Item] = []
    built: dict[Audience, Questionnaire] = {}
    for audience in Audience:
        qfile = questionnaires.get(audience)
        if qfile is None:
            continue
        sections = []
        for sfile in qfile.sections:
            for ifile in sfile.items:
                items.append(
                    Item(
                        id=ifile.id,
                        audience=audience,
                        section=sfile.id,
                        dimension=ifile.dimension,
                        outcome=ifile.outcome,
                        text=text(ifile.text),
                        scale=ifile.scale or qfile.default_scale or "",
                        reverse=ifile.reverse,
                        pair=ifile.pair,
                    )
                )
            sections.append(
                Section(
                    id=sfile.id,
                    title=text(sfile.title),
                    intro=text(sfile.intro),
                    items=[i.id for i in sfile.items],
                )
            )
        built[audience] = Questionnaire(
            audience=audience,
            title=text(qfile.title),
            intro=text(qfile.intro),
            privacy=text(qfile.privacy),
            estimated_minutes=qfile.estimated_minutes,
            sections=sections,
            segments=[
                SegmentQuestion(
                    id=s.id,
                    audience=audience,
                    text=text(s.text),
                    options=[Option(id=o.id, label=text(o.label)) for o in s.options],
                )
                for s in qfile.segments
            ],
            open_questions=[
                OpenQuestion(id=o.id, audience=audience, text=text(o.text), max_length=o.max_length)
                for o in qfile.open_questions
            ],
        )

    recs: dict[str, DimensionRecommendations] = {}
    for dim_id, drec in (recommendations.root if recommendations else {}).items():
        recs[dim_id] = DimensionRecommendations(
            **{
                pattern: [
                    Recommendation(title=text(r.title), text=text(r.text))
                    for r in getattr(drec, pattern)
                ]
                for pattern in ("blind_spot", "low", "strength")
            }
        )

    return Instrument(
        id=instrument.id,
        version=instrument.version,
        title=text(instrument.title),
        description=text(instrument.description),
        languages=list(instrument.languages),
        scales=[
            Scale(
                id=s.id,
                min=s.min,
                max=s.max,
                labels={point: text(label) for point, label in s.labels.items()},
                allow_na=s.allow_na,
            )
            for s in instrument.scales
        ],
        dimensions=[
            Dimension(
                id=d.id,
                lens=d.lens,
                weight=d.weight,
                title=text(d.title),
                description=text(d.description),
            )
            for d in instrument.dimensions
        ],
        scoring=ScoringParameters(**instrument.scoring.model_dump()),
        maturity=[
            MaturityLevel(level=m.level, label=text(m.label), description=text(m.description))
            for m in instrument.maturity
        ],
        items=items,
        questionnaires=built,
        recommendations=recs,
        story=None if story is None else build_story(story, lang),
    )


def build_story(story: StoryFile, language: str) -> Story:
    """The :class:`Story` of a structurally valid ``story.yaml``."""
    return Story(
        sentences={key: local(value, language) for key, value in story.sentences.items()},
        dimensions={
            key: StoryDimension(owner=local(d.owner, language), measure=local(d.measure, language))
            for key, d in story.dimensions.items()
        },
        maturity={level: list(conditions) for level, conditions in story.maturity.items()},
        comments={key: list(findings) for key, findings in story.comments.items()},
        hostage_dimensions=list(story.hostage_dimensions),
    )
