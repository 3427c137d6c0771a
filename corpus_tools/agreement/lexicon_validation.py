"""Validate lexicon hits against hand codes at entry level: precision, recall, F1 and Cohen's kappa per
variable, per term and per language, with bootstrap intervals that resample documents.

An entry "fires" for a variable when any of the variable's terms matches in it (the scorer's own matches, so
exclusions, longest-match and any later rules apply); it is "coded" when the reference coder gave it that
variable. Figures are the usual confusion-table ones (Manning, Raghavan & Schuetze 2008, ch. 8) and Cohen's
(1960) kappa of the two binary codings; intervals are percentile bootstraps over documents, since entries of
one document are not independent (cluster bootstrap, Field & Welsh 2007).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.agreement.stats import MIN_VALID_SHARE, seed_for
from corpus_tools.errors import ConfigError, CorpusError
from corpus_tools.store.codings import read_codings
from corpus_tools.store.vocabulary import NONE_CODE

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.scoring.score import Scorer

Array = np.ndarray[Any, Any]
ALL = "all"
SPLITS = ("all", "dev", "test")
SPLIT_FILE = "validation_split.csv"
EXAMPLE_WIDTH = 40


@dataclass
class CodedSample:
    """One lexicon's coded entries: which file and coder, the entries (with doc, language, split) and the
    set of codes the reference coder gave each entry (empty for `none`)."""

    lexicon: Lexicon
    source: str
    coder: str
    entries: pd.DataFrame  # entry_id, doc_id, lang, text (+ split when a split table is given)
    codes: list[frozenset[str]]


@dataclass
class LexiconValidation:
    """The validation tables: `table` (schema.LEXICON_VALIDATION), `confusion` (schema.LEXICON_CONFUSION),
    `false_hits` (schema.LEXICON_FALSE_HITS), what was used (`samples`: lexicon -> source, coder, n) and notes."""

    table: pd.DataFrame
    confusion: pd.DataFrame
    false_hits: pd.DataFrame
    split: str
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def variable_rows(self, lang: str = ALL) -> pd.DataFrame:
        """The variable rows (term empty) of one language slice."""
        t = self.table
        return t[(t["term"] == "") & (t["lang"] == lang)]


# --- reading the coded sample -------------------------------------------------------------------------
def codings_files(corpus: Corpus, lexicon: Lexicon) -> list[str]:
    """The codings files of `lexicon` in the corpus folder: `codings_<name>.csv` if present, else the shared
    `codings.csv` when any of its codes is a variable of this lexicon."""
    own = f"codings_{lexicon.name}.csv"
    if (corpus.root / own).is_file():
        return [own]
    shared = corpus.root / "codings.csv"
    if shared.is_file():
        raw = pd.read_csv(shared, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if "codes" in raw.columns:
            codes = {c.strip() for cell in raw["codes"] for c in cell.split(";")}
            if codes & set(lexicon.variable_ids):
                return ["codings.csv"]
    return []


def read_split(corpus: Corpus, path: Any = None) -> dict[str, str]:
    """doc_id -> `dev` | `test` from a split table (default: the corpus's `validation_split.csv`)."""
    p = corpus.root / SPLIT_FILE if path is None else path
    if not p.is_file():
        raise ConfigError(f"no development/test split table at {p}",
                          hint="record one first (columns doc_id, split with values dev/test), or use --split all")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    if not {"doc_id", "split"} <= set(raw.columns):
        raise ConfigError(f"{p}: a split table needs the columns doc_id and split")
    bad = sorted(set(raw["split"]) - {"dev", "test"})
    if bad:
        raise ConfigError(f"{p}: unknown split value(s) {', '.join(bad)}", hint="use dev or test")
    return dict(zip(raw["doc_id"], raw["split"], strict=True))


def coded_sample(corpus: Corpus, lexicon: Lexicon, *, coder: str | None = None,
                 split: Mapping[str, str] | None = None, problems: list[str] | None = None) -> CodedSample | None:
    """The reference coder's codes on `lexicon`'s coded entries (None when the corpus has none for it).

    The reference coder is `coder`, else `A` when present, else the first coder of the file. Rows that do
    not resolve to the corpus are reported in `problems`, never guessed.
    """
    files = codings_files(corpus, lexicon)
    if not files:
        return None
    cod = read_codings(corpus, lexicon.variable_ids if files[0] != "codings.csv" else None, files[0])
    if problems is not None:
        problems.extend(cod.problems)
    long = cod.long
    if not len(long):
        return None
    coders = cod.coders
    ref = coder if coder is not None else ("A" if "A" in coders else coders[0])
    if ref not in coders:
        raise ConfigError(f"coder {ref!r} has no codes in {files[0]}", hint=f"coders there: {', '.join(coders)}")
    mine = long[long["coder"] == ref]
    known = set(lexicon.variable_ids)
    by_entry: dict[str, set[str]] = {}
    for eid, code in zip(mine["entry_id"], mine["code"], strict=True):
        codes = by_entry.setdefault(eid, set())
        if code != NONE_CODE and code in known:
            codes.add(code)
    ent = corpus.entries
    coded = ent.loc[ent["entry_id"].isin(list(by_entry)).to_numpy(), ["entry_id", "doc_id", "text"]]  # the coded few
    meta = corpus.with_meta(coded, ("lang",)).set_index("entry_id")
    ids = [e for e in by_entry if e in meta.index]
    entries = pd.DataFrame({"entry_id": ids, "doc_id": [str(meta.at[e, "doc_id"]) for e in ids],
                            "lang": [str(meta.at[e, "lang"]) for e in ids],
                            "text": [str(meta.at[e, "text"]) for e in ids]})
    if split is not None:
        entries["split"] = entries["doc_id"].map(lambda d: split.get(d, ""))
    return CodedSample(lexicon, files[0], ref, entries, [frozenset(by_entry[e]) for e in ids])


# --- statistics ---------------------------------------------------------------------------------------
def confusion_metrics(tp: Array, fp: Array, fn: Array, tn: Array) -> dict[str, Array]:
    """Precision, recall, F1 and Cohen's kappa from confusion counts (arrays of equal shape; NaN where a
    figure is undefined: no hits for precision, no coded entries for recall, no variance for kappa)."""
    tp, fp, fn, tn = (np.asarray(x, dtype=float) for x in (tp, fp, fn, tn))
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        kappa = np.where((n > 0) & (pe < 1 - 1e-12), (po - pe) / (1 - pe), np.nan)
    return {"precision": precision, "recall": recall, "f1": f1, "kappa": kappa}


def _intervals(per_doc: dict[str, Array], n_boot: int, confidence: float,
               rng: np.random.Generator) -> dict[str, tuple[Array, Array]]:
    """Percentile intervals of every metric for every row: `per_doc` holds docs x rows count matrices
    (tp, fp, fn, tn); each resample draws documents with replacement and sums their counts."""
    n_docs, n_rows = per_doc["tp"].shape
    nan = np.full(n_rows, np.nan)
    if n_boot <= 0 or n_docs < 2:
        return dict.fromkeys(("precision", "recall", "f1", "kappa"), (nan, nan))
    draws = rng.integers(0, n_docs, size=(n_boot, n_docs))
    weights = np.zeros((n_boot, n_docs))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n_docs), draws.ravel()), 1.0)
    boot = confusion_metrics(*(weights @ per_doc[k] for k in ("tp", "fp", "fn", "tn")))
    tail = (1 - confidence) / 2
    out: dict[str, tuple[Array, Array]] = {}
    for m, values in boot.items():
        valid = np.isfinite(values).sum(axis=0)
        with warnings.catch_warnings():  # columns without any defined value get no interval
            warnings.simplefilter("ignore", RuntimeWarning)
            low = np.nanquantile(values, tail, axis=0)
            high = np.nanquantile(values, 1 - tail, axis=0)
        ok = valid >= MIN_VALID_SHARE * n_boot
        out[m] = (np.where(ok, low, np.nan), np.where(ok, high, np.nan))
    return out


