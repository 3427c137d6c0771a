"""A tiny coded corpus with planted lexicon errors, for the lexicon-validation tests.

Every entry comes from a template whose true codes (what a coder gives it) and whose lexicon firing (which
variables' terms match in it) are known, so precision, recall and kappa can be computed by hand."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path

from corpus_tools.corpus.loader import Corpus, load_corpus

LEXICON = """\
name: demo
version: "0.1"
constructs:
  demo:
    label: {en: Demo}
    variables:
      money:
        label: {en: Money}
        definition: The business pays.
        terms:
          zh: [利润, 赚钱]
          en: [profit*]
      road:
        label: {en: Road}
        definition: Roads are built.
        terms:
          zh: [道路]
          en: [road*]
"""

# key: (text, codes given by the coder, variables whose terms fire, {variable: terms that fire})
TEMPLATES: dict[str, tuple[str, tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "zh_tp_money": ("今年他家网店的利润很高。", ("demo.money",), {"demo.money": ("利润",)}),
    "zh_tp_money2": ("大家都说开店能赚钱。", ("demo.money",), {"demo.money": ("赚钱",)}),
    "zh_fn_money": ("他家的收入翻了一番。", ("demo.money",), {}),
    "zh_fp_money": ("记者问利润这个词是什么意思。", (), {"demo.money": ("利润",)}),
    "zh_tp_road": ("政府修了一条新的道路。", ("demo.road",), {"demo.road": ("道路",)}),
    "zh_cross": ("道路两边赚钱的小店很多。", ("demo.road",), {"demo.road": ("道路",), "demo.money": ("赚钱",)}),
    "zh_tn": ("村里的孩子每天去上学。", (), {}),
    "en_tp_money": ("Her shop profits rose this year.", ("demo.money",), {"demo.money": ("profit*",)}),
    "en_fp_road": ("The roadshow was about winter clothes.", (), {"demo.road": ("road*",)}),
    "en_fn_road": ("The street was paved last spring.", ("demo.road",), {}),
    "en_tn": ("Children walked to school in the rain.", (), {}),
}


def planted_docs(n_zh: int = 8, n_en: int = 6, per_doc: int = 6, seed: int = 3) -> list[dict[str, object]]:
    """Documents of 'per_doc' template paragraphs each (random mix, fixed seed); the template keys are kept
    in `keys` so tests can compute the expected figures."""
    rng = random.Random(seed)
    zh = [k for k in TEMPLATES if k.startswith("zh")]
    en = [k for k in TEMPLATES if k.startswith("en")]
    docs: list[dict[str, object]] = []
    for i in range(n_zh + n_en):
        pool = zh if i < n_zh else en
        keys = [rng.choice(pool) for _ in range(per_doc)]
        docs.append({"doc_id": f"D{i:02d}", "text": "\n\n".join(TEMPLATES[k][0] for k in keys),
                     "lang": "zh-Hans" if i < n_zh else "en", "date": "2014-05-01", "keys": keys})
    return docs


def planted_corpus(make_corpus: Callable[..., Path], *, codings_name: str = "codings.csv",
                   coders: tuple[str, ...] = ("A",), **kw: int) -> tuple[Corpus, list[dict[str, object]]]:
    """The corpus folder (with demo.yaml as its lexicon) and a codings file from the templates' true codes."""
    docs = planted_docs(**kw)
    root = make_corpus([{k: v for k, v in d.items() if k != "keys"} for d in docs], lexicons='["demo.yaml"]')
    (root / "demo.yaml").write_text(LEXICON, encoding="utf-8")
    corpus = load_corpus(root)
    text_key = {TEMPLATES[k][0]: k for k in TEMPLATES}
    with (root / codings_name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entry_id", "doc_id", "start", "end", "coder", "codes", "note"])
        for eid, did, s, e, text in zip(corpus.entries["entry_id"], corpus.entries["doc_id"],
                                        corpus.entries["start"], corpus.entries["end"], corpus.entries["text"],
                                        strict=True):
            codes = TEMPLATES[text_key[text]][1]
            for coder in coders:
                w.writerow([eid, did, s, e, coder, ";".join(codes) or "none", ""])
    return corpus, docs


def expected_counts(docs: list[dict[str, object]], variable: str, lang: str | None = None,
                    term: str | None = None) -> dict[str, int]:
    """tp, fp, fn, tn of one variable (or one of its terms) from the templates, optionally for one language."""
    out = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for d in docs:
        if lang is not None and d["lang"] != lang:
            continue
        for k in d["keys"]:  # type: ignore[attr-defined]
            _, codes, fires = TEMPLATES[k]
            truth = variable in codes
            pred = variable in fires and (term is None or term in fires[variable])
            out[("t" if truth == pred else "f") + ("p" if pred else "n")] += 1
    return out
