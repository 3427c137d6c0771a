"""Training data for the suggestion model: human codings from the store plus the corpus's coded sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus_tools.errors import ModelError
from corpus_tools.store.log import NONE

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore


@dataclass
class TrainingData:
    """Passages with a 0/1 label per code, and where they came from."""

    ids: list[str]
    texts: list[str]
    Y: np.ndarray
    codes: list[str]
    sources: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    coders: dict[str, int] = field(default_factory=dict)  # coder id -> passages they coded (either origin)
    # mask[i, j]: passage i was coded under the codebook of code j (a 0 in Y is a real "no" only there);
    # None = every passage was coded under every code's codebook
    mask: np.ndarray | None = None
    groups: list[str] = field(default_factory=list)  # cross-validation group (document + its reprints)
    langs: list[str] = field(default_factory=list)  # language of each passage (zh-Hans, zh-Hant, en, mixed)
    origins: list[str] = field(default_factory=list)  # "corpus" or "store" for each passage

    def __len__(self) -> int:
        return len(self.ids)

    def positives(self) -> dict[str, int]:
        """Number of passages labelled with each code."""
        return {c: int(self.Y[:, j].sum()) for j, c in enumerate(self.codes)}

    def scope(self) -> np.ndarray:
        """The coded-under-this-codebook mask (all ones when no mask was set)."""
        import numpy as np

        return np.ones(self.Y.shape, dtype=bool) if self.mask is None else self.mask

    def subset(self, codes: Sequence[str]) -> TrainingData:
        """The same passages restricted to `codes` (columns in that order); passages in scope of none of
        them are left out."""
        import numpy as np

        cols = np.array([self.codes.index(c) for c in codes], dtype=int)
        mask = self.scope()[:, cols]
        rows = np.flatnonzero(mask.any(axis=1)) if len(cols) else np.arange(0)

        def pick(xs: list[str]) -> list[str]:
            return [xs[i] for i in rows] if xs else []

        return TrainingData(pick(self.ids), pick(self.texts), self.Y[np.ix_(rows, cols)], list(codes),
                            dict(self.sources), list(self.problems), dict(self.coders),
                            None if mask[rows].all() else mask[rows], pick(self.groups), pick(self.langs),
                            pick(self.origins))


def entry_labels(long: pd.DataFrame) -> dict[str, set[str]]:
    """Codes per entry from long codings (entry_id, coder, code, mode).

    Adjudicated codings win; otherwise a code is positive when at least half of the entry's coders gave
    it (a single coder decides alone). `none` means no code; unknown codes are ignored by the caller.
    """
    out: dict[str, set[str]] = {str(e): set() for e in long["entry_id"].unique()}  # order of first appearance
    adjudicated = long["mode"] == "adjudicated"
    g = long[adjudicated | ~adjudicated.groupby(long["entry_id"]).transform("any")]
    n_coders = g.groupby("entry_id")["coder"].nunique()
    counts = g[g["code"] != NONE].groupby(["entry_id", "code"])["coder"].nunique()
    needed = n_coders.reindex(counts.index.get_level_values(0)).to_numpy()
    for (eid, code), k, n in zip(counts.index, counts.to_numpy(), needed, strict=True):
        if 2 * k >= n:
            out[str(eid)].add(str(code))
    return out


def entry_scopes(long: pd.DataFrame, code_book: dict[str, str]) -> dict[str, set[str]]:
    """Codebooks each entry was coded under, from long codings (entry_id, coder, code).

    A coding counts for the codebook of each code it gives; `none` counts for every codebook the coder used
    anywhere (a coder who never gave a known code: for every codebook). So a passage coded only with the
    first codebook is not a negative example for the second one.
    """
    books = set(code_book.values())
    used: dict[str, set[str]] = {}
    for coder, code in zip(long["coder"].astype(str), long["code"].astype(str), strict=True):
        if code in code_book:
            used.setdefault(coder, set()).add(code_book[code])
    out: dict[str, set[str]] = {}
    for eid, coder, code in zip(long["entry_id"].astype(str), long["coder"].astype(str),
                                long["code"].astype(str), strict=True):
        got = out.setdefault(eid, set())
        if code == NONE:
            got |= used.get(coder, books)
        elif code in code_book:
            got.add(code_book[code])
    return out


def collect(corpus: Corpus | None, store: CodingStore | None, codes: Sequence[str],
            use_codings_file: bool = True, code_book: dict[str, str] | None = None) -> TrainingData:
    """Assemble training data: store decisions (current state, stale ones left out) plus codings.csv.

    Where the same coder coded an entry in both, the store wins (it holds later decisions). `code_book`
    maps each code to its codebook (lexicon); with more than one codebook, `mask` says which passages were
    coded under which codebook (see `entry_scopes`). Each passage carries its cross-validation group (its
    document merged with near-duplicate reprints, see corpus_tools.suggest.groups) and language.
    """
    import numpy as np
    import pandas as pd

    from corpus_tools import schema

    frames: list[pd.DataFrame] = []
    problems: list[str] = []
    sources: dict[str, int] = {}
    texts: dict[str, str] = {}
    if corpus is not None:
        texts.update(zip(corpus.entries["entry_id"], corpus.entries["text"], strict=True))
    if store is not None:
        state = store.state(corpus) if corpus is not None else store.state()
        if corpus is not None:
            n_stale = len(store.stale(corpus))
            if n_stale:
                problems.append(f"{n_stale} stored decision(s) are stale (entry text changed or vanished) "
                                "and were left out; see `corpus-tools store stale`")
        p = store.passages()
        latest = dict(zip(p["entry_id"], p["text"], strict=True))  # import order: the last text of an id wins
        for eid, text in latest.items():
            texts.setdefault(eid, text)  # corpus entries keep the corpus text
        frames.append(state.assign(_origin="store"))
        sources["store"] = int(state["entry_id"].nunique())
    if corpus is not None and use_codings_file and (corpus.root / "codings.csv").is_file():
        from corpus_tools.store.codings import read_codings

        cod = read_codings(corpus, list(codes))
        problems.extend(cod.problems)
        frames.append(cod.long.assign(_origin="codings.csv"))
        sources["codings.csv"] = int(cod.long["entry_id"].nunique())
    if not frames:
        return TrainingData([], [], np.zeros((0, len(codes)), dtype=np.int8), list(codes), sources, problems)
    long = pd.concat(frames, ignore_index=True)
    long = long.sort_values("_origin", key=lambda s: s.map({"store": 0, "codings.csv": 1}), kind="stable")
    first = long.drop_duplicates(["entry_id", "coder"])[["entry_id", "coder", "_origin"]]
    long = long.merge(first, on=["entry_id", "coder", "_origin"])  # keep each coder's rows from one origin
    schema.check(long, ("entry_id", "coder", "code", "mode"), "codings")
    labels = entry_labels(long)
    book = {c: code_book.get(c, "") for c in codes} if code_book else dict.fromkeys(codes, "")
    scopes = entry_scopes(long, book)
    origin_of = dict(zip(long["entry_id"].astype(str), long["_origin"], strict=True))
    known = long[long["entry_id"].isin(list(texts))]
    coders = {str(c): int(n) for c, n in known.groupby("coder", sort=False)["entry_id"].nunique().items()}
    index = {c: j for j, c in enumerate(codes)}
    ids, tx, rows, masks = [], [], [], []
    col_books = [book[c] for c in codes]
    for eid, got in labels.items():
        if eid not in texts:
            problems.append(f"entry {eid} is coded but its text is unknown (not in the corpus or the store); left out")
            continue
        y = np.zeros(len(codes), dtype=np.int8)
        for c in got:
            if c in index:
                y[index[c]] = 1
        ids.append(eid)
        tx.append(texts[eid])
        rows.append(y)
        in_scope = scopes.get(eid, set())
        masks.append([b in in_scope or bool(y[j]) for j, b in enumerate(col_books)])
    Y = np.vstack(rows) if rows else np.zeros((0, len(codes)), dtype=np.int8)
    mask = np.array(masks, dtype=bool).reshape(len(ids), len(codes))
    from corpus_tools.suggest.groups import passage_groups

    groups, langs = passage_groups(corpus, ids, tx)
    origins = ["corpus" if origin_of.get(i) == "codings.csv" else "store" for i in ids]
    return TrainingData(ids, tx, Y, list(codes), sources, problems, coders, None if mask.all() else mask,
                        groups, langs, origins)


def require(data: TrainingData, minimum: int = 10) -> TrainingData:
    """ModelError (with the cold-start hint) when there is too little to learn from."""
    if len(data) < minimum:
        raise ModelError(f"only {len(data)} coded passage(s) found; at least {minimum} are needed to train",
                         hint="code passages with `corpus-tools review` (lexicon suggestions need no model)")
    if not data.Y.any():
        raise ModelError("no coded passage carries any code (all `none`): nothing to learn")
    return data