def _lang_group(lang: str) -> str:
    return "zh" if lang.startswith("zh") else lang


@dataclass
class _Fired:
    """Per coded entry: which variables and which (variable, term) pairs fire, with one matched span each."""

    variables: list[set[str]]
    terms: list[dict[tuple[str, str], tuple[int, int]]]


def _fire(sample: CodedSample, scorer: Scorer, count_negated: bool) -> _Fired:
    variables: list[set[str]] = []
    terms: list[dict[tuple[str, str], tuple[int, int]]] = []
    for text in sample.entries["text"]:
        fired: set[str] = set()
        spans: dict[tuple[str, str], tuple[int, int]] = {}
        for h in scorer.score_text(text).counted(count_negated):  # negated hits left out unless asked
            if h.lexicon != sample.lexicon.name:
                continue
            fired.add(h.variable)
            spans.setdefault((h.variable, h.term), (h.start, h.end))
        variables.append(fired)
        terms.append(spans)
    return _Fired(variables, terms)


def _example(text: str, span: tuple[int, int], width: int = EXAMPLE_WIDTH) -> str:
    s, e = span
    left = ("…" if s > width else "") + text[max(0, s - width):s]
    right = text[e:e + width] + ("…" if len(text) > e + width else "")
    return f"{left}«{text[s:e]}»{right}".replace("\n", " ")


