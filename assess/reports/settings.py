"""Report settings per engagement: who prepared it, the accent colour, an optional logo.

``prepared_by`` and ``accent_colour`` are columns of :class:`Engagement`; the logo
is one of the engagement's files in the database (:mod:`assess.engagements.files`,
kind ``logo``), accepted only when its first bytes say PNG or JPEG and Pillow can
read it. The instance folder's old ``logos/`` is not read any more.
Every change bumps ``Engagement.revision``, and the cached PDF's key names the
logo's content (its SHA-256), so the PDF is rebuilt. Services flush; the view commits.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from assess.engagements import files
from assess.engagements.files import LOGO_KEY, FileKind
from assess.engagements.models import Engagement
from assess.extensions import db
from assess.text import without_bidi_controls

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000  # per side
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PREPARED_BY_MAX = 200

MAGIC = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}
EXTENSIONS = {media_type: extension for extension, media_type in MEDIA_TYPES.items()}


class ReportSettingsError(ValueError):
    """A setting that cannot be saved; the message says why and what to do."""


@dataclass(frozen=True)
class Logo:
    """An engagement's logo as stored: what it is, not its bytes."""

    media_type: str
    sha256: str
    size: int

    @property
    def extension(self) -> str:
        """'png' or 'jpg' (for a file name, as in the organisation's export)."""
        return EXTENSIONS[self.media_type]


def engagement_logo(engagement_id: int) -> Logo | None:
    """The engagement's uploaded logo, if there is one (its bytes are not read)."""
    found = files.describe(engagement_id, FileKind.LOGO, LOGO_KEY)
    return None if found is None else Logo(found.media_type, found.sha256, found.size)


@dataclass(frozen=True)
class LogoImage:
    """An engagement's logo with its bytes (at most :data:`LOGO_MAX_BYTES`)."""

    logo: Logo
    content: bytes


def logo_image(engagement_id: int) -> LogoImage | None:
    """The engagement's logo with its bytes, if there is one (one query)."""
    found = files.read(engagement_id, FileKind.LOGO, LOGO_KEY)
    if found is None:
        return None
    stored, content = found
    return LogoImage(Logo(stored.media_type, stored.sha256, stored.size), content)


def logo_content(engagement_id: int, sha256: str | None = None) -> bytes | None:
    """The logo's bytes; given ``sha256``, only while the logo is still that one."""
    return files.content(engagement_id, FileKind.LOGO, LOGO_KEY, sha256=sha256)


def normalise_colour(value: str) -> str:
    value = (value or "").strip()
    if not COLOUR.fullmatch(value):
        raise ReportSettingsError(
            f"The accent colour must be a hex colour like #1f4e79 (got {value[:20]!r})."
        )
    return value.lower()


def logo_kind(data: bytes) -> str:
    """'png' or 'jpg' from the file's first bytes (not its name); raises otherwise."""
    for magic, (kind, _media_type) in MAGIC.items():
        if data.startswith(magic):
            return kind
    raise ReportSettingsError("The logo must be a PNG or JPEG image.")


def check_logo(data: bytes) -> str:
    """Validate an uploaded logo; returns its kind ('png' or 'jpg')."""
    if not data:
        raise ReportSettingsError("The logo file is empty.")
    if len(data) > LOGO_MAX_BYTES:
        raise ReportSettingsError(
            "The logo is larger than 1 MB; save a smaller PNG or JPEG and upload it again."
        )
    kind = logo_kind(data)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as error:
        raise ReportSettingsError(
            "The logo could not be read as an image; save it again as PNG or JPEG."
        ) from error
    if max(width, height) > LOGO_MAX_PIXELS:
        raise ReportSettingsError(
            f"The logo is {width} × {height} pixels; at most {LOGO_MAX_PIXELS} on each side."
        )
    return kind


def update_report_settings(
    engagement: Engagement,
    *,
    prepared_by: str,
    accent_colour: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> bool:
    """Save the settings; True when anything changed (the revision is bumped then)."""
    prepared_by = " ".join(without_bidi_controls(prepared_by or "").split())
    if len(prepared_by) > PREPARED_BY_MAX:
        raise ReportSettingsError(
            f"'Prepared by' is longer than {PREPARED_BY_MAX} characters."
        )
    colour = normalise_colour(accent_colour)
    kind = check_logo(logo) if logo else None  # validate everything before changing anything
    changed = False
    if prepared_by != engagement.prepared_by:
        engagement.prepared_by = prepared_by
        changed = True
    if colour != (engagement.accent_colour or "").lower():
        engagement.accent_colour = colour
        changed = True
    if logo and kind:
        files.store(engagement.id, FileKind.LOGO, LOGO_KEY, logo, MEDIA_TYPES[kind])
        changed = True
    elif remove_logo and files.remove(engagement.id, FileKind.LOGO, key=LOGO_KEY):
        changed = True
    if changed:
        engagement.revision += 1
        db.session.flush()
    return changed
