from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired


class DeleteOrganisationForm(FlaskForm):
    """The organisation's name, typed to confirm its deletion."""

    name = StringField(
        "Type the organisation's name to confirm",
        validators=[InputRequired("Type the organisation's name to confirm.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def confirms(self, expected: str) -> bool:
        if not self.validate_on_submit():
            return False
        if (self.name.data or "").strip() != expected.strip():
            self.name.errors = [f"That is not the name. Type “{expected}” exactly."]
            return False
        return True