def _slice_rows(sample: CodedSample, fired: _Fired, mask: Array, rows: list[tuple[str, str, str]],
                n_boot: int, confidence: float, random_state: int, key: str) -> list[dict[str, Any]]:
    """Figures for `rows` ((variable, term, lang) with term "" for the variable) on the entries in `mask`."""
    idx = np.flatnonzero(mask)
    docs = sample.entries["doc_id"].to_numpy()[idx]
    doc_ids, doc_pos = np.unique(docs, return_inverse=True)
    n_rows = len(rows)
    truth = np.zeros((len(idx), n_rows), dtype=bool)
    pred = np.zeros((len(idx), n_rows), dtype=bool)
    for j, (vid, term, _lang) in enumerate(rows):
        truth[:, j] = [vid in sample.codes[i] for i in idx]
        if term:
            pred[:, j] = [(vid, term) in fired.terms[i] for i in idx]
        else:
            pred[:, j] = [vid in fired.variables[i] for i in idx]
    cells = {"tp": truth & pred, "fp": ~truth & pred, "fn": truth & ~pred, "tn": ~truth & ~pred}
    per_doc = {k: np.zeros((len(doc_ids), n_rows)) for k in cells}
    for k, cell in cells.items():
        np.add.at(per_doc[k], doc_pos, cell.astype(float))
    totals = {k: v.sum(axis=0) for k, v in per_doc.items()}
    point = confusion_metrics(*(totals[k] for k in ("tp", "fp", "fn", "tn")))
    ci = _intervals(per_doc, n_boot, confidence, seed_for(random_state, key))
    out = []
    for j, (vid, term, lang) in enumerate(rows):
        row: dict[str, Any] = {
            "lexicon": sample.lexicon.name, "variable": vid, "term": term, "lang": lang,
            "n_entries": len(idx), "n_docs": len(doc_ids), "n_coded": int(totals["tp"][j] + totals["fn"][j]),
            "n_hits": int(totals["tp"][j] + totals["fp"][j]), "tp": int(totals["tp"][j]),
            "fp": int(totals["fp"][j]), "fn": int(totals["fn"][j])}
        for m in ("precision", "recall", "f1", "kappa"):
            v = point[m][j]
            lo, hi = ci[m][0][j], ci[m][1][j]
            row[m] = None if not np.isfinite(v) else round(float(v), 4)
            row[f"{m}_lo"] = None if not np.isfinite(lo) else round(float(lo), 4)
            row[f"{m}_hi"] = None if not np.isfinite(hi) else round(float(hi), 4)
        out.append(row)
    return out


