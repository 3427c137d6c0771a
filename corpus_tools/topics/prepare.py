"""Turn a corpus's entries into topic-model input: content-word token lists over a pruned vocabulary.

Junk is kept out first (`strip_junk`): pinyin annotation runs (xiāng kāi fā), boilerplate lines (menus,
share buttons, "related stories", 责任编辑), sentences repeated across many documents (site furniture,
background sentences) and, after tokenizing, entries with fewer than three content words. What was left
out is counted in the notes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
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
REPEAT_MIN_DOCS = 3  # a sentence in at least this many documents ...
REPEAT_SHARE = 0.05  # ... and in at least this share of them is furniture or background, not content
REPEAT_MIN_CHARS = 12  # shorter sentences ("Thank you.") repeat by chance

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = (r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:[aeiouü" + _TONED + r"v]+)(?:ng|n|r)?")
# a pinyin token: one or more syllables with tone marks, or syllables with tone numbers (xiang1)
_PINYIN_TOKEN = re.compile(rf"(?:{_SYLLABLE})+", re.IGNORECASE)
_TONE_NUMBER = re.compile(rf"(?:{_SYLLABLE}[1-5])+", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z" + _TONED + r"ü']+[1-5]?")
# a text without a tone mark and without a letter followed by a tone number has no pinyin token (the test
# `strip_pinyin` starts with: most entries, so they skip the word-by-word scan)
_MAYBE_PINYIN = re.compile(r"[" + _TONED + r"]|[A-Za-zü'][1-5]")
_BOILERPLATE = re.compile(
    r"^\W*(?:share(?: this| on| to)?\b|related (?:stories|articles|news|posts|reading)|read more|click here|"
    r"back to top|all rights reserved|copyright\b|©|print this|follow us|subscribe\b|tags?\s*:|"
    r"editor\s*:|source\s*:|previous(?: article| post)?\s*[:|]|next(?: article| post)?\s*[:|]|"
    r"分享到|分享至|相关(?:阅读|新闻|文章|推荐|链接)|责任编辑|编辑[:：]|来源[:：]|上一篇|下一篇|返回(?:首页|顶部|列表)|"
    r"扫一扫|扫码|点击(?:查看|阅读|进入)|版权所有|打印本页|关闭窗口|【?字[体号]|收藏本页|阅读原文)",
    re.IGNORECASE)
_MENU_SPLIT = re.compile(r"\s*[|>»·•/]\s*|\s{2,}")
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")


@dataclass
class JunkCounts:
    """What `strip_junk` removed: pinyin runs, boilerplate lines, repeated sentences (and from how many entries)."""

    pinyin_runs: int = 0
    boilerplate_lines: int = 0
    repeated_sentences: int = 0
    entries_touched: int = 0
    examples: list[str] = field(default_factory=list)

    def notes(self, n_docs_threshold: int) -> list[str]:
        """Plain sentences for the run's notes (empty when nothing was removed)."""
        parts = []
        if self.pinyin_runs:
            parts.append(f"{self.pinyin_runs} pinyin annotation runs (e.g. xiāng kāi fā)")
        if self.boilerplate_lines:
            parts.append(f"{self.boilerplate_lines} boilerplate lines (menus, share buttons, related stories, "
                         f"editor/source lines)")
        if self.repeated_sentences:
            parts.append(f"{self.repeated_sentences} sentences repeated in {n_docs_threshold} or more documents "
                         f"(site furniture or background text)")
        if not parts:
            return []
        ex = f"; e.g. {' | '.join(self.examples[:3])}" if self.examples else ""
        return [f"junk kept out of topic models from {self.entries_touched} entries: " + "; ".join(parts) + ex]


def is_pinyin_token(word: str) -> bool:
    """True for a romanised syllable run with tone marks (xiāng, kāifā) or tone numbers (xiang1)."""
    if any(c in _TONED for c in word.lower()):
        return _PINYIN_TOKEN.fullmatch(word) is not None
    return _TONE_NUMBER.fullmatch(word) is not None


