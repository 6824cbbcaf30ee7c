"""The registry's stored codes (lowercase) and their labels, which come from the catalog."""

from __future__ import annotations

from enum import StrEnum

from fangkong.i18n import N_


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照
    HK_MO_TW = "hk_mo_tw"  # 港澳台居民居住证/通行证
    OTHER = "other"


class Relation(StrEnum):
    HEAD = "head"  # 户主
    SPOUSE = "spouse"  # 配偶
    CHILD = "child"  # 子女
    PARENT = "parent"  # 父母
    OTHER = "other"


class Residence(StrEnum):
    REGISTERED = "registered"  # 户籍
    RESIDENT = "resident"  # 常住
    TEMPORARY = "temporary"  # 暂住
    FLOATING = "floating"  # 流动


class HouseholdKind(StrEnum):
    FAMILY = "family"
    COLLECTIVE = "collective"


class Tag(StrEnum):
    ELDERLY_ALONE = "elderly_alone"  # 独居老人
    DISABLED = "disabled"  # 残疾人
    LOW_INCOME = "low_income"  # 低保/特困
    PREGNANT = "pregnant"  # 孕产妇
    CHRONIC = "chronic"  # 慢性病
    INFANT = "infant"  # 婴幼儿


class PersonStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"


_PAIRS: tuple[tuple[StrEnum, str], ...] = (
    (Sex.MALE, N_("Male")),
    (Sex.FEMALE, N_("Female")),
    (IdType.RESIDENT_ID, N_("Resident ID card")),
    (IdType.PASSPORT, N_("Passport")),
    (IdType.HK_MO_TW, N_("Hong Kong, Macao or Taiwan permit")),
    (IdType.OTHER, N_("Other document")),
    (Relation.HEAD, N_("Head of household")),
    (Relation.SPOUSE, N_("Spouse")),
    (Relation.CHILD, N_("Child")),
    (Relation.PARENT, N_("Parent")),
    (Relation.OTHER, N_("Other relation")),
    (Residence.REGISTERED, N_("Registered resident")),
    (Residence.RESIDENT, N_("Usual resident")),
    (Residence.TEMPORARY, N_("Temporary resident")),
    (Residence.FLOATING, N_("Floating population")),
    (HouseholdKind.FAMILY, N_("Family household")),
    (HouseholdKind.COLLECTIVE, N_("Collective household")),
    (Tag.ELDERLY_ALONE, N_("Elderly living alone")),
    (Tag.DISABLED, N_("Disabled")),
    (Tag.LOW_INCOME, N_("Low income or destitute")),
    (Tag.PREGNANT, N_("Pregnant or postpartum")),
    (Tag.CHRONIC, N_("Chronic illness")),
    (Tag.INFANT, N_("Infant or toddler")),
    (PersonStatus.ACTIVE, N_("In the register")),
    (PersonStatus.MERGED, N_("Merged into another record")),
    (PersonStatus.MOVED_OUT, N_("Moved out")),
    (PersonStatus.DECEASED, N_("Deceased")),
)

LABELS: dict[tuple[type[StrEnum], str], str] = {
    (type(member), member.value): label for member, label in _PAIRS
}
"""Labels keyed by (enum, code): the members of different enums compare equal to their codes
(IdType.OTHER == Relation.OTHER == "other"), so the enum is part of the key."""


def label(member: StrEnum) -> str:
    """The message id of a code's label; translate it at the edge."""
    return LABELS[(type(member), member.value)]
