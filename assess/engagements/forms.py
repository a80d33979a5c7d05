from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class EngagementForm(FlaskForm):
    organisation = StringField(
        "Organisation (the client)", validators=[DataRequired(), Length(max=200)]
    )
    name = StringField("Engagement name", validators=[DataRequired(), Length(max=200)])
    instrument = SelectField("Instrument", validators=[DataRequired()])
    anonymity_threshold = IntegerField(
        "Anonymity threshold (smallest group shown)",
        default=5,
        validators=[NumberRange(min=3, max=100)],
    )


class SingleUseLinksForm(FlaskForm):
    audience = SelectField(
        "Audience", choices=[SelectChoice("staff", "Staff"), SelectChoice("customer", "Customers")]
    )
    count = IntegerField("How many", default=50, validators=[NumberRange(min=1, max=10000)])
