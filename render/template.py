"""An issuer's look for a certificate: what the render layer needs to draw it.

A ``Template`` is plain data, already loaded (images as bytes) and validated
by whoever stores templates (``db`` and ``issuance``); the render layer never
reads Postgres or object storage. ``key`` names one version of one template
(the stored template's id and version) for logs and callers; the render
layer's per-process caches key on content instead (image sha256, font subset,
stream bytes: ``render/speed.py``, ``render/pdf_images.py``), so a template
changed under an old key can never print stale.

``DEFAULT`` is certflow's own look (the classic layout, navy and gold), used
for a bootcamp that has no template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: Layout variants: where the blocks sit on the page.
Layout = Literal["classic", "modern"]
#: Font families; each script has a matching face in each (render/fonts.py).
FontFamily = Literal["serif", "sans"]
#: Optional facts a template may print; the rest are always printed.
OptionalField = Literal["score", "email", "cohort", "total_xp"]
ImageKind = Literal["png", "jpeg"]


@dataclass(frozen=True)
class Image:
    """A validated PNG or JPEG. ``sha256`` (hex) of ``data`` names it in caches."""

    kind: ImageKind
    data: bytes
    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class Signatory:
    """A person who signs: printed name and title under their signature image."""

    name: str
    title: str
    signature: Image | None = None


@dataclass(frozen=True)
class Colours:
    """Hex colours ``#RRGGBB``."""

    primary: str = "#1F2A44"  # frame and headings (navy)
    accent: str = "#B08D57"  # rules and ornaments (gold)
    paper: str = "#FBF7EE"
    ink: str = "#3B4252"


@dataclass(frozen=True)
class Template:
    key: str
    layout: Layout = "classic"
    font_family: FontFamily = "serif"
    colours: Colours = field(default_factory=Colours)
    logo: Image | None = None
    background: Image | None = None
    signatories: tuple[Signatory, ...] = ()
    #: Optional facts printed (when the certificate has a value for them).
    fields: frozenset[OptionalField] = frozenset({"cohort", "total_xp"})


DEFAULT = Template(key="certflow-default")
