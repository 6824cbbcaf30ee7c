"""Pydantic schemas of screening, shared by the JSON API and the HTML forms; stored codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from fangkong.areas.schemas import DUTY_LABELS, LeaderDuty
from fangkong.i18n import N_

LOW_TEMPERATURE = Decimal("34.0")
HIGH_TEMPERATURE = Decimal("43.0")
FEVER = Decimal("37.3")


class RoundStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What a visit found at the door; the latest one sets the household's outcome."""

    VISITED = "visited"  # 已入户
    NOBODY_HOME = "nobody_home"  # 无人在家，需再访
    REFUSED = "refused"  # 拒绝
    VACANT = "vacant"  # 空置
    MOVED_AWAY = "moved_away"  # 已搬离


NOT_REACHED = (Outcome.NOBODY_HOME, Outcome.REFUSED)
"""Outcomes that leave a household on the list still to visit (不漏一户一人)."""


class Symptom(StrEnum):
    FEVER = "fever"
    COUGH = "cough"
    FATIGUE = "fatigue"
    SORE_THROAT = "sore_throat"
    SHORT_BREATH = "short_breath"
    DIARRHOEA = "diarrhoea"


class Reason(StrEnum):
    """Why a visit put a person on the follow-up list."""

    FEVER = "fever"
    SYMPTOMS = "symptoms"
    KEY_AREA_TRAVEL = "key_area_travel"
    CASE_CONTACT = "case_contact"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


LABELS: dict[StrEnum, str] = {
    RoundStatus.ACTIVE: N_("Active"),
    RoundStatus.CLOSED: N_("Closed"),
    Outcome.VISITED: N_("Visited"),
    Outcome.NOBODY_HOME: N_("Nobody home"),
    Outcome.REFUSED: N_("Refused"),
    Outcome.VACANT: N_("Vacant"),
    Outcome.MOVED_AWAY: N_("Moved away"),
    Symptom.FEVER: N_("Fever"),
    Symptom.COUGH: N_("Cough"),
    Symptom.FATIGUE: N_("Fatigue"),
    Symptom.SORE_THROAT: N_("Sore throat"),
    Symptom.SHORT_BREATH: N_("Shortness of breath"),
    Symptom.DIARRHOEA: N_("Diarrhoea"),
    Reason.FEVER: N_("Fever (37.3 °C or above)"),
    Reason.SYMPTOMS: N_("Symptoms"),
    Reason.KEY_AREA_TRAVEL: N_("Travel to or from a key area"),
    Reason.CASE_CONTACT: N_("Contact with a case"),
    FollowUpStatus.OPEN: N_("Open"),
    FollowUpStatus.HANDLED: N_("Handled"),
}


def label(value: str) -> str:
    """The message id of a stored screening code (outcome, symptom, reason, status)."""
    for kind in (Outcome, Symptom, Reason, RoundStatus, FollowUpStatus):
        if value in kind._value2member_map_:
            return LABELS[kind(value)]
    return value


# --- rounds --------------------------------------------------------------------------------


class RoundCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    area_code: str = Field(pattern=r"^[0-9]{2,32}$")
    starts_on: date
    ends_on: date


class RoundUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    starts_on: date | None = None
    ends_on: date | None = None


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    area_code: str
    starts_on: date
    ends_on: date
    status: RoundStatus
    created_at: datetime


# --- visits --------------------------------------------------------------------------------


class NewMember(BaseModel):
    """A person found at the door who is not in the registry yet."""

    name: str = Field(min_length=1, max_length=50)
    id_number: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=30)
    sex: str | None = Field(default=None, pattern=r"^(male|female)$")
    relation: str = Field(default="other", pattern=r"^(head|spouse|child|parent|other)$")


