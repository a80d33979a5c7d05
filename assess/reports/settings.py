"""Report settings per engagement: who prepared it, the accent colour, an optional logo.

``prepared_by`` and ``accent_colour`` are columns of :class:`Engagement`; the logo
is a file in the instance folder, ``logos/engagement-<id>.png`` or ``.jpg``,
accepted only when its first bytes say PNG or JPEG and Pillow can read it.
Every change bumps ``Engagement.revision``, so the cached PDF is rebuilt.
Services flush; the view commits.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from assess.engagements.models import Engagement
from assess.extensions import db

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000  # per side
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PREPARED_BY_MAX = 200

MAGIC = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


class ReportSettingsError(ValueError):
    """A setting that cannot be saved; the message says why and what to do."""


@dataclass(frozen=True)
class Logo:
    path: Path
    media_type: str


def logos_dir() -> Path:
    return Path(current_app.instance_path) / "logos"


def engagement_logo(engagement_id: int) -> Logo | None:
    """The engagement's uploaded logo, if there is one."""
    folder = logos_dir()
    for extension, media_type in MEDIA_TYPES.items():
        path = folder / f"engagement-{engagement_id}.{extension}"
        if path.is_file():
            return Logo(path, media_type)
    return None


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
    prepared_by = " ".join((prepared_by or "").split())
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
    existing = engagement_logo(engagement.id)
    if logo and kind:
        folder = logos_dir()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"engagement-{engagement.id}.{kind}"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(logo)
        temporary.replace(target)
        if existing is not None and existing.path != target:
            existing.path.unlink(missing_ok=True)
        changed = True
    elif remove_logo and existing is not None:
        existing.path.unlink(missing_ok=True)
        changed = True
    if changed:
        engagement.revision += 1
        db.session.flush()
    return changed
