"""Reading registry sheets as communities send them: the header row below titles, Chinese header
variants, and each row checked and normalised (no database here)."""

from __future__ import annotations

from datetime import date, datetime
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_helpers import resident_id

from fangkong.registry import importer_rows
from fangkong.registry.importer_cells import BAD_BIRTH, BAD_TAG, BIRTH_MISMATCH, PLAIN_CHECKS
from fangkong.registry.importer_fields import ImportKind, detect_header, map_columns
from fangkong.registry.importer_rows import (
    BAD_RESIDENCE,
    BAD_SEX,
    GRID_AMBIGUOUS,
    GRID_OUTSIDE,
    GRID_UNKNOWN,
    NO_GRID,
    NO_PLACE,
    GridResolver,
    HouseholdIn,
    PersonIn,
    Rejected,
    RowChecker,
)
from fangkong.registry.validators import ID_AS_NUMBER
from fangkong.tabular import Cell, EmptyTable, NoHeader, Row

TODAY = date(2026, 1, 1)
GRID = "220102001001001"
OTHER = "220102001002001"
HEAD = resident_id(date(1980, 5, 1), 11)
COLUMNS = ("序号", "姓名", "证件类型", "身份证号", "性别", "出生日期", "联系电话", "现住址",
           "户编号", "与户主关系", "所属网格", "人员类别", "工作单位", "特殊人群", "备注")


def grids(area: str = "220102001", *, area_is_grid: bool = False) -> GridResolver:
    return GridResolver(
        area_code=area, area_is_grid=area_is_grid,
        codes=frozenset({GRID, "220102001001002", OTHER}),
        names={"第1网格": (GRID, OTHER), "幸福社区第1网格": (GRID,), "光明社区第1网格": (OTHER,),
               "第2网格": ("220102001001002",)},
    )


def checker(area_is_grid: bool = False) -> RowChecker:
    header = detect_header([Row(1, list(COLUMNS))])
    area = GRID if area_is_grid else "220102001"
    return RowChecker(header.field_columns(), grids(area, area_is_grid=area_is_grid), TODAY)


def person(**cells: Cell) -> PersonIn | Rejected | None:
    values: dict[str, Cell] = {"姓名": "王伟", "身份证号": HEAD, "现住址": "人民大街1号",
                               "所属网格": "幸福社区第1网格"}
    values.update(cells)
    row = Row(7, [values.get(column, "") for column in COLUMNS])
    return checker().check_person(row)


def accepted(**cells: Cell) -> PersonIn:
    result = person(**cells)
    assert isinstance(result, PersonIn), result
    return result


def reasons(**cells: Cell) -> dict[str, str]:
    result = person(**cells)
    assert isinstance(result, Rejected), result
    return result.reasons


# Header rows ---------------------------------------------------------------------------------


def test_header_below_title_rows_and_blank_lines_is_found() -> None:
    rows = [Row(1, ["幸福社区居民花名册", None, None]), Row(2, ["", "", ""]),
            Row(3, ["填报单位：幸福社区", "", "2020年2月3日"]),
            Row(4, [" 姓 名 ", "公民身份号码\n（必填）", "手机号", "家庭住址", "民族"])]
    header = detect_header(rows)
    assert (header.kind, header.row) == (ImportKind.PERSONS, 4)
    assert header.columns == {0: "name", 1: "id_number", 2: "phone", 3: "address"}


@pytest.mark.parametrize(("text", "field"), [
    ("名字", "name"), ("身份证号码", "id_number"), ("证件号码", "id_number"),
    ("公民身份号码", "id_number"), ("出生年月", "birth_date"), ("联系方式", "phone"),
    ("电话", "phone"), ("现住址", "address"), ("居住地址", "address"), ("户号", "household_code"),
    ("关系", "relation"), ("网格", "grid"), ("居住状态", "residence"), ("户籍类型", "residence"),
    ("职业", "occupation"), ("人员标签", "tags"), ("证件类型", "id_type"),
])
def test_chinese_header_variants(text: str, field: str) -> None:
    assert map_columns(["序号", text], ImportKind.PERSONS) == {1: field}


