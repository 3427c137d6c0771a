"""Building blocks of tiny corpus folders: the documents.csv header, a three-stage corpus.toml, and a writer."""

import csv
from collections.abc import Sequence
from pathlib import Path

HEADER = ["doc_id", "path", "title", "source_type", "outlet", "date", "lang", "author", "speaker", "role",
          "encoding", "notes"]

STAGES_TOML = """
[[stages]]
id = "budding"
start = "2008-01-01"
end = "2012-12-31"

[[stages]]
id = "growth"
start = "2013-01-01"
end = "2014-12-31"

[[stages]]
id = "mature"
start = "2015-01-01"
"""


def write_corpus(root: Path, name: str, docs: Sequence[dict[str, str]],
                 header: Sequence[str] = ("doc_id", "path", "title", "source_type", "date", "lang")) -> Path:
    """Write a corpus folder: corpus.toml (mass_entrepreneurship, three stages), documents.csv with the
    `header` columns the docs give, and each doc's `text` as texts/<doc_id>.txt; returns `root`."""
    (root / "texts").mkdir(parents=True, exist_ok=True)
    (root / "corpus.toml").write_text(f'name = "{name}"\nlexicons = ["mass_entrepreneurship"]\n' + STAGES_TOML,
                                      encoding="utf-8")
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(header))
        w.writeheader()
        for d in docs:
            (root / "texts" / f"{d['doc_id']}.txt").write_text(d["text"], encoding="utf-8")
            w.writerow({**{k: d[k] for k in header if k in d}, "path": f"texts/{d['doc_id']}.txt"})
    return root
