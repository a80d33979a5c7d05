"""Forms of the account pages: forgotten password, reset, and the person's own
account (name, address, password, sessions, deletion)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from assess.accounts.passwords import MAX_LENGTH, check_password_policy
from assess.accounts.services import EMAIL


def _policy(form: FlaskForm, field: Field) -> None:
    problem = check_password_policy(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


def _address(form: FlaskForm, field: Field) -> None:
    if not EMAIL.match((field.data or "").strip()):
        raise ValidationError("That is not an e-mail address.")


def new_password_field(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(message="Choose a password."), Length(max=MAX_LENGTH), _policy],
        render_kw={"autocomplete": "new-password"},
        description="At least 10 characters. A few unrelated words make a good one.",
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        "New password again",
        validators=[
            DataRequired(message="Type the password a second time."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def current_password_field(form: str) -> PasswordField:
    """The current password, asked by several forms of one page (the account page):
    each gets its own element id, ``<form>-current-password``, so that each label
    names its own field. The posted name stays ``current_password``."""
    return PasswordField(
        "Your current password",
        id=f"{form}-current-password",
        validators=[DataRequired(message="Type your current password."),
                    Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotForm(FlaskForm):
    email = EmailField(
        "Your e-mail address",
        validators=[DataRequired(message="Give your e-mail address."), Length(max=254), _address],
    )


class ResetForm(FlaskForm):
    password = new_password_field()
    confirm = confirm_field()


class NameForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[DataRequired(message="Give your name."), Length(max=200)],
        description="Shown to the other members of your workspaces and as "
        "“prepared by” on reports you create.",
    )


class EmailForm(FlaskForm):
    email = EmailField(
        "New e-mail address",
        validators=[DataRequired(message="Give the new address."), Length(max=254), _address],
    )
    current_password = current_password_field("email")


class PasswordForm(FlaskForm):
    current_password = current_password_field("password")
    password = new_password_field()
    confirm = confirm_field()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token (sign out everywhere, send the link again)."""


class DeleteAccountForm(FlaskForm):
    current_password = current_password_field("delete")
    # Its own id: the password form on the same page has a ``confirm`` field too.
    confirm = BooleanField(
        "Yes, delete my account. I understand it cannot be undone.",
        id="delete-confirm",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
