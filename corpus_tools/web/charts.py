"""Geometry of the small inline SVG charts (numbers only; the template draws them, no script library)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """One line: its name, CSS class, polyline points and the labelled dots."""

    name: str
    css: str
    points: str
    dots: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class LineChart:
    """A line chart in pixel coordinates: plot box, ticks and series."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    series: tuple[Series, ...]
    x_label: str
    y_label: str


def line_chart(xs: Sequence[float], ys: Mapping[str, Sequence[float | None]], *, x_label: str = "",
               y_label: str = "", width: int = 520, height: int = 230, y_range: tuple[float, float] = (0.0, 1.0),
               css: Sequence[str] = ("s0", "s1", "s2")) -> LineChart | None:
    """A chart of one or more series over shared x values (missing values break nothing: they are left out)."""
    if not xs:
        return None
    left, top, right, bottom = 48, 14, width - 14, height - 40
    x0, x1 = min(xs), max(xs)
    y0, y1 = y_range

    def px(x: float) -> float:
        return round(left + (right - left) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5), 1)

    def py(y: float) -> float:
        y = min(max(y, y0), y1)
        return round(bottom - (bottom - top) * (y - y0) / (y1 - y0 or 1.0), 1)

    series = []
    for k, (name, values) in enumerate(ys.items()):
        dots = tuple((px(x), py(y), f"{name} {y:.2f} at {x:g}") for x, y in zip(xs, values, strict=True)
                     if y is not None and not math.isnan(y))
        series.append(Series(name, css[k % len(css)], " ".join(f"{a},{b}" for a, b, _ in dots), dots))
    x_ticks = tuple((px(x), f"{x:g}") for x in sorted(set(xs)))
    y_ticks = tuple((py(y0 + (y1 - y0) * i / 4), f"{y0 + (y1 - y0) * i / 4:.2f}") for i in range(5))
    return LineChart(width, height, left, top, right, bottom, x_ticks, y_ticks, tuple(series), x_label, y_label)
