"""Every module's ORM classes, imported once so the metadata knows all tables."""

from fangkong.accounts.models import ApiToken, AuditEntry, LoginAttempt, User, UserSession
from fangkong.areas.models import Area, AreaLevel, Leader
from fangkong.registry.models import (
    ColumnMapping, GridCounter, Household, ImportBatch, ImportRejection, Person, PersonMerge,
    PersonMove, PersonTag,
)
from fangkong.screening.models import (
    CoverageCounter, CoverageDaily, FollowUp, HouseholdStatus, ScreeningRound, Visit, VisitMember,
)

__all__ = [
    "ApiToken", "Area", "AreaLevel", "AuditEntry", "ColumnMapping", "CoverageCounter",
    "CoverageDaily", "FollowUp", "GridCounter", "Household", "HouseholdStatus", "ImportBatch",
    "ImportRejection", "Leader", "LoginAttempt", "Person", "PersonMerge", "PersonMove",
    "PersonTag", "ScreeningRound", "User", "UserSession", "Visit", "VisitMember",
]
