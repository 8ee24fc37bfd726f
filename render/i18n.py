"""The certificate's language: which languages ship, their labels (gettext catalogs
read with Babel), dates and numbers formatted for the locale, and text direction.

Catalogs are ``render/locale/<language>/LC_MESSAGES/certificate.po``. They are
compiled in memory, once per process, the first time a language is used
(Babel's ``read_po`` then ``write_mo``: a few milliseconds for all of them), so
no compiled ``.mo`` file can go stale in the repository or be forgotten by a
build step. ``tests/unit/render/test_i18n.py`` fails when a label has no
translation in a shipped language.

A locale is a BCP 47 tag (``pt-BR``, ``zh-Hant-TW``). ``shipped_locale`` maps it
to the language whose catalog prints it (``pt``), falling back to English for a
language that does not ship; the web verify page can use the same helpers
(``text_direction`` for ``dir``, ``shipped_locale`` for ``lang``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from certflow.errors import RenderError

#: Languages with a catalog, in the order the README lists them.
SHIPPED: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "ar", "zh", "ja", "ko")
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "certificate"

#: Every label the certificate prints (the msgids). A label added to the layout
#: must be added here and translated in every catalog, or the i18n test fails.
LABELS: tuple[str, ...] = (
    "CERTIFICATE",
    "OF COMPLETION",
    "This certifies that",
    "has successfully completed",
    "COHORT",
    "COMPLETED ON",
    "TOTAL XP EARNED",
    "SCORE",
    "EMAIL",
    "Program Director",
    "ON-CHAIN",
    "CREDENTIAL",
    "Scan to verify",
    "Certificate of Completion",
    "{xp} XP",
)

Direction = Literal["ltr", "rtl"]

# BCP 47 as far as a certificate needs it: language, optional script, region and
# variants (what Babel can parse); private use and extensions are refused.
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$")
_lock = threading.Lock()


def is_valid_locale(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 tag of a language CLDR knows."""
    if not _TAG.match(tag):
        return False
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True


def validate_locale(tag: str) -> str:
    """``tag`` in canonical case (``pt-BR``); RenderError for a malformed or unknown tag."""
    if not is_valid_locale(tag):
        raise RenderError(
            f"{tag!r} is not a BCP 47 language tag certflow knows (examples: en, pt-BR, zh-Hans)"
        )
    parts = tag.split("-")
    canonical = [parts[0].lower()]
    for part in parts[1:]:
        canonical.append(
            part.title() if len(part) == 4 else part.upper() if len(part) <= 3 else part
        )
    return "-".join(canonical)


def shipped_locale(tag: str | None) -> str:
    """The shipped language that prints ``tag``: its language when it ships
    (``pt-BR`` -> ``pt``), else English. Never raises: a bad tag prints in English."""
    if not tag:
        return DEFAULT_LOCALE
    language = tag.replace("_", "-").split("-")[0].lower()
    return language if language in SHIPPED else DEFAULT_LOCALE


def text_direction(tag: str | None) -> Direction:
    """``rtl`` for languages written right to left (Arabic, Hebrew, Persian...), else ``ltr``."""
    language = (tag or DEFAULT_LOCALE).replace("_", "-").split("-")[0].lower()
    try:
        direction = Locale.parse(language).text_direction
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if direction == "rtl" else "ltr"


def babel_locale(tag: str | None) -> Locale:
    """The Babel locale that formats dates and numbers: the full tag when it is valid and
    its language prints it (``pt-BR`` formats as Brazil does), else the shipped language."""
    shipped = shipped_locale(tag)
    if tag and is_valid_locale(tag) and tag.split("-")[0].lower() == shipped:
        return Locale.parse(tag, sep="-")
    return Locale.parse(shipped)


def catalog(tag: str | None) -> gettext.NullTranslations:
    """The compiled catalog of ``tag``'s shipped language (English: the msgids)."""
    return _catalog(shipped_locale(tag))


@functools.cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with _lock, path.open("rb") as source:
        messages = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def label(tag: str | None, msgid: str) -> str:
    """``msgid`` translated into ``tag``'s shipped language."""
    return catalog(tag).gettext(msgid)


def format_date(day: dt.date, tag: str | None) -> str:
    """A date spelled out for the locale; English keeps ``12 March 2025`` (day first,
    month in words: no reader confuses day and month)."""
    locale = babel_locale(tag)
    if locale.language == "en":
        return str(babel_format_date(day, "d MMMM y", locale=locale))
    return str(babel_format_date(day, "long", locale=locale))


def format_number(value: int | Decimal, tag: str | None) -> str:
    return str(format_decimal(value, locale=babel_locale(tag)))


def format_percent_of(points: Decimal, tag: str | None) -> str:
    """``points`` out of 100 as a percentage (``92 %`` in French, ``92%`` in English)."""
    return str(format_percent(points / 100, locale=babel_locale(tag), decimal_quantization=False))