def test_a_household_sheet_is_told_from_a_person_sheet() -> None:
    header = detect_header([Row(1, ["户编号", "户主姓名", "住址", "联系电话", "所属网格"])])
    assert header.kind is ImportKind.HOUSEHOLDS
    assert header.columns == {0: "household_code", 1: "head_name", 2: "address", 3: "phone",
                              4: "grid"}


def test_a_saved_mapping_overrides_and_ignores_columns() -> None:
    saved = {"人名": "name", "电话": ""}
    columns = map_columns(["人名", "电话", "住址"], ImportKind.PERSONS, saved)
    assert columns == {0: "name", 2: "address"}


def test_no_header_and_empty_sheets_are_named() -> None:
    with pytest.raises(NoHeader) as caught:
        detect_header([Row(1, ["编号", "数量"]), Row(2, ["1", "2"])])
    assert caught.value.code == "tabular.no_header"
    with pytest.raises(EmptyTable):
        detect_header([Row(1, ["", None])])


# Rows ---------------------------------------------------------------------------------------


def test_a_clean_row_is_normalised() -> None:
    row = accepted(**{"姓名": " 王　伟 ", "身份证号": HEAD.lower(),
                      "联系电话": "１３８ １２３４ ５６７８", "现住址": "人民大街\n1号 ",
                      "与户主关系": "户主", "人员类别": "户籍人口",
                      "特殊人群": "独居老人、低保", "备注": "  三楼  "})
    assert row.name == "王 伟"
    assert row.id_number == HEAD.upper()
    assert (row.sex, row.birth_date) == ("male", date(1980, 5, 1))
    assert row.phone == "13812345678"
    assert row.address == "人民大街 1号"
    assert (row.relation, row.residence, row.grid) == ("head", "registered", GRID)
    assert row.tags == ("elderly_alone", "low_income")
    assert row.notes == "三楼"


def test_full_width_id_with_a_lower_case_x_is_read() -> None:
    first17 = "11010519491231002"
    number = resident_id(date(1949, 12, 31), 2, region="110105")
    assert number[:17] == first17
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number.lower())
    assert accepted(**{"身份证号": wide}).id_number == number


@pytest.mark.parametrize("value", [1.10101199003078e17, "1.10101E+17", "110101199003077000.0"])
def test_ids_stored_as_numbers_are_rejected_as_such(value: Cell) -> None:
    assert reasons(**{"身份证号": value})["id_number"] == ID_AS_NUMBER


@pytest.mark.parametrize("value", [date(1980, 5, 1), datetime(1980, 5, 1),  # noqa: DTZ001
                                   29342, "29342",
                                   "1980.5.1", "1980年5月1日", "1980/05/01", "19800501",
                                   "1980-05-01 00:00:00", "1980.05"])
def test_birth_dates_in_their_usual_forms(value: Cell) -> None:
    assert accepted(**{"出生日期": value}).birth_date == date(1980, 5, 1)


def test_birth_date_and_sex_must_match_the_id() -> None:
    found = reasons(**{"出生日期": "1981-05-01", "性别": "女"})
    assert found == {"birth_date": BIRTH_MISMATCH,
                     "sex": "The sex does not match the one in the ID number."}
    assert reasons(**{"出生日期": "1980年13月"})["birth_date"] == BAD_BIRTH


def test_a_person_without_an_id_keeps_the_given_birth_and_sex() -> None:
    row = accepted(**{"身份证号": "", "出生日期": "2019-10-01", "性别": "女"})
    assert (row.id_number, row.birth_date, row.sex) == (None, date(2019, 10, 1), "female")
    assert accepted(**{"身份证号": "", "出生日期": "2019.10"}).birth_date is None


