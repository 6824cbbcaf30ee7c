"""The module's stored codes (lowercase) and their labels, which come from the catalog."""

from __future__ import annotations

from enum import StrEnum

from fangkong.i18n import N_


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"  # not a key area on that day

    @property
    def rank(self) -> int:
        return RISK_RANKS[self]


RISK_RANKS = {RiskLevel.NONE: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}
KEY_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)  # the levels a key area can have


class RuleAction(StrEnum):
    HOME_QUARANTINE = "home_quarantine"
    CENTRALISED_QUARANTINE = "centralised_quarantine"
    HEALTH_MONITORING = "health_monitoring"
    NONE = "none"


class CheckpointKind(StrEnum):
    RAILWAY = "railway"
    AIRPORT = "airport"
    HIGHWAY = "highway"
    BUS = "bus"
    OTHER = "other"


class ArrivalSource(StrEnum):
    STAFF = "staff"
    SELF = "self"


class ArrivalStatus(StrEnum):
    PENDING = "pending"
    CONTACTED = "contacted"
    PLACED = "placed"
    CLOSED = "closed"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"


RISK_LABELS: dict[str, str] = {
    RiskLevel.HIGH: N_("High risk"),
    RiskLevel.MEDIUM: N_("Medium risk"),
    RiskLevel.LOW: N_("Low risk"),
    RiskLevel.NONE: N_("Not a key area"),
}
ACTION_LABELS: dict[str, str] = {
    RuleAction.HOME_QUARANTINE: N_("Home quarantine"),
    RuleAction.CENTRALISED_QUARANTINE: N_("Centralised quarantine"),
    RuleAction.HEALTH_MONITORING: N_("Health monitoring"),
    RuleAction.NONE: N_("No measure"),
}
KIND_LABELS: dict[str, str] = {
    CheckpointKind.RAILWAY: N_("Railway station"),
    CheckpointKind.AIRPORT: N_("Airport"),
    CheckpointKind.HIGHWAY: N_("Highway exit"),
    CheckpointKind.BUS: N_("Long-distance bus station"),
    CheckpointKind.OTHER: N_("Other checkpoint"),
}
SOURCE_LABELS: dict[str, str] = {
    ArrivalSource.STAFF: N_("Registered by staff"),
    ArrivalSource.SELF: N_("Self-registered"),
}
STATUS_LABELS: dict[str, str] = {
    ArrivalStatus.PENDING: N_("Waiting for contact"),
    ArrivalStatus.CONTACTED: N_("Contacted"),
    ArrivalStatus.PLACED: N_("Placed"),
    ArrivalStatus.CLOSED: N_("Closed"),
}
BOOKING_LABELS: dict[str, str] = {
    BookingStatus.BOOKED: N_("Booked"),
    BookingStatus.ARRIVED: N_("Arrived"),
    BookingStatus.CANCELLED: N_("Cancelled"),
}
ID_TYPE_LABELS: dict[str, str] = {
    "resident_id": N_("Resident ID card"),
    "passport": N_("Passport"),
    "hk_mo_tw": N_("Hong Kong, Macao or Taiwan permit"),
    "other": N_("Other document"),
}


def label(labels: dict[str, str], value: str | None) -> str:
    """The message id of a stored code's label; an unknown code is shown as it is."""
    return "" if value is None else labels.get(value, value)
