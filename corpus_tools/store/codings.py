"""Read a corpus's `codings.csv` (human coding decisions on entries) and check it against the corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import CorpusError
from corpus_tools.store.vocabulary import NONE_CODE

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus



@dataclass
class Codings:
    """Codings in long form (one row per entry, coder and code) plus what did not resolve."""

    long: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def coders(self) -> list[str]:
        """Coder ids in order of appearance."""
        return list(dict.fromkeys(self.long["coder"]))


def read_codings(corpus: Corpus, known_codes: list[str] | None = None, filename: str = "codings.csv") -> Codings:
    """Read codings; every row must resolve to an entry of the corpus (by entry_id) with the same span.

    Rows whose entry_id is unknown, whose offsets disagree with the entry, or whose codes are not in
    `known_codes` are reported in `problems` and left out; nothing is guessed.
    """
    path = corpus.root / filename
    if not path.is_file():
        raise CorpusError(f"{path} does not exist", hint="this corpus has no coded sample")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("entry_id", "coder", "codes") if c not in raw.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    e = corpus.entries  # plain dict lookups: a .loc per row made the web dashboard slow on large codings.csv
    entries = {str(i): (str(d), int(s), int(t)) for i, d, s, t in
               zip(e["entry_id"], e["doc_id"], e["start"], e["end"], strict=True)}
    known = set(known_codes) if known_codes else None
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for line, r in enumerate(raw.to_dict("records"), start=2):
        eid = r["entry_id"]
        if eid not in entries:
            problems.append(f"{filename}:{line}: entry {eid} is not in the corpus (text changed or id mistyped)")
            continue
        doc_id, start, end = entries[eid]
        given = (str(r.get("start") or "").strip(), str(r.get("end") or "").strip())
        if all(given) and not all(g.isdigit() for g in given):
            problems.append(f"{filename}:{line}: entry {eid} offsets {given[0]!r}-{given[1]!r} are not numbers")
            continue
        if all(given) and (int(given[0]), int(given[1])) != (start, end):
            problems.append(f"{filename}:{line}: entry {eid} offsets {r['start']}-{r['end']} differ from "
                            f"the corpus ({start}-{end})")
            continue
        codes = [c.strip() for c in r["codes"].split(";") if c.strip()]
        if not codes:
            problems.append(f"{filename}:{line}: entry {eid} has no codes (use `none` for no code)")
            continue
        bad = [c for c in codes if c != NONE_CODE and known is not None and c not in known]
        if bad:
            problems.append(f"{filename}:{line}: unknown code(s) {', '.join(bad)}")
            continue
        if NONE_CODE in codes and len(codes) > 1:
            problems.append(f"{filename}:{line}: `none` combined with other codes")
            continue
        for c in codes:
            rows.append({"entry_id": eid, "doc_id": doc_id, "coder": r["coder"], "code": c,
                         "mode": "imported"})
    long = pd.DataFrame(rows, columns=list(schema.CODING_STATE))
    return Codings(long, problems)
