"""The consultant's forms about imports."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class RemoveImportForm(FlaskForm):
    confirm = BooleanField(
        "I understand that these responses, with their answers and comments, are "
        "deleted and cannot be brought back (import the file again to restore them).",
        validators=[DataRequired("Tick the box to confirm.")],
    )
