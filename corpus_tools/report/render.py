"""Save matplotlib figures as PNG and SVG (reusing cached files when the chart's data is unchanged)."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from corpus_tools.report.fonts import rc_params

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from corpus_tools.io.cache import Cache

DPI = 110


@dataclass
class Chart:
    """One chart written to disk: its name, title, caption and the PNG and SVG files."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path

    def data_uri(self) -> str:
        """The PNG inlined as a data: URI (the report is one self-contained file), reduced to a 256-colour
        palette: charts have few colours, and the embedded copy is a third of the size of charts/NAME.png,
        which keeps its full colour for print."""
        return "data:image/png;base64," + base64.b64encode(palette_png(self.png)).decode("ascii")


def palette_png(path: Path, colors: int = 256) -> bytes:
    """The PNG at `path` re-encoded with an adaptive palette of at most `colors` colours."""
    with Image.open(path) as im:
        out = io.BytesIO()
        im.convert("RGB").quantize(colors=colors).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fingerprint(parts: tuple[Any, ...]) -> str:
    """A hash of a chart's inputs: frames by their CSV text, everything else by repr."""
    h = hashlib.sha256()
    for p in parts:
        to_csv = getattr(p, "to_csv", None)
        h.update((to_csv(index=False) if callable(to_csv) else repr(p)).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class ChartMaker:
    """Draws charts into `out_dir` (name.png + name.svg) with the CJK font settings, cached by input data."""

    def __init__(self, out_dir: Path, cache: Cache | None = None, code_version: str = "") -> None:
        self.out_dir = out_dir
        self.cache = cache
        self.code_version = code_version
        self.charts: list[Chart] = []

    def make(self, name: str, title: str, caption: str, draw: Callable[..., Figure | None],
             *data: Any) -> Chart | None:
        """Call draw(*data) → Figure (None: nothing to draw) and save it; reuse cached files if any."""
        import matplotlib


        self.out_dir.mkdir(parents=True, exist_ok=True)
        png, svg = self.out_dir / f"{name}.png", self.out_dir / f"{name}.svg"
        key = _fingerprint((name, self.code_version, matplotlib.__version__, rc_params(), *data))
        if self.cache is not None:
            if self.cache.has("charts", key + "-none"):  # known to have nothing to draw
                self.cache.hits.append("charts")
                return None
            if self.cache.restore_files("charts", key, {"png": png, "svg": svg}):
                chart = Chart(name, title, caption, png, svg)
                self.charts.append(chart)
                return chart
        rc: Any = rc_params()  # matplotlib types rc keys as literals; ours are checked at run time
        with matplotlib.rc_context(rc):
            fig = draw(*data)
            if fig is None:
                if self.cache is not None:
                    self.cache.store_files("charts", key + "-none", {})
                return None
            fig.savefig(png, dpi=DPI, metadata={"Software": None})
            fig.savefig(svg, metadata={"Date": None, "Creator": None})
        if self.cache is not None:
            self.cache.store_files("charts", key, {"png": png, "svg": svg})
        chart = Chart(name, title, caption, png, svg)
        self.charts.append(chart)
        return chart
