from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD


class EngagementForm(FlaskForm):
    organisation = StringField(
        "Organisation (the client)", validators=[DataRequired(), Length(max=200)]
    )
    name = StringField("Engagement name", validators=[DataRequired(), Length(max=200)])
    instrument = SelectField("Instrument", validators=[DataRequired()])
    anonymity_threshold = IntegerField(
        "Anonymity threshold (smallest group shown)",
        default=5,
        validators=[NumberRange(min=MIN_ANONYMITY_THRESHOLD, max=100)],
    )


class ReaderInviteForm(FlaskForm):
    """Invite a client reader of an organisation (its page)."""

    email = EmailField(
        "E-mail address",
        validators=[DataRequired(message="Give the address of the person to invite."),
                    Length(max=254)],
    )


class ConfirmForm(FlaskForm):
    """A confirmation box: removing a reader, withdrawing a release."""

    confirm = BooleanField("Yes", validators=[DataRequired(message="Tick the box to confirm.")])
