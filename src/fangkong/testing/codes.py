"""The module's stored codes (lowercase) and their labels, which come from the catalog."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from fangkong.i18n import N_

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


class SampleKind(StrEnum):
    NUCLEIC_ACID = "nucleic_acid"  # 核酸检测
    ANTIBODY = "antibody"  # 抗体
    ANTIGEN = "antigen"  # 抗原


class Reason(StrEnum):
    ARRIVAL = "arrival"  # 入境/来返人员
    QUARANTINE = "quarantine"  # 隔离人员
    CONTACT = "contact"  # 密接
    MASS = "mass"  # 全员检测
    CLINIC = "clinic"  # 发热门诊


class Result(StrEnum):
    PENDING = "pending"  # 待检
    NEGATIVE = "negative"  # 阴性
    POSITIVE = "positive"  # 阳性
    INVALID = "invalid"  # 无效


REPORTED = (Result.NEGATIVE, Result.POSITIVE, Result.INVALID)
"""The results a lab reports (pending is only the state before the first one)."""


class Pool(StrEnum):
    """单检 or 混检 of up to 10 or 20 persons in one tube."""

    SINGLE = "single"
    POOL10 = "pool10"
    POOL20 = "pool20"


POOL_LIMITS: dict[Pool, int] = {Pool.SINGLE: 1, Pool.POOL10: 10, Pool.POOL20: 20}


class Retest(StrEnum):
    NONE = "none"
    REQUIRED = "required"  # 待复检
    DONE = "done"  # 已复检


class PositiveStatus(StrEnum):
    OPEN = "open"  # 待处置
    HANDLED = "handled"  # 已处置


LABELS: dict[str, str] = {
    f"kind.{SampleKind.NUCLEIC_ACID}": N_("Nucleic acid"),
    f"kind.{SampleKind.ANTIBODY}": N_("Antibody"),
    f"kind.{SampleKind.ANTIGEN}": N_("Antigen"),
    f"reason.{Reason.ARRIVAL}": N_("Arrival"),
    f"reason.{Reason.QUARANTINE}": N_("In quarantine"),
    f"reason.{Reason.CONTACT}": N_("Close contact"),
    f"reason.{Reason.MASS}": N_("Mass testing round"),
    f"reason.{Reason.CLINIC}": N_("Fever clinic"),
    f"result.{Result.PENDING}": N_("Pending"),
    f"result.{Result.NEGATIVE}": N_("Negative"),
    f"result.{Result.POSITIVE}": N_("Positive"),
    f"result.{Result.INVALID}": N_("Invalid"),
    f"pool.{Pool.SINGLE}": N_("Single sample"),
    f"pool.{Pool.POOL10}": N_("Pooled, up to 10"),
    f"pool.{Pool.POOL20}": N_("Pooled, up to 20"),
    f"retest.{Retest.NONE}": N_("No retest needed"),
    f"retest.{Retest.REQUIRED}": N_("To retest"),
    f"retest.{Retest.DONE}": N_("Retested"),
    f"status.{PositiveStatus.OPEN}": N_("Positive, to handle"),
    f"status.{PositiveStatus.HANDLED}": N_("Handled"),
}


def label(group: str, value: str) -> str:
    """The message id of a stored code's label (translate it at the edge)."""
    return LABELS.get(f"{group}.{value}", value)


def choices(group: str, kind: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, label(group, member.value)) for member in kind]
