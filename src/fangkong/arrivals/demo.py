"""The demo's arrivals policy: key areas of early 2020, the default rules, Changchun's
checkpoints. Idempotent: what exists already is kept as it is."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.arrivals.actions import do_add_key_area, do_create_checkpoint, do_set_rule
from fangkong.arrivals.codes import CheckpointKind, RiskLevel, RuleAction
from fangkong.arrivals.models import ArrivalRule, Checkpoint, KeyArea
from fangkong.arrivals.schemas import CheckpointCreate, KeyAreaCreate, RuleUpdate
from fangkong.scope import SYSTEM

DEMO_KEY_AREAS: tuple[tuple[str, RiskLevel, date], ...] = (
    ("42", RiskLevel.HIGH, date(2020, 1, 23)),  # 湖北省
    ("3303", RiskLevel.MEDIUM, date(2020, 1, 28)),  # 浙江省温州市
    ("4115", RiskLevel.MEDIUM, date(2020, 1, 28)),  # 河南省信阳市
    ("3401", RiskLevel.MEDIUM, date(2020, 1, 30)),  # 安徽省合肥市
)
DEMO_RULES: tuple[tuple[RiskLevel, RuleUpdate], ...] = (
    (RiskLevel.HIGH, RuleUpdate(within_days=14, action=RuleAction.HOME_QUARANTINE,
                                duration_days=14, requires_test=True)),
    (RiskLevel.MEDIUM, RuleUpdate(within_days=14, action=RuleAction.HEALTH_MONITORING,
                                  duration_days=14, requires_test=False)),
    (RiskLevel.LOW, RuleUpdate(within_days=14, action=RuleAction.NONE, duration_days=0,
                               requires_test=False)),
)
DEMO_CHECKPOINTS: tuple[tuple[str, CheckpointKind, str, str], ...] = (
    ("长春站", CheckpointKind.RAILWAY, "220103", "宽城区长白路5号"),
    ("长春西站", CheckpointKind.RAILWAY, "220106", "绿园区西环城路"),
    ("龙嘉国际机场", CheckpointKind.AIRPORT, "220113", "九台区龙嘉街道"),
    ("长春南高速出口", CheckpointKind.HIGHWAY, "220102", "南关区京哈高速长春南收费站"),
    ("长春客运总站", CheckpointKind.BUS, "220103", "宽城区人民大街226号"),
)


def do_seed_demo_arrivals_policy(session: Session) -> int:
    """Key areas, rules and checkpoints of the demo where missing; returns rows created."""
    created = 0
    have_rules = set(session.scalars(select(ArrivalRule.risk_level)))
    for level, rule in DEMO_RULES:
        if level.value not in have_rules:
            do_set_rule(session, actor=SYSTEM, risk_level=level, data=rule)
            created += 1
    have_areas = set(session.scalars(select(KeyArea.division_code)))
    for code, level, since in DEMO_KEY_AREAS:
        if code not in have_areas:
            do_add_key_area(session, actor=SYSTEM, data=KeyAreaCreate(
                division_code=code, risk_level=level, valid_from=since))
            created += 1
    have_points = set(session.scalars(select(Checkpoint.name)))
    for name, kind, area_code, address in DEMO_CHECKPOINTS:
        if name not in have_points and session.get(Area, area_code) is not None:
            do_create_checkpoint(session, actor=SYSTEM, data=CheckpointCreate(
                name=name, kind=kind, area_code=area_code, address=address))
            created += 1
    return created
