"""`analyze` at media-archive scale: corpora of N documents made by recombining the bundled Junpu texts
(mixed Chinese/English, every source type, dates spread over the stages), analysed with the defaults in a fresh
process each, with 1 and with N workers.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--workers 1,2] [--no-topics] [--keep DIR]

For every size and worker count it prints documents, entries, MB of text, wall time, peak RSS (the largest process
of the run, measured inside it: its VmHWM and its workers' ru_maxrss), and the ratio of wall time to bare rjieba
segmentation of the same text measured in the same run (the baseline). Targets (issue 17): 100k documents within
20 minutes and 4 GB on 2 cores; two workers at least 1.7x faster than one on tokenize+score (the `score` step time
is printed); peak RSS at 100k within 1.5x of 10k (the last lines print the speed-ups and the memory ratios between
sizes).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.io.resources import default_corpus

CHILD = """
import json, resource, sys, time
from corpus_tools.jobs.analyze import STEPS, analyze

def hwm():
    # this process's own peak RSS in MB; not ru_maxrss: Linux carries the spawning process's peak across fork
    # and exec into it, so a run started by a parent that had read a large corpus reported that parent's size
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

starts, peaks = {}, {}
def progress(message, step, total):
    if step not in starts:
        starts[step] = time.perf_counter()
        peaks[step] = hwm()  # main process peak so far
workers = int(sys.argv[3])
res = analyze(sys.argv[1], out=sys.argv[2], progress=progress, workers=workers, topics=sys.argv[4] == "1",
              use_cache=False)
end = time.perf_counter()
order = sorted(starts)
steps = {STEPS[s - 1]: nxt - starts[s] for s, nxt in zip(order, [starts[n] for n in order[1:]] + [end])
         if s <= len(STEPS)}
