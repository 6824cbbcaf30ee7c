"""What the scope walker (tests/test_scope.py) tries on every route.

`SAMPLES` maps each path parameter name used by the app's routes (`code`, `user_id`, ...) to a
function giving records that lie OUTSIDE a persona's scope: one under a sibling of the persona's
area where there is one, one in another district (or, for the whole city, in another city).
A route with a parameter missing here makes the walker fail: add the parameter with a sampler
(`by_area(Model, ...)` does for any table with an `area_code`). The same names, when they are a
query parameter or a field of a request body, are given the sample's value too.

`build_foreign_world` adds what the demo city lacks for the walk: another city (吉林市) with a
leader and a commander, and API tokens of users in several districts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, inspect, or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token, do_create_user
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.schemas import UserCreate
from fangkong.areas.actions import do_create_area, do_create_leader
from fangkong.areas.models import Area, Leader
from fangkong.areas.schemas import AreaCreate, LeaderCreate
from fangkong.arrivals.actions import do_create_checkpoint
from fangkong.arrivals.codes import ArrivalSource, CheckpointKind, RiskLevel
from fangkong.arrivals.models import Arrival, Checkpoint, KeyArea
from fangkong.arrivals.registration import check_register_arrivals
from fangkong.arrivals.schemas import ArrivalCreate, CheckpointCreate, PersonIn
from fangkong.db import Base
from fangkong.demo import DEMO_PASSWORD, PERSONAS
from fangkong.permissions import Role
from fangkong.policy import POLICY
from fangkong.quarantine.actions import do_issue_check_link, do_start_quarantine
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.models import Alert, Quarantine, Room, Site, SupportRequest
from fangkong.quarantine.schemas import RoomsCreate, SiteCreate, SupportCreate
from fangkong.quarantine.sites import do_add_rooms, do_create_site
from fangkong.quarantine.support import do_request_support
from fangkong.registry.actions import do_create_household, do_create_person
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import Household, ImportBatch, Person
from fangkong.registry.schemas import HouseholdCreate, PersonCreate
from fangkong.registry.validators import id_check_character
from fangkong.reports.approval import do_submit_report
from fangkong.reports.bulletin import do_create_bulletin
from fangkong.reports.bulletin_notices import do_create_notice
from fangkong.reports.bulletin_schemas import BulletinCreate, NoticeCreate
from fangkong.reports.models import Bulletin, Notice, ReportSubmission
from fangkong.scope import SYSTEM, Actor
from fangkong.screening.actions import do_create_round, do_record_visit
from fangkong.screening.models import FollowUp, ScreeningRound
from fangkong.screening.schemas import MemberCheck, Outcome, RoundCreate
from fangkong.settings import Settings
from fangkong.testing.actions import do_collect_sample, do_record_result
from fangkong.testing.lab_import import do_create_lab_import, open_lab_file
from fangkong.testing.models import Positive, Sample

FOREIGN_CITY = "2202"  # 吉林市: outside even the whole-city personas' scope
FOREIGN_CHAIN = (  # down to a grid, for records that live in grids
    ("220202", "昌邑区", "district"), ("220202001", "越界街道", "street"),
    ("220202001001", "越界社区", "community"), ("220202001001001", "越界网格", "grid"),
)
MARK = "越界"  # in the names of the records made for the walk
SUFFIXES = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
FOREIGN_USER = "jilin-commander"
TOKEN_OWNERS = ("grid1", "grid2", "checkpoint", FOREIGN_USER)
MISSING_ID = "987654321"

# Routes public by design, where anyone may read any area and register: travellers' own
# arrival registration (by a checkpoint's QR token) and staggered-return booking, under
# /public/. The walker checks them only for server errors; add others only with the reason.
PUBLIC_PREFIXES: tuple[str, ...] = ("/public/",)


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


@dataclass(frozen=True, slots=True)
class Probe:
    """One record outside a persona's scope, and how to recognise it in an answer."""

    value: str  # what goes into the path, the query or the body
    model: type[Base]
    key: Any  # its primary key, to check the record is unchanged afterwards
    area_code: str  # where it belongs
    secrets: tuple[str, ...]  # its texts that must never appear in an answer
    missing: str  # a value of the same shape that names no record


