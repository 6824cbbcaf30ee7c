"""The module's stored codes (lowercase) and their labels, which come from the catalog."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from fangkong.i18n import N_

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


class QuarantineKind(StrEnum):
    HOME = "home"
    CENTRALISED = "centralised"
    MONITORING = "monitoring"


class QuarantineStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    HOSPITAL = "hospital"
    ENDED_EARLY = "ended_early"


class QuarantineSource(StrEnum):
    ARRIVAL = "arrival"
    FOLLOW_UP = "follow_up"
    CONTACT = "contact"
    MANUAL = "manual"


class SiteKind(StrEnum):
    HOTEL = "hotel"
    DORMITORY = "dormitory"
    OTHER = "other"


class CheckBy(StrEnum):
    WORKER = "worker"
    SELF = "self"


class Symptom(StrEnum):
    COUGH = "cough"
    SORE_THROAT = "sore_throat"
    FATIGUE = "fatigue"
    BREATHLESS = "breathless"
    MUSCLE_PAIN = "muscle_pain"
    DIARRHOEA = "diarrhoea"
    SMELL_TASTE = "smell_taste"
    OTHER = "other"


class AlertKind(StrEnum):
    FEVER = "fever"
    SYMPTOM = "symptom"
    MISSED_CHECK = "missed_check"
    POSITIVE = "positive"


HEALTH_ALERTS = (AlertKind.FEVER, AlertKind.SYMPTOM, AlertKind.POSITIVE)
"""The alerts that hold a release back (a missed check is shown, but does not)."""


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class SupportCategory(StrEnum):
    FOOD = "food"
    MEDICINE = "medicine"
    UTILITIES = "utilities"
    GARBAGE = "garbage"
    OTHER = "other"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class SupportStatus(StrEnum):
    REQUESTED = "requested"
    ASSIGNED = "assigned"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


OPEN_SUPPORT = (SupportStatus.REQUESTED.value, SupportStatus.ASSIGNED.value)


class NoteKind(StrEnum):
    COUNSELLING = "counselling"
    PERSUASION = "persuasion"


KIND_LABELS: dict[str, str] = {
    QuarantineKind.HOME: N_("Home quarantine"),
    QuarantineKind.CENTRALISED: N_("Centralised quarantine"),
    QuarantineKind.MONITORING: N_("Health monitoring"),
}
STATUS_LABELS: dict[str, str] = {
    QuarantineStatus.ACTIVE: N_("Under quarantine"),
    QuarantineStatus.RELEASED: N_("Released"),
    QuarantineStatus.HOSPITAL: N_("Transferred to hospital"),
    QuarantineStatus.ENDED_EARLY: N_("Ended early"),
}
SOURCE_LABELS: dict[str, str] = {
    QuarantineSource.ARRIVAL: N_("Arrival"),
    QuarantineSource.FOLLOW_UP: N_("Screening follow-up"),
    QuarantineSource.CONTACT: N_("Close contact"),
    QuarantineSource.MANUAL: N_("Entered by staff"),
}
SITE_KIND_LABELS: dict[str, str] = {
    SiteKind.HOTEL: N_("Hotel"),
    SiteKind.DORMITORY: N_("Dormitory"),
    SiteKind.OTHER: N_("Other site"),
}
BY_LABELS: dict[str, str] = {
    CheckBy.WORKER: N_("Grid worker"),
    CheckBy.SELF: N_("Self-reported"),
}
SYMPTOM_LABELS: dict[str, str] = {
    Symptom.COUGH: N_("Cough"),
    Symptom.SORE_THROAT: N_("Sore throat"),
    Symptom.FATIGUE: N_("Fatigue"),
    Symptom.BREATHLESS: N_("Shortness of breath"),
    Symptom.MUSCLE_PAIN: N_("Muscle aches"),
    Symptom.DIARRHOEA: N_("Diarrhoea"),
    Symptom.SMELL_TASTE: N_("Loss of smell or taste"),
    Symptom.OTHER: N_("Other symptom"),
}
ALERT_KIND_LABELS: dict[str, str] = {
    AlertKind.FEVER: N_("Fever"),
    AlertKind.SYMPTOM: N_("Symptoms"),
    AlertKind.MISSED_CHECK: N_("Missed check"),
    AlertKind.POSITIVE: N_("Positive test"),
}
ALERT_STATUS_LABELS: dict[str, str] = {
    AlertStatus.OPEN: N_("Open"),
    AlertStatus.ACKNOWLEDGED: N_("Acknowledged"),
    AlertStatus.CLOSED: N_("Closed"),
}
CATEGORY_LABELS: dict[str, str] = {
    SupportCategory.FOOD: N_("Food"),
    SupportCategory.MEDICINE: N_("Medicine"),
    SupportCategory.UTILITIES: N_("Gas, water, electricity or heating"),
    SupportCategory.GARBAGE: N_("Garbage collection"),
    SupportCategory.OTHER: N_("Other need"),
}
URGENCY_LABELS: dict[str, str] = {
    Urgency.NORMAL: N_("Normal"),
    Urgency.URGENT: N_("Urgent"),
}
SUPPORT_STATUS_LABELS: dict[str, str] = {
    SupportStatus.REQUESTED: N_("Requested"),
    SupportStatus.ASSIGNED: N_("Assigned"),
    SupportStatus.DELIVERED: N_("Delivered"),
    SupportStatus.CANCELLED: N_("Cancelled"),
}
NOTE_KIND_LABELS: dict[str, str] = {
    NoteKind.COUNSELLING: N_("Counselling"),
    NoteKind.PERSUASION: N_("Persuasion talk"),
}


def label(labels: dict[str, str], value: str | None) -> str:
    """The message id of a stored code's label; an unknown code is shown as it is."""
    return "" if value is None else labels.get(value, value)
