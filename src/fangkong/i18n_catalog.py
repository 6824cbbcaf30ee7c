"""Keeping the catalogs in step with the code: extract message ids and update each .po file.

Each module owns its catalog (`accounts.po`, `areas.po`, …): the ids found in
`src/fangkong/<module>/` and `templates/<module>/`; everything else goes to `core.po`.
`fangkong messages` adds new ids (empty translations) and drops vanished ones; a test fails
while any id lacks its Chinese translation.
"""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_core": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
TRANSLATED_LOCALES = ("zh_Hans",)


def domain_of(relative: str) -> str:
    parts = Path(relative).parts
    if parts[0] == "templates":
        parts = parts[1:]
    if len(parts) > 1 and (PACKAGE / parts[0]).is_dir() and parts[0] not in ("web", "static"):
        return parts[0]
    return "core"


def extract() -> dict[str, dict[str | tuple[str, str], list[tuple[str, int]]]]:
    """Every message id in the package, by domain, with where it appears."""
    found: dict[str, dict[str | tuple[str, str], list[tuple[str, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHOD_MAP, keywords=KEYWORDS, options_map={
            "templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"},
        },
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found[domain_of(filename)][key].append((filename, lineno))
    return found


def po_path(locale: str, domain: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain=path.stem, project="fangkong")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(locale: str) -> dict[str, list[str]]:
    """Bring every domain's .po in step with the code; return the ids still untranslated."""
    untranslated: dict[str, list[str]] = {}
    for domain, messages in sorted(extract().items()):
        path = po_path(locale, domain)
        old = read_catalog(path, locale)
        new = Catalog(locale=locale, domain=domain, project="fangkong",
                      creation_date=old.creation_date, revision_date=old.revision_date)
        for key, locations in messages.items():
            previous = old.get(key if isinstance(key, str) else key[0])
            new.add(key, previous.string if previous else ("", "") if isinstance(key, tuple)
                    else "", locations=sorted(locations))
        _write_if_changed(path, new)
        missing = [str(m.id) for m in new if m.id and not _translated(m.string)]
        if missing:
            untranslated[domain] = missing
    return untranslated


def _write_if_changed(path: Path, catalog: Catalog) -> None:
    """Write only a catalog whose messages changed, so a run never clobbers others' edits."""
    buffer = BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False)
    old = read_catalog(path, str(catalog.locale))
    same_ids = {m.id for m in old if m.id} == {m.id for m in catalog if m.id}
    if path.exists() and same_ids and all(
        old.get(m.id) is not None and old[m.id].locations == m.locations for m in catalog if m.id
    ):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def _translated(value: object) -> bool:
    if isinstance(value, tuple | list):
        return all(value)
    return bool(value)
