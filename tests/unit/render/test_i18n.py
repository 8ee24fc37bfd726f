"""Languages: every label translated in every shipped catalog (the CI check of issue 22),
locale tags normalised, dates and numbers formatted by Babel, direction per language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po

from certflow.errors import RenderError
from render import i18n
from render.certificate import Score, format_score

TRANSLATED = [language for language in i18n.SHIPPED if language != "en"]


def _catalog(language: str):  # type: ignore[no-untyped-def]
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as source:
        return read_po(source, locale=language)


def untranslated(language: str, labels: tuple[str, ...]) -> list[str]:
    """The labels with no usable translation (absent, empty or fuzzy) in ``language``."""
    catalog = _catalog(language)
    return [
        msgid
        for msgid in labels
        if (message := catalog.get(msgid)) is None or not message.string or message.fuzzy
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_label_has_a_translation_in_every_shipped_language(language: str) -> None:
    assert untranslated(language, i18n.LABELS) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogs_hold_no_label_the_certificate_does_not_print(language: str) -> None:
    extra = {message.id for message in _catalog(language) if message.id} - set(i18n.LABELS)
    assert extra == set()


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language: str) -> None:
    catalog = _catalog(language)
    for msgid in i18n.LABELS:
        if "{xp}" in msgid:
            assert "{xp}" in str(catalog[msgid].string)


def test_the_template_catalog_lists_exactly_the_labels() -> None:
    with (i18n.LOCALE_DIR / "certificate.pot").open("rb") as source:
        template = read_po(source)
    assert {message.id for message in template if message.id} == set(i18n.LABELS)


def test_a_label_added_without_translations_is_caught() -> None:
    """The check above can fail: a label added to the layout but not to the catalogs."""
    labels = (*i18n.LABELS, "A label nobody translated")
    assert untranslated("fr", labels) == ["A label nobody translated"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogs_translate(language: str) -> None:
    assert i18n.label(language, "This certifies that") != "This certifies that"


@pytest.mark.parametrize(
    ("tag", "shipped"),
    [
        ("pt-BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("en-GB", "en"),
        ("ar-EG", "ar"),
        ("sw", "en"),
        ("not a tag", "en"),
        ("", "en"),
        (None, "en"),
        ("de_AT", "de"),
    ],
)
def test_any_tag_maps_to_a_shipped_language(tag: str | None, shipped: str) -> None:
    assert i18n.shipped_locale(tag) == shipped


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("EN", "en"), ("es-419", "es-419")],
)
def test_valid_tags_are_canonicalised(tag: str, canonical: str) -> None:
    assert i18n.validate_locale(tag) == canonical


@pytest.mark.parametrize("tag", ["", "english", "pt_BR", "x-private", "zz-ZZ", "en-"])
def test_malformed_or_unknown_tags_are_refused(tag: str) -> None:
    assert not i18n.is_valid_locale(tag)
    with pytest.raises(RenderError, match="BCP 47"):
        i18n.validate_locale(tag)


@pytest.mark.parametrize(
    ("tag", "direction"),
    [("ar", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("fa", "rtl")]
    + [(language, "ltr") for language in ("en", "es", "fr", "de", "pt", "zh", "ja", "ko")],
)
def test_text_direction_follows_the_language(tag: str, direction: str) -> None:
    assert i18n.text_direction(tag) == direction


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", "12 March 2025"),
        ("es", "12 de marzo de 2025"),
        ("fr", "12 mars 2025"),
        ("de", "12. März 2025"),
        ("pt-BR", "12 de março de 2025"),
        ("zh", "2025年3月12日"),
        ("ja", "2025年3月12日"),
        ("ko", "2025년 3월 12일"),
    ],
)
def test_dates_are_spelled_out_per_locale(tag: str, expected: str) -> None:
    assert i18n.format_date(dt.date(2025, 3, 12), tag) == expected


@pytest.mark.parametrize(
    ("tag", "score", "expected"),
    [
        ("en", Score(Decimal(92), Decimal(100)), "92%"),
        ("fr", Score(Decimal("92.5"), Decimal(100)), "92,5\xa0%"),
        ("de", Score(Decimal(45), Decimal(50)), "45 / 50"),
        ("en", Score(Decimal(1234)), "1,234"),
    ],
)
def test_scores_are_formatted_per_locale(tag: str, score: Score, expected: str) -> None:
    assert format_score(score, tag) == expected


def test_a_negative_score_is_refused() -> None:
    with pytest.raises(RenderError, match="score"):
        format_score(Score(Decimal(-1), Decimal(100)), "en")
