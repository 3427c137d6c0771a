"""Cross-validation groups for coded passages: a passage's document, merged with every document that reprints
it (near-duplicates found by corpus_tools.corpus.dedupe), so that no copy of a held-out text is in training.

Sentences of one article share names, numbers and phrasing, and a syndicated reprint repeats them word for
word; splitting such passages over train and test folds leaks labels and inflates every quality figure
(Kaufman et al. 2012, "Leakage in data mining"; Roberts et al. 2017 on grouped cross-validation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from corpus_tools.corpus.dedupe import near_duplicates
from corpus_tools.corpus.loader import detect_lang

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus


class _UnionFind:
    """Disjoint sets over string keys (path halving)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def passage_groups(corpus: Corpus | None, ids: Sequence[str], texts: Sequence[str],
                   threshold: float = 0.6) -> tuple[list[str], list[str]]:
    """(group, language) for each coded passage.

    Group: `doc:<doc_id>` of the passage's document (passages not in the corpus, e.g. imported into the
    store only, form their own `passage:<id>` group), merged with the documents the corpus marks as
    near-duplicates (document or entry `dup_of`) and with any other coded passage whose text is a
    near-duplicate (Jaccard of character 5-grams >= `threshold`). The group is named after its smallest
    member. Language: the document's `lang`, else detected from the passage.
    """
    uf = _UnionFind()
    doc_of: dict[str, str] = {}
    lang_of_doc: dict[str, str] = {}
    if corpus is not None:
        e = corpus.entries
        doc_of = dict(zip(e["entry_id"].astype(str), e["doc_id"].astype(str), strict=True))
        d = corpus.docs
        lang_of_doc = dict(zip(d["doc_id"].astype(str), d["lang"].fillna("").astype(str), strict=True))
        for did, of in zip(d["doc_id"].astype(str), d["dup_of"].fillna("").astype(str), strict=True):
            if of:
                uf.union(f"doc:{did}", f"doc:{of}")
        for eid, of in zip(e["entry_id"].astype(str), e["dup_of"].fillna("").astype(str), strict=True):
            if of and of in doc_of:
                uf.union(f"doc:{doc_of[eid]}", f"doc:{doc_of[of]}")
    keys = [f"doc:{doc_of[i]}" if i in doc_of else f"passage:{i}" for i in map(str, ids)]
    for i, dup in enumerate(near_duplicates(list(texts), threshold=threshold)):
        if dup is not None:
            uf.union(keys[i], keys[dup[0]])
    groups = [uf.find(k) for k in keys]
    langs: list[str] = []
    for pid, text in zip(map(str, ids), texts, strict=True):
        lang = lang_of_doc.get(doc_of.get(pid, ""), "")
        langs.append(lang or detect_lang(str(text)))
    return groups, langs
