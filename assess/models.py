"""Every model, imported in one place so the metadata is complete (Alembic, tests)."""

from assess.accounts.models import AccountToken, RecoveryCode, TokenPurpose, User
from assess.audit.models import AuditEntry
from assess.engagements.files import EngagementFile, FileKind
from assess.engagements.models import Engagement, InstrumentSnapshot, Organisation, Status
from assess.jobs.models import Job, JobState
from assess.respondents.models import (
    Answer,
    Comment,
    Link,
    LinkKind,
    Response,
    ResponseStatus,
    SegmentAnswer,
)
from assess.sharing.models import ShareLink
from assess.transfer.models import ImportBatch, ImportSource
from assess.workspaces.models import (
    MemberRole,
    Membership,
    ReaderAccess,
    Workspace,
    WorkspaceKind,
)

__all__ = [
    "AuditEntry",
    "ShareLink",
    "AccountToken",
    "RecoveryCode",
    "TokenPurpose",
    "WorkspaceKind",
    "Answer",
    "Comment",
    "Engagement",
    "EngagementFile",
    "FileKind",
    "ImportBatch",
    "ImportSource",
    "InstrumentSnapshot",
    "Job",
    "JobState",
    "Link",
    "MemberRole",
    "Membership",
    "LinkKind",
    "Organisation",
    "ReaderAccess",
    "Response",
    "ResponseStatus",
    "SegmentAnswer",
    "Status",
    "User",
    "Workspace",
]
