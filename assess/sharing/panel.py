"""The consultant's share-links panel on the engagement page: its data.

Built by the engagement page's view (:mod:`assess.engagements.views`) and drawn by
``templates/sharing/_panel.html``; its forms post to :mod:`assess.sharing.share_views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from assess.engagements.models import Engagement
from assess.sharing import links


@dataclass(frozen=True)
class SharePanel:
    engagement_id: int
    released: bool
    links: list[links.ShareLinkRow]
    expiry_days: tuple[int, ...]
    earliest_date: date  # the earliest last day a chosen date may be
    latest_date: date

    @property
    def active(self) -> int:
        return sum(1 for row in self.links if row.active)


def share_panel(engagement: Engagement) -> SharePanel:
    today = links.now().date()
    return SharePanel(
        engagement_id=engagement.id,
        released=links.is_released(engagement),
        links=links.share_links(engagement),
        expiry_days=links.EXPIRY_DAYS,
        earliest_date=today + timedelta(days=1),
        latest_date=today + timedelta(days=links.LONGEST_DAYS),
    )
