"""Reading an area tree from a file and resolving each row to an area (level, parent, code).

A row may leave the level empty (derived from the length of the code) and the parent empty
(derived from the code: the prefix of the level above). Codes padded with zeros to the twelve
digits of the national statistical files (`220102001000` for a street) are shortened to the
digits of their level.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi import UploadFile
from pydantic import ValidationError

from fangkong.areas.models import AreaLevel
from fangkong.areas.schemas import AreaCreate, AreaRow, ImportReport, RejectedRow
from fangkong.errors import Invalid
from fangkong.i18n import N_, Translator
from fangkong.tabular import (
    EmptyTable,
    HeaderMatch,
    Row,
    find_header,
    header_key,
    is_blank,
    is_total_row,
    lost_precision,
    open_table,
)

AREA_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("代码", "区划代码", "编码", "统计用区划代码", "区划编码", "code"),
    "name": ("名称", "区划名称", "名字", "name"),
    "level": ("级别", "层级", "层次", "level"),
    "parent_code": ("上级代码", "上级编码", "父级代码", "上级区划代码", "parent_code", "parent"),
    "population": ("人口", "人口数", "常住人口", "户籍人口", "population"),
}
REQUIRED = frozenset({"code", "name"})
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "city": ("市", "地级市", "城市", "州", "盟", "地区"),
    "district": ("区", "县", "区县", "县区", "县级市", "旗", "开发区", "县市区"),
    "street": ("街道", "乡镇", "街道乡镇", "乡", "镇", "苏木", "街道办事处"),
    "community": ("社区", "村", "社区村", "居委会", "村委会", "居村委会", "嘎查"),
    "grid": ("网格",),
}
MAX_POPULATION = 100_000_000
MAX_UPLOAD = 50 * 1024 * 1024
EXPORT_COLUMNS = ("code", "name", "level", "parent_code", "population")
CSV_COLUMNS = (*EXPORT_COLUMNS, "row", "reason")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UploadTooLarge(Invalid):
    code = "areas.upload_too_large"
    status = 413

    @classmethod
    def default_message(cls) -> str:
        return N_("The file is too large: an area tree file may have at most 50 MB.")


async def read_upload(upload: UploadFile) -> bytes:
    """The uploaded file's bytes, refusing more than MAX_UPLOAD."""
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise UploadTooLarge()
    return data


class RowRejected(Exception):
    """Why one row cannot be imported: a message id and its parameters."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def read_area_rows(source: bytes | str | Path, filename: str = "") -> list[AreaRow]:
    """Every non-blank row below the header; tabular errors (unreadable, no header) propagate."""
    with open_table(source, filename) as table:
        header = find_header(table, AREA_ALIASES, required=set(REQUIRED))
        rows = [_area_row(row, header) for row in table
                if not is_blank(row.cells) and not is_total_row(row.cells)]
    if not rows:
        raise EmptyTable()
    return rows


def _area_row(row: Row, header: HeaderMatch) -> AreaRow:
    record = header.record(row.cells)
    problem = ""
    if lost_precision(header.raw(row.cells).get("code")):
        problem = N_("The code was stored as a number and lost digits; store the column as text.")
    return AreaRow(row=row.number, problem=problem, **record)


def level_lookup(levels: dict[str, AreaLevel]) -> dict[str, str]:
    """Every word a file may use for a level (key, names, common synonyms) → the level's key."""
    lookup: dict[str, str] = {}
    for key, words in LEVEL_WORDS.items():
        if key in levels:
            lookup.update({header_key(word): key for word in words})
    for level in levels.values():
        for word in (level.key, level.name_zh, level.name_en):
            lookup[header_key(word)] = level.key
    return lookup


def canonical_code(code: str, lengths: list[int]) -> str | None:
    """The code at the shortest level length whose remaining digits are all zeros, else None."""
    for length in sorted(lengths):
        if length <= len(code) and not code[length:].strip("0"):
            return code[:length]
    return None


def resolve_row(row: AreaRow, levels: dict[str, AreaLevel], lookup: dict[str, str]) -> AreaCreate:
    """The area a row describes, with level and parent filled in; RowRejected says why not."""
    if row.problem:
        raise RowRejected(row.problem)
    if not row.code.isdigit():
        raise RowRejected(N_("The code must consist of digits only."))
    if len(row.code) not in {item.code_length for item in levels.values()}:
        raise RowRejected(N_("No level has codes of %(digits)s digits."),
                          digits=str(len(row.code)))
    level = _row_level(row, levels, lookup)
    code = canonical_code(row.code, [level.code_length])
    if code is None:
        raise RowRejected(N_("The code does not have the number of digits of its level."))
    return _validated(row, code, level.key, _parent_code(row, code, level, levels))


def _row_level(row: AreaRow, levels: dict[str, AreaLevel], lookup: dict[str, str]) -> AreaLevel:
    if row.level:
        key = lookup.get(header_key(row.level))
        if key is None:
            raise RowRejected(N_("Unknown level %(level)s."), level=row.level)
        return levels[key]
    by_length = {level.code_length: level for level in levels.values()}
    code = canonical_code(row.code, list(by_length)) or row.code
    return by_length[len(code)]


def _parent_code(
    row: AreaRow, code: str, level: AreaLevel, levels: dict[str, AreaLevel]
) -> str | None:
    above = [item for item in levels.values() if item.rank < level.rank]
    if not above:
        return row.parent_code or None
    parent_length = max(above, key=lambda item: item.rank).code_length
    if not row.parent_code:
        return code[:parent_length]
    if not row.parent_code.isdigit():
        raise RowRejected(N_("The parent code must consist of digits only."))
    return canonical_code(row.parent_code, [parent_length]) or row.parent_code


def _validated(row: AreaRow, code: str, level: str, parent_code: str | None) -> AreaCreate:
    if not row.name:
        raise RowRejected(N_("The name is missing."))
    try:
        return AreaCreate(code=code, name=row.name, level=level, parent_code=parent_code,
                          population=_population(row.population))
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        raise RowRejected(N_("The value of column %(column)s is not valid."),
                          column=field) from error


def _population(text: str) -> int | None:
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or int(cleaned) > MAX_POPULATION:
        raise RowRejected(N_("The population must be a whole number from 0 to 100,000,000."))
    return int(cleaned)


def rejected_row(row: AreaRow, reason: str, params: dict[str, str] | None = None) -> RejectedRow:
    return RejectedRow(
        row=row.row, code=row.code, name=row.name, level=row.level,
        parent_code=row.parent_code, population=row.population, reason=reason,
        params=params or {},
    )


def translate_report(report: ImportReport, tr: Translator) -> ImportReport:
    """The report with each rejected row's message in the reader's language."""
    rows = [item.model_copy(update={"message": tr.gettext(item.reason, **item.params)})
            for item in report.rejected]
    return report.model_copy(update={"rejected": rows})


def _safe(value: str) -> str:
    """A cell that a spreadsheet program will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def rejected_csv(report: ImportReport) -> str:
    """The rejected rows as CSV (with a BOM, for Excel), their reasons in the last column;
    fixed rows can be imported again as they are, the extra columns are ignored."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in report.rejected:
        writer.writerow([_safe(str(value)) for value in (
            item.code, item.name, item.level, item.parent_code, item.population, item.row,
            item.message or item.reason,
        )])
    return buffer.getvalue()
