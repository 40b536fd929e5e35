"""The typeface a certificate is set in, and what happens to names it cannot show.

Customers and witnesses have names such as "Zoë Ångström" or "Łukasz", so the certificate
wants a TrueType font that covers them; no Python package we depend on ships one, so it uses
the DejaVu Sans (or Liberation Sans) files that Linux distributions install (Debian and
Ubuntu: ``fonts-dejavu-core``). Without one it falls back to the PDF core font Helvetica,
which holds Latin-1 only: letters outside it are spelled with their base letter ("Łukasz"
becomes "Lukasz"), so the document is still readable and complete. A character the font
has no glyph for (a name in Chinese with DejaVu Sans, say) is written as its code point
("王伟" becomes "[U+738B U+4F1F]") rather than left out, so no signer's name is ever blank.

The typeface is part of what makes the bytes, so a certificate re-rendered to check its
hash must be rendered with the same typeface as the first time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class Typeface:
    """A family with a regular and a bold face; without files, a PDF core font."""

    family: str
    regular: Path | None = None
    bold: Path | None = None

    @property
    def is_unicode(self) -> bool:
        return self.regular is not None

    def text(self, value: str) -> str:
        """``value`` as this typeface can show it."""
        if self.regular is None or self.bold is None:
            return latin1(value)
        return code_points_for_missing(value, covered_by(self.regular) & covered_by(self.bold))


CORE_TYPEFACE = Typeface("Helvetica")

# Where Linux distributions put fonts that cover Latin, Greek and Cyrillic, best first.
UNICODE_FONT_FILES: tuple[tuple[str, str, str], ...] = (
    (
        "DejaVuSans",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "DejaVuSans",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    (
        "DejaVuSans",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    ),
    (
        "LiberationSans",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)


@cache
def find_typeface() -> Typeface:
    """The first Unicode typeface installed on this machine, else the core font."""
    for family, regular, bold in UNICODE_FONT_FILES:
        if Path(regular).is_file() and Path(bold).is_file():
            return Typeface(family, Path(regular), Path(bold))
    return CORE_TYPEFACE


# Letters and signs that have no Latin-1 base letter to fall back to.
_SPELLED = str.maketrans(
    {
        "\u0141": "L",  # L with stroke
        "\u0142": "l",
        "\u0110": "D",  # D with stroke
        "\u0111": "d",
        "\u0126": "H",  # H with stroke
        "\u0127": "h",
        "\u0131": "i",  # dotless i
        "\u0152": "OE",
        "\u0153": "oe",
        "\u2018": "'",  # curly quotes
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",  # en and em dashes
        "\u2014": "-",
        "\u2026": "...",
        "\u20ac": "EUR",
    }
)


def latin1(value: str) -> str:
    """``value`` in Latin-1: each other letter as its base letter without accents, and
    anything else as "?"."""
    characters = []
    for character in value.translate(_SPELLED):
        if ord(character) < 256:
            characters.append(character)
            continue
        decomposed = unicodedata.normalize("NFKD", character)
        base = "".join(part for part in decomposed if not unicodedata.combining(part))
        characters.append(base if base and max(map(ord, base)) < 256 else "?")
    return "".join(characters)


@cache
def covered_by(font_file: Path) -> frozenset[int]:
    """The characters a TrueType font file has glyphs for."""
    with TTFont(font_file, lazy=True) as font:
        return frozenset(font.getBestCmap())


def code_points_for_missing(value: str, covered: frozenset[int]) -> str:
    """``value`` with each run of characters outside ``covered`` written as its code points
    in brackets, so what the font cannot draw is still on the page; line breaks and other
    characters that lay text out rather than draw it pass as they are."""
    parts: list[str] = []
    missing: list[str] = []
    for character in value:
        if ord(character) in covered or unicodedata.category(character)[0] in "CZ":
            if missing:
                parts.append("[" + " ".join(missing) + "]")
                missing = []
            parts.append(character)
        else:
            missing.append(f"U+{ord(character):04X}")
    if missing:
        parts.append("[" + " ".join(missing) + "]")
    return "".join(parts)
