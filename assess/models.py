"""Every model, imported in one place so the metadata is complete (Alembic, tests)."""

from assess.accounts.models import OrganisationGrant, Role, User
from assess.engagements.models import Engagement, InstrumentSnapshot, Organisation, Status
from assess.respondents.models import (
    Answer,
    Comment,
    Link,
    LinkKind,
    Response,
    ResponseStatus,
    SegmentAnswer,
)

__all__ = [
    "Answer",
    "Comment",
    "Engagement",
    "InstrumentSnapshot",
    "Link",
    "LinkKind",
    "Organisation",
    "OrganisationGrant",
    "Response",
    "ResponseStatus",
    "Role",
    "SegmentAnswer",
    "Status",
    "User",
]
