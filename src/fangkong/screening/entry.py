"""From what a person typed to a `VisitCreate`: the phone form's fields and a line-list row.

The phone form names its fields after the schema (`members.2.temperature`,
`members.2.symptoms` repeated, `members.3.new_person.name`), so one schema validates it and the
JSON body alike. A line-list row carries only the exceptions of a household in a compact text:

    2 38.5 咳嗽; 李四 外出:北京:2020-01-20; +王五 13812345678 37.0

entries separated by `;` (or `；` or a line break), each naming a member by name or by number
(1 is the first member shown) or `+name` for a person found at the door, followed by words: a
temperature, symptoms (发热 咳嗽 乏力 咽痛 气促 腹泻 or their codes), `外出:place[:since]`
(away), `重点地区` (key-area travel), `接触` (contact with a case), a phone or ID number for a
new person. Members not named are present and well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.screening.schemas import Symptom

LIST_FIELDS = frozenset({"symptoms"})
SYMPTOM_WORDS: dict[str, Symptom] = {
    "发热": Symptom.FEVER, "发烧": Symptom.FEVER, "咳嗽": Symptom.COUGH, "乏力": Symptom.FATIGUE,
    "咽痛": Symptom.SORE_THROAT, "咽喉痛": Symptom.SORE_THROAT, "气促": Symptom.SHORT_BREATH,
    "气短": Symptom.SHORT_BREATH, "呼吸困难": Symptom.SHORT_BREATH, "腹泻": Symptom.DIARRHOEA,
    **{item.value: item for item in Symptom},
}
AWAY_WORDS = ("外出", "away")
TRAVEL_WORDS = frozenset({"重点地区", "旅居", "travel"})
CONTACT_WORDS = frozenset({"接触", "密接", "contact"})
_ENTRY_SPLIT = re.compile(r"[;；\n]+")
_WORD_SPLIT = re.compile(r"[\s,，、]+")
_TEMPERATURE = re.compile(r"\d{2}(?:\.\d)?(?:°C?|℃|度)?", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")


class EntryInvalid(Invalid):
    code = "screening.entry_invalid"


# --- the phone form ------------------------------------------------------------------------


def nested_form(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Dotted field names to nested dicts; blank values dropped, `symptoms` kept as a list."""
    root: dict[str, Any] = {}
    for key, raw in items:
        value = raw.strip()
        if key == "csrf_token" or not value:
            continue
        *path, last = key.split(".")
        node = root
        for part in path:
            node = node.setdefault(part, {})
        if last in LIST_FIELDS:
            node.setdefault(last, []).append(value)
        else:
            node[last] = value
    return root


def members_in_order(data: dict[str, Any]) -> list[str]:
    """Turn `members` {"0": …, "3": …} into a list; return the form's index of each line."""
    lines = data.get("members") or {}
    keys = sorted(lines, key=lambda key: int(key) if key.isdigit() else -1)
    data["members"] = [lines[key] for key in keys]
    return keys


def fields_at_form_index(fields: dict[str, str], keys: Sequence[str]) -> dict[str, str]:
    """Name the schema's `members.<i>` errors after the form's own indexes."""
    renamed: dict[str, str] = {}
    for name, message in fields.items():
        parts = name.split(".")
        if len(parts) > 1 and parts[0] == "members" and parts[1].isdigit() and int(
                parts[1]) < len(keys):
            parts[1] = keys[int(parts[1])]
        renamed[".".join(parts)] = message
    return renamed


def all_well(member_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every registered member present, without symptoms: the one-tap visit."""
    return [{"person_id": person_id, "present": True} for person_id in member_ids]


# --- the line list -------------------------------------------------------------------------


def _fail(message: str, **params: object) -> EntryInvalid:
    return EntryInvalid(message, fields={"members": message}, params=params)


def _temperature(word: str) -> Decimal | None:
    if not _TEMPERATURE.fullmatch(word):
        return None
    digits = re.sub(r"[^\d.]", "", word)
    try:
        return Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _away(word: str, line: dict[str, Any]) -> bool:
    head, _, rest = word.partition(":") if ":" in word else word.partition("：")
    if head.lower() not in AWAY_WORDS:
        return False
    place, _, since = rest.replace("：", ":").partition(":")
    line["present"] = False
    line["away_where"] = place.strip()
    if since:
        try:
            line["away_since"] = date.fromisoformat(since.strip())
        except ValueError as error:
            raise _fail(N_("Not a date: %(word)s (write 2020-01-20)."), word=since) from error
    return True


def _apply_word(word: str, line: dict[str, Any], new: dict[str, Any] | None) -> None:
    temperature = _temperature(word)
    if temperature is not None:
        line["temperature"] = temperature
    elif word in SYMPTOM_WORDS or word.lower() in SYMPTOM_WORDS:
        symptom = SYMPTOM_WORDS.get(word) or SYMPTOM_WORDS[word.lower()]
        line.setdefault("symptoms", []).append(symptom.value)
    elif _away(word, line):
        return
    elif word.lower() in TRAVEL_WORDS:
        line["key_area_travel"] = True
    elif word.lower() in CONTACT_WORDS:
        line["case_contact"] = True
    elif new is not None and _MOBILE.fullmatch(word):
        new["phone"] = word
    elif new is not None and _ID_NUMBER.fullmatch(word):
        new["id_number"] = word.upper()
    else:
        raise _fail(N_("Not understood: %(word)s."), word=word)


def _who(word: str, members: Sequence[tuple[int, str]]) -> int:
    """The person id named by a member's number (from 1) or name."""
    if word.isdigit() and 1 <= int(word) <= len(members):
        return members[int(word) - 1][0]
    matches = [person_id for person_id, name in members if name == word]
    if len(matches) != 1:
        raise _fail(N_("No single member of this household is called %(who)s."), who=word)
    return matches[0]


def parse_exceptions(text: str, members: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """Every member of the household as a member line, changed by the entries of the text;
    a `+name` entry adds a person found at the door."""
    lines = {person_id: {"person_id": person_id, "present": True} for person_id, _ in members}
    added: list[dict[str, Any]] = []
    for entry in (part.strip() for part in _ENTRY_SPLIT.split(text or "")):
        if not entry:
            continue
        who, words = _split_entry(entry)
        if who.startswith("+"):
            new: dict[str, Any] | None = {"name": who[1:]}
            line: dict[str, Any] = {"new_person": new, "present": True}
            added.append(line)
        else:
            new, line = None, lines[_who(who, members)]
        for word in words:
            _apply_word(word, line, new)
    return [*lines.values(), *added]


def _split_entry(entry: str) -> tuple[str, list[str]]:
    """The member named first (`李四`, `2`, `+王五`, also `李四:`) and the words after."""
    first, *words = [word for word in _WORD_SPLIT.split(entry.replace("：", ":")) if word]
    who, _, rest = first.partition(":")
    if rest:
        words.insert(0, rest)
    return who, words
