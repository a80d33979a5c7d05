"""Forms of the members page and of accepting an invitation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from assess.accounts.passwords import MAX_LENGTH, check_password_policy
from assess.workspaces.members import INVITABLE_ROLES

_ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in INVITABLE_ROLES]


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(message="Give the address of the person to invite."),
                    Length(max=254)],
    )
    role = RadioField(
        "Role",
        choices=_ROLE_CHOICES,
        default="consultant",
        validators=[InputRequired(message="Choose a role.")],
    )


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=_ROLE_CHOICES, validators=[InputRequired(message="Choose a role.")]
    )


class RemoveForm(FlaskForm):
    confirm = BooleanField(
        "Yes, remove them", validators=[DataRequired(message="Tick the box to confirm.")]
    )


def _policy(form: FlaskForm, field: Field) -> None:
    problem = check_password_policy(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


class JoinForm(FlaskForm):
    """A new person accepting an invitation: their name and a password."""

    name = StringField(
        "Your name", validators=[DataRequired(message="Give your name."), Length(max=200)]
    )
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(message="Choose a password."), Length(max=MAX_LENGTH), _policy],
        render_kw={"autocomplete": "new-password"},
        description="At least 10 characters. A few unrelated words make a good one.",
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired(message="Type the password a second time."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class AcceptForm(FlaskForm):
    """A signed-in person joining: a button."""