def test_other_documents_are_kept_as_written() -> None:
    row = accepted(**{"证件类型": "护照", "身份证号": " e1234 5678 "})
    assert (row.id_type, row.id_number) == ("passport", "E12345678")


def test_every_problem_of_a_row_is_named() -> None:
    found = reasons(**{"姓名": "", "身份证号": "12345", "性别": "未知", "联系电话": "123",
                       "人员类别": "常驻人员", "特殊人群": "退役军人", "现住址": "",
                       "所属网格": "第9网格"})
    assert set(found) == {"name", "id_number", "sex", "phone", "residence", "tags", "address",
                          "grid"}
    assert (found["sex"], found["residence"], found["tags"]) == (BAD_SEX, BAD_RESIDENCE, BAD_TAG)
    assert (found["address"], found["grid"]) == (NO_PLACE, GRID_UNKNOWN)


@pytest.mark.parametrize(("value", "found"), [
    (GRID, GRID), ("001002", "220102001001002"), ("第2网格", "220102001001002"),
    ("幸福社区 / 第1网格", GRID), ("光明社区第1网格", OTHER),
])
def test_grids_by_code_or_name(value: str, found: str) -> None:
    assert accepted(**{"所属网格": value}).grid == found


@pytest.mark.parametrize(("value", "reason"), [
    ("第1网格", GRID_AMBIGUOUS), ("220104001001001", GRID_OUTSIDE), ("", NO_GRID),
])
def test_grids_that_cannot_be_placed(value: str, reason: str) -> None:
    assert reasons(**{"所属网格": value})["grid"] == reason


def test_rows_without_a_grid_go_to_the_chosen_grid() -> None:
    row = Row(3, ["", "王伟", "", HEAD, "", "", "", "人民大街1号"])
    result = checker(area_is_grid=True).check_person(row)
    assert isinstance(result, PersonIn)
    assert result.grid == GRID


@pytest.mark.parametrize("cells", [
    [], ["", None, "  ", "\n"], ["合计", "", "", "3"], ["", "总计：1234人"], ["小计", "25"],
    ["填表人：李四"], ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "审核：王五"],
])
def test_blank_and_total_rows_are_ignored(cells: list[Cell]) -> None:
    assert checker().check_person(Row(9, cells)) is None


def test_empty_tag_words_clear_the_tags() -> None:
    assert accepted(**{"特殊人群": "无"}).tags == ()
    assert accepted(**{"特殊人群": ""}).tags is None


def test_household_rows() -> None:
    header = detect_header([Row(1, ["户号", "户主", "住址", "电话", "网格", "户别"])])
    rows = RowChecker(header.field_columns(), grids(), TODAY)
    result = rows.check_household(Row(2, ["A-01", "王伟", "人民大街1号", "0431-88881234",
                                          GRID, "集体户"]))
    assert result == HouseholdIn(2, "A-01", GRID, "人民大街1号", "王伟", "0431-88881234",
                                 "collective", None)
    bad = rows.check_household(Row(3, ["A 02!", "", "", "", GRID, "公司"]))
    assert isinstance(bad, Rejected)
    assert set(bad.reasons) == {"household_code", "household_kind"}