Sampler = Callable[[Session, str], list[Probe]]


# --- the areas around a persona's area --------------------------------------------------------


def ancestors(session: Session, code: str) -> list[str]:
    """The codes above an area, nearest first."""
    found: list[str] = []
    area = session.get(Area, code)
    while area is not None and area.parent_code is not None:
        found.append(area.parent_code)
        area = session.get(Area, area.parent_code)
    return found


def is_other_branch(scope: str, code: str, above: Sequence[str]) -> bool:
    """Outside the scope and not one of its ancestors (breadcrumbs and rollups may show those)."""
    return not code.startswith(scope) and code not in above


def other_branch_areas(session: Session, scope: str) -> list[Area]:
    """A sibling of the persona's area (if any) and an area in another district or city."""
    area = session.get(Area, scope)
    assert area is not None, f"no area {scope}"
    same_parent = Area.parent_code.is_(None) if area.parent_code is None else (
        Area.parent_code == area.parent_code)
    sibling = session.scalars(select(Area).where(same_parent, Area.code != scope)
                              .order_by(Area.code).limit(1)).first()
    far = _other_district(session, scope)
    return [item for item in (sibling, far) if item is not None and item is not area][:2]


def _other_district(session: Session, scope: str) -> Area | None:
    if len(scope) <= 4:
        return session.get(Area, FOREIGN_CITY)
    stmt = select(Area).where(Area.parent_code == scope[:4], Area.code != scope[:6])
    return session.scalars(stmt.order_by(Area.code).limit(1)).first()


# --- samplers ---------------------------------------------------------------------------------


def area_probe(area: Area) -> Probe:
    return Probe(value=area.code, model=Area, key=area.code, area_code=area.code,
                 secrets=(area.name,), missing=area.code[:-2] + "99")


def areas(session: Session, scope: str) -> list[Probe]:
    return [area_probe(area) for area in other_branch_areas(session, scope)]


def by_area(
    model: type[Base], *, column: str = "area_code",
    secrets: Callable[[Any], tuple[str, ...]] = lambda _row: (),
    where: Callable[[str], ColumnElement[bool]] | None = None,
) -> Sampler:
    """Rows of a table whose `area_code` lies under the areas `other_branch_areas` gives (and
    that `where(scope)` admits: rows a persona may see through another relation are no sample)."""
    area_column = getattr(model, column)
    (key_column,) = inspect(model).primary_key

    def sample(session: Session, scope: str) -> list[Probe]:
        probes = []
        for area in other_branch_areas(session, scope):
            stmt = select(model).where(area_column.startswith(area.code))
            if where is not None:
                stmt = stmt.where(where(scope))
            row = session.scalars(stmt.order_by(key_column).limit(1)).first()
            if row is not None:
                key = getattr(row, key_column.key)
                probes.append(Probe(value=str(key), model=model, key=key,
                                    area_code=getattr(row, column), secrets=secrets(row),
                                    missing=MISSING_ID))
        return probes

    return sample


def not_at_own_checkpoint(scope: str) -> ColumnElement[bool]:
    """Arrivals registered at a checkpoint inside the scope are the checkpoint's to see."""
    own = select(Checkpoint.id).where(Checkpoint.area_code.startswith(scope))
    return Arrival.checkpoint_id.is_(None) | Arrival.checkpoint_id.not_in(own)


def also_visible(session: Session, scope: str) -> set[str]:
    """Areas a persona sees through another relation than its area: the destinations (and the
    areas above them) of the arrivals registered at the checkpoints inside its scope."""
    stmt = (select(Arrival.area_code).join(Checkpoint, Checkpoint.id == Arrival.checkpoint_id)
            .where(Checkpoint.area_code.startswith(scope)).distinct())
    codes = set(session.scalars(stmt))
    return codes | {above for code in codes for above in ancestors(session, code)}


