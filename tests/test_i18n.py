"""Chinese first: every message id in the code and templates has a Simplified Chinese
translation, no catalog entry is fuzzy, and translations keep the ids' `%(name)s` parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from fangkong.i18n import catalog_files
from fangkong.i18n_catalog import extract

LOCALE = "zh_Hans"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def catalogs() -> list[tuple[str, Catalog]]:
    found = []
    for po_file in catalog_files(LOCALE):
        with po_file.open("rb") as handle:
            found.append((po_file.name, read_po(handle, locale=LOCALE)))
    return found


def messages() -> Iterator[tuple[str, Message]]:
    for name, catalog in catalogs():
        for message in catalog:
            if message.id:
                yield name, message


def singular(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def forms(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item or "") for item in value] if isinstance(value, tuple | list) else [""]


def translated_ids() -> set[str]:
    return {singular(message.id) for _name, message in messages()
            if all(forms(message.string))}


def test_there_are_catalogs_and_messages() -> None:
    assert catalogs(), f"no {LOCALE} catalogs in the package"
    assert extract(), "no message ids extracted from the package"


def test_every_message_id_has_a_chinese_translation() -> None:
    done = translated_ids()
    missing = sorted(
        (filename, line, f"{singular(key)!r} ({domain}.po)")
        for domain, found in extract().items()
        for key, places in found.items() if singular(key) not in done
        for filename, line in sorted(places)[:1]
    )
    listing = "\n".join(f"src/fangkong/{name}:{line}: {what}" for name, line, what in missing)
    assert not missing, (f"{len(missing)} message ids lack a {LOCALE} translation "
                         f"(run `make messages`, then translate):\n{listing}")


def test_no_catalog_entry_is_fuzzy() -> None:
    fuzzy = [f"{name}: {singular(message.id)!r}" for name, message in messages() if message.fuzzy]
    assert not fuzzy, "fuzzy entries are not used at run time; review them:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("text", ["%(name)s", "一共 %(num)d 项，%(area)s"])
def test_placeholder_pattern_finds_named_parameters(text: str) -> None:
    assert PLACEHOLDER.findall(text)


def test_translations_keep_the_parameters_of_their_ids() -> None:
    wrong = []
    for name, message in messages():
        ids = forms(message.id)
        expected = {param for text in ids for param in PLACEHOLDER.findall(text)}
        for text in forms(message.string):
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{name}: {ids[0]!r} -> {text!r}")
    assert not wrong, "translations whose %(name)s parameters differ from the id's:\n" + "\n".join(
        wrong
    )
