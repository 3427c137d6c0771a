"""Turn a corpus's entries into topic-model input: content-word token lists over a pruned vocabulary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.lexicon.match import all_terms
from corpus_tools.text.tokenize import has_cjk

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.text.tokenize import Tokenizer

MIN_TOKENS = 3  # entries with fewer content words (after pruning) say too little to place in a topic
MIN_DF = 2  # words in fewer entries than this are noise for topic models
MAX_DF = 0.5  # words in more than this share of entries (e.g. the village's name) carry no theme


@dataclass
class TopicInput:
    """The entries a topic model sees (with meta), their token lists, and what was left out and why."""

    entries: pd.DataFrame
    docs: list[list[str]]
    vocabulary: list[str]
    notes: list[str] = field(default_factory=list)

    def subset(self, mask: Sequence[bool]) -> TopicInput:
        """The entries where mask is true (same vocabulary)."""
        idx = [i for i, m in enumerate(mask) if m]
        return TopicInput(self.entries.iloc[idx].reset_index(drop=True), [self.docs[i] for i in idx],
                          self.vocabulary, [])


def prepare(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], *, min_tokens: int = MIN_TOKENS,
            min_df: int = MIN_DF, max_df: float = MAX_DF) -> TopicInput:
    """Tokenize every non-duplicate entry with `content_words`, prune rare/ubiquitous words, drop short ones."""
    tokenizer.add_words(all_terms(lexicons))  # lexicon terms stay whole, as in scoring
    meta = corpus.entries_with_meta()
    notes: list[str] = []
    junk = meta["junk"].fillna("").astype(str) != "" if "junk" in meta and not corpus.keep_junk else None
    if junk is not None and junk.any():
        notes.append(f"{int(junk.sum())} junk entries (too short, markup, pinyin runs, boilerplate) left out of "
                     "topic models")
        meta = meta.loc[~junk].reset_index(drop=True)
    dup = meta["dup_of"].fillna("").astype(str) != ""
    if dup.any():
        notes.append(f"{int(dup.sum())} near-duplicate entries left out of topic models (they repeat "
                     f"another entry and would inflate its theme)")
    meta = meta.loc[~dup].reset_index(drop=True)
    meta["stage"] = meta["stage"].fillna(UNSTAGED).replace("", UNSTAGED)
    tokens = [tokenizer.content_words(t) for t in meta["text"].astype(str)]
    df: Counter[str] = Counter()
    n_script: Counter[bool] = Counter()  # entries with Chinese (True) / other-script (False) words
    for t in tokens:
        df.update(set(t))
        n_script.update({has_cjk(w) for w in t})
    # ubiquity is measured within a script: in a bilingual corpus "village" is in few entries overall
    # but in most English ones
    common = {w for w, c in df.items() if n_script[has_cjk(w)] >= 20 and c / n_script[has_cjk(w)] > max_df}
    keep = {w for w, c in df.items() if c >= min_df and w not in common}
    if common:
        notes.append(f"words in more than {max_df:.0%} of the entries written in their script left out as "
                     f"carrying no theme: " + ", ".join(sorted(common, key=lambda w: -df[w])[:10]))
    pruned = [[w for w in t if w in keep] for t in tokens]
    ok = [len(t) >= min_tokens for t in pruned]
    n_short = len(ok) - sum(ok)
    if n_short:
        notes.append(f"{n_short} of {len(ok)} entries have fewer than {min_tokens} content words after "
                     f"pruning and are left out of topic models")
    idx = [i for i, m in enumerate(ok) if m]
    vocab = sorted({w for i in idx for w in pruned[i]})
    return TopicInput(meta.iloc[idx].reset_index(drop=True), [pruned[i] for i in idx], vocab, notes)
