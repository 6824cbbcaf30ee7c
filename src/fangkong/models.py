"""Every module's ORM classes, imported once so the metadata knows all tables."""

from fangkong.accounts.models import ApiToken, AuditEntry, LoginAttempt, User, UserSession
from fangkong.areas.models import Area, AreaLevel, Leader
from fangkong.arrivals.models import (
    Arrival,
    ArrivalRule,
    Checkpoint,
    KeyArea,
    ReturnBooking,
    ReturnQuota,
)
from fangkong.counters import DailyCounter
from fangkong.policy import PolicySetting
from fangkong.quarantine.models import (
    Alert,
    Extension,
    HealthCheck,
    Quarantine,
    Room,
    Site,
    SupportNote,
    SupportRequest,
)
from fangkong.registry.models import (
    ColumnMapping,
    GridCounter,
    Household,
    ImportBatch,
    ImportRejection,
    Person,
    PersonMerge,
    PersonMove,
    PersonTag,
)
from fangkong.reports.models import AreaShape, Bulletin, Notice, ReportSubmission
from fangkong.screening.models import (
    CoverageCounter,
    CoverageDaily,
    FollowUp,
    HouseholdStatus,
    ScreeningRound,
    Visit,
    VisitMember,
)
from fangkong.testing.models import Positive, ResultEntry, Sample, SampleMember

__all__ = [
    "Alert",
    "ApiToken",
    "Area",
    "AreaLevel",
    "AreaShape",
    "Arrival",
    "ArrivalRule",
    "AuditEntry",
    "Bulletin",
    "Checkpoint",
    "ColumnMapping",
    "CoverageCounter",
    "CoverageDaily",
    "DailyCounter",
    "Extension",
    "FollowUp",
    "GridCounter",
    "HealthCheck",
    "Household",
    "HouseholdStatus",
    "ImportBatch",
    "ImportRejection",
    "KeyArea",
    "Leader",
    "LoginAttempt",
    "Notice",
    "Person",
    "PersonMerge",
    "PersonMove",
    "PersonTag",
    "PolicySetting",
    "Positive",
    "Quarantine",
    "ReportSubmission",
    "ResultEntry",
    "ReturnBooking",
    "ReturnQuota",
    "Room",
    "Sample",
    "SampleMember",
    "ScreeningRound",
    "Site",
    "SupportNote",
    "SupportRequest",
    "User",
    "UserSession",
    "Visit",
    "VisitMember",
]
