"""The topic step of `analyze` alone (issue 17): load a corpus once, tokenize it as analyze's tokens step does,
then time `run_topics` with those tokens (as analyze passes them), printing timestamped progress, the CPU
seconds of the main process and of the worker processes, the main process's RSS before and at most during the
step, the largest worker's RSS, the chosen K and sample per scope, and a hash of the tables (same seed, same hash).

    python benchmarks/bench_topic_step.py CORPUS WORKERS [GO=FILE] [key=value ...]

key=value pairs go to run_topics (e.g. sweep_sample=20000 n_seeds=2). GO=FILE waits after loading and
tokenizing until FILE exists and reads the key=value pairs from it (for a corpus that takes long to load).
"""
# ruff: noqa: E401, E702, I001
import hashlib, os, resource, sys, threading, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.framing import entry_content_words
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.match import all_terms
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics.run import run_topics

def vmrss(pid="self"):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0

t0 = time.time()
c = load_corpus(Path(sys.argv[1]))
print(f"load {time.time()-t0:.1f}s entries={len(c.entries)} rss={vmrss():.0f}MB", flush=True)
lex = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
tok = Tokenizer("rjieba")
tok.add_words(all_terms(lex))
t1 = time.time()
tokens = entry_content_words(c, tok)
print(f"tokens step {time.time()-t1:.1f}s rss={vmrss():.0f}MB", flush=True)
kw = {}
args = sys.argv[3:]
if args and args[0].startswith("GO="):
    go = Path(args[0][3:])
    while not go.exists():
        time.sleep(5)
    time.sleep(1)
    args = go.read_text().split()
for a in args:
    k, v = a.split("=")
    kw[k] = int(v) if v.isdigit() else v
print("kwargs", kw, flush=True)
peak = {"main": vmrss(), "workers": 0.0}
before = peak["main"]
stop = threading.Event()
def poll():
    me = os.getpid()
    while not stop.is_set():
        peak["main"] = max(peak["main"], vmrss())
        try:
            kids = [int(p) for p in Path(f"/proc/{me}/task/{me}/children").read_text().split()]
        except OSError:
            kids = []
        for k in kids:
            peak["workers"] = max(peak["workers"], vmrss(k))
        time.sleep(0.5)
th = threading.Thread(target=poll, daemon=True); th.start()
def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime, b.ru_utime + b.ru_stime
cpu0 = cpu()
t = time.time(); last = [t]
def say(m):
    now = time.time()
    print(f"{now - t:7.1f} (+{now-last[0]:5.1f}) rss={vmrss():6.0f} {m}", flush=True)
    last[0] = now
res = run_topics(c, tok, lex, progress=say, workers=int(sys.argv[2]), tokens=tokens, **kw)
total = time.time() - t
cpu1 = cpu()
print(f"CPU seconds of topics: main {cpu1[0]-cpu0[0]:.1f}, worker processes {cpu1[1]-cpu0[1]:.1f}; "
      f"load average {os.getloadavg()}", flush=True)
stop.set(); th.join()
print(f"TOTAL topics {total:.1f}s; main RSS before {before:.0f} MB, peak during topics {peak['main']:.0f} MB; "
      f"largest worker {peak['workers']:.0f} MB; k={res.k_by_scope}", flush=True)
for scope, info in res.sweep_samples.items():
    print(scope, info["size"], "of", info["of"])
for n in res.notes:
    print("NOTE", n[:300])
h = hashlib.sha1()
for name in ("sweep", "topics", "passages", "effects", "seeded", "alignment"):
    h.update(getattr(res, name).to_csv(index=False).encode())
print("hash", h.hexdigest())
