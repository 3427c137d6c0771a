"""A CJK-capable font for matplotlib, so Chinese labels render as Chinese and never as boxes.

The font ships with the `noto-cjk-sans-otc` package (Noto Sans CJK, SIL OFL), a dependency of
corpus-tools, so a fresh install needs no system fonts. System fonts are the fallback.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# families tried in order when the bundled font is missing (Debian: fonts-noto-cjk, fonts-wqy-microhei)
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                   "Noto Sans SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                   "Noto Sans CJK JP")  # last: older matplotlib reads only the first face of the TTC


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """Register the packaged Noto Sans CJK font with matplotlib; return a CJK family name (None: none found)."""
    from matplotlib import font_manager

    try:
        import noto_cjk_sans_otc

        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
    except (ImportError, OSError, RuntimeError):
        pass
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in names:
            return family
    return None


def rc_params() -> dict[str, Any]:
    """matplotlib settings for every chart: the CJK family first, text as paths in SVG (self-contained)."""
    family = cjk_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [f for f in (family, "DejaVu Sans") if f],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "corpus-tools",  # stable SVG ids: same data, same file
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 9,
    }
