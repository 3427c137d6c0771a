"""Synthetic coded corpora for the store / suggest / review tests (built from the bundled lexicon)."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.lexicon.formats import load_lexicon

FILLER_ZH = ["村里", "今年", "我们", "大家", "后来", "镇上", "老人", "孩子", "街道", "工厂", "早上", "晚上", "仓库",
             "记者", "采访", "时候", "觉得", "开始", "一直", "已经", "现在", "那年", "邻居", "朋友", "亲戚", "学校"]
FILLER_EN = ["the", "village", "people", "this", "year", "many", "families", "street", "morning", "reporter",
             "said", "then", "later", "house", "children", "market", "town"]


def _terms() -> dict[str, list[str]]:
    lex = load_lexicon("mass_entrepreneurship")
    return {v.id: [t for t in v.terms.get("zh", ()) if "*" not in t][:6] for v in lex.variables}


def synthetic_docs(n_docs: int = 12, per_doc: int = 10, seed: int = 0) -> list[dict[str, Any]]:
    """Documents whose paragraphs mix filler with terms of 0-2 variables (one paragraph per entry)."""
    rng = random.Random(seed)
    terms = _terms()
    variables = list(terms)
    docs = []
    for d in range(n_docs):
        paras = []
        for p in range(per_doc):
            words = [*rng.sample(FILLER_ZH, 6), f"第{d}{p}号"]
            for vid in rng.sample(variables, rng.choice([0, 1, 1, 2])):
                words.insert(rng.randrange(len(words)), rng.choice(terms[vid]))
            if rng.random() < 0.3:
                words += rng.sample(FILLER_EN, 3)
            paras.append("，".join(words) + "。")
        docs.append({"doc_id": f"D{d:02d}", "text": "\n\n".join(paras), "date": f"201{d % 8}-03-01",
                     "source_type": ["media", "interview", "government"][d % 3]})
    return docs


MARKER, MARKED = "邻居", "activity.high_ambition"  # a non-lexicon word coders treat as evidence of a code


def lexicon_labels(corpus: Corpus) -> dict[str, list[str]]:
    """Codes per entry from lexicon hits, plus MARKED wherever MARKER occurs: learnable labels, and one
    variable on which the model can beat the lexicon."""
    from corpus_tools.suggest.coldstart import LexiconSuggester

    sug = LexiconSuggester(["mass_entrepreneurship"]).fit()
    P = sug.proba_docs(sug.analyzer_.analyze_many(list(corpus.entries["text"])))
    out = {}
    for eid, text, row in zip(corpus.entries["entry_id"], corpus.entries["text"], P, strict=True):
        codes = [c for c, p in zip(sug.codes_, row, strict=True) if p >= 0.5]
        if MARKER in text and MARKED not in codes:
            codes.append(MARKED)
        out[eid] = codes
    return out


def write_codings(corpus: Corpus, n_a: int, n_b: int = 0, seed: int = 0, flip: float = 0.0) -> Path:
    """codings.csv: coder A on the first n_a entries, coder B on n_b of them (labels from the lexicon)."""
    rng = random.Random(seed)
    labels = lexicon_labels(corpus)
    e = corpus.entries.head(n_a)
    path = corpus.root / "codings.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entry_id", "doc_id", "start", "end", "coder", "codes", "note"])
        for i, (eid, did, s, en) in enumerate(zip(e["entry_id"], e["doc_id"], e["start"], e["end"], strict=True)):
            for coder in ("A", "B") if i < n_b else ("A",):
                codes = [c for c in labels[eid] if rng.random() >= flip]
                w.writerow([eid, did, s, en, coder, ";".join(codes) or "none", ""])
    return path


def write_corpus(root: Path, docs: list[dict[str, Any]]) -> Path:
    """A corpus folder (corpus.toml, documents.csv, texts/) without the function-scoped make_corpus fixture."""
    (root / "texts").mkdir(parents=True)
    (root / "corpus.toml").write_text('name = "synthetic"\nlexicons = ["mass_entrepreneurship"]\n', encoding="utf-8")
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_id", "path", "title", "source_type", "date"])
        for d in docs:
            (root / "texts" / f"{d['doc_id']}.txt").write_text(d["text"], encoding="utf-8")
            w.writerow([d["doc_id"], f"texts/{d['doc_id']}.txt", d["doc_id"], d.get("source_type", "media"),
                        d.get("date", "")])
    return root


def coded_corpus(make_corpus: Callable[..., Path] | Path, n_docs: int = 12, per_doc: int = 10, n_a: int = 100,
                 n_b: int = 20, seed: int = 0) -> Corpus:
    """A synthetic corpus folder with a codings.csv, loaded (make_corpus fixture, or a folder path to create)."""
    docs = synthetic_docs(n_docs, per_doc, seed)
    root = write_corpus(make_corpus, docs) if isinstance(make_corpus, Path) else \
        make_corpus(docs, lexicons='["mass_entrepreneurship"]')
    corpus = load_corpus(root)
    write_codings(corpus, n_a, n_b, seed)
    return corpus
