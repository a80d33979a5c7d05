"""The consultant's links panel on the engagement page: its data and forms.

Built by the engagement page's view (:mod:`assess.engagements.views`) and drawn
by ``templates/respondents/_links_panel.html``; the forms post to
:mod:`assess.respondents.admin_views`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from assess.engagements.models import Engagement, Status
from assess.instruments.schema import Audience
from assess.respondents import links, mail
from assess.respondents.forms import (
    PersonalLinksForm,
    ReplaceOpenLinkForm,
    WithdrawPersonalLinksForm,
)
from assess.scoring.model import AUDIENCE_LABELS


@dataclass
class AudiencePanel:
    audience: Audience
    label: str
    open_url: str | None
    stats: links.AudienceStats
    links_form: PersonalLinksForm
    replace_form: ReplaceOpenLinkForm
    withdraw_form: WithdrawPersonalLinksForm


@dataclass
class LinksPanel:
    engagement: Engagement
    audiences: list[AudiencePanel]
    can_send: bool  # SMTP is configured

    @property
    def accepts_answers(self) -> bool:
        return self.engagement.status == Status.OPEN

    @property
    def closed(self) -> bool:
        return self.engagement.status == Status.CLOSED


def links_panel(engagement: Engagement) -> LinksPanel:
    panels = []
    for audience in engagement.instrument().audiences():
        link = links.existing_open_link(engagement, audience)
        open_url = None
        if link is not None and engagement.status != Status.CLOSED:
            open_url = links.link_url(links.open_link_token(link))
        prefix = f"{audience}-"
        panels.append(
            AudiencePanel(
                audience=audience,
                label=AUDIENCE_LABELS.get(audience, str(audience).capitalize()),
                open_url=open_url,
                stats=links.audience_stats(engagement.id, audience),
                links_form=PersonalLinksForm(prefix=prefix, formdata=None),
                replace_form=ReplaceOpenLinkForm(prefix=prefix, formdata=None),
                withdraw_form=WithdrawPersonalLinksForm(prefix=prefix, formdata=None),
            )
        )
    can_send = mail.smtp_settings(current_app.config) is not None
    return LinksPanel(engagement, panels, can_send)
