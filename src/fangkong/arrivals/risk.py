"""Risk of a place on a day (the most specific key area wins) and the rule that follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fangkong.arrivals.codes import KEY_LEVELS, RiskLevel, RuleAction
from fangkong.arrivals.models import ArrivalRule, KeyArea
from fangkong.arrivals.places import place_prefixes
from fangkong.policy import get_policy


@dataclass(frozen=True, slots=True)
class Assessment:
    """What an arrival from a place on a day means: the origin's risk and the rule's action."""

    risk: str
    action: str
    rule: ArrivalRule | None


def key_areas_covering(
    session: Session, division_code: str, first: date, last: date
) -> list[KeyArea]:
    """The key-area rows of a place and the places it lies in, valid on some day of a range."""
    stmt = select(KeyArea).where(
        KeyArea.division_code.in_(place_prefixes(division_code)),
        KeyArea.valid_from <= last,
        or_(KeyArea.valid_to.is_(None), KeyArea.valid_to >= first),
    )
    return list(session.scalars(stmt))


def level_on(rows: list[KeyArea], day: date) -> str:
    """The level of the most specific row valid on the day (county over city over province)."""
    valid = [row for row in rows
             if row.valid_from <= day and (row.valid_to is None or row.valid_to >= day)]
    if not valid:
        return RiskLevel.NONE.value
    return max(valid, key=lambda row: (len(row.division_code), row.valid_from)).risk_level


def risk_of(session: Session, division_code: str, on: date) -> str:
    """`high`, `medium`, `low`, or `none` when no key area covers the place on that day."""
    return level_on(key_areas_covering(session, division_code, on, on), on)


def list_rules(session: Session) -> dict[str, ArrivalRule]:
    """The rule of each risk level that has one."""
    return {rule.risk_level: rule for rule in session.scalars(select(ArrivalRule))}


def _window(rule: ArrivalRule | None, lookback: int) -> int:
    return max(1, rule.within_days if rule is not None else lookback)


def assess_origin(session: Session, *, origin_code: str, arrived_on: date) -> Assessment:
    """The highest level the origin had within that level's rule window before arriving.

    A level counts when the place had it, or a higher one, on a day among the last
    `within_days` of its rule (the policy's `arrivals.lookback_days` for a level without one).
    """
    rules = list_rules(session)
    lookback = int(get_policy(session, "arrivals.lookback_days"))
    widest = max([_window(rules.get(level), lookback) for level in KEY_LEVELS])
    rows = key_areas_covering(session, origin_code, arrived_on - timedelta(days=widest - 1),
                              arrived_on)
    if not rows:
        return Assessment(RiskLevel.NONE.value, RuleAction.NONE.value, rules.get("none"))
    ranks = [RiskLevel(level_on(rows, arrived_on - timedelta(days=back))).rank
             for back in range(widest)]
    for level in KEY_LEVELS:
        rule = rules.get(level)
        if max(ranks[: _window(rule, lookback)]) >= level.rank:
            action = rule.action if rule is not None else RuleAction.NONE.value
            return Assessment(level.value, action, rule)
    return Assessment(RiskLevel.NONE.value, RuleAction.NONE.value, rules.get("none"))
