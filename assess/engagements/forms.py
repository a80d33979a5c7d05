from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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


class OpenLinkMailingForm(FlaskForm):
    """How many people the consultant sent an audience's open link (or invited
    outside this site): added to the personal links for the response rate.
    Left empty, it is not known."""

    staff = IntegerField(
        "Staff sent the open link",
        validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                            message="Give a whole number, 0 or more.")],
    )
    customer = IntegerField(
        "Customers sent the open link",
        validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                            message="Give a whole number, 0 or more.")],
    )


class SettingsForm(FlaskForm):
    """An engagement's settings after creation (the Settings section)."""

    name = StringField("Engagement name", validators=[DataRequired(), Length(max=200)])
    anonymity_threshold = IntegerField(
        "Anonymity threshold (smallest group shown)",
        validators=[
            DataRequired(message="Give the smallest group size to show."),
            NumberRange(min=MIN_ANONYMITY_THRESHOLD, max=100),
        ],
    )
    # Offered only while the engagement has no response (the view leaves it out then).
    instrument = SelectField("Instrument", validate_choice=False)


class NextWaveForm(FlaskForm):
    """Copy an engagement as the organisation's next wave."""

    name = StringField("Name of the next wave", validators=[DataRequired(), Length(max=200)])
    newest_version = BooleanField("Use the instrument's newest version")


class DeleteEngagementForm(FlaskForm):
    """Deleting an engagement: its name, typed exactly."""

    name = StringField(
        "Type the engagement's name to confirm",
        validators=[DataRequired(message="Type the engagement's name to delete it.")],
    )
