"""The consultant's forms about links and invitations (one set per audience, by prefix)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from assess.respondents.links import MAX_SINGLE_USE
from assess.respondents.mail import MAX_RECIPIENTS


class PersonalLinksForm(FlaskForm):
    count = IntegerField(
        "How many personal links",
        default=50,
        validators=[
            InputRequired("Say how many links you need."),
            NumberRange(1, MAX_SINGLE_USE, f"Ask for between 1 and {MAX_SINGLE_USE:,} links."),
        ],
    )


class ReplaceOpenLinkForm(FlaskForm):
    confirm = BooleanField(
        "I understand that the current open link stops working at once, also for people "
        "who have started but not finished.",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class WithdrawPersonalLinksForm(FlaskForm):
    confirm = BooleanField(
        "I understand that every personal link not yet used stops working, also for "
        "people who have started but not finished.",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class InvitationForm(FlaskForm):
    addresses = TextAreaField(
        "E-mail addresses",
        validators=[
            DataRequired("Paste at least one address."),
            Length(max=MAX_RECIPIENTS * 300, message="That is more than we can send at once."),
        ],
    )
    note = TextAreaField(
        "A note from you, added to the message (optional)",
        validators=[Length(max=1000, message="Keep the note to 1,000 characters.")],
    )


class ReminderForm(FlaskForm):
    addresses = TextAreaField(
        "E-mail addresses (everyone you invited)",
        validators=[
            DataRequired("Paste the addresses you invited."),
            Length(max=MAX_RECIPIENTS * 300, message="That is more than we can send at once."),
        ],
    )
    include_open_link = BooleanField(
        "Add the open link for people who cannot find their invitation"
    )