def tokens(session: Session, scope: str) -> list[Probe]:
    probes = []
    for area in other_branch_areas(session, scope):
        stmt = (select(ApiToken).join(User, User.id == ApiToken.user_id)
                .where(User.area_code.startswith(area.code)).order_by(ApiToken.id).limit(1))
        token = session.scalars(stmt).first()
        if token is not None:
            probes.append(Probe(value=str(token.id), model=ApiToken, key=token.id,
                                area_code=token.user.area_code, secrets=(token.name,),
                                missing=MISSING_ID))
    return probes


# Personal check links of the quarantines made for the walk: only their hashes are stored, so
# the raw links are kept here when they are issued (the public check page is walked with them).
CHECK_LINKS: dict[int, str] = {}


def check_links(session: Session, scope: str) -> list[Probe]:
    probes = []
    for probe in SAMPLES["quarantine_id"](session, scope):
        token = CHECK_LINKS.get(probe.key)
        if token is not None:
            probes.append(Probe(value=token, model=Quarantine, key=probe.key,
                                area_code=probe.area_code, secrets=probe.secrets,
                                missing=MISSING_ID))
    return probes


SAMPLES: dict[str, Sampler] = {
    "code": areas,
    "area_code": areas,
    "parent_code": areas,
    "area": areas,
    "user_id": by_area(User, secrets=lambda user: (user.display_name,)),
    "leader_id": by_area(Leader, secrets=lambda leader: (leader.phone,)),
    "token_id": tokens,
    "household_id": by_area(Household, secrets=lambda household: (household.address,)),
    "person_id": by_area(Person, secrets=lambda person: (person.name,)),
    "duplicate_id": by_area(Person, secrets=lambda person: (person.name,)),
    "round_id": by_area(ScreeningRound, secrets=lambda round_: (round_.name,)),
    "follow_up_id": by_area(FollowUp),
    "checkpoint_id": by_area(Checkpoint, secrets=lambda checkpoint: (checkpoint.name,)),
    "arrival_id": by_area(Arrival, secrets=lambda arrival: (arrival.name, arrival.id_number),
                          where=not_at_own_checkpoint),
    "quarantine_id": by_area(Quarantine, secrets=lambda row: (row.home_address,)),
    "site_id": by_area(Site, secrets=lambda site: (site.name,)),
    "room_id": by_area(Room),
    "alert_id": by_area(Alert),
    "support_request_id": by_area(SupportRequest, secrets=lambda row: (row.details,)),
    "check_token": check_links,
    "bulletin_id": by_area(Bulletin, secrets=lambda bulletin: (bulletin.title,)),
    "notice_id": by_area(Notice, secrets=lambda notice: (notice.title,)),
    "sample_id": by_area(Sample, secrets=lambda sample: (sample.tube_code,)),
    "positive_id": by_area(Positive),
    "batch_id": by_area(ImportBatch, secrets=lambda batch: (batch.filename,)),
    "submission_id": by_area(ReportSubmission, secrets=lambda row: (row.note,)),
}

# Parameters that name city-wide settings rather than records of an area: the walk gives them
# an existing value (and a missing one to the administrator) and checks for server errors and
# for changes outside the persona's area.
def first_of(column: Any, missing: str = MISSING_ID) -> Callable[[Session], tuple[str, str]]:
    def existing(session: Session) -> tuple[str, str]:
        value = session.scalar(select(column).order_by(column).limit(1))
        return (missing if value is None else str(value)), missing

    return existing


UNSCOPED: dict[str, Callable[[Session], tuple[str, str]]] = {
    "key": lambda _session: (next(iter(POLICY)), "no-such-policy"),
    "key_area_id": first_of(KeyArea.id),  # regions of the country with a risk level
    "risk_level": lambda _session: (RiskLevel.HIGH.value, "no-such-level"),
    "token": first_of(Checkpoint.public_token, "no-such-token"),  # public QR code pages
}


def probes_for(session: Session, scope: str) -> dict[str, list[Probe]]:
    """Every parameter's probes for a persona whose area is `scope`."""
    return {name: sampler(session, scope) for name, sampler in SAMPLES.items()}


# --- what the walk needs besides the demo city ------------------------------------------------


