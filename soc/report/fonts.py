"""The serif font of report files: Times New Roman or the metric-compatible Liberation Serif, found on Debian, Ubuntu
and RHEL paths, registered with reportlab (embedded in every PDF) and used to measure text for both renderers.

Never picks a font that lacks the Vietnamese letters; never falls back silently (the bundled DejaVu Serif is logged
as a warning with the package that fixes it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

# (directory, file names of regular, bold, italic, bold italic), best first
_TNR = ("Times_New_Roman.ttf", "Times_New_Roman_Bold.ttf", "Times_New_Roman_Italic.ttf",
        "Times_New_Roman_Bold_Italic.ttf")
_LIB = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
        "LiberationSerif-BoldItalic.ttf")
CANDIDATES: tuple[tuple[str, tuple[str, str, str, str]], ...] = (
    ("/usr/share/fonts/truetype/msttcorefonts", _TNR),  # Debian/Ubuntu ttf-mscorefonts-installer
    ("/usr/share/fonts/truetype/liberation2", _LIB),  # Debian 12+/Ubuntu fonts-liberation2
    ("/usr/share/fonts/truetype/liberation", _LIB),  # older Debian/Ubuntu fonts-liberation
    ("/usr/share/fonts/liberation-serif", _LIB),  # RHEL/Fedora liberation-serif-fonts
    ("/usr/share/fonts/liberation", _LIB),  # RHEL 7 liberation-fonts
    ("/usr/share/fonts/TTF", _LIB),  # Arch ttf-liberation
)
# letters a Vietnamese report cannot do without (upper and lower, every tone mark on a stacked vowel)
VIETNAMESE = "ĐđƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
NAMES = ("SocSerif", "SocSerif-Bold", "SocSerif-Italic", "SocSerif-BoldItalic")
FALLBACK_HINT = "install fonts-liberation2 (Debian/Ubuntu) or liberation-serif-fonts (RHEL)"


@dataclass(frozen=True)
class SerifFamily:
    """The four registered faces (reportlab names), the files they came from, and whether it is a fallback."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    files: tuple[str, str, str, str]
    fallback: bool

    def face(self, bold: bool = False, italic: bool = False) -> str:
        return (self.bold_italic if italic else self.bold) if bold else (self.italic if italic else self.regular)


def covers_vietnamese(path: str) -> bool:
    """True when the TrueType file at ``path`` has a glyph for every Vietnamese letter."""
    try:
        face = TTFont("probe", path).face
    except Exception:  # noqa: BLE001 - an unreadable or non-TrueType file is simply not a candidate
        return False
    return all(ord(ch) in face.charToGlyph for ch in VIETNAMESE)


def _bundled() -> tuple[str, str, str, str]:
    # imported here: matplotlib is heavy and only its DejaVu files are needed, only when no system serif exists
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return tuple(str(ttf / f"DejaVuSerif{s}.ttf") for s in ("", "-Bold", "-Italic", "-BoldItalic"))  # type: ignore[return-value]


def find_serif(candidates=CANDIDATES) -> tuple[tuple[str, str, str, str], bool]:
    """The files of the best installed serif family covering Vietnamese, and whether it is the bundled fallback."""
    for directory, names in candidates:
        paths = tuple(str(Path(directory) / n) for n in names)
        if all(Path(p).is_file() for p in paths) and all(covers_vietnamese(p) for p in paths[:2]):
            return paths, False  # type: ignore[return-value]
    return _bundled(), True


@cache
def serif() -> SerifFamily:
    """Register the serif family with reportlab once (TrueType faces are embedded, subset, in each PDF)."""
    files, fallback = find_serif()
    if fallback:
        log.warning("no Times New Roman or Liberation Serif found (looked in %s); PDF reports use DejaVu Serif, "
                    "whose metrics differ: %s", ", ".join(d for d, _ in CANDIDATES), FALLBACK_HINT)
    for name, path in zip(NAMES, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(NAMES[0], normal=NAMES[0], bold=NAMES[1], italic=NAMES[2], boldItalic=NAMES[3])
    return SerifFamily(*NAMES, files=files, fallback=fallback)


def width_pt(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """The width of ``text`` in points at ``size`` in the report serif (Times New Roman metrics)."""
    return pdfmetrics.stringWidth(text, serif().face(bold, italic), size)
