"""User-typed text made safe to show next to other text: no bidi controls.

An embedding, override or isolate control (U+202A–U+202E, U+2066–U+2069) in a
name or a comment changes the direction of the text *after* it: a right-to-left
override in an organisation's name turns the rest of the line, on screen and in
the PDF, into mirror writing. Nobody types one on purpose; they arrive pasted or
sent to mislead. They are removed wherever user text is stored, and again where
it is shown (text stored before this rule existed), and the pages isolate each
user string in ``<bdi>`` so that even a right-to-left name cannot reorder what
surrounds it.

The marks that only hint a direction and open nothing that must be closed —
U+200E LEFT-TO-RIGHT MARK, U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK —
are kept: Arabic and Hebrew writers use them to place punctuation and numbers.

Pure: no Flask, no database (layer 0); ``markupsafe`` only builds the escaped
markup the template filters return.
"""

from __future__ import annotations

import re

from markupsafe import Markup

#: LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    """``text`` without embedding, override and isolate controls; the direction
    marks (LRM, RLM, ALM) stay."""
    return BIDI_CONTROLS.sub("", text)


def isolated(value: object) -> Markup:
    """A user string for a page: controls removed, escaped, and isolated in
    ``<bdi>`` so its direction cannot spill onto the text around it (the
    ``bidi`` template filter). None shows as nothing."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return Markup("<bdi>{}</bdi>").format(Markup(without_bidi_controls(value)))
    return Markup("<bdi>{}</bdi>").format(without_bidi_controls(str(value)))


def plain(value: object) -> str:
    """A user string where no element may go (a ``<title>``, an attribute, SVG
    text): controls removed only (the ``strip_bidi`` template filter)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(without_bidi_controls(value))
    return without_bidi_controls(str(value))
