"""Reading one row of a lab's result file: the header's columns (Chinese and English variants),
then each row checked into a `LabRow` or a rejection naming each field at fault.

No database: which tube or person a row means is found per batch in `lab_bulk.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.importer_rows import Rejected, raw_texts
from fangkong.registry.validators import parse_id_number
from fangkong.tabular import (
    Cell,
    HeaderMatch,
    NoHeader,
    Row,
    find_header,
    header_key,
    is_total_row,
    lost_precision,
    normalise_cell,
    normalise_text,
)
from fangkong.testing.actions import CLOCK_SKEW, FUTURE_RESULT
from fangkong.testing.codes import Result

ALIASES: dict[str, tuple[str, ...]] = {
    "tube_code": ("试管编号", "试管号", "管号", "采样管编号", "样本编号", "样本号", "标本编号",
                  "条码号", "条码", "混管编号", "tube number", "tube_code", "tube", "barcode",
                  "sample number"),
    "id_number": ("身份证号码", "身份证号", "证件号码", "证件号", "身份证", "公民身份号码",
                  "ID number", "id_number"),
    "result": ("检测结果", "核酸检测结果", "核酸结果", "结果", "result"),
    "reported_at": ("检测时间", "报告时间", "结果时间", "检测日期", "报告日期", "出结果时间",
                    "time", "reported_at", "reported at", "result time"),
    "lab": ("检测机构", "检测单位", "检测实验室", "实验室", "检测机构名称", "lab", "laboratory"),
}
T = TypeVar("T")
REQUIRED = frozenset({"result", "reported_at"})
RESULT_WORDS: dict[str, str] = {
    **dict.fromkeys(("阴性", "阴", "negative", "neg", "-", "阴性-", "未检出", "n"),
                    Result.NEGATIVE.value),
    **dict.fromkeys(("阳性", "阳", "positive", "pos", "+", "阳性+", "检出", "p"),
                    Result.POSITIVE.value),
    **dict.fromkeys(("无效", "invalid", "样本无效", "不合格", "样本不合格", "标本不合格"),
                    Result.INVALID.value),
}
TUBE = re.compile(r"[0-9A-Za-z\-]{4,40}")
LAB_LENGTH = 100
EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serials have no zone
_TIME_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T\s]\s*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?")

NO_KEY_COLUMN = N_("The header has no 试管编号 (tube number) or 身份证号码 (ID number) column.")
NO_KEY = N_("Give a tube number or an ID number.")
BAD_TUBE = N_("A tube number has 4 to 40 letters, digits and dashes.")
TUBE_AS_NUMBER = N_("The spreadsheet stored this tube number as a number and its last digits "
                    "are lost. Format the column as text and enter the number again.")
NO_RESULT = N_("The result is empty.")
BAD_RESULT = N_("The result is not 阴性, 阳性 or 无效 (negative, positive, invalid).")
NO_TIME = N_("The result time is empty.")
BAD_TIME = N_("The result time is not a time, such as 2020-02-03 14:30.")
NO_LAB = N_("The lab is empty; give a 检测机构 column or the lab's name with the file.")
LONG_LAB = N_("The lab's name is longer than 100 characters.")


@dataclass
class Checked:
    """A batch's rows checked: the good ones, the rejected (row → field → message), how many
    blank or total rows were ignored."""

    good: list[LabRow] = field(default_factory=list)
    rejected: dict[int, dict[str, str]] = field(default_factory=dict)
    ignored: int = 0


class LabRow(NamedTuple):
    """A checked row: a tube or a person (or both), a reported result, when and by which lab.
    `dated` marks a time given as a day alone (local midnight, compared by day)."""

    row: int
    tube_code: str | None
    id_number: str | None
    result: str
    reported_at: datetime
    lab: str
    dated: bool


def lab_header(rows: Iterable[Row]) -> HeaderMatch:
    """The header row of a lab file; it must name a tube or an ID column besides the result
    and its time."""
    found = find_header(rows, ALIASES, set(REQUIRED))
    if not {"tube_code", "id_number"} & found.fields:
        raise NoHeader(NO_KEY_COLUMN)
    return found


def result_code(value: Cell) -> str | None:
    text = normalise_text(value).lower() if isinstance(value, str) else normalise_cell(value)
    compact = text.replace(" ", "")
    return RESULT_WORDS.get(compact) or RESULT_WORDS.get(header_key(compact)) or \
        RESULT_WORDS.get(compact.strip("()（）"))


def parse_time(value: Cell, zone: ZoneInfo) -> tuple[datetime, bool] | None:
    """(an aware instant, whether only a day was given) from a date/time cell, an Excel serial
    number or text such as 2020-02-03 14:30 or 2020年2月3日 14时30分; local times in `zone`."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
        return moment, False
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            return None
        moment = EXCEL_EPOCH + timedelta(days=float(value))
        return moment.replace(microsecond=0, tzinfo=zone), float(value).is_integer()
    return _cell_time(value, zone) if isinstance(value, str) else None