def build_foreign_world(session: Session) -> None:
    """Another city with a leader and a commander, API tokens of users here and there, and a
    household, a person, a screening round, a visit and a follow-up in a grid of every area
    the personas' samples come from."""
    if session.get(Area, FOREIGN_CITY) is None:
        _build_foreign_city(session)
    if get_user_by_username(session, FOREIGN_USER) is None:
        do_create_user(session, actor=SYSTEM, data=UserCreate(
            username=FOREIGN_USER, display_name="吉林市指挥部", role=Role.COMMANDER,
            area_code=FOREIGN_CITY, password=DEMO_PASSWORD))
    for username in TOKEN_OWNERS:
        user = get_user_by_username(session, username)
        assert user is not None, username
        name = f"{MARK}令牌-{username}"
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is None:
            do_create_token(session, actor=SYSTEM, user=user, name=name)
    if session.scalar(select(Household.id).where(Household.address.startswith(MARK))) is None:
        for index, grid in enumerate(sample_grids(session)):
            _build_grid_records(session, grid, SUFFIXES[index % len(SUFFIXES)])
            _build_bulletin_records(session, grid, SUFFIXES[index % len(SUFFIXES)])
            _build_report_records(session, grid, SUFFIXES[index % len(SUFFIXES)])
    session.flush()


def _build_foreign_city(session: Session) -> None:
    do_create_area(session, actor=SYSTEM, data=AreaCreate(
        code=FOREIGN_CITY, name="吉林市", level="city"))
    parent = FOREIGN_CITY
    for code, name, level in FOREIGN_CHAIN:
        do_create_area(session, actor=SYSTEM, data=AreaCreate(
            code=code, name=name, level=level, parent_code=parent))
        parent = code
    do_create_leader(session, actor=SYSTEM, data=LeaderCreate(
        area_code=FOREIGN_CITY, name="外市领导", title="市委常委", phone="13912345678"))


def sample_grids(session: Session) -> list[str]:
    """The first grid under each area that some persona's samples come from."""
    grids: list[str] = []
    for persona in PERSONAS:
        if persona.role is Role.ADMIN:
            continue
        for area in other_branch_areas(session, persona.area_code):
            grid = session.scalar(select(Area.code).where(
                Area.code.startswith(area.code), Area.level == "grid").order_by(Area.code))
            if grid is not None and grid not in grids:
                grids.append(grid)
    return grids


def _build_grid_records(session: Session, grid: str, suffix: str) -> None:
    """A household with one person, a past screening round, a visit that flags the person,
    a checkpoint and a traveller registered there, bound for the grid's community; the
    quarantine records of `_build_quarantine_records`."""
    household = do_create_household(session, actor=SYSTEM, data=HouseholdCreate(
        area_code=grid, address=f"{MARK}测试地址{suffix}号", head_name=f"{MARK}户主{suffix}"))
    person = do_create_person(session, actor=SYSTEM, data=PersonCreate(
        household_id=household.id, name=f"{MARK}居民{suffix}"))
    round_ = do_create_round(session, actor=SYSTEM, data=RoundCreate(
        name=f"{MARK}排查{suffix}", area_code=grid, starts_on=date(2019, 1, 1),
        ends_on=date(2019, 12, 31)))
    do_record_visit(session, actor=SYSTEM, round=round_, household=household,
                    outcome=Outcome.VISITED, visited_at=datetime(2019, 6, 1, 2, tzinfo=UTC),
                    members=[MemberCheck(person_id=person.id, case_contact=True)])
    checkpoint = do_create_checkpoint(session, actor=SYSTEM, data=CheckpointCreate(
        name=f"{MARK}卡口{suffix}", kind=CheckpointKind.HIGHWAY, area_code=grid))
    first17 = f"420102198001{SUFFIXES.index(suffix) + 10:02d}{123:03d}"
    check_register_arrivals(session, actor=SYSTEM, settings=Settings(), data=ArrivalCreate(
        checkpoint_id=checkpoint.id, origin_code="4201", destination_code=grid[:12],
        people=[PersonIn(name=f"{MARK}旅客{suffix}", id_number=first17 + id_check_character(
            first17), phone="13700000000", temperature=Decimal("36.5"))],
    ), source=ArrivalSource.STAFF)
    _build_quarantine_records(session, household, person, suffix)
    _build_testing_records(session, grid, person)


