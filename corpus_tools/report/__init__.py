"""The HTML report and its charts: `write_report(ReportInputs, out_dir)` → report.html, charts/, tables.

Charts are drawn with matplotlib (no pyplot, no global backend change) in a CJK-capable font and
saved as PNG and SVG; report.html is one self-contained file (inline CSS/JS, images as data: URIs).
"""

from __future__ import annotations

from corpus_tools.report.build import ReportInputs, ReportOutput, render, write_report

__all__ = ["ReportInputs", "ReportOutput", "render", "write_report"]
