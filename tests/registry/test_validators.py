"""Validators of the registry: ID numbers (GB 11643-1999), phones, names, dates, masks."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.divisions import counties
from fangkong.errors import Invalid
from fangkong.registry.validators import (
    DateInvalid,
    IdMismatch,
    IdNumberAsNumber,
    IdNumberInvalid,
    NameInvalid,
    PhoneInvalid,
    ResidentId,
    _id_day,
    _resident_id,
    check_id_matches,
    id_check_character,
    mask_id_number,
    mask_phone,
    normalise_name,
    normalise_phone,
    normalise_text,
    parse_date,
    parse_id_number,
    plain_resident_id,
    region_code_exists,
    retired_counties,
)

TODAY = date(2026, 1, 1)
REGIONS = sorted({item.code for item in counties()} | {item.code for item in retired_counties()})


def check_character(first17: str) -> str:
    """The reference ISO 7064 MOD 11-2 computation, written out independently."""
    total = sum(int(digit) * (2 ** (17 - index) % 11) for index, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(region: str, birth: date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


KNOWN = make_id("220102", date(1990, 1, 1), 123)  # 220102199001011239

valid_ids = st.builds(
    make_id,
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1880, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


# ID numbers: properties ----------------------------------------------------------------------


@given(valid_ids)
def test_valid_ids_parse_and_round_trip(number: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == number[:6]
    assert f"{parsed.birth_date:%Y%m%d}" == number[6:14]
    assert parsed.sex == ("male" if int(number[16]) % 2 else "female")
    assert not parsed.legacy_upgraded
    assert parse_id_number(parsed.number, today=TODAY) == parsed


@given(valid_ids)
def test_spaces_lower_case_x_and_full_width_digits_are_accepted(number: str) -> None:
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    for variant in (full_width, spaced):
        assert parse_id_number(variant, today=TODAY).number == number


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_is_rejected(number: str, position: int, new: str) -> None:
    if new == number[position] or (new == "X" and position != 17):
        new = str((int(number[position]) + 1) % 10) if number[position] != "X" else "0"
    changed = number[:position] + new + number[position + 1:]
    with pytest.raises(IdNumberInvalid):
        parse_id_number(changed, today=TODAY)


@given(st.from_regex(r"[0-9]{8}", fullmatch=True)
       | st.dates().map(lambda day: f"{day:%Y%m%d}" if day.year >= 1000 else "00000101"))
def test_an_id_birth_day_is_read_as_year_month_and_day(digits: str) -> None:
    try:
        expected: date | None = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        expected = None
    assert _id_day(digits) == expected


@given(
    st.one_of(valid_ids, st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
              st.builds(make_id, st.from_regex(r"[0-9]{6}", fullmatch=True),
                        st.dates(max_value=date(2200, 1, 1)), st.integers(0, 999)),
              valid_ids.map(lambda number: number[:-1] + "X"),
              valid_ids.map(lambda number: number.replace("0", "1", 1)),
              valid_ids.map(lambda number: number.lower()), st.text(max_size=20)),
    st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 1, 1)),
)
def test_the_plain_path_agrees_with_the_full_check(text: str, today: date) -> None:
    """An ID number written as stored and right in every respect takes the plain path, with
    the same result as the full check; anything else is left to the full check."""
    try:
        parsed = _resident_id(text, "id_number", today)
    except Invalid:
        expected = None
    else:
        expected = (parsed.number, parsed.birth_date, parsed.sex) if parsed.number == text \
            else None
    assert plain_resident_id(text, today) == expected


@given(
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_legacy_15_digit_numbers_are_upgraded(region: str, birth: date, sequence: int) -> None:
    legacy = f"{region}{birth:%y%m%d}{sequence:03d}"
    parsed = parse_id_number(legacy, today=TODAY)
    assert parsed.legacy_upgraded
    assert parsed.number == make_id(region, birth, sequence)
    assert parsed.birth_date == birth
    assert parsed.sex == ("male" if sequence % 2 else "female")
    assert parse_id_number(parsed.number, today=TODAY).number == parsed.number


@given(valid_ids)
def test_id_masks_never_reveal_the_middle(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[:6] + "*" * 8 + number[-4:]


# ID numbers: each message ----------------------------------------------------------------------


AS_NUMBER = ("The spreadsheet stored this ID number as a number and its last digits are lost. "
             "Format the column as text and enter the number again.")


@pytest.mark.parametrize(("value", "error", "message"), [
    ("", IdNumberInvalid, "The ID number is empty."),
    (None, IdNumberInvalid, "The ID number is empty."),
    ("2201021990010112", IdNumberInvalid,
     "An ID number has 18 characters (15 for an old first-generation card)."),
    ("22010219900101123Y", IdNumberInvalid,
     "An ID number has only digits, and an X or a digit as its last character."),
    ("2201021990X1011239", IdNumberInvalid,
     "An ID number has only digits, and an X or a digit as its last character."),
    ("22010290010112X", IdNumberInvalid,
     "An ID number has only digits, and an X or a digit as its last character."),
    (make_id("220102", date(1990, 1, 1), 123)[:-1] + "0", IdNumberInvalid,
     "The check character (last character) of the ID number is wrong."),
    ("220102199002301234", IdNumberInvalid, "The birth date in the ID number is not a real date."),
    (make_id("220102", date(2030, 1, 1), 123), IdNumberInvalid,
     "The birth date in the ID number is in the future."),
    (make_id("220102", date(1879, 12, 31), 123), IdNumberInvalid,
     "The birth date in the ID number is before 1880."),
    (make_id("990102", date(1990, 1, 1), 123), IdNumberInvalid,
     "The region code (first 6 digits) of the ID number does not exist."),
    ("2.20102199001011E+17", IdNumberAsNumber, AS_NUMBER),
    ("2.20102199001011e17", IdNumberAsNumber, AS_NUMBER),
    (2.20102199001011e17, IdNumberAsNumber, AS_NUMBER),
    ("220102199001011000.0", IdNumberAsNumber, AS_NUMBER),
    ("220102199001011232", IdNumberInvalid,
     "The check character (last character) of the ID number is wrong."),
    (220102199001011232, IdNumberAsNumber, AS_NUMBER),
])
def test_id_number_errors_say_what_is_wrong(
    value: object, error: type[Invalid], message: str
) -> None:
    with pytest.raises(error) as raised:
        parse_id_number(value, field="id_number", today=TODAY)
    assert type(raised.value) is error
    assert raised.value.code == error.code
    assert raised.value.fields == {"id_number": message}
    assert raised.value.message == message


def test_error_codes_name_the_problem() -> None:
    assert IdNumberInvalid.code == "registry.id_number_invalid"
    assert IdNumberAsNumber.code == "registry.id_number_as_number"
    assert PhoneInvalid.code == "registry.phone_invalid"
    assert NameInvalid.code == "registry.name_invalid"
    assert DateInvalid.code == "registry.date_invalid"
    assert IdMismatch.code == "registry.id_mismatch"


def test_the_caller_names_the_field() -> None:
    with pytest.raises(IdNumberInvalid) as raised:
        parse_id_number("123", field="id_number_2")
    assert list(raised.value.fields) == ["id_number_2"]


def test_numbers_whose_digits_survived_are_accepted() -> None:
    assert parse_id_number(220102199001011239).number == KNOWN
    legacy = parse_id_number(220381900101123.0)
    assert legacy.number == make_id("220381", date(1990, 1, 1), 123)
    assert parse_id_number("220381900101123.0").number == legacy.number


def test_gongzhuling_old_and_new_codes_both_exist() -> None:
    old = parse_id_number(make_id("220381", date(1960, 5, 1), 456))
    new = parse_id_number(make_id("220184", date(2021, 5, 1), 456))
    assert (old.region_code, new.region_code) == ("220381", "220184")
    retired = {item.code: item for item in retired_counties()}
    assert retired["220381"].now_code == "220184"
    assert retired["220381"].valid_until == "2020-06"


def test_region_codes_exist_now_before_or_by_their_prefecture_or_province() -> None:
    assert region_code_exists("220184")  # now
    assert region_code_exists("220381")  # retired, listed
    assert region_code_exists("220199")  # an unlisted county of 长春市
    assert region_code_exists("222901")  # an unlisted old prefecture of 吉林省
    assert region_code_exists("810000")  # a Hong Kong residence permit
    assert not region_code_exists("990101")
    assert not region_code_exists("000000")


def test_future_is_judged_against_today() -> None:
    number = make_id("220102", date(2025, 6, 1), 1)
    with pytest.raises(IdNumberInvalid):
        parse_id_number(number, today=date(2025, 5, 31))
    assert parse_id_number(number, today=date(2025, 6, 1)).birth_date == date(2025, 6, 1)


# The entered birth date and sex against the ID ------------------------------------------------


def test_entered_birth_date_and_sex_must_match_the_id() -> None:
    parsed = parse_id_number(KNOWN)
    check_id_matches(parsed, birth_date=date(1990, 1, 1), sex="male")
    check_id_matches(parsed)
    with pytest.raises(IdMismatch) as raised:
        check_id_matches(parsed, birth_date=date(1990, 1, 2), sex="female")
    assert raised.value.fields == {
        "birth_date": "The birth date does not match the one in the ID number.",
        "sex": "The sex does not match the one in the ID number.",
    }
    with pytest.raises(IdMismatch) as only_sex:
        check_id_matches(parsed, birth_date=date(1990, 1, 1), sex="female")
    assert list(only_sex.value.fields) == ["sex"]


def test_resident_id_reports_female_for_an_even_17th_digit() -> None:
    parsed = parse_id_number(make_id("220102", date(1990, 1, 1), 124))
    assert parsed == ResidentId(parsed.number, date(1990, 1, 1), "female", "220102", False)


# Names and text ------------------------------------------------------------------------------


def test_text_is_nfkc_trimmed_and_collapsed() -> None:
    assert normalise_text("  长春\u3000市\n\n南关区\t ") == "长春 市 南关区"
    assert normalise_text("ＡＢＣ１２３（一）") == "ABC123(一)"


@pytest.mark.parametrize(("raw", "name"), [
    (" 张伟 ", "张伟"),
    ("阿卜杜拉•买买提", "阿卜杜拉·买买提"),
    ("阿卜杜拉．买买提", "阿卜杜拉·买买提"),
    ("阿卜杜拉・买买提", "阿卜杜拉·买买提"),
    ("阿卜杜拉 · 买买提", "阿卜杜拉·买买提"),
    ("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"),
])
def test_names_are_normalised(raw: str, name: str) -> None:
    assert normalise_name(raw) == name


@pytest.mark.parametrize(("raw", "message"), [
    ("  ", "The name is empty."),
    ("张伟2", "A name cannot contain digits."),
    ("张伟２", "A name cannot contain digits."),
    ("张" * 51, "The name is longer than 50 characters."),
])
def test_name_errors(raw: str, message: str) -> None:
    with pytest.raises(NameInvalid) as raised:
        normalise_name(raw, field="head_name")
    assert raised.value.fields == {"head_name": message}


# Phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "phone"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("138.1234.5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+8613812345678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("86 13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    (13812345678, "13812345678"),
    (13812345678.0, "13812345678"),
    ("0431-88881234", "0431-88881234"),
    ("043188881234", "0431-88881234"),
    ("(0431)88881234", "0431-88881234"),
    ("（0431）88881234", "0431-88881234"),
    ("0431 8888 1234", "0431-88881234"),
    ("0431-8888-1234", "0431-88881234"),
    ("0431-88881234-123", "0431-88881234-123"),
    ("0431-88881234转123", "0431-88881234-123"),
    ("0431-88881234 ext. 5", "0431-88881234-5"),
    ("+86 431 8888 1234", "0431-88881234"),
    ("+86-431-88881234", "0431-88881234"),
    ("0434-3271234", "0434-3271234"),
    ("010-88881234", "010-88881234"),
    ("01088881234", "010-88881234"),
    ("(021) 6888 1234", "021-68881234"),
    ("+86 10 8888 1234", "010-88881234"),
])
def test_phones_are_normalised(raw: str | int | float, phone: str) -> None:
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize(("raw", "message"), [
    ("", "The phone number is empty."),
    ("138-1234-567a", "A phone number has only digits, spaces, dashes and an extension."),
    ("1381234567", "A mobile number has 11 digits."),
    ("12812345678", "A mobile number starts with 13 to 19."),
    ("13812345678-12", "A mobile number has no extension."),
    ("0431-123", "A landline number is its area code and a local number of 7 or 8 digits."),
    ("010-8888123", "A landline number is its area code and a local number of 7 or 8 digits."),
    ("0431-08881234", "A landline number is its area code and a local number of 7 or 8 digits."),
    ("88881234", "A landline number needs its area code, for example 0431-88881234."),
    ("2345", "This is neither a mobile number (11 digits) nor a landline with its area code."),
])
def test_phone_errors(raw: str, message: str) -> None:
    with pytest.raises(PhoneInvalid) as raised:
        normalise_phone(raw, field="contact_phone")
    assert raised.value.fields == {"contact_phone": message}


mobiles = st.builds(
    lambda prefix, rest: f"1{prefix}{rest:09d}",
    st.sampled_from("3456789"), st.integers(min_value=0, max_value=10**9 - 1),
)
areas = st.one_of(
    st.just("010"), st.integers(min_value=20, max_value=29).map(lambda n: f"0{n}"),
    st.integers(min_value=300, max_value=999).map(lambda n: f"0{n}"),
)


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str, str]:
    area = draw(areas)
    length = 8 if len(area) == 3 else draw(st.sampled_from((7, 8)))
    local = draw(st.sampled_from("23456789")) + draw(
        st.text("0123456789", min_size=length - 1, max_size=length - 1))
    extension = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=4)))
    return area, local, extension


def spell_mobile(number: str, style: int) -> str:
    return (number, f"+86 {number[:3]} {number[3:7]} {number[7:]}", f"0086-{number}",
            f"86{number}", f"{number[:3]}-{number[3:7]}-{number[7:]}")[style]


def spell_landline(area: str, local: str, extension: str, style: int) -> str:
    base = (f"{area}-{local}", f"({area}){local}", f"{area} {local}", f"+86 {area[1:]} {local}",
            f"{area}{local}" if not extension else f"{area}-{local}")[style]
    return f"{base}-{extension}" if extension else base


@given(mobiles, st.integers(min_value=0, max_value=4))
def test_mobile_normalisation_is_canonical_and_idempotent(number: str, style: int) -> None:
    phone = normalise_phone(spell_mobile(number, style))
    assert phone == number
    assert normalise_phone(phone) == phone
    masked = mask_phone(phone)
    assert masked == number[:3] + "****" + number[7:]


@given(landlines(), st.integers(min_value=0, max_value=4))
def test_landline_normalisation_is_canonical_and_idempotent(
    parts: tuple[str, str, str], style: int
) -> None:
    area, local, extension = parts
    phone = normalise_phone(spell_landline(area, local, extension, style))
    assert phone == "-".join(part for part in (area, local, extension) if part)
    assert normalise_phone(phone) == phone
    masked = mask_phone(phone)
    assert masked.startswith(f"{area}-")
    shown = 4 if len(local) == 8 else 3
    assert masked.split("-")[1] == "*" * (len(local) - shown) + local[-shown:]
    assert extension == "" or masked.endswith("-" + "*" * len(extension))


def test_phone_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0431-88881234") == "0431-****1234"
    assert mask_phone("0431-8888123") == "0431-****123"
    assert mask_phone("0431-88881234-12") == "0431-****1234-**"
    assert mask_phone("not a phone 123456") == "not a phone ****56"
    assert mask_phone("12") == "**"


def test_id_masks_for_other_lengths() -> None:
    assert mask_id_number("220102199001011239") == "220102********1239"
    assert mask_id_number("22010219900101123X") == "220102********123X"
    assert mask_id_number("220381900101123") == "220381*****1123"
    assert mask_id_number("E12345678") == "E******78"
    assert mask_id_number("1234") == "****"


# Dates ---------------------------------------------------------------------------------------


def excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def spell_dates(day: date) -> list[object]:
    return [
        day, datetime.combine(day, time(13, 45)), excel_serial(day),
        float(excel_serial(day)) + 0.5, str(excel_serial(day)),
        f"{day.year}.{day.month}.{day.day}", f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y/%m/%d}", f"{day.year}-{day.month}-{day.day}", f"{day:%Y%m%d}",
        f"{day:%Y-%m-%d} 00:00:00", f"{day:%Y-%m-%dT%H:%M:%S}", f" {day:%Y-%m-%d} ",
        f"{day.year}／{day.month:02d}／{day.day:02d}",
    ]


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_every_date_form_parses(day: date) -> None:
    for spelled in spell_dates(day):
        assert parse_date(spelled) == day, spelled


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_text_dates_outside_the_excel_range_parse(day: date) -> None:
    assert parse_date(f"{day:%Y-%m-%d}") == day
    assert parse_date(f"{day:%Y%m%d}") == day


def test_excel_serial_numbers_follow_the_1900_date_system() -> None:
    assert parse_date(43864) == date(2020, 2, 3)
    assert parse_date(1) == date(1900, 1, 1)
    assert parse_date(59) == date(1900, 2, 28)
    assert parse_date(61) == date(1900, 3, 1)
    assert parse_date("43864.75") == date(2020, 2, 3)


@pytest.mark.parametrize(("raw", "message"), [
    ("", "The date is empty."),
    (None, "The date is empty."),
    ("2020-02-30", "This date does not exist."),
    ("20190229", "This date does not exist."),
    ("2020年13月1日", "This date does not exist."),
    (60, "This date does not exist."),  # Excel's phantom 1900-02-29
    (0, "The spreadsheet date number is out of range."),
    (-5, "The spreadsheet date number is out of range."),
    (73051, "The spreadsheet date number is out of range."),
    ("next tuesday", "The date is not in a known form, such as 2020-02-03."),
    ("03/02/2020", "The date is not in a known form, such as 2020-02-03."),
    ("200203", "The date is not in a known form, such as 2020-02-03."),
])
def test_date_errors(raw: object, message: str) -> None:
    with pytest.raises(DateInvalid) as raised:
        parse_date(raw, field="birth_date")
    assert raised.value.fields == {"birth_date": message}


def test_serial_bounds_are_a_sensible_range() -> None:
    assert parse_date(73050) == date(2099, 12, 31)
    assert parse_date(excel_serial(date(2020, 2, 1))) == date(2020, 2, 1)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_matches_the_weighted_sum(first17: str) -> None:
    assert id_check_character(first17) == check_character(first17)


@pytest.mark.parametrize("first17", ["2201021990010112", "22010219900101123X", "22010219900101_12",
                                     "２２０１０２１９９００１０１１２３"])
def test_check_character_wants_17_ascii_digits(first17: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_check_character(first17)


@pytest.mark.parametrize(("raw", "day"), [
    ("2020-02-03", date(2020, 2, 3)), (" 2020-02-03 ", date(2020, 2, 3)),
    ("２０２０-０２-０３", date(2020, 2, 3)), ("2020-2-3", date(2020, 2, 3)),
])
def test_iso_dates_and_their_variants_give_the_same_day(raw: str, day: date) -> None:
    assert parse_date(raw) == day


def test_an_iso_date_that_does_not_exist_is_refused() -> None:
    with pytest.raises(DateInvalid, match="does not exist"):
        parse_date("2021-02-29")


@pytest.mark.parametrize(("raw", "name"), [("王伟", "王伟"), ("王 伟", "王 伟"), ("王伟 ", "王伟"),
                                           ("阿依古丽.买买提", "阿依古丽·买买提")])
def test_plain_and_spaced_chinese_names(raw: str, name: str) -> None:
    assert normalise_name(raw) == name
