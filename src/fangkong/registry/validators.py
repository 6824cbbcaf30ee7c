"""Checking and normalising what people enter in the population registry.

Pure functions, no database: each returns the normalised value or raises an `Invalid` subclass
whose code names the kind of problem (`registry.id_number_invalid`, `registry.phone_invalid` …)
and whose `fields` maps the caller's field name to an English message id saying what is wrong.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple, Self
from zoneinfo import ZoneInfo

from fangkong.divisions import cities, counties, provinces
from fangkong.errors import Invalid
from fangkong.i18n import N_

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
EARLIEST_BIRTH = date(1880, 1, 1)
ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
ID_BODY = 17  # digits before the check character
ID_CHECK_BASE = 13  # ≡ 2 (mod 11), the ratio of neighbouring weights (see id_check_character)
ID_CHECK_CHARACTERS = "10X98765432"
ODD_DIGITS = frozenset("13579")  # the 17th digit of a man's ID number is odd
# Residence permits of Hong Kong, Macao and Taiwan residents use GB 11643 numbers with these codes.
PERMIT_REGION_CODES = frozenset({"810000", "820000", "830000"})
NAME_DOTS = str.maketrans(dict.fromkeys("·•．・.‧･∙⋅", "·"))
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once the phantom 1900-02-29 is skipped
EXCEL_PHANTOM_LEAP_DAY = 60
EXCEL_LAST_SERIAL = 73050  # 2099-12-31
THREE_DIGIT_AREA_PREFIXES = ("010", "02")  # Beijing and 020–029; every other area code has 4

_SPACES = re.compile(r"\s+")
PLAIN_NAME = re.compile(r"[\u4e00-\u9fff]{1,50}")  # CJK unified ideographs: NFKC leaves them
_NAME_DOT_SPACES = re.compile(r"\s*·\s*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{15}|[0-9]{17}[0-9X]")
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_DIGIT = re.compile(r"\d")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d+")
_FLOAT_TEXT = re.compile(r"(\d+)\.(\d*)")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]+")
_PHONE_COUNTRY = re.compile(r"^(?:\+\s*86|0086|\(\+?86\))")
_PHONE_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
MOBILE = _MOBILE = re.compile(r"1[3-9][0-9]{9}")  # a mainland mobile number as stored
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_SERIAL_TEXT = re.compile(r"\d{1,5}(?:\.\d+)?")


class RegistryInvalid(Invalid):
    code = "registry.invalid"

    @classmethod
    def at(cls, field: str, message: str) -> Self:
        """The error for one field, its message also the error's message."""
        return cls(message, fields={field: message})


class NameInvalid(RegistryInvalid):
    code = "registry.name_invalid"


class IdNumberInvalid(RegistryInvalid):
    code = "registry.id_number_invalid"


class IdNumberAsNumber(IdNumberInvalid):
    code = "registry.id_number_as_number"


class IdMismatch(RegistryInvalid):
    code = "registry.id_mismatch"


class PhoneInvalid(RegistryInvalid):
    code = "registry.phone_invalid"


class DateInvalid(RegistryInvalid):
    code = "registry.date_invalid"


ID_AS_NUMBER = N_(
    "The spreadsheet stored this ID number as a number and its last digits are lost. "
    "Format the column as text and enter the number again."
)


class ResidentId(NamedTuple):
    """A checked resident ID number (GB 11643-1999) and what it says about its holder."""

    number: str
    birth_date: date
    sex: str
    region_code: str
    legacy_upgraded: bool


@dataclass(frozen=True, slots=True)
class RetiredCounty:
    code: str
    name: str
    valid_until: str
    now_code: str