def _build_testing_records(session: Session, grid: str, person: Person) -> None:
    """A tube of the person with a positive result: a positive on the grid's list (testing)."""
    taken = datetime(2019, 6, 1, 2, tzinfo=UTC)
    sample = do_collect_sample(session, actor=SYSTEM, persons=[person], kind="nucleic_acid",
                               reason="mass", tube_code=f"YJ{grid}", collected_at=taken,
                               where=f"{MARK}采样点")
    do_record_result(session, actor=SYSTEM, sample=sample, result="positive",
                     reported_at=taken + timedelta(hours=6), lab=f"{MARK}实验室")
    lab = Actor(user_id=None, username=f"{MARK}实验室", role=Role.MEDICAL, area_code=grid)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{MARK}检测结果{grid}.csv"
        path.write_text("试管编号,检测结果,检测时间\n", encoding="utf-8")
        source = ImportFile(path, path.name)
        header, cells, table = open_lab_file(source)
        table.close()
        do_create_lab_import(session, actor=lab, source=source, header=header, cells=cells,
                             size=0)


def _build_bulletin_records(session: Session, grid: str, suffix: str) -> None:
    """A draft bulletin of the grid's figures and a draft notice (public bulletin)."""
    do_create_bulletin(session, actor=SYSTEM, settings=Settings(), data=BulletinCreate(
        area_code=grid, day=datetime.now(UTC).date(), title=f"{MARK}通报{suffix}",
        columns=["registry.persons"], detail_level="grid"))
    do_create_notice(session, actor=SYSTEM, area_code=grid, data=NoticeCreate(
        kind="notice", title=f"{MARK}公告{suffix}"))


def _build_report_records(session: Session, grid: str, suffix: str) -> None:
    """The grid's daily report of today, submitted (daily report)."""
    settings = Settings()
    area = session.get(Area, grid)
    assert area is not None
    do_submit_report(session, actor=SYSTEM, settings=settings, area=area,
                     day=datetime.now(settings.zone).date(),
                     today=datetime.now(settings.zone).date(), note=f"{MARK}日报{suffix}")


def _build_quarantine_records(session: Session, household: Household, person: Person,
                              suffix: str) -> None:
    """The person under home quarantine with a personal link, a fever check (an alert) and a
    life-support request; a neighbour in a room of a site in the grid."""
    grid = household.area_code
    home = do_start_quarantine(session, actor=SYSTEM, person=person, kind="home",
                               start=date(2019, 6, 1), home_address=f"{MARK}隔离地址{suffix}号")
    CHECK_LINKS[home.id] = do_issue_check_link(session, actor=SYSTEM,
                                               quarantine=home).rsplit("/", 1)[1]
    do_record_check(session, actor=SYSTEM, quarantine=home, temperature="38.5", symptoms=[])
    do_request_support(session, actor=SYSTEM, quarantine=home, data=SupportCreate(
        category="food", details=f"{MARK}生活需求{suffix}"))
    site = do_create_site(session, actor=SYSTEM, data=SiteCreate(
        name=f"{MARK}隔离点{suffix}", area_code=grid))
    do_add_rooms(session, actor=SYSTEM, site=site, data=RoomsCreate(numbers="1-2", capacity=2))
    neighbour = do_create_person(session, actor=SYSTEM, data=PersonCreate(
        household_id=household.id, name=f"{MARK}隔离者{suffix}"))
    do_start_quarantine(session, actor=SYSTEM, person=neighbour, kind="centralised",
                        start=date(2019, 6, 1), site=site)


def other_branch_filter(column: ColumnElement[str], scope: str, above: Sequence[str]) -> (
    ColumnElement[bool]
):
    """SQL for `is_other_branch`: rows a persona must neither see nor change."""
    outside = ~column.startswith(scope)
    return outside if not above else outside & ~or_(*(column == code for code in above))
