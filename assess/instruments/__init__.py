"""Instruments: the questionnaires, their dimensions and scoring parameters.

An instrument is a folder of YAML files (``questionnaires/<id>/``, format in
``docs/instrument-format.md``). :func:`load_instrument` parses and checks it
into an :class:`~assess.instruments.schema.Instrument`, the form every other
feature reads; ``assess instrument check|list|show`` (:data:`instrument_cli`)
is the command line for authors.
"""

from __future__ import annotations

from .checks import Problem
from .loader import (
    InstrumentError,
    InstrumentInfo,
    InstrumentNotFound,
    default_questionnaires_dir,
    discover_instruments,
    load_instrument,
    load_instrument_by_id,
    validate_instrument,
)

__all__ = [
    "InstrumentError",
    "InstrumentInfo",
    "InstrumentNotFound",
    "Problem",
    "default_questionnaires_dir",
    "discover_instruments",
    "load_instrument",
    "load_instrument_by_id",
    "validate_instrument",
]
