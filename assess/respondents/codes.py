"""Answer codes: a submitted response's answers in one short byte string.

Every writer of submitted responses (the questionnaire pages on submission, the
import, the demo) also stores ``responses.answer_codes``, so that the results
read one short row per response (100,000 for a large survey) instead of its
two dozen answer rows (2.5 million). The ``answers`` and ``segment_answers``
rows stay the record; the codes are derived from them, once, when the response
is submitted (a submitted response's answers never change afterwards); the
writers are in :mod:`assess.respondents.recording`, which also backfills codes
for responses stored before they existed. The integer codes are what the
scoring core counts (:func:`assess.scoring.tally`).

The format, for a response of audience A to an instrument snapshot:

- one code per item of A, in the instrument's order, then one per segment
  question of A, in the instrument's order;
- an item's code is ``value - min + 1``; 0 when the item was skipped or answered
  "not applicable" (both missing for scoring, rule 1);
- a segment question's code is the chosen option's position + 1; 0 when skipped;
- each code is an unsigned little-endian integer of :attr:`CodeLayout.width`
  bytes: 1 when every code of the instrument fits in a byte (any scale of up to
  255 points, any question of up to 255 options), else 2, else 4.

An engagement's snapshot never changes, so neither does its layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assess.instruments.schema import Instrument
from assess.instruments.spec import spec_for
from assess.scoring import (
    Codes,
    InstrumentSpec,
    ItemSpec,
    SegmentSpec,
    audience_items,
    audience_segments,
)


def code_width(spec: InstrumentSpec) -> int:
    """Bytes per code: the fewest of 1, 2 or 4 that hold the largest code."""
    largest = max(
        [i.max - i.min + 1 for i in spec.items] + [len(s.options) for s in spec.segments] + [0]
    )
    for width in (1, 2, 4):
        if largest < 1 << (8 * width):
            return width
    raise ValueError("a scale or segment question too large for answer codes")


_layouts: dict[tuple[int, str], tuple[Instrument, CodeLayout]] = {}


class AnswerCodeError(ValueError):
    """An answer the instrument does not allow: the writers refuse these earlier."""


@dataclass(frozen=True)
class CodeLayout:
    """Where each answer of one audience's responses sits in their codes."""

    audience: str
    items: tuple[ItemSpec, ...]
    segments: tuple[SegmentSpec, ...]
    width: int

    @classmethod
    def of(cls, spec: InstrumentSpec, audience: str) -> CodeLayout:
        return cls(
            audience=str(audience),
            items=audience_items(spec, audience),
            segments=audience_segments(spec, audience),
            width=code_width(spec),
        )

    @classmethod
    def for_instrument(cls, instrument: Instrument, audience: str) -> CodeLayout:
        """The layout of an engagement's responses (the threshold plays no part).

        Made once per instrument and audience in a process (each submission asks):
        instruments are shared by the requests of a process
        (:mod:`assess.instruments.snapshots`), and a layout never changes."""
        key = (id(instrument), str(audience))
        found = _layouts.get(key)
        if found is not None and found[0] is instrument:
            return found[1]
        layout = cls.of(spec_for(instrument, instrument.scoring.anonymity_threshold), audience)
        if len(_layouts) >= 256:
            _layouts.clear()
        # The instrument is held with its layout, so its id is not reused meanwhile.
        _layouts[key] = (instrument, layout)
        return layout

    @property
    def length(self) -> int:
        """Bytes of one response's codes."""
        return (len(self.items) + len(self.segments)) * self.width

    def encode(
        self, answers: Mapping[str, int | None], segments: Mapping[str, str]
    ) -> bytes:
        """The codes of one response: its answers by item id (None: not applicable)
        and its segment options by question id. Ids of other audiences, or unknown
        to the instrument, are ignored, as scoring ignores them."""
        codes: list[int] = []
        for item in self.items:
            value = answers.get(item.id)
            if value is None:
                codes.append(0)
            elif item.min <= value <= item.max:
                codes.append(value - item.min + 1)
            else:
                raise AnswerCodeError(
                    f"{item.id}: {value} is not on the scale {item.min}..{item.max}"
                )
        for question in self.segments:
            option = segments.get(question.id)
            if option is None:
                codes.append(0)
            elif option in question.options:
                codes.append(question.options.index(option) + 1)
            else:
                raise AnswerCodeError(f"{question.id}: '{option}' is not one of its options")
        return b"".join(code.to_bytes(self.width, "little") for code in codes)

    def encode_allowed(
        self, answers: Mapping[str, int | None], segments: Mapping[str, str]
    ) -> bytes:
        """Like :meth:`encode`, but an answer off its scale or an option the question
        does not have counts as missing (for stored answers, which never hold one)."""
        allowed_answers: dict[str, int | None] = {}
        for item in self.items:
            value = answers.get(item.id)
            if value is None or item.min <= value <= item.max:
                allowed_answers[item.id] = value
        allowed_segments = {
            q.id: segments[q.id] for q in self.segments if segments.get(q.id) in q.options
        }
        return self.encode(allowed_answers, allowed_segments)

    def decode(self, blobs: Sequence[bytes]) -> tuple[Codes, Codes]:
        """``(item codes, segment codes)`` of many responses, one row each (int64),
        as :func:`assess.scoring.tally` reads them."""
        raw = np.frombuffer(b"".join(blobs), dtype=f"<u{self.width}")
        matrix = raw.reshape(len(blobs), len(self.items) + len(self.segments)).astype(np.int64)
        return matrix[:, : len(self.items)], matrix[:, len(self.items) :]