def validate_sample(sample: CodedSample, scorer: Scorer, *, split: str = ALL, n_boot: int = 1000,
                    confidence: float = 0.95, random_state: int = 0, examples: int = 3,
                    count_negated: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                          list[dict[str, Any]]]:
    """(table rows, confusion rows, false-hit rows) of one lexicon on its coded sample."""
    ents = sample.entries
    in_split = np.ones(len(ents), dtype=bool) if split == ALL else (ents["split"] == split).to_numpy()
    fired = _fire(sample, scorer, count_negated)
    lex = sample.lexicon
    langs = ents["lang"].astype(str).to_numpy()
    groups = np.array([_lang_group(x) for x in langs])
    table: list[dict[str, Any]] = []
    key = f"{lex.name}|{split}"
    var_rows = [(v.id, "", ALL) for v in lex.variables]
    table += _slice_rows(sample, fired, in_split, var_rows, n_boot, confidence, random_state, f"{key}|all")
    for lang in sorted(set(langs[in_split])):
        rows = [(v.id, "", lang) for v in lex.variables]
        table += _slice_rows(sample, fired, in_split & (langs == lang), rows, n_boot, confidence, random_state,
                             f"{key}|{lang}")
    term_langs: dict[str, list[tuple[str, str, str]]] = {}
    for v in lex.variables:
        for tlang, term in v.all_terms():
            term_langs.setdefault(tlang, []).append((v.id, term, tlang))
    for tlang, rows in term_langs.items():
        mask = in_split if tlang not in ("zh", "en") else in_split & (groups == tlang)
        if mask.any():
            table += _slice_rows(sample, fired, mask, rows, n_boot, confidence, random_state, f"{key}|t|{tlang}")
    split_col = split
    for r in table:
        r["split"] = split_col
        r["coder"] = sample.coder
    # confusion: entries where a variable's terms fire, by the coder's codes (or none)
    idx = np.flatnonzero(in_split)
    confusion: list[dict[str, Any]] = []
    coded_cols = [*lex.variable_ids, NONE_CODE]
    for v in lex.variables:
        on = [i for i in idx if v.id in fired.variables[i]]
        for c in coded_cols:
            n = sum(1 for i in on if (c in sample.codes[i]) or (c == NONE_CODE and not sample.codes[i]))
            confusion.append({"lexicon": lex.name, "fired": v.id, "coded": c, "n_entries": n,
                              "n_fired": len(on), "share": round(n / len(on), 4) if on else None, "split": split})
    # false hits per term, ranked, with example passages
    false_rows: list[dict[str, Any]] = []
    texts = ents["text"].tolist()
    for v in lex.variables:
        for tlang, term in v.all_terms():
            hit_idx = [i for i in idx if (v.id, term) in fired.terms[i]]
            if not hit_idx:
                continue
            false = [i for i in hit_idx if v.id not in sample.codes[i]]
            ex = [_example(texts[i], fired.terms[i][(v.id, term)]) for i in false[:examples]]
            coded_as = sorted({c for i in false for c in sample.codes[i]}) or [NONE_CODE]
            false_rows.append({"lexicon": lex.name, "variable": v.id, "term": term, "lang": tlang,
                               "n_hits": len(hit_idx), "n_false": len(false),
                               "precision": round(1 - len(false) / len(hit_idx), 4),
                               "false_coded_as": ";".join(coded_as) if false else "",
                               "examples": " | ".join(ex), "split": split})
    false_rows.sort(key=lambda r: (-r["n_false"], r["precision"], r["variable"], r["term"]))
    return table, confusion, false_rows


