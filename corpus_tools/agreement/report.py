"""Plain-text tables of agreement results for the terminal, and the CSV/JSON files of an agreement run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tools.agreement.stats import METRICS
from corpus_tools.io.manifest import write_manifest
from corpus_tools.io.tables import write_table

if TYPE_CHECKING:
    from corpus_tools.agreement.compute import AgreementResult

HEADERS = {"percent_agreement": "% agree", "cohen_kappa": "Cohen κ", "fleiss_kappa": "Fleiss κ",
           "krippendorff_alpha": "Kripp. α"}
CONDITION_TEXT = {"independent": "independent coding (blind or imported)",
                  "assisted": "suggestion-assisted coding (a coder saw suggestions)",
                  "model": "model vs coder (the coder did not see suggestions)",
                  "model-assisted": "model vs coder who saw suggestions (anchored: not evidence of model quality)"}


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _num(v: Any) -> str:
    return "" if _missing(v) else f"{v:.2f}"


def _cell(row: dict[str, Any], metric: str, footnotes: dict[str, int]) -> str:
    value = row.get(metric)
    if _missing(value):
        note = _metric_note(row, metric)
        if metric not in row:
            return "-"
        mark = footnotes.setdefault(note, len(footnotes) + 1)
        return f"n/a [{mark}]"
    low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
    ci = f" [{_num(low)}, {_num(high)}]" if not _missing(low) else ""
    return f"{_num(value)}{ci}"


def _metric_note(row: dict[str, Any], metric: str) -> str:
    for part in str(row.get("notes", "")).split(" | "):
        if part.startswith(f"{metric}: "):
            return part[len(metric) + 2:]
    return "undefined"


def format_agreement(result: AgreementResult, metrics: tuple[str, ...] = METRICS) -> str:
    """Readable tables, one block per comparison and condition, with numbered notes for undefined values."""
    summary = result.summary()
    lines: list[str] = []
    if summary.empty or "comparison" not in summary.columns:  # e.g. one coder: nothing to compare
        lines.append("No agreement could be computed.")
        lines += [f"note: {n}" for n in result.notes]
        return "\n".join(lines)
    for (comp, condition), block in summary.groupby(["comparison", "condition"], sort=False):
        n = int(block["n_units"].max()) if len(block) else 0
        per_code = block[block["code"] != "(all)"]
        n_entries = int(per_code["n_units"].max()) if len(per_code) else n
        lines.append("")
        lines.append(f"{comp} — {CONDITION_TEXT.get(str(condition), condition)}: {n_entries} entries")
        used = [m for m in metrics if m in block.columns]
        header = ["code", "n", "prev.", *(HEADERS[m] for m in used)]
        footnotes: dict[str, int] = {}
        table = [header]
        for row in block.to_dict("records"):
            prev = row.get("prevalence")
            table.append([f"{row['level'][:1]}:{row['code']}" if row["code"] == "(all)" else str(row["code"]),
                          str(row["n_units"]), "" if _missing(prev) else f"{prev:.0%}",
                          *(_cell(row, m, footnotes) for m in used)])
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        for i, r in enumerate(table):
            lines.append("  " + "  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                                          for j, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        for note, mark in footnotes.items():
            lines.append(f"  [{mark}] {note}")
        other = sorted({p.split(": ", 1)[1] for notes in block["notes"] for p in str(notes).split(" | ")
                        if ": " in p and "left out" in p})
        for note in other:
            lines.append(f"  note: {note}")
    if result.notes:
        lines.append("")
        lines.extend(f"note: {n}" for n in result.notes)
    ci = round(100 * float(result.settings.get("confidence", 0.95)))
    lines.append("")
    lines.append(f"[lo, hi] = {ci}% bootstrap interval over entries ({result.settings.get('n_boot')} resamples, "
                 f"seed {result.settings.get('random_state')}); prev. = share of codings with the code; "
                 "v:/c:(all) = all variables/constructs pooled.")
    return "\n".join(lines).lstrip("\n")


def write_agreement(result: AgreementResult, out: Path, inputs: dict[str, Any] | None = None) -> dict[str, Path]:
    """agreement.csv (long), agreement_summary.csv (wide), disagreements.csv and agreement.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"agreement": write_table(result.table, out / "agreement.csv"),
             "summary": write_table(result.summary(), out / "agreement_summary.csv"),
             "disagreements": write_table(result.disagreements, out / "disagreements.csv")}
    files["manifest"] = write_manifest(out / "agreement.json", {
        "command": "agreement", "settings": result.settings, "inputs": inputs or {}, "coders": result.coders,
        "notes": result.notes, "outputs": {k: str(v) for k, v in files.items()}})
    return files