def normalise_text(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, inner whitespace and line breaks collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def normalise_name(value: str, *, field: str = "name") -> str:
    """A person's name: normalised text, one middle dot (·) in minority and foreign names."""
    if PLAIN_NAME.fullmatch(value):  # the usual name: nothing to normalise
        return value
    text = normalise_text(value).translate(NAME_DOTS)
    text = _NAME_DOT_SPACES.sub("·", text)
    if not text:
        raise NameInvalid.at(field, N_("The name is empty."))
    if any(map(str.isdigit, text)):
        raise NameInvalid.at(field, N_("A name cannot contain digits."))
    if len(text) > 50:
        raise NameInvalid.at(field, N_("The name is longer than 50 characters."))
    return text



def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number.

    The weighted sum is Σ dᵢ·2^(17−i) mod 11. Read as a number in base 13, the digits are
    Σ dᵢ·13^(16−i), and 13 ≡ 2 (mod 11): twice that number has the same remainder, which
    `int` computes in one step instead of 17 multiplications in Python.
    """
    if len(first17) != ID_BODY or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"not 17 digits: {first17!r}")
    return ID_CHECK_CHARACTERS[2 * int(first17, ID_CHECK_BASE) % 11]


@lru_cache(maxsize=1)
def retired_counties() -> tuple[RetiredCounty, ...]:
    """The retired county codes shipped with the package (a partial list, see the file)."""
    path = files("fangkong") / "data" / "divisions" / "retired-counties.csv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    return tuple(
        RetiredCounty(row["code"], row["name"], row["valid_until"], row["now_code"])
        for row in csv.DictReader(lines)
    )


@lru_cache(maxsize=1)
def _known_codes() -> frozenset[str]:
    return frozenset(
        [item.code for item in counties()] + [item.code for item in retired_counties()]
        + [item.code for item in cities()] + [item.code for item in provinces()]
    ) | PERMIT_REGION_CODES


def region_code_exists(code: str) -> bool:
    """Whether an ID number's 6-digit region code exists now or existed before.

    Exact: a current county code, a retired one from `retired-counties.csv`, or a permit code
    (810000/820000/830000). Lenient, because the shipped history of codes is incomplete: a code
    whose prefecture (first 4 digits) or province (first 2 digits) exists is accepted too, so a
    long-gone county or prefecture (地区) code of a real province still passes.
    """
    known = _known_codes()
    return code in known or code[:4] in known or code[:2] in known


def _id_text(value: object, field: str) -> tuple[str, bool]:
    """The ID as text without spaces, upper case; and whether it arrived as a number."""
    if isinstance(value, float):
        if not (value.is_integer() and 0 < value < 10**15):
            raise IdNumberAsNumber.at(field, ID_AS_NUMBER)
        return str(int(value)), True
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), True
    if not isinstance(value, str):
        raise IdNumberInvalid.at(field, N_("The ID number is empty."))
    text = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if _SCIENTIFIC.fullmatch(text):
        raise IdNumberAsNumber.at(field, ID_AS_NUMBER)
    float_text = _FLOAT_TEXT.fullmatch(text)
    if float_text:
        if len(float_text[1]) > 15 or float_text[2].strip("0"):
            raise IdNumberAsNumber.at(field, ID_AS_NUMBER)
        return float_text[1], True
    return text, False


def _id_day(digits: str) -> date | None:
    """The date of YYYYMMDD digits (ASCII, as the ID patterns let through), None when there is
    no such day. `date.fromisoformat` reads this form since Python 3.11, in one call."""
    try:
        return date.fromisoformat(digits)
    except ValueError:
        return None


def _birth_date(digits: str, field: str, today: date) -> date:
    birth = _id_day(digits)
    if birth is None:
        raise IdNumberInvalid.at(field, N_("The birth date in the ID number is not a real date."))
    if birth > today:
        raise IdNumberInvalid.at(field, N_("The birth date in the ID number is in the future."))
    if birth < EARLIEST_BIRTH:
        raise IdNumberInvalid.at(field, N_("The birth date in the ID number is before 1880."))
    return birth


def _check_region(code: str, field: str) -> None:
    if not region_code_exists(code):
        raise IdNumberInvalid.at(
            field, N_("The region code (first 6 digits) of the ID number does not exist.")
        )


def parse_id_number(
    value: object, *, field: str = "id_number", today: date | None = None
) -> ResidentId:
    """A resident ID number checked per GB 11643-1999, upgraded to 18 characters if legacy.

    Accepts a lower-case x, full-width digits and spaces; a 15-digit number of the first
    generation is upgraded (`19` inserted before its 2-digit year, check character added).
    Rejects numbers that a spreadsheet stored as numbers (scientific notation, float text).
    """
    today = today or datetime.now(tz=LOCAL_ZONE).date()
    plain = plain_resident_id(value, today) if type(value) is str else None
    if plain is not None:
        number, birth, sex = plain
        return ResidentId(number, birth, sex, number[:6], False)
    return _resident_id(value, field, today)


def _resident_id(value: object, field: str, today: date) -> ResidentId:
    """`parse_id_number` step by step, each fault raised with what is wrong."""
    text, from_number, legacy = _id_characters(value, field)
    birth = _birth_date(text[6:14], field, today)
    _check_region(text[:6], field)
    if ID_CHECK_CHARACTERS[2 * int(text[:17], ID_CHECK_BASE) % 11] != text[17]:
        if from_number:
            raise IdNumberAsNumber.at(field, ID_AS_NUMBER)
        raise IdNumberInvalid.at(
            field, N_("The check character (last character) of the ID number is wrong.")
        )
    return ResidentId(text, birth, "male" if text[16] in ODD_DIGITS else "female", text[:6],
                      legacy)


def plain_resident_id(text: str, today: date) -> tuple[str, date, str] | None:
    """(number, birth date, sex) of a right ID number written as it is stored (18 characters,
    an upper-case X); None for anything else, whose fault `_resident_id` names.

    The usual cell of a large roster, checked without raising and building no `ResidentId`:
    `parse_id_number` of a million such cells cost seconds."""
    if not _ID18.fullmatch(text):
        return None
    birth = _id_day(text[6:14])
    if birth is None or not EARLIEST_BIRTH <= birth <= today:
        return None
    if not region_code_exists(text[:6]) or (
            ID_CHECK_CHARACTERS[2 * int(text[:17], ID_CHECK_BASE) % 11] != text[17]):
        return None
    return text, birth, "male" if text[16] in ODD_DIGITS else "female"


def _id_characters(value: object, field: str) -> tuple[str, bool, bool]:
    """The 18 characters of an ID number as entered (a legacy one upgraded), whether it
    arrived as a number, and whether it was a legacy one."""
    text, from_number = _id_text(value, field)
    if not text:
        raise IdNumberInvalid.at(field, N_("The ID number is empty."))
    if len(text) not in (15, 18):
        raise IdNumberInvalid.at(
            field, N_("An ID number has 18 characters (15 for an old first-generation card).")
        )
    if not _ID.fullmatch(text):
        raise IdNumberInvalid.at(
            field, N_("An ID number has only digits, and an X or a digit as its last character.")
        )
    if len(text) == 18:
        return text, from_number, False
    text = text[:6] + "19" + text[6:]
    return text + id_check_character(text), from_number, True


def check_id_matches(
    resident_id: ResidentId, *, birth_date: date | None = None, sex: str | None = None
) -> None:
    """The entered birth date and sex, where given, must agree with the ID number's."""
    problems: dict[str, str] = {}
    if birth_date is not None and birth_date != resident_id.birth_date:
        problems["birth_date"] = N_("The birth date does not match the one in the ID number.")
    if sex is not None and sex != resident_id.sex:
        problems["sex"] = N_("The sex does not match the one in the ID number.")
    if problems:
        raise IdMismatch(next(iter(problems.values())), fields=problems)



def _landline(digits: str) -> tuple[str, str] | None:
    """(area code, local number) of a landline written with its area code, or None."""
    if not digits.startswith("0") or (digits.startswith(("00", "01")) and digits[:3] != "010"):
        return None
    area_length = 3 if digits.startswith(THREE_DIGIT_AREA_PREFIXES) else 4
    area, local = digits[:area_length], digits[area_length:]
    lengths = (8,) if area_length == 3 else (7, 8)
    if len(local) in lengths and local[0] not in "01":
        return area, local
    return None


def _phone_digits(text: str, field: str) -> tuple[str, str]:
    """The digits of a phone number without +86/0086/86 (a trunk 0 put back), and its last
    group of digits when the number was written in groups."""
    country = _PHONE_COUNTRY.match(text)
    international = country is not None
    text = text[country.end():] if country else text
    groups = [group for group in _PHONE_SEPARATORS.split(text) if group]
    if not groups or not all(group.isascii() and group.isdigit() for group in groups):
        raise PhoneInvalid.at(
            field, N_("A phone number has only digits, spaces, dashes and an extension.")
        )
    digits = "".join(groups)
    if not international and digits.startswith("86") and len(digits) >= 12:
        international, digits = True, digits[2:]
    if international and not digits.startswith("0") and not _MOBILE.fullmatch(digits):
        digits = "0" + digits
    return digits, groups[-1] if len(groups) > 1 else ""


def normalise_phone(value: str | int | float, *, field: str = "phone") -> str:
    """A mainland phone number in canonical form: a mobile as 11 digits, a landline as
    `0AREA-NUMBER` (`0431-88881234`), with its extension as `-123`.

    Accepts +86/0086/86 prefixes, spaces, dashes, dots, brackets around the area code,
    full-width digits, and an extension after a dash, 转, ext or #.
    """
    if type(value) is str and _MOBILE.fullmatch(value):  # the usual cell: a plain mobile
        return value
    number = isinstance(value, float) and value.is_integer()
    text = normalise_text(str(int(value) if number else value))
    if not text:
        raise PhoneInvalid.at(field, N_("The phone number is empty."))
    marked = _PHONE_EXTENSION.search(text)
    digits, last = _phone_digits(text[:marked.start()] if marked else text, field)
    extension = marked[1] if marked else ""
    if not marked and 0 < len(last) <= 6 and len(last) < len(digits):
        head = digits[: -len(last)]
        if _MOBILE.fullmatch(head) or _landline(head):
            digits, extension = head, last
    if _MOBILE.fullmatch(digits):
        if extension:
            raise PhoneInvalid.at(field, N_("A mobile number has no extension."))
        return digits
    landline = _landline(digits)
    if landline is None:
        raise PhoneInvalid.at(field, _phone_problem(digits))
    return "-".join((*landline, extension) if extension else landline)


def _phone_problem(digits: str) -> str:
    if digits.startswith("1"):
        if len(digits) != 11:
            return N_("A mobile number has 11 digits.")
        return N_("A mobile number starts with 13 to 19.")
    if digits.startswith("0"):
        return N_("A landline number is its area code and a local number of 7 or 8 digits.")
    if len(digits) in (7, 8):
        return N_("A landline number needs its area code, for example 0431-88881234.")
    return N_("This is neither a mobile number (11 digits) nor a landline with its area code.")



def _from_serial(serial: float, field: str) -> date:
    """A date of Excel's 1900 date system, whose day 60 is the phantom 1900-02-29."""
    day = int(serial)
    if serial < 1 or day > EXCEL_LAST_SERIAL:
        raise DateInvalid.at(field, N_("The spreadsheet date number is out of range."))
    if day == EXCEL_PHANTOM_LEAP_DAY:
        raise DateInvalid.at(field, N_("This date does not exist."))
    return EXCEL_EPOCH + timedelta(days=day + 1 if day < EXCEL_PHANTOM_LEAP_DAY else day)


def _make_date(year: str, month: str, day: str, field: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise DateInvalid.at(field, N_("This date does not exist.")) from None


def parse_date(value: object, *, field: str = "date") -> date:
    """A date from a spreadsheet cell or text: a date or datetime, an Excel serial number
    (43864), or text such as 2020-02-03, 2020/2/3, 2020.2.3, 2020年2月3日, 20200203,
    2020-02-03 00:00:00."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value, field)
    text = "" if not isinstance(value, str) else value if _ISO_DATE.fullmatch(value) \
        else normalise_text(value)  # 2020-02-03 is clean already
    if not text:
        raise DateInvalid.at(field, N_("The date is empty."))
    if len(text) == 8 and text.isdigit():
        return _make_date(text[:4], text[4:6], text[6:], field)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), field)
    match = _DATE_TEXT.fullmatch(text)
    if match is None:
        raise DateInvalid.at(field, N_("The date is not in a known form, such as 2020-02-03."))
    return _make_date(match[1], match[2], match[3], field)



def mask_id_number(value: str) -> str:
    """`220102********1234`: the region code and the last 4 characters, the rest hidden."""
    text = value.strip()
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) >= 6:
        return text[0] + "*" * (len(text) - 3) + text[-2:]
    return "*" * len(text)


def mask_phone(value: str) -> str:
    """`138****5678` for a mobile; a landline keeps its area code and its last 3 or 4 digits."""
    text = value.strip()
    if _MOBILE.fullmatch(text):
        return text[:3] + "****" + text[-4:]
    parts = text.split("-")
    if len(parts) in (2, 3) and all(part.isdigit() for part in parts):
        local = parts[1]
        shown = 4 if len(local) >= 8 else max(len(local) - 4, 0)
        masked = [parts[0], "*" * (len(local) - shown) + local[len(local) - shown:]]
        return "-".join([*masked, *("*" * len(part) for part in parts[2:])])
    return _DIGIT.sub("*", text[:-2]) + (text[-2:] if len(text) > 6 else "**")
