from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from assess.accounts.passwords import check_password_policy
from assess.accounts.services import EMAIL, find_user
from assess.workspaces.models import WorkspaceKind
from assess.workspaces.services import WorkspaceError, find_workspace


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SignupForm(FlaskForm):
    """A company or a consulting firm signing up on its own (``ALLOW_SIGNUP``)."""

    name = StringField(
        "Your name", validators=[DataRequired(message="Give your name."), Length(max=200)]
    )
    email = EmailField(
        "E-mail",
        validators=[DataRequired(message="Give your e-mail address."), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Choose a password."), Length(max=200)],
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired(message="Type the password a second time."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )
    workspace = StringField(
        "Name of your company or firm",
        validators=[
            DataRequired(message="Give the name of your company or firm."),
            Length(max=200),
        ],
    )
    kind = RadioField(
        "Who is signing up?",
        # The person's own company first: the case with the fewest steps.
        choices=[
            SelectChoice(k.value, k.label)
            for k in (WorkspaceKind.COMPANY, WorkspaceKind.CONSULTANCY)
        ],
        validators=[InputRequired(message="Choose one.")],
    )

    def validate_email(self, field: Field) -> None:
        # Checked here so that the error shows at the field (``create_user`` says
        # the same, without saying which field).
        address = (field.data or "").strip()
        if not EMAIL.match(address):
            raise ValidationError("That is not an e-mail address.")
        if find_user(address) is not None:
            raise ValidationError(
                "There is already an account for this address: sign in, or reset "
                "the password if it is forgotten."
            )

    def validate_password(self, field: Field) -> None:
        problem = check_password_policy(field.data or "")
        if problem is not None:
            raise ValidationError(problem)

    def validate_workspace(self, field: Field) -> None:
        # Workspace names are unique on the installation (the operator's CLI finds
        # workspaces by name); said here so that every error shows at once.
        if not (field.data or "").strip():
            return  # DataRequired says so
        try:
            find_workspace(field.data)
        except WorkspaceError:
            return  # no workspace of this name: it is free
        raise ValidationError(
            "There is already a workspace of this name. If it is your organisation's, "
            "ask its owner to invite you; otherwise add something to tell them apart "
            "(a town, for example)."
        )
