"""Every module's ORM classes, imported once so the metadata knows all tables."""

from fangkong.accounts.models import ApiToken, AuditEntry, LoginAttempt, User, UserSession
from fangkong.areas.models import Area, AreaLevel, Leader

__all__ = ["ApiToken", "Area", "AreaLevel", "AuditEntry", "Leader", "LoginAttempt", "User",
           "UserSession"]
