"""An engagement's settings after it was created, and its next wave.

What may change when (issue 15, "Engagement settings"):

- the name, and a *higher* anonymity threshold, at any time: a higher threshold
  only hides more, so no result already seen becomes less anonymous;
- the instrument and a *lower* threshold (never below
  :data:`~assess.scoring.validate.MIN_ANONYMITY_THRESHOLD`) only while the
  engagement has no response at all (submitted or in progress): answers were given
  to one questionnaire under one promise of anonymity, and changing either under
  them would change what those answers mean or who could be recognised.

Every change is recorded in the audit log and bumps ``Engagement.revision``, so
cached reports (keyed on it) are made again.

A *next wave* copies an engagement for the same organisation: the same instrument
snapshot (or, if the consultant asks, the instrument's newest version) and the same
settings (threshold, prepared by, accent colour, the logo), with new links made when
it opens and no responses. The report's trend then compares it with the latest
earlier wave on the same instrument id (:func:`services.previous_engagement`);
dimensions the two versions do not share have no change in the trend.

Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, func, select, table

from assess.audit import log as audit
from assess.engagements import files
from assess.engagements.files import FileKind
from assess.engagements.models import Engagement, InstrumentSnapshot
from assess.engagements.services import EngagementError, snapshot_of
from assess.extensions import db
from assess.instruments.loader import InstrumentError, load_instrument_by_id
from assess.instruments.schema import Instrument
from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD
from assess.text import without_bidi_controls

NAME_MAX = 200
THRESHOLD_MAX = 100
#: What a next wave is called until the consultant names it otherwise.
NEXT_WAVE_SUFFIX = " (next wave)"


def response_total(engagement: Engagement) -> int:
    """Every response the engagement holds, submitted or in progress."""
    # Responses are a table of a layer above (respondents): named, not imported.
    responses = table("responses", column("engagement_id"))
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(responses)
            .where(responses.c.engagement_id == engagement.id)
        )
        or 0
    )


@dataclass(frozen=True)
class SettingsChange:
    """What a save changed, worded for the confirmation and the audit log."""

    changes: tuple[str, ...]

    def describe(self) -> str:
        return "; ".join(self.changes)


def _clean_name(name: str) -> str:
    name = without_bidi_controls(name).strip()
    if not name:
        raise EngagementError("The engagement needs a name.")
    if len(name) > NAME_MAX:
        raise EngagementError(f"The engagement's name is longer than {NAME_MAX} characters.")
    return name


def newest_instrument(engagement: Engagement) -> Instrument | None:
    """The instrument's version in ``questionnaires/`` now, when it is not the one
    the engagement has (None when they are the same or the folder is gone)."""
    try:
        newest = load_instrument_by_id(engagement.snapshot.instrument_id)
    except InstrumentError:
        return None
    if newest.content_hash() == engagement.snapshot.content_hash:
        return None
    return newest


def update_settings(
    engagement: Engagement,
    *,
    name: str,
    anonymity_threshold: int,
    instrument_id: str | None = None,
) -> SettingsChange:
    """Change the name, the threshold and (with no responses) the instrument.

    ``instrument_id``: the instrument to use now, from ``questionnaires/`` (its
    current version); None or the engagement's own id with unchanged content keeps
    the snapshot. Raises :class:`EngagementError`, changing nothing, when a change
    is not allowed; the message says why."""
    new_name = _clean_name(name)
    if anonymity_threshold < MIN_ANONYMITY_THRESHOLD:
        raise EngagementError(
            f"The anonymity threshold cannot be below {MIN_ANONYMITY_THRESHOLD}."
        )
    if anonymity_threshold > THRESHOLD_MAX:
        raise EngagementError(f"The anonymity threshold cannot be above {THRESHOLD_MAX}.")
    snapshot: InstrumentSnapshot | None = None
    if instrument_id:
        try:
            instrument = load_instrument_by_id(instrument_id)
        except InstrumentError:
            raise EngagementError(f"There is no instrument '{instrument_id}'.") from None
        if instrument.content_hash() != engagement.snapshot.content_hash:
            snapshot = snapshot_of(instrument)
    responses = response_total(engagement) if (
        snapshot is not None or anonymity_threshold < engagement.anonymity_threshold
    ) else 0
    held = (
        f"The engagement already has {responses} "
        f"{'response' if responses == 1 else 'responses'}"
    )
    if snapshot is not None and responses:
        raise EngagementError(
            f"{held}: the instrument can change only before anyone answers, as the "
            "answers were given to these questions. Copy it as a next wave to use "
            "another version."
        )
    if anonymity_threshold < engagement.anonymity_threshold and responses:
        raise EngagementError(
            f"{held}: the anonymity threshold can be raised but not lowered, as "
            f"respondents answered on the promise that groups under "
            f"{engagement.anonymity_threshold} are never shown."
        )
    changes: list[str] = []
    if new_name != engagement.name:
        changes.append(f"name '{engagement.name}' → '{new_name}'")
        engagement.name = new_name
    if anonymity_threshold != engagement.anonymity_threshold:
        changes.append(
            f"anonymity threshold {engagement.anonymity_threshold} → {anonymity_threshold}"
        )
        engagement.anonymity_threshold = anonymity_threshold
    if snapshot is not None:
        changes.append(
            f"instrument {engagement.snapshot.instrument_id} {engagement.snapshot.version}"
            f" → {snapshot.instrument_id} {snapshot.version}"
        )
        engagement.snapshot = snapshot
    if changes:
        engagement.revision += 1
        organisation = engagement.organisation
        audit.record(
            "engagement_settings_changed",
            workspace_id=organisation.workspace_id,
            organisation_id=organisation.id,
            engagement_id=engagement.id,
            detail=f"{organisation.name}: {engagement.name}: " + "; ".join(changes),
        )
        db.session.flush()
    return SettingsChange(tuple(changes))


def next_wave_name(engagement: Engagement) -> str:
    """The name a next wave is offered: the engagement's, marked as the next wave."""
    return (engagement.name + NEXT_WAVE_SUFFIX)[:NAME_MAX]


def create_next_wave(
    engagement: Engagement, *, name: str, newest_version: bool = False
) -> Engagement:
    """A new draft engagement of the same organisation, with this one's instrument
    snapshot (or the instrument's newest version) and settings; no links (opening it
    makes them) and no responses."""
    snapshot = engagement.snapshot
    if newest_version:
        newest = newest_instrument(engagement)
        if newest is not None:
            snapshot = snapshot_of(newest)
    wave = Engagement(
        organisation=engagement.organisation,
        snapshot=snapshot,
        name=_clean_name(name),
        anonymity_threshold=engagement.anonymity_threshold,
        prepared_by=engagement.prepared_by,
        accent_colour=engagement.accent_colour,
    )
    db.session.add(wave)
    db.session.flush()
    logo = files.read(engagement.id, FileKind.LOGO, files.LOGO_KEY)
    if logo is not None:
        stored, content = logo
        files.store(wave.id, FileKind.LOGO, files.LOGO_KEY, content, stored.media_type)
    organisation = engagement.organisation
    audit.record(
        "next_wave_created",
        workspace_id=organisation.workspace_id,
        organisation_id=organisation.id,
        engagement_id=wave.id,
        detail=(
            f"{organisation.name}: {wave.name} (engagement {wave.id}), the next wave of "
            f"{engagement.name} (engagement {engagement.id}); instrument "
            f"{snapshot.instrument_id} {snapshot.version}"
        ),
    )
    db.session.flush()
    return wave