def _cell_time(value: str, zone: ZoneInfo) -> tuple[datetime, bool] | None:
    if value.isascii():  # NFKC leaves ASCII as it is: only its spacing would be normalised
        iso = _iso(value)
        if iso is not None:
            return (iso if iso.tzinfo else iso.replace(tzinfo=zone)), len(value) <= 10
    return _text_time(normalise_text(value), zone)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _text_time(text: str, zone: ZoneInfo) -> tuple[datetime, bool] | None:
    moment = _iso(text)
    if moment is not None:
        dated = len(text) <= 10
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)), dated
    match = _TIME_TEXT.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone), match[4] is None
    except ValueError:
        return None


def _utc(when: tuple[datetime, bool] | None) -> tuple[datetime, bool] | None:
    """The instant in UTC (compared and hashed many times over: UTC is the fast zone)."""
    return None if when is None else (when[0].astimezone(UTC), when[1])


def _blank(value: Cell) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


@dataclass
class LabChecker:
    """Checks the rows of one lab file: where each field's column is, the lab named with the
    file (for rows without their own), now (for times in the future) and the local zone."""

    columns: dict[str, int]
    default_lab: str
    now: datetime
    zone: ZoneInfo

    def __post_init__(self) -> None:
        self.today = self.now.astimezone(self.zone).date()
        self.latest = self.now + CLOCK_SKEW
        self._times: dict[str, tuple[datetime, bool] | None] = {}
        self._words: dict[tuple[str, str], str | None] = {}
        self._good: dict[str, dict[Cell, Any]] = {"result": {}, "reported_at": {}, "lab": {}}
        self._width = max(self.columns.values(), default=-1) + 1
        self._tube_at = self.columns.get("tube_code")
        self._id_at = self.columns.get("id_number")
        self._result_at = self.columns["result"]
        self._time_at = self.columns["reported_at"]
        self._lab_at = self.columns.get("lab")
        self._default_lab = None if self._lab_faults(self.default_lab) else self.default_lab

    def check_all(self, rows: Iterable[Row]) -> Checked:
        """The rows of a batch checked: each plain row through `quick`, the others (and every
        row `quick` cannot vouch for) through `check`."""
        checked = Checked()
        good, quick, check = checked.good, self.quick, self.check
        for row in rows:
            item = quick(row.number, row.cells) or check(row)
            if item is None:
                checked.ignored += 1
            elif isinstance(item, Rejected):
                checked.rejected[item.row] = item.reasons
            else:
                good.append(item)
        return checked

    def quick(self, number: int, cells: list[Cell]) -> LabRow | None:
        """The row's meaning when its cells are text that `check` would take as they are: a
        tube number as typed (or an ID number), and a result, a time and a lab each met before
        in the file or checked now. None when it takes `check` to say (never another answer)."""
        if len(cells) < self._width:
            return None
        tube = id_number = None
        if self._tube_at is not None:
            value = cells[self._tube_at]
            if type(value) is str and value.isascii() and TUBE.fullmatch(code := value.strip()):
                tube = code
            elif not _blank(value):
                return None
        if self._id_at is not None and not _blank(value := cells[self._id_at]):
            id_number = self._quick_id(value)
            if id_number is None:
                return None
        if tube is None and id_number is None:
            return None
        good = self._good
        result = good["result"].get(cells[self._result_at]) or self._known(
            "result", cells, self.result)
        when = good["reported_at"].get(cells[self._time_at]) or self._known(
            "reported_at", cells, self.time)
        lab = (good["lab"].get(cells[self._lab_at]) or self._known("lab", cells, self.lab)) if (
            self._lab_at is not None) else self._default_lab
        if result is None or when is None or lab is None:
            return None
        return LabRow(number, tube, id_number, result, when[0], lab, when[1])

    def _known(self, name: str, cells: list[Cell], read: Callable[[Cell, dict[str, str]], T]
               ) -> T | None:
        """A field's checked value, remembered for each text met (a file repeats its results,
        labs and often its times); None when the cell is at fault (`check` names why)."""
        value = cells[self.columns[name]]
        known = self._good[name]
        if type(value) is str and value in known:
            found: T = known[value]
            return found
        reasons: dict[str, str] = {}
        found = read(value, reasons)
        if reasons or found is None:
            return None
        if type(value) is str:
            if len(known) > 100_000:
                known.clear()
            known[value] = found
        return found

    def _quick_id(self, value: Cell) -> str | None:
        try:
            return parse_id_number(value, today=self.today).number
        except Invalid:
            return None

    def pick(self, cells: list[Cell], name: str) -> Cell:
        index = self.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def check(self, row: Row) -> LabRow | Rejected | None:
        """A row's meaning, or its rejection, or None for a blank or total row (ignored)."""
        cells = row.cells
        reasons: dict[str, str] = {}
        tube = self.tube(self.pick(cells, "tube_code"), reasons)
        id_number = self.id_number(self.pick(cells, "id_number"), reasons)
        if tube is None and id_number is None:
            if all(_blank(self.pick(cells, name)) for name in self.columns) or is_total_row(
                    cells):
                return None
            if not reasons:
                reasons["tube_code"] = NO_KEY
        result = self.result(self.pick(cells, "result"), reasons)
        when = self.time(self.pick(cells, "reported_at"), reasons)
        lab = self.lab(self.pick(cells, "lab"), reasons)
        if reasons or result is None or when is None:
            return Rejected(row.number, raw_texts(cells), reasons)
        return LabRow(row.number, tube, id_number, result, when[0], lab, when[1])

    def tube(self, value: Cell, reasons: dict[str, str]) -> str | None:
        if isinstance(value, str) and value.isascii():
            code = value.strip()
            if TUBE.fullmatch(code):
                return code
        if _blank(value):
            return None
        if lost_precision(value):
            reasons["tube_code"] = TUBE_AS_NUMBER
            return None
        code = value.strip() if isinstance(value, str) and value.isascii() else "".join(
            normalise_cell(value).split())
        if not TUBE.fullmatch(code):
            reasons["tube_code"] = BAD_TUBE
            return None
        return code

    def id_number(self, value: Cell, reasons: dict[str, str]) -> str | None:
        if _blank(value):
            return None
        try:
            return parse_id_number(value, today=self.today).number
        except Invalid as error:
            reasons["id_number"] = error.message
            return None

    def word(self, kind: str, value: Cell, read: Callable[[Cell], str | None]) -> str | None:
        """A coded cell read once per distinct text (a file repeats a handful of them)."""
        if not isinstance(value, str):
            return read(value)
        key = (kind, value)
        if key not in self._words:
            if len(self._words) > 10_000:
                self._words.clear()
            self._words[key] = read(value)
        return self._words[key]

    def result(self, value: Cell, reasons: dict[str, str]) -> str | None:
        if _blank(value):
            reasons["result"] = NO_RESULT
            return None
        code = self.word("result", value, result_code)
        if code is None:
            reasons["result"] = BAD_RESULT
        return code

    def time(self, value: Cell, reasons: dict[str, str]) -> tuple[datetime, bool] | None:
        if _blank(value):
            reasons["reported_at"] = NO_TIME
            return None
        if isinstance(value, str):
            if value not in self._times:
                if len(self._times) > 100_000:
                    self._times.clear()
                self._times[value] = _utc(parse_time(value, self.zone))
            when = self._times[value]
        else:
            when = _utc(parse_time(value, self.zone))
        if when is None:
            reasons["reported_at"] = BAD_TIME
        elif (when[0].astimezone(self.zone).date() > self.today) if when[1] else (
                when[0] > self.latest):
            reasons["reported_at"] = FUTURE_RESULT
            return None
        return when

    def lab(self, value: Cell, reasons: dict[str, str]) -> str:
        lab = self.default_lab if _blank(value) else self.word("lab", value, normalise_cell) or ""
        reasons.update(self._lab_faults(lab))
        return lab

    @staticmethod
    def _lab_faults(lab: str) -> dict[str, str]:
        if not lab:
            return {"lab": NO_LAB}
        return {"lab": LONG_LAB} if len(lab) > LAB_LENGTH else {}