def strip_pinyin(text: str) -> tuple[str, int]:
    """Text without its pinyin annotation runs (one or more pinyin tokens in a row), and how many runs."""
    if _MAYBE_PINYIN.search(text) is None:
        return text, 0
    runs = 0
    out: list[str] = []
    last = 0
    in_run = False
    for m in _LATIN_WORD.finditer(text):
        word = m.group(0)
        gap = text[last:m.start()]
        if is_pinyin_token(word):
            if not in_run:
                runs += 1
                in_run = True
                out.append(gap)
            elif gap.strip(" ,-'()（）"):
                out.append(gap)
        else:
            in_run = False
            out.append(gap)
            out.append(word)
        last = m.end()
    out.append(text[last:])
    return ("".join(out), runs) if runs else (text, 0)


def is_boilerplate_line(line: str) -> bool:
    """A navigation, sharing or attribution line (or a menu of short items), not prose."""
    s = line.strip()
    if not s:
        return False
    if _BOILERPLATE.match(s):
        return True
    items = [i for i in _MENU_SPLIT.split(s) if i]
    return len(items) >= 4 and all(len(i) <= 8 and len(i.split()) <= 2 for i in items)


def _sentences(text: str) -> list[str]:
    return [x for x in _SENTENCE_SPLIT.split(text) if x and x.strip()]


_NON_WORD = re.compile(r"\W+")


def _norm(sentence: str) -> str:
    return _NON_WORD.sub("", sentence.lower())


