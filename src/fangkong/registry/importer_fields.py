"""What a registry sheet may contain: the importable fields, the headers communities give them,
the words they write in coded columns, and finding the header row (title rows above it).

A persons sheet has a 姓名 column; a household sheet has no 姓名 but a 户主姓名, or a 户编号 with
an address. A user's saved mapping (header text → field, "" to ignore) overrides the aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from fangkong.i18n import N_
from fangkong.registry.codes import HouseholdKind, IdType, Relation, Residence, Sex, Tag
from fangkong.tabular import Cell, EmptyTable, NoHeader, Row, header_key, normalise_cell

HEADER_SCAN = 30
DOMAIN = "registry"  # the catalog of the registry's messages


class ImportKind(StrEnum):
    PERSONS = "persons"
    HOUSEHOLDS = "households"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    label: str
    aliases: tuple[str, ...]


FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec(N_("Name"), ("姓名", "名字", "人员姓名", "居民姓名", "name")),
    "id_type": FieldSpec(N_("Document type"), ("证件类型", "证件种类", "id_type")),
    "id_number": FieldSpec(N_("ID number"), (
        "身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证", "证件号", "id_number")),
    "sex": FieldSpec(N_("Sex"), ("性别", "sex")),
    "birth_date": FieldSpec(N_("Birth date"), ("出生日期", "出生年月", "出生年月日", "生日",
                                              "birth_date")),
    "phone": FieldSpec(N_("Phone"), ("联系电话", "手机号", "手机号码", "电话", "联系方式", "手机",
                                     "电话号码", "phone")),
    "address": FieldSpec(N_("Address"), ("住址", "现住址", "家庭住址", "居住地址", "地址",
                                         "现居住地址", "address")),
    "household_code": FieldSpec(N_("Household number"), ("户编号", "户号", "household_code")),
    "relation": FieldSpec(N_("Relation to the head"), ("与户主关系", "关系", "relation")),
    "grid": FieldSpec(N_("Grid"), ("所属网格", "网格", "网格名称", "grid")),
    "residence": FieldSpec(N_("Residence"), ("人员类别", "居住状态", "户籍类型", "人口类型",
                                            "residence")),
    "occupation": FieldSpec(N_("Occupation"), ("工作单位", "职业", "工作单位或职业",
                                               "occupation")),
    "tags": FieldSpec(N_("Special groups"), ("特殊人群", "人员标签", "重点人群", "tags")),
    "notes": FieldSpec(N_("Notes"), ("备注", "notes")),
    "head_name": FieldSpec(N_("Head of household"), ("户主姓名", "户主", "head_name")),
    "household_kind": FieldSpec(N_("Household type"), ("户类型", "户别", "kind")),
}

KIND_FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PERSONS: ("name", "id_type", "id_number", "sex", "birth_date", "phone",
                         "address", "household_code", "relation", "grid", "residence",
                         "occupation", "tags", "notes"),
    ImportKind.HOUSEHOLDS: ("household_code", "address", "head_name", "phone", "grid",
                            "household_kind", "notes"),
}

KIND_LABELS = {ImportKind.PERSONS: N_("Persons"), ImportKind.HOUSEHOLDS: N_("Households")}


# Coded columns: the words communities write ------------------------------------------------

SEX_WORDS: dict[str, str] = {
    **dict.fromkeys(("男", "男性", "m", "male", "1"), Sex.MALE.value),
    **dict.fromkeys(("女", "女性", "f", "female", "2"), Sex.FEMALE.value),
}
RELATION_WORDS: dict[str, str] = {
    **dict.fromkeys(("户主", "本人", "户主本人", "head"), Relation.HEAD.value),
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老伴", "spouse"),
                    Relation.SPOUSE.value),
    **dict.fromkeys(("子", "女", "子女", "儿子", "女儿", "长子", "次子", "三子", "长女", "次女",
                     "三女", "独生子", "独生女", "养子", "养女", "继子", "继女", "child"),
                    Relation.CHILD.value),
    **dict.fromkeys(("父", "母", "父亲", "母亲", "父母", "公公", "婆婆", "岳父", "岳母", "parent"),
                    Relation.PARENT.value),
}
RESIDENCE_WORDS: dict[str, str] = {
    **dict.fromkeys(("户籍", "户籍人口", "户籍居民", "本地户籍", "本地", "registered"),
                    Residence.REGISTERED.value),
    **dict.fromkeys(("常住", "常住人口", "常住居民", "居住", "resident"), Residence.RESIDENT.value),
    **dict.fromkeys(("暂住", "暂住人口", "寄住", "借住", "temporary"), Residence.TEMPORARY.value),
    **dict.fromkeys(("流动", "流动人口", "外来", "外来人口", "外地", "floating"),
                    Residence.FLOATING.value),
}
ID_TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("身份证", "居民身份证", "二代身份证", "身份证号", "resident_id"),
                    IdType.RESIDENT_ID.value),
    **dict.fromkeys(("护照", "passport"), IdType.PASSPORT.value),
    **dict.fromkeys(("港澳通行证", "台湾通行证", "港澳台居民居住证", "港澳居民居住证",
                     "台湾居民居住证", "回乡证", "台胞证", "港澳居民来往内地通行证",
                     "台湾居民来往大陆通行证", "hk_mo_tw"), IdType.HK_MO_TW.value),
    **dict.fromkeys(("其他", "其它", "other"), IdType.OTHER.value),
}
TAG_WORDS: dict[str, str] = {
    **dict.fromkeys(("独居老人", "独居", "空巢老人", "elderly_alone"), Tag.ELDERLY_ALONE.value),
    **dict.fromkeys(("残疾人", "残疾", "残障", "残障人士", "disabled"), Tag.DISABLED.value),
    **dict.fromkeys(("低保", "低保户", "特困", "特困人员", "低保特困", "低保/特困", "low_income"),
                    Tag.LOW_INCOME.value),
    **dict.fromkeys(("孕产妇", "孕妇", "产妇", "pregnant"), Tag.PREGNANT.value),
    **dict.fromkeys(("慢病", "慢性病", "慢性病患者", "慢病患者", "基础病", "chronic"),
                    Tag.CHRONIC.value),
    **dict.fromkeys(("婴幼儿", "婴儿", "幼儿", "infant"), Tag.INFANT.value),
}
NO_TAG_WORDS = frozenset({"无", "否", "没有", "-", "—", "/", "none"})
HOUSEHOLD_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("家庭户", "家庭", "family"), HouseholdKind.FAMILY.value),
    **dict.fromkeys(("集体户", "集体", "collective"), HouseholdKind.COLLECTIVE.value),
}
TAG_SEPARATORS = re.compile(r"[,，、;；/|\s]+")
TOTAL_PREFIXES = ("合计", "总计", "小计", "共计", "总数", "累计", "total", "sum")


def word_key(text: str) -> str:
    """A coded cell reduced for lookup: no spaces, lower case."""
    return "".join(text.split()).lower()


# Header detection --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """The header row of a sheet: where it is, its cells, and which column holds which field."""

    kind: ImportKind
    row: int
    cells: tuple[str, ...]
    columns: dict[int, str]

    def field_columns(self) -> dict[str, int]:
        return {name: index for index, name in self.columns.items()}


def _alias_lookup(kind: ImportKind) -> dict[str, str]:
    return {header_key(alias): name for name in KIND_FIELDS[kind]
            for alias in FIELDS[name].aliases}


def map_columns(
    cells: Iterable[str], kind: ImportKind, saved: Mapping[str, str] | None = None
) -> dict[int, str]:
    """Column index → field for a header row: the saved mapping first, then the aliases; each
    field taken by its first column only."""
    lookup = _alias_lookup(kind)
    allowed = set(KIND_FIELDS[kind])
    columns: dict[int, str] = {}
    for index, text in enumerate(cells):
        key = header_key(text)
        if not key:
            continue
        name = saved[key] if saved is not None and key in saved else lookup.get(key, "")
        if name in allowed and name not in columns.values():
            columns[index] = name
    return columns


def kind_of(columns: Iterable[str]) -> ImportKind | None:
    """Which sheet a header row starts, by the fields it names."""
    names = set(columns)
    if "name" in names:
        return ImportKind.PERSONS
    if "head_name" in names or {"household_code", "address"} <= names:
        return ImportKind.HOUSEHOLDS
    return None


def header_cells(cells: list[Cell]) -> tuple[str, ...]:
    return tuple(normalise_cell(cell) for cell in cells)


def detect_header(
    rows: list[Row], *, kind: ImportKind | None = None, saved: Mapping[str, str] | None = None,
    row_number: int | None = None,
) -> Header:
    """The header among the first rows: the given row number, or the first row that starts a
    sheet of the given kind (or of either kind). EmptyTable / NoHeader when there is none."""
    if not any(any(normalise_cell(cell) for cell in row.cells) for row in rows):
        raise EmptyTable()
    for row in rows:
        if row_number is not None and row.number != row_number:
            continue
        cells = header_cells(row.cells)
        found = _header_of(cells, kind, saved)
        if found is not None:
            return Header(kind=found[0], row=row.number, cells=cells, columns=found[1])
    raise NoHeader(N_("No header row with a 姓名 (name) column, or a household sheet's 户编号 and "
                      "住址 columns, was found in the first %(scan)s rows."),
                   params={"scan": HEADER_SCAN})


def _header_of(
    cells: tuple[str, ...], kind: ImportKind | None, saved: Mapping[str, str] | None
) -> tuple[ImportKind, dict[int, str]] | None:
    for candidate in (kind,) if kind is not None else tuple(ImportKind):
        columns = map_columns(cells, candidate, saved)
        if kind_of(columns.values()) == candidate:
            return candidate, columns
    return None


def saved_entries(header: Header, columns: Mapping[int, str]) -> dict[str, str]:
    """The mapping to remember for this header: each non-empty header text → its field or ""."""
    entries: dict[str, str] = {}
    for index, text in enumerate(header.cells):
        key = header_key(text)
        if key:
            entries[key] = columns.get(index, "")
    return entries
