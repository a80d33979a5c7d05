"""The engagement page's sections: one page each, so feedback after a change lands
at the top of the section it belongs to and no section needs JavaScript.

The page is ``/engagements/<id>`` (the overview) and ``/engagements/<id>?tab=<section>``
for the others. Each panel keeps its anchor (``#links-staff``, ``#share-links``,
``#report-settings``...); :func:`section_url` names the section page that shows a
panel, for the redirect after a form on it. The redirect carries no anchor: the
confirmation is shown at the top of the section page, above the panel, and would
be scrolled off screen by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    summary: str  # what the section holds, for the tab's title attribute and tests


OVERVIEW = "overview"

SECTIONS: tuple[Section, ...] = (
    Section(OVERVIEW, "Overview", "Responses, status, results and report"),
    Section("respondents", "Respondents", "Links and invitations"),
    Section("data", "Data", "Import and export responses; the imports"),
    Section("report", "Report & sharing", "Release, report settings, share links"),
    Section("settings", "Settings", "Name, threshold, instrument; next wave; delete"),
)
SECTION_KEYS = frozenset(section.key for section in SECTIONS)

#: The section of each panel's anchor (an anchor not named here: by its prefix).
_ANCHORS: dict[str, str] = {
    "responses-h": OVERVIEW,
    "status-h": OVERVIEW,
    "release": "report",
    "release-h": "report",
    "report-settings": "report",
    "share-links": "report",
    "transfer-h": "data",
    "imports": "data",
    "settings": "settings",
    "next-wave": "settings",
    "delete": "settings",
}
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("links", "respondents"),
    ("open-link", "respondents"),
    ("throttled", "respondents"),
    ("invitations", "respondents"),
    ("import", "data"),
    ("export", "data"),
)


def anchor_map() -> dict[str, object]:
    """The anchors' sections for the page's script (``static/js/engagement-sections.js``),
    which sends an old link to a panel on to the section that holds it."""
    return {"exact": dict(_ANCHORS), "prefixes": [list(pair) for pair in _PREFIXES]}


def section_of(anchor: str) -> str:
    """The section whose page shows the panel with this anchor (the overview for
    one it does not know)."""
    anchor = anchor.lstrip("#")
    if anchor in _ANCHORS:
        return _ANCHORS[anchor]
    for prefix, section in _PREFIXES:
        if anchor.startswith(prefix):
            return section
    return OVERVIEW


def section_url(engagement_id: int, anchor: str = "") -> str:
    """The section page that shows the panel ``anchor``: where to send someone
    after a form on that panel."""
    section = section_of(anchor) if anchor else OVERVIEW
    if section == OVERVIEW:
        return url_for("engagements.detail", engagement_id=engagement_id)
    return url_for("engagements.detail", engagement_id=engagement_id, tab=section)
