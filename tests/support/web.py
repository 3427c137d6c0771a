"""Shared helpers of the web tests: a tiny bilingual corpus (with an XSS passage and two coders' codings),
an optional tiny trained model, and form helpers for Flask's test client."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from tests.support.corpus import write_corpus

XSS = '<script>window.__xss = 1</script><b>bold</b> & <img src=x onerror="window.__xss = 2">'

DOCS: list[dict[str, str]] = [
    {"doc_id": "D1", "title": "军埔村网店观察", "source_type": "media", "date": "2010-05-01", "lang": "zh-Hans",
     "text": "军埔村的年轻人开网店，利润不错，很多人赚钱了，宽带也通了。\n\n"
             "快递公司进村以后，物流方便了很多。\n\n"
             "有人和合伙人一起注册公司，也有人用自己的积蓄开店。\n\n"
             "村里的老人说，大家都想脱贫致富。"},
    {"doc_id": "D2", "title": "Interview with a young seller", "source_type": "interview", "date": "2015-01-10",
     "lang": "en",
     "text": "Q: How did you start?\n\nA: We used our own savings and some profits from the first month.\n\n"
             "A: Broadband and logistics made it possible to sell online.\n\n"
             "A: The weather was nice that day and we talked about football."},
    {"doc_id": "D3", "title": "揭陽市政府電商扶持通知", "source_type": "government", "date": "2013-06-01",
     "lang": "zh-Hant",
     "text": "政府出台優惠政策，扶持電商發展。\n\n村民希望通過網店脫貧致富，改善生活。\n\n會議由鎮長主持。"},
    {"doc_id": "D4", "title": "Sellers <em>speak</em> & shops", "source_type": "media", "date": "2014-03-01",
     "lang": "en",
     "text": f"{XSS} Sellers said profits rose.\n\nA second paragraph about logistics and couriers.\n\n"
             "Partners recruited staff for the new company."},
]


# (doc_id, paragraph number from 0) -> codes of coder A and of coder B ("" = not coded by B)
CODINGS = {
    ("D1", 0): ("opportunity.profitability;opportunity.feasibility", "opportunity.profitability"),
    ("D1", 1): ("opportunity.feasibility", "opportunity.feasibility"),
    ("D1", 2): ("activity.high_ambition;activity.low_ambition", "activity.low_ambition"),
    ("D1", 3): ("motivation.living_demands", "motivation.living_demands"),
    ("D2", 0): ("none", "none"),
    ("D2", 1): ("activity.low_ambition;opportunity.profitability", "activity.low_ambition"),
    ("D2", 2): ("opportunity.feasibility", "opportunity.feasibility"),
    ("D2", 3): ("none", ""),
    ("D3", 0): ("motivation.social_support", "motivation.social_support"),
    ("D3", 1): ("motivation.living_demands", "motivation.living_demands;motivation.social_support"),
    ("D3", 2): ("none", ""),
    ("D4", 0): ("opportunity.profitability", "none"),
    ("D4", 1): ("opportunity.feasibility", ""),
    ("D4", 2): ("activity.high_ambition", ""),
}


def build_corpus(root: Path, codings: bool = True) -> Path:
    """Write the tiny corpus folder (and codings.csv by coders A and B); returns its path."""
    from corpus_tools.corpus.loader import load_corpus

    write_corpus(root, "webtiny", DOCS)
    if codings:
        corpus = load_corpus(root)
        e = corpus.entries
        with (root / "codings.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["entry_id", "doc_id", "start", "end", "coder", "codes", "note"])
            for (doc, k), (a, b) in CODINGS.items():
                row = e[(e["doc_id"] == doc) & (e["seq"] == k)].iloc[0]
                base = [row["entry_id"], doc, int(row["start"]), int(row["end"])]
                w.writerow([*base, "A", a, "A's note <i>with markup</i>" if (doc, k) == ("D4", 0) else ""])
                if b:
                    w.writerow([*base, "B", b, ""])
    return root


def train_tiny_model(corpus_root: Path, out: Path) -> Path:
    """A suggestion model trained on the tiny corpus's codings (seconds), plus an evaluation.json with a
    learning curve for the dashboard."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.suggest.model import SuggestionModel
    from corpus_tools.suggest.persistence import save_model
    from corpus_tools.suggest.training import collect

    corpus = load_corpus(corpus_root)
    lex = load_lexicon("mass_entrepreneurship")
    data = collect(corpus, None, lex.variable_ids)
    model = SuggestionModel([lex], random_state=0, cv=2).fit(data.texts, data.Y, data.codes, data.ids)
    save_model(model, out)
    curve = [{"n_train": n, "folds": 3, "macro_precision": p, "macro_recall": r, "macro_f1": f, "mean_kappa": k}
             for n, p, r, f, k in ((4, 0.3, 0.4, 0.32, 0.2), (8, 0.45, 0.5, 0.47, 0.35), (12, 0.6, 0.55, 0.57, 0.5))]
    evaluation = {"n_entries": 14, "folds": 3, "seed": 0, "params": {}, "learning_curve": curve,
                  "macro": {"precision": 0.6, "recall": 0.55, "f1": 0.57, "kappa": 0.5}, "per_variable": []}
    (out / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    return out


def entry_of(corpus_root: Path, doc: str, k: int) -> str:
    """The entry id of paragraph k (from 0) of a document."""
    from corpus_tools.corpus.loader import load_corpus

    e = load_corpus(corpus_root).entries
    return str(e[(e["doc_id"] == doc) & (e["seq"] == k)].iloc[0]["entry_id"])


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf(html: str) -> str:
    """The CSRF token of a rendered page."""
    found = CSRF_RE.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: Any, name: str) -> str:
    """Log a test client in as a coder; returns the CSRF token of its session."""
    token = csrf(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"csrf": token, "coder": name, "next": "/queue"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return token


def open_entry(html: str) -> str:
    """The entry id of the passage a queue page shows."""
    found = re.search(r'name="entry_id" value="([^"]+)"', html)
    assert found, "no open passage on the page"
    return found.group(1)


def flashes(html: str) -> list[str]:
    """Flash messages shown on a page."""
    return re.findall(r'<p class="flash [a-z]+">([^<]*)</p>', html)