def strip_junk(texts: Sequence[str], doc_ids: Sequence[str], *, min_docs: int = REPEAT_MIN_DOCS,
               share: float = REPEAT_SHARE) -> tuple[list[str], JunkCounts, int]:
    """Entry texts without pinyin runs, boilerplate lines and sentences repeated across many documents.

    Returns (cleaned texts, counts, the document threshold used for repeated sentences)."""
    counts = JunkCounts()
    n_docs = len(set(doc_ids))
    threshold = max(min_docs, int(share * n_docs + 0.999))
    seen_in: dict[str, set[str]] = {}
    for text, doc in zip(texts, doc_ids, strict=True):
        for sent in _sentences(text):
            key = _norm(sent)
            if len(key) >= REPEAT_MIN_CHARS:
                seen_in.setdefault(key, set()).add(doc)
    repeated = {k for k, docs in seen_in.items() if len(docs) >= threshold}
    out: list[str] = []
    for text in texts:
        touched = False
        lines = []
        for line in text.split("\n"):
            if is_boilerplate_line(line):
                counts.boilerplate_lines += 1
                touched = True
                if len(counts.examples) < 3:
                    counts.examples.append(line.strip()[:40])
                continue
            lines.append(line)
        cleaned = "\n".join(lines) if touched else text  # the same str object when unchanged: no copy
        if repeated:
            kept = []
            sents = _sentences(cleaned)
            for sent in sents:
                if _norm(sent) in repeated:
                    counts.repeated_sentences += 1
                    touched = True
                else:
                    kept.append(sent)
            cleaned = " ".join(kept) if len(kept) != len(sents) else cleaned
        cleaned, runs = strip_pinyin(cleaned)
        if runs:
            counts.pinyin_runs += runs
            touched = True
        counts.entries_touched += touched
        out.append(cleaned)
    return out, counts, threshold


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
            min_df: int = MIN_DF, max_df: float = MAX_DF,
            tokens: Mapping[str, Sequence[str]] | None = None) -> TopicInput:
    """Tokenize every non-duplicate entry with `content_words`, prune rare/ubiquitous words, drop short ones.

    `tokens` (entry_id → `tokenizer.content_words` of the entry's text, e.g. analyze's tokens step, with the
    lexicon terms already added to the tokenizer) are used as they are for every entry `strip_junk` left
    unchanged, so only the entries it changed are tokenized again (the same lists either way).
    The token lists share one str object per vocabulary word (a list costs 8 bytes per token, not a string)."""
    tokenizer.add_words(all_terms(lexicons))  # lexicon terms stay whole, as in scoring
    meta = corpus.entries_with_meta()
    notes: list[str] = []
    junk_entries = meta["junk"].fillna("").astype(str) != "" if "junk" in meta and not corpus.keep_junk else None
    if junk_entries is not None and junk_entries.any():
        reasons = meta.loc[junk_entries, "junk"].value_counts()
        notes.append(f"{int(junk_entries.sum())} junk entries left out of topic models ("
                     + ", ".join(f"{n} {r}" for r, n in reasons.items()) + "; corpus.junk)")
        meta = meta.loc[~junk_entries].reset_index(drop=True)
    dup = meta["dup_of"].fillna("").astype(str) != ""
    if dup.any():
        notes.append(f"{int(dup.sum())} near-duplicate entries left out of topic models (they repeat "
                     f"another entry and would inflate its theme)")
    meta = meta.loc[~dup].reset_index(drop=True)
    meta["stage"] = meta["stage"].fillna(UNSTAGED).replace("", UNSTAGED)
    raw = list(meta["text"].astype(str))
    texts, junk, threshold = strip_junk(raw, list(meta["doc_id"].astype(str)))
    notes += junk.notes(threshold)
    # one str object per distinct word, shared by every entry that uses it: the tokenizer returns a new
    # str per token (about 80 bytes each), which at a million entries would be gigabytes of copies
    shared: dict[str, str] = {}
    given = tokens if tokens is not None else {}
    tokens_: list[list[str]] = []
    for e, text, before in zip(meta["entry_id"].astype(str), texts, raw, strict=True):
        words = given.get(e) if text == before else None
        tokens_.append([shared.setdefault(w, w) for w in (words if words is not None
                                                         else tokenizer.content_words(text))])
    del texts, raw
    df: Counter[str] = Counter()
    n_script: Counter[bool] = Counter()  # entries with Chinese (True) / other-script (False) words
    known: set[str] = set()
    by_script: dict[bool, set[str]] = {True: set(), False: set()}  # Chinese words, the others
    for t in tokens_:
        distinct = set(t)
        df.update(distinct)
        new = distinct - known  # has_cjk once per distinct word, not once per token
        if new:
            for w in new:
                by_script[has_cjk(w)].add(w)
            known |= new
        for script, members in by_script.items():
            if not members.isdisjoint(distinct):
                n_script[script] += 1
    # ubiquity is measured within a script: in a bilingual corpus "village" is in few entries overall
    # but in most English ones
    common = {w for w, c in df.items() if n_script[has_cjk(w)] >= 20 and c / n_script[has_cjk(w)] > max_df}
    keep = {w for w, c in df.items() if c >= min_df and w not in common}
    if common:
        notes.append(f"words in more than {max_df:.0%} of the entries written in their script left out as "
                     f"carrying no theme: " + ", ".join(sorted(common, key=lambda w: -df[w])[:10]))
    n_all = len(tokens_)
    idx: list[int] = []
    docs: list[list[str]] = []
    gone: list[str] = []
    for i, t in enumerate(tokens_):
        kept = [w for w in t if w in keep]
        tokens_[i] = gone  # the unpruned list goes as soon as its pruned copy exists
        if len(kept) >= min_tokens:
            idx.append(i)
            docs.append(kept)
    del tokens_
    n_short = n_all - len(idx)
    if n_short:
        notes.append(f"{n_short} of {n_all} entries have fewer than {min_tokens} content words after "
                     f"pruning and are left out of topic models")
    vocab = sorted({w for d in docs for w in d})
    return TopicInput(meta.iloc[idx].reset_index(drop=True), docs, vocab, notes)