def test_rows_checked_together_come_out_as_checked_one_by_one() -> None:
    other = resident_id(date(1985, 3, 12), 22)
    base: dict[str, Cell] = {"姓名": "王伟", "身份证号": HEAD, "现住址": "人民大街1号",
                             "所属网格": "幸福社区第1网格"}
    variants: list[dict[str, Cell]] = [
        {}, {"姓名": "李娜", "身份证号": other, "性别": "女"},
        {"性别": "男", "联系电话": "13812345678"},
        {"联系电话": "0431-8888123"}, {"联系电话": "12345"}, {"身份证号": HEAD[:-1] + "0"},
        {"身份证号": other, "出生日期": "1985.03"}, {"身份证号": other, "出生日期": "1985-04-01"},
        {"证件类型": "护照", "身份证号": "E1234567"}, {"证件类型": "护照", "身份证号": "E" * 40},
        {"现住址": "", "户编号": "A-01"}, {"现住址": ""}, {"所属网格": "第1网格"}, {"性别": "未知"},
        {"特殊人群": "低保、独居老人"}, {"特殊人群": "富人"}, {"姓名": "王伟2"},
        {"备注": "  说明 "}, {"备注": "   "}, {"联系电话": "  "}, {"联系电话": "+86 138 1234 5678"},
        {"身份证号": 220102198005010011.0}, {"身份证号": "  "}, {"出生日期": "1980.05"},
        {"出生日期": "1980-05-01"}, {"出生日期": "2099-01-01", "身份证号": ""}, {"户编号": "A 02!"},
    ]
    rows = [Row(10 + at, [{**base, **cells}.get(column, "") for column in COLUMNS])
            for at, cells in enumerate(variants * 2)]
    rows += [Row(90, ["合计", "", "", "3"]), Row(91, []), Row(92, ["", "  "])]
    one_by_one = [checker().check_person(row) for row in rows]
    together = checker().check_persons(rows)
    assert together == one_by_one
    assert {type(item) for item in together} == {PersonIn, Rejected, type(None)}
    clean = [row for row, item in zip(rows, one_by_one, strict=True) if isinstance(item, PersonIn)]
    assert checker().check_persons(clean) == [item for item in one_by_one
                                              if isinstance(item, PersonIn)]
    assert checker().check_persons([]) == []


# Variants of each cell, plain (taken whole by the column checks) and not, good ones more often
# than not: rows mixing them are checked together, in blocks of a few rows, as they are checked
# one by one.
CELL_VARIANTS: dict[str, list[Cell]] = {
    "姓名": ["王伟", "李娜", "王伟", "阿卜杜·热合曼", " 王伟", "王伟2", 12],
    "身份证号": [HEAD, resident_id(date(1985, 3, 12), 22), HEAD, HEAD.lower(), "",
             f"{HEAD[:6]} {HEAD[6:]}", HEAD[:-1] + "0"],
    "证件类型": ["", "", "", "护照"],
    "性别": ["", "", "男", "女"],
    "出生日期": ["", "", "1980-05-01", "1980.05"],
    "联系电话": ["", "13812345678", "0431-88881234", "12345"],
    "现住址": ["人民大街1号", "人民大街1号", "Ａ栋１号", "", " 光明路 2号", "光明路\t2号",
            "No.3-5#", "号" * 201],
    "户编号": ["A-01", "A-01", "22010200100100100001", "", "a-1 ", "A 02!"],
    "所属网格": ["幸福社区第1网格", GRID, GRID],
    "工作单位": ["", "务农"],
    "特殊人群": ["", "", "低保", "富人"],
}


@given(st.lists(st.fixed_dictionaries({column: st.sampled_from(values)
                                        for column, values in CELL_VARIANTS.items()}),
                max_size=12))
def test_rows_of_plain_and_other_cells_come_out_as_checked_one_by_one(
        rows_cells: list[dict[str, Cell]]) -> None:
    rows = [Row(2 + at, [cells.get(column, "") for column in COLUMNS])
            for at, cells in enumerate(rows_cells)]
    with patch.object(importer_rows, "BLOCK", 3):
        together = checker().check_persons(rows)
    assert together == [checker().check_person(row) for row in rows]


# Text that could pass for plain: spaces of several kinds, full-width and half-width letters
# and digits, dots and dashes, Chinese characters.
NEAR_PLAIN = st.text(st.sampled_from(" \t\n\u3000\u00a0·.-#Ａ１ａ0aZ王伟号栋"), max_size=60)


@given(st.data())
def test_plain_cells_are_their_own_checked_value(data: st.DataObject) -> None:
    for check, pattern in PLAIN_CHECKS.items():
        value = data.draw(st.from_regex(pattern, fullmatch=True) | NEAR_PLAIN)
        if pattern.fullmatch(value):
            assert check(value) == value
