"""Compute and publish the bundled lexicons' validation figures (issue 11). Figures are never typed by hand.

    # 1. compute: run `lexicon validate` on the bundled corpus for the dev and the test split
    python scripts/lexicon_figures.py compute [--lexicon PATH ...]
    # 2. publish: write the figures found in docs/validation/ into docs/lexicons.md and the YAML headers
    python scripts/lexicon_figures.py publish

`compute` writes docs/validation/<lexicon>-<version>-<split>.csv (the variable rows of
lexicon_validation.csv, all languages and per language) and, for the dev split only, the false-hit and
confusion tables used to revise the lexicons. To recompute the figures of an earlier version, pass its YAML,
e.g. `git show <commit>:lexicons/mass_entrepreneurship.yaml > /tmp/me-1.0.0.yaml` then
`--lexicon /tmp/me-1.0.0.yaml --lexicon /tmp/gs-1.0.0.yaml`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from corpus_tools.jobs.lexicon_validate import run_lexicon_validation
from corpus_tools.lexicon.formats import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "validation"
DOC = ROOT / "docs" / "lexicons.md"
NAMES = ("mass_entrepreneurship", "government_support")
N_BOOT, SEED = 1000, 0
COMMAND = "corpus-tools lexicon validate --split {split} --n-boot 1000 --seed 0"


def compute(lexicons: list[str]) -> None:
    """Validate on the dev and test split; write the variable rows (and dev diagnostics) as CSV."""
    refs = tuple(lexicons) or tuple(str(ROOT / "lexicons" / f"{n}.yaml") for n in NAMES)
    versions = {lx.name: lx.version for lx in (load_lexicon(r) for r in refs)}
    OUT.mkdir(parents=True, exist_ok=True)
    for split in ("dev", "test"):
        run = run_lexicon_validation(ROOT / "corpora" / "junpu", lexicons=refs, split=split, n_boot=N_BOOT,
                                     seed=SEED)
        res = run.result
        for name, version in versions.items():
            rows = res.table[(res.table["lexicon"] == name) & (res.table["term"] == "")]
            rows.to_csv(OUT / f"{name}-{version}-{split}.csv", index=False)
            if split == "dev":
                res.false_hits[res.false_hits["lexicon"] == name].to_csv(
                    OUT / f"{name}-{version}-dev-false-hits.csv", index=False)
                terms = res.table[(res.table["lexicon"] == name) & (res.table["term"] != "")]
                terms.to_csv(OUT / f"{name}-{version}-dev-terms.csv", index=False)
                res.confusion[res.confusion["lexicon"] == name].to_csv(
                    OUT / f"{name}-{version}-dev-confusion.csv", index=False)
            print(f"wrote {name} {version} {split}: {res.samples[name]}")


def _fmt(r: pd.Series, m: str) -> str:
    v, lo, hi = r[m], r[f"{m}_lo"], r[f"{m}_hi"]
    if pd.isna(v):
        return "–"
    return f"{v:.2f} [{lo:.2f}, {hi:.2f}]" if not pd.isna(lo) else f"{v:.2f}"


def _versions(name: str) -> list[str]:
    found = {p.name[len(name) + 1:-len("-test.csv")] for p in OUT.glob(f"{name}-*-test.csv")}
    return sorted(found, key=lambda v: tuple(int(x) for x in re.findall(r"\d+", v)))


def table_md(name: str) -> str:
    """Markdown: per variable, test-split figures of every computed version (all languages)."""
    versions = _versions(name)
    lines = [f"Test split, all languages ({COMMAND.format(split='test')}; entry level; 95% intervals from "
             "1,000 bootstrap resamples of documents). Versions: " + ", ".join(versions) + ".", ""]
    head = "| variable | version | coded | hits | precision | recall | F1 | kappa |"
    lines += [head, "|" + "---|" * 8]
    frames = {v: pd.read_csv(OUT / f"{name}-{v}-test.csv") for v in versions}
    for vid in frames[versions[-1]].query("lang == 'all'")["variable"]:
        for v, f in frames.items():
            r = f[(f["variable"] == vid) & (f["lang"] == "all")]
            if not len(r):
                continue
            row = r.iloc[0]
            lines.append(f"| {vid} | {v} | {row['n_coded']} | {row['n_hits']} | {_fmt(row, 'precision')} | "
                         f"{_fmt(row, 'recall')} | {_fmt(row, 'f1')} | {_fmt(row, 'kappa')} |")
    last = frames[versions[-1]]
    n = last.query("lang == 'all'").iloc[0]
    lines += ["", f"Test split: {n['n_entries']} coded entries in {n['n_docs']} documents (coder {n['coder']}). "
              "Per language (version " + versions[-1] + ", F1): " + "; ".join(
                  f"{lang} " + ", ".join(f"{r['variable'].split('.')[-1]} {_fmt(r, 'f1').split(' ')[0]}"
                                         for _, r in last[last["lang"] == lang].iterrows())
                  for lang in sorted(set(last["lang"]) - {"all"}))]
    return "\n".join(lines)


def yaml_block(name: str) -> str:
    """Comment lines for the YAML header: the current version's test and dev F1 and kappa per variable."""
    v = _versions(name)[-1]
    test = pd.read_csv(OUT / f"{name}-{v}-test.csv").query("lang == 'all'")
    dev = pd.read_csv(OUT / f"{name}-{v}-dev.csv").query("lang == 'all'").set_index("variable")
    n = test.iloc[0]
    out = [f"# Validation (written by scripts/lexicon_figures.py; do not edit by hand): version {v} against coder "
           f"{n['coder']}'s codes,", f"# entry level, test split = {n['n_entries']} entries in {n['n_docs']} documents "
           f"never used for revision ({COMMAND.format(split='test')}).",
           "# variable: test precision / recall / F1 / kappa (dev F1)"]
    for _, r in test.iterrows():
        d = dev.loc[r["variable"]] if r["variable"] in dev.index else None
        f = (lambda x: "–" if pd.isna(x) else f"{x:.2f}")  # noqa: E731
        out.append(f"#   {r['variable']}: {f(r['precision'])} / {f(r['recall'])} / {f(r['f1'])} / {f(r['kappa'])}"
                   f" (dev {f(d['f1']) if d is not None else '–'})")
    return "\n".join(out)


def _replace(text: str, start: str, end: str, body: str) -> str:
    block = f"{start}\n{body}\n{end}"
    if start in text:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def publish() -> None:
    """Write the computed figures into docs/lexicons.md and the lexicons' YAML headers."""
    doc = DOC.read_text(encoding="utf-8")
    for name in NAMES:
        doc = _replace(doc, f"<!-- validation:{name}:start -->", f"<!-- validation:{name}:end -->", table_md(name))
        path = ROOT / "lexicons" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        start, end = "# --- validation figures: start ---", "# --- validation figures: end ---"
        block = f"{start}\n{yaml_block(name)}\n{end}"
        if start in text:
            text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m, b=block: b, text, flags=re.S)
        else:
            text = text.replace("\nname: ", f"\n{block}\nname: ", 1)
        path.write_text(text, encoding="utf-8")
        print(f"published {name}")
    DOC.write_text(doc, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["compute", "publish"])
    ap.add_argument("--lexicon", action="append", default=[], help="lexicon YAML (default: both bundled ones)")
    args = ap.parse_args()
    compute(args.lexicon) if args.step == "compute" else publish()


if __name__ == "__main__":
    main()