def validate_lexicons(corpus: Corpus, lexicons: Sequence[Lexicon], scorer: Scorer, *, coder: str | None = None,
                      split: str = ALL, split_table: Mapping[str, str] | None = None, n_boot: int = 1000,
                      confidence: float = 0.95, random_state: int = 0, examples: int = 3,
                      count_negated: bool = False) -> LexiconValidation:
    """Validate every lexicon that has coded entries in the corpus; CorpusError when none has any."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}", hint=f"choose one of {', '.join(SPLITS)}")
    if split != ALL and split_table is None:
        split_table = read_split(corpus)
    table: list[dict[str, Any]] = []
    confusion: list[dict[str, Any]] = []
    false_hits: list[dict[str, Any]] = []
    samples: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for lex in lexicons:
        problems: list[str] = []
        sample = coded_sample(corpus, lex, coder=coder, split=split_table, problems=problems)
        if problems:
            notes.append(f"{lex.name}: {len(problems)} coded row(s) left out: {problems[0]}"
                         + (" …" if len(problems) > 1 else ""))
        if sample is None or not len(sample.entries):
            notes.append(f"{lex.name}: no coded entries in {corpus.root} (codings_{lex.name}.csv or codings.csv); "
                         "not validated")
            continue
        if split != ALL:
            unsplit = int((sample.entries["split"] == "").sum())
            if unsplit:
                notes.append(f"{lex.name}: {unsplit} coded entries belong to documents missing from the split "
                             "table; left out")
        n_in = int(len(sample.entries) if split == ALL else (sample.entries["split"] == split).sum())
        samples[lex.name] = {"source": sample.source, "coder": sample.coder, "entries": n_in,
                             "documents": int(sample.entries["doc_id"].nunique() if split == ALL else
                                              sample.entries.loc[sample.entries["split"] == split, "doc_id"]
                                              .nunique())}
        if n_in == 0:
            notes.append(f"{lex.name}: no coded entries in the {split} split")
            continue
        t, c, f = validate_sample(sample, scorer, split=split, n_boot=n_boot, confidence=confidence,
                                  random_state=random_state, examples=examples, count_negated=count_negated)
        table += t
        confusion += c
        false_hits += f
    if not samples:
        raise CorpusError(f"the corpus at {corpus.root} has no coded entries for "
                          f"{', '.join(lx.name for lx in lexicons)}",
                          hint="validation compares lexicon hits with hand codes: add codings.csv (or "
                               "codings_<lexicon>.csv) with coded entries to the corpus folder")
    return LexiconValidation(pd.DataFrame(table, columns=list(schema.LEXICON_VALIDATION)),
                             pd.DataFrame(confusion, columns=list(schema.LEXICON_CONFUSION)),
                             pd.DataFrame(false_hits, columns=list(schema.LEXICON_FALSE_HITS)),
                             split, samples, notes)


def format_validation(result: LexiconValidation, top_terms: int = 5) -> str:
    """Plain-text summary: one line per variable (all languages), then the terms with most false hits."""

    def f(v: Any) -> str:
        return "  -  " if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.2f}"

    def ci(r: Mapping[str, Any], m: str) -> str:
        lo, hi = r[f"{m}_lo"], r[f"{m}_hi"]
        return f"{f(r[m])} [{f(lo)}, {f(hi)}]"

    lines: list[str] = []
    for name, s in result.samples.items():
        lines.append(f"{name}: {s['entries']} coded entries in {s['documents']} documents ({s['source']}, "
                     f"coder {s['coder']}, split {result.split})")
        rows = result.table[(result.table["lexicon"] == name) & (result.table["term"] == "")
                            & (result.table["lang"] == ALL)]
        lines.append(f"  {'variable':<42} {'coded':>5} {'hits':>5}  {'precision':<19} {'recall':<19} "
                     f"{'F1':<19} kappa")
        for r in rows.to_dict("records"):
            lines.append(f"  {r['variable']:<42} {r['n_coded']:>5} {r['n_hits']:>5}  {ci(r, 'precision'):<19} "
                         f"{ci(r, 'recall'):<19} {ci(r, 'f1'):<19} {ci(r, 'kappa')}")
        fh = result.false_hits[result.false_hits["lexicon"] == name].head(top_terms)
        if len(fh):
            lines.append("  terms with most false hits: " + "; ".join(
                f"{r['term']} ({r['variable'].split('.')[-1]}) {r['n_false']}/{r['n_hits']}"
                for r in fh.to_dict("records")))
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