class MemberCheck(BaseModel):
    """One member's line of a visit: a registered person (`person_id`) or a new one."""

    person_id: int | None = None
    new_person: NewMember | None = None
    present: bool = True
    away_where: str = Field(default="", max_length=200)
    away_since: date | None = None
    temperature: Decimal | None = Field(default=None, max_digits=4, decimal_places=1)
    symptoms: list[Symptom] = Field(default_factory=list, max_length=len(Symptom))
    key_area_travel: bool = False
    case_contact: bool = False
    notes: str = Field(default="", max_length=1000)

    @field_validator("temperature")
    @classmethod
    def _temperature_range(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not LOW_TEMPERATURE <= value <= HIGH_TEMPERATURE:
            raise ValueError(N_("A temperature must lie between 34 and 43 °C."))
        return value

    @field_validator("symptoms")
    @classmethod
    def _distinct(cls, value: list[Symptom]) -> list[Symptom]:
        return list(dict.fromkeys(value))

    def reasons(self) -> list[Reason]:
        """Why this member goes on the follow-up list; empty when they are well."""
        found: list[Reason] = []
        fever = self.temperature is not None and self.temperature >= FEVER
        if fever or Symptom.FEVER in self.symptoms:
            found.append(Reason.FEVER)
        if any(item is not Symptom.FEVER for item in self.symptoms):
            found.append(Reason.SYMPTOMS)
        if self.key_area_travel:
            found.append(Reason.KEY_AREA_TRAVEL)
        if self.case_contact:
            found.append(Reason.CASE_CONTACT)
        return found


class VisitCreate(BaseModel):
    """A visit as the phone form, the line list and the API send it."""

    household_id: int
    outcome: Outcome
    visited_at: datetime | None = None
    notes: str = Field(default="", max_length=2000)
    members: list[MemberCheck] = Field(default_factory=list, max_length=100)


class VisitMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    area_code: str
    present: bool
    away_where: str
    away_since: date | None
    temperature: Decimal | None
    symptoms: list[str]
    key_area_travel: bool
    case_contact: bool
    notes: str


class VisitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    round_id: int
    household_id: int
    area_code: str
    visited_at: datetime
    visitor_id: int | None
    visitor_name: str
    outcome: Outcome
    notes: str
    members: list[VisitMemberRead] = Field(default_factory=list)


# --- follow-ups ----------------------------------------------------------------------------


class FollowUpHandle(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class FollowUpRead(BaseModel):
    """A flagged person; ID number and phone come masked."""

    id: int
    person_id: int
    person_name: str
    id_number: str
    phone: str
    household_id: int | None
    address: str
    area_code: str
    visit_id: int | None
    reasons: list[str]
    flagged_at: datetime
    flagged_by_name: str
    status: FollowUpStatus
    handled_at: datetime | None
    handled_note: str


# --- coverage ------------------------------------------------------------------------------


class Figures(BaseModel):
    """Coverage of one area: households by outcome, persons seen, and the shares that follow."""

    households: int = 0
    visited: int = 0
    nobody_home: int = 0
    refused: int = 0
    vacant: int = 0
    moved_away: int = 0
    persons: int = 0
    persons_seen: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reached(self) -> int:
        return self.visited + self.nobody_home + self.refused + self.vacant + self.moved_away

    @computed_field  # type: ignore[prop-decorator]
    @property
    def to_visit(self) -> int:
        return max(self.households - self.reached, 0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def visited_pct(self) -> float:
        return share(self.visited, self.households)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reached_pct(self) -> float:
        return share(self.reached, self.households)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def persons_pct(self) -> float:
        return share(self.persons_seen, self.persons)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{name: getattr(self, name) + getattr(other, name)
                          for name in Figures.model_fields})


def share(part: int, whole: int) -> float:
    """A percentage with one decimal; 0 of nothing is 0."""
    return round(100.0 * part / whole, 1) if whole else 0.0


class LeaderBrief(BaseModel):
    """A leader answerable for an area (包保领导, 书记), shown with its coverage."""

    name: str
    title: str
    phone: str
    duty: str

    @property
    def duty_label(self) -> str:
        known = self.duty in LeaderDuty._value2member_map_
        return DUTY_LABELS[LeaderDuty(self.duty)] if known else self.duty


class AreaFigures(BaseModel):
    code: str
    name: str
    level: str
    figures: Figures
    leaders: list[LeaderBrief] = Field(default_factory=list)


class WorkerProgress(BaseModel):
    visitor_id: int
    name: str
    reached: int
    visits: int


class DayProgress(BaseModel):
    day: date
    reached: int
    visits: int
    cumulative: int


class CoverageRead(BaseModel):
    """Coverage of a round in one area, with its children, workers and days."""

    round_id: int
    area: AreaFigures
    children: list[AreaFigures]
    workers: list[WorkerProgress] = Field(description="the visitors who reached most, first")
    workers_total: int = Field(description="how many visitors worked in the area")
    days: list[DayProgress]


class NotVisitedRead(BaseModel):
    household_id: int
    code: str
    area_code: str
    address: str
    head_name: str
    members: int
    outcome: Outcome | None
    last_visited_at: datetime | None


class NotVisitedFilter(BaseModel):
    area: str | None = Field(default=None, pattern=r"^[0-9]{2,32}$")
    grid: str | None = Field(default=None, pattern=r"^[0-9]{2,32}$")
    outcome: str | None = Field(default=None, pattern=r"^(none|nobody_home|refused)$")