rss = {STEPS[s - 1]: nxt for s, nxt in zip(order, [peaks[n] for n in order[1:]] + [hwm()]) if s <= len(STEPS)}
# the run's largest process: this one, or a worker it forked and waited for (their ru_maxrss starts from this
# process's size at the fork, which is real memory of the run)
peak = max(hwm(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
print(json.dumps({"steps": steps, "rss": rss, "peak": peak, "documents": res.n_documents,
                  "entries": res.n_entries}))
"""

BARE = """
import sys, time, rjieba
texts = open(sys.argv[1], encoding="utf-8").read().split("\\x1e")
jb = rjieba.Jieba()
t = time.perf_counter()
for text in texts:
    jb.cut(text, True)
print(time.perf_counter() - t)
"""


_SENTENCE_END = re.compile(r"(?<=[。！？；!?])|(?<=[.!?;])\s+(?=[A-Z“\"(])|(?<=[.!?;][\"”’)])\s+(?=[A-Z“\"(])")
_CLAUSE_END = re.compile(r"(?<=[，,、])\s*")
_LABEL = re.compile(r"^([^：:\s]{1,8}[：:])\s*")  # a speaker label (访谈者：, E1：, Q:) stays with its paragraph


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut after Chinese sentence ends and after English ones followed by a capital."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(paragraph)) if s]


def _new_sentence(rng: random.Random, pool: list[str], clauses: list[str]) -> str:
    """A pooled sentence whose clauses but the last are replaced by random pooled clauses (a new sentence, with
    the corpus's words and a proper end)."""
    parts = _CLAUSE_END.split(rng.choice(pool))
    if len(parts) < 2 or not clauses:
        return parts[0]
    return "".join(rng.choice(clauses) for _ in parts[:-1]) + parts[-1]


def make_corpus(root: Path, n_docs: int, seed: int = 0) -> float:
    """A corpus folder of `n_docs` documents recombined from the bundled texts; returns MB of UTF-8 text.

    Each document takes the metadata (source type, outlet, language) and the paragraph structure of a random
    bundled document (its first paragraph and a window of about ten more, speaker labels kept), and fills every
    paragraph with as many sentences drawn at random from all bundled paragraphs of the same language and source
    type, each with its leading clauses swapped for random clauses of the same pool. Paragraphs and sentences
are therefore new combinations rather than reprints (near-duplicate detection keeps them,
    so topic models see archive-sized input), while the vocabulary, languages and source types stay the
    corpus's. The profile is near the issue's: about 11 entries and 2 KB per document.
    """
    src = load_corpus(default_corpus())
    rng = random.Random(seed)
    docs = src.docs.to_dict("records")
    paras = {d["doc_id"]: [p for p in str(d["text"]).split("\n") if p.strip()] for d in docs}
    pools: dict[tuple[str, str], list[str]] = {}
    clauses: dict[tuple[str, str], list[str]] = {}
    for d in docs:
        key = (str(d["lang"]), str(d["source_type"]))
        pool, cl = pools.setdefault(key, []), clauses.setdefault(key, [])
        for p in paras[d["doc_id"]][1:]:  # the title is not a sentence of the body
            for sent in sentences(_LABEL.sub("", p, count=1)):
                pool.append(sent)
                cl.extend(c for c in _CLAUSE_END.split(sent)[:-1] if c)
    (root / "texts").mkdir(parents=True, exist_ok=True)
    shutil.copy(default_corpus() / "corpus.toml", root / "corpus.toml")
    size = 0
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_id", "path", "title", "source_type", "outlet", "date", "lang"])
        for i in range(n_docs):
            d = rng.choice(docs)
            ps = paras[d["doc_id"]]
            key = (str(d["lang"]), str(d["source_type"]))
            pool, cl = pools[key], clauses[key]
            width = min(len(ps) - 1, rng.randint(5, 15))
            lo = rng.randint(1, max(1, len(ps) - width))
            out = [ps[0]]
            for p in ps[lo:lo + width]:
                label = _LABEL.match(p)
                body = " " if str(d["lang"]) == "en" else ""
                drawn = body.join(_new_sentence(rng, pool, cl) for _ in range(max(2, len(sentences(p)))))
                out.append((label.group(1) if label else "") + drawn)
            text = "\n".join(out)
            year = rng.choice(range(2009, 2019))
            name = f"S{i:07d}"
            (root / "texts" / f"{name}.txt").write_text(text, encoding="utf-8")
            size += len(text.encode("utf-8"))
            w.writerow([name, f"texts/{name}.txt", f"{d.get('title', '')} #{i}", d["source_type"],
                        d.get("outlet", ""), f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
                        d.get("lang", "")])
    return size / 1e6


def bare_seconds(root: Path) -> float:
    """Bare rjieba segmentation of every text of the corpus, in a fresh process (the baseline)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "texts").iterdir())]
    blob = root / "all.txt"
    blob.write_text("\x1e".join(texts), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", BARE, str(blob)], check=True, capture_output=True, text=True)
    blob.unlink()
    return float(out.stdout.strip())


def run_analyze(corpus: Path, out: Path, workers: int, topics: bool) -> tuple[float, float, dict[str, object]]:
    """(wall seconds, peak RSS in MB of the run's largest process, what analyze reported) of one fresh process.
    The peak is measured inside the run (its own VmHWM and its workers'); `wait4`'s figure would include this
    process's size at the spawn (Linux keeps the larger peak across fork and exec)."""
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(corpus), str(out), str(workers),
                                 "1" if topics else "0"], stdout=out_f, stderr=err_f)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this run alone: max RSS of its largest process
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            err_f.seek(0)
            raise SystemExit(f"analyze failed:\n{err_f.read()[-2000:]}")
        out_f.seek(0)
        report = dict(json.loads(out_f.read().strip().splitlines()[-1]))
    return seconds, float(report.get("peak", usage.ru_maxrss / 1024)), report


def main() -> None:
    """Generate each corpus size, then analyze it with each worker count; print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", default=f"1,{os.cpu_count() or 1}")
    parser.add_argument("--no-topics", action="store_true", help="leave topic models out (scoring and framing)")
    parser.add_argument("--keep", type=Path, default=None, help="generate corpora here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print("docs\tentries\tMB\tworkers\twall_s\tscore_s\tsuggest_s\ttopics_s\tpeak_RSS_MB\tbare_rjieba_s\t"
          "ratio_wall/bare")
    results: dict[tuple[int, int], tuple[float, float, float]] = {}  # (docs, workers) -> wall, score, peak
    for n in (int(x) for x in args.sizes.split(",")):
        corpus = base / f"corpus-{n}"
        mb = make_corpus(corpus, n) if not (corpus / "documents.csv").is_file() else float("nan")
        bare = bare_seconds(corpus)
        for workers in (int(x) for x in args.workers.split(",")):
            out = base / f"out-{n}-{workers}"
            wall, peak, rep = run_analyze(corpus, out, workers, not args.no_topics)
            steps = rep["steps"] if isinstance(rep["steps"], dict) else {}
            score = float(steps.get("score", float("nan")))
            sug, top = (float(steps.get(k, float("nan"))) for k in ("suggestions", "topics"))
            print(f"{rep['documents']}\t{rep['entries']}\t{mb:.1f}\t{workers}\t{wall:.1f}\t{score:.1f}\t{sug:.1f}\t"
                  f"{top:.1f}\t{peak:.0f}\t{bare:.2f}\t{wall / bare:.1f}", flush=True)
            rss = rep.get("rss") if isinstance(rep.get("rss"), dict) else {}
            print("  steps (s, main-process peak RSS MB by the end of the step): " + ", ".join(
                f"{k} {float(v):.1f} ({float(rss.get(k, float('nan'))):.0f})" for k, v in steps.items()), flush=True)
            results[(n, workers)] = (wall, score, peak)
            shutil.rmtree(out, ignore_errors=True)
    _ratios(results)
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


def _ratios(results: dict[tuple[int, int], tuple[float, float, float]]) -> None:
    """Speed-up of N workers over one (wall and score step), and peak memory of each size over the smallest."""
    sizes = sorted({n for n, _ in results})
    counts = sorted({w for _, w in results})
    for n in sizes:
        for w in counts[1:]:
            if (n, 1) in results and (n, w) in results:
                (w1, s1, _), (wn, sn, _) = results[(n, 1)], results[(n, w)]
                print(f"{n} docs: {w} workers vs 1: wall {w1 / wn:.2f}x, score step {s1 / sn:.2f}x")
    for w in counts:
        have = [n for n in sizes if (n, w) in results]
        for n in have[1:]:
            print(f"{w} worker(s): peak RSS {n} docs / {have[0]} docs = "
                  f"{results[(n, w)][2] / results[(have[0], w)][2]:.2f} ({n / have[0]:.0f}x the documents)")


if __name__ == "__main__":
    main()
