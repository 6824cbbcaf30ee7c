"""Translation catalogs (Babel .po files, read at start) and locale-aware formatting.

Message ids are English; zh_Hans is the default locale and its catalog must be complete
(a test extracts every message id from the code and templates and checks it).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache, partial
from importlib.resources import files
from importlib.resources.abc import Traversable
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES: tuple[str, ...] = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LOCALE_NAMES = {"zh_Hans": "中文", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop marker
    """Mark a message id for extraction without translating it here."""
    return message


def catalog_files(locale: str) -> list[Traversable]:
    """The locale's catalogs, one per module (core.po, accounts.po, areas.po, ...)."""
    folder = files("fangkong") / "locale" / locale / "LC_MESSAGES"
    if not folder.is_dir():
        return []
    return sorted((item for item in folder.iterdir() if item.name.endswith(".po")),
                  key=lambda item: item.name)


def _compile(po_file: Traversable, locale: str) -> Translations:
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache(maxsize=64)
def load_domain(locale: str, domain: str) -> dict[str, str]:
    """One module's own translations (its .po alone), consulted before the merged catalogs."""
    for po_file in catalog_files(locale):
        if po_file.name == f"{domain}.po":
            compiled = _compile(po_file, locale)._catalog
            return {key: text for key, text in compiled.items() if isinstance(key, str)}
    return {}


@lru_cache(maxsize=8)
def load_translations(locale: str) -> _gettext.NullTranslations:
    """All catalogs of a locale merged, compiled in memory from the .po files at first use.

    The first catalog is the base, so the locale's plural rule (one form in Chinese) holds.
    Where two modules translate one id apart ("Open": 启用 here, 待处理 there), each module's
    pages ask their own catalog first (`Translator.gettext(..., domain=)`).
    """
    merged: Translations | None = None
    for po_file in catalog_files(locale):
        translations = _compile(po_file, locale)
        if merged is None:
            merged = translations
        else:
            merged.merge(translations)
    return merged if merged is not None else _gettext.NullTranslations()


def negotiate(*candidates: str | None) -> str:
    """The first supported locale among the candidates (query, cookie, user, default)."""
    for candidate in candidates:
        if candidate in LOCALES:
            return candidate
    return DEFAULT_LOCALE


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything locale-dependent for one request: messages, dates, numbers."""

    locale: str
    zone: ZoneInfo

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.locale == "zh_Hans" else self.locale

    def gettext(self, message: str, _domain: str | None = None, **params: object) -> str:
        """The translation, from the module's own catalog first when a domain is given."""
        text = load_domain(self.locale, _domain).get(message) if _domain else None
        if text is None:
            text = load_translations(self.locale).gettext(message)
        return text % params if params else text

    def domain_gettext(self, domain: str) -> Callable[..., str]:
        """`gettext` bound to a module's catalog: the `_` of that module's templates."""
        return partial(self.gettext, _domain=domain)

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = load_translations(self.locale).ngettext(singular, plural, n)
        return text % {"num": n, **params}

    def pick(self, zh: str, en: str) -> str:
        """Choose between the two names of a data row (level names, for example)."""
        return zh if self.locale == "zh_Hans" else (en or zh)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(self.zone), "yyyy-MM-dd HH:mm", locale=self.locale)

    def date(self, value: date | None) -> str:
        return "" if value is None else format_date(value, "yyyy-MM-dd", locale=self.locale)

    def number(self, value: float | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)
