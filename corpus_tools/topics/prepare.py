"""Turn a corpus's entries into topic-model input: content-word token lists over a pruned vocabulary.

Junk is kept out first (`strip_junk`): pinyin annotation runs (xiāng kāi fā), boilerplate lines (menus,
share buttons, "related stories", 责任编辑), sentences repeated across many documents (site furniture,
background sentences) and, after tokenizing, entries with fewer than three content words. What was left
out is counted in the notes.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.io.mapped import release_pages
from corpus_tools.lexicon.match import all_terms
from corpus_tools.text.tokenize import has_cjk
from corpus_tools.topics.tokens import TokenDocs, TokenWriter

if TYPE_CHECKING:
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


class JunkStripper:
    """`strip_junk` over texts that come a chunk at a time: `count` every chunk, then `verify` every chunk again
    when `needs_verify`, then `clean` each chunk. Sentences repeated across documents are found without a
    table of every sentence: each (sentence hash bucket, document) pair is counted in a fixed array (an upper
    bound of the documents of every sentence in the bucket), and only the sentences in buckets that reach the
    threshold are counted exactly; so the repeated sentences are exactly `strip_junk`'s."""

    BUCKETS = 1 << 21  # 8 MB of counts

    def __init__(self, n_docs: int, *, min_docs: int = REPEAT_MIN_DOCS, share: float = REPEAT_SHARE) -> None:
        self.threshold = max(min_docs, int(share * n_docs + 0.999))
        self.counts = JunkCounts()
        self._buckets = np.zeros(self.BUCKETS, dtype=np.uint32)
        self._candidates: np.ndarray | None = None
        self._exact: dict[str, set[Any]] = {}
        self.repeated: set[str] = set()

    def _keys(self, texts: Sequence[str], docs: Sequence[Any] | np.ndarray) -> Iterator[tuple[str, Any]]:
        for text, doc in zip(texts, docs, strict=True):
            for sent in _sentences(text):
                key = _norm(sent)
                if len(key) >= REPEAT_MIN_CHARS:
                    yield key, doc

    def count(self, texts: Sequence[str], doc_codes: np.ndarray) -> None:
        """First pass: count (bucket, document) pairs of one chunk (`doc_codes`: integers)."""
        mask = self.BUCKETS - 1
        pairs = [((hash(key) & mask) << 40) | int(doc) for key, doc in self._keys(texts, doc_codes)]
        if not pairs:
            return
        arr = _distinct(np.asarray(pairs, dtype=np.int64))  # a document counts once per bucket
        np.add.at(self._buckets, arr >> 40, 1)

    @property
    def needs_verify(self) -> bool:
        """Whether any bucket reaches the threshold (else no sentence is repeated and `verify` is not needed)."""
        if self._candidates is None:
            self._candidates = self._buckets >= self.threshold
            self._buckets = np.zeros(0, dtype=np.uint32)
        return bool(self._candidates.any())

    def verify(self, texts: Sequence[str], doc_codes: np.ndarray) -> None:
        """Second pass: the documents of each sentence in a candidate bucket, exactly."""
        assert self._candidates is not None
        mask, cand = self.BUCKETS - 1, self._candidates
        for key, doc in self._keys(texts, doc_codes):
            if cand[hash(key) & mask]:
                self._exact.setdefault(key, set()).add(int(doc))

    def finish(self) -> None:
        """After the passes: the repeated sentences."""
        if self._candidates is None:
            _ = self.needs_verify
        self.repeated = {k for k, docs in self._exact.items() if len(docs) >= self.threshold}
        self._exact = {}
        self._candidates = None

    def clean(self, texts: Sequence[str]) -> list[str]:
        """Texts without pinyin runs, boilerplate lines and repeated sentences (counted in `counts`)."""
        counts, repeated = self.counts, self.repeated
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
        return out


def strip_junk(texts: Sequence[str], doc_ids: Sequence[str], *, min_docs: int = REPEAT_MIN_DOCS,
               share: float = REPEAT_SHARE) -> tuple[list[str], JunkCounts, int]:
    """Entry texts without pinyin runs, boilerplate lines and sentences repeated across many documents.

    Returns (cleaned texts, counts, the document threshold used for repeated sentences)."""
    codes, uniq = pd.factorize(pd.Series(list(doc_ids), dtype=object))
    stripper = JunkStripper(len(uniq), min_docs=min_docs, share=share)
    stripper.count(texts, codes)
    if stripper.needs_verify:
        stripper.verify(texts, codes)
    stripper.finish()
    return stripper.clean(texts), stripper.counts, stripper.threshold


@dataclass
class TopicInput:
    """The entries a topic model sees, their tokens, and what was left out and why.

    `entries` has one row per entry: `row` (its position in corpus.entries, where its text and id are),
    `doc_id` (categorical over corpus.docs: the codes are positions there), and `stage` (UNSTAGED when
    missing), `lang`, `source_type` (categorical; missing as ''). `docs` are the entries' pruned content
    words (TokenDocs: word ids in a file, read a block at a time; a list of word lists wherever one is expected)."""

    entries: pd.DataFrame
    docs: TokenDocs
    vocabulary: list[str]
    notes: list[str] = field(default_factory=list)

    def subset(self, mask: Sequence[bool] | np.ndarray) -> TopicInput:
        """The entries where mask is true (same vocabulary; the tokens are not copied)."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        return TopicInput(self.entries.iloc[idx].reset_index(drop=True), self.docs.take(idx), self.vocabulary, [])

    @property
    def doc_codes(self) -> np.ndarray:
        """Each entry's document as its position in corpus.docs."""
        return np.asarray(self.entries["doc_id"].cat.codes, dtype=np.int64)


PREPARE_CHUNK = 20_000  # entries read, cleaned and tokenized at a time


def _doc_categorical(values: pd.Series, doc_pos: np.ndarray, fill: str = "") -> pd.Categorical:
    """A documents column over the entries (`doc_pos`: their documents' positions, -1: none), as a categorical;
    missing and empty values become `fill`."""
    text = values.astype(object).where(values.notna(), "").astype(str).to_numpy()
    text = np.where(text == "", fill, text)
    cat = pd.Categorical(text)
    cats = [str(c) for c in cat.categories]
    codes = np.asarray(cat.codes, dtype=np.int64)
    if (doc_pos < 0).any():  # an entry whose document is not in documents: the missing value
        if fill not in cats:
            cats.append(fill)
        codes = np.append(codes, cats.index(fill))
    return pd.Categorical.from_codes(codes[doc_pos], categories=cats)


def prepare(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], *, min_tokens: int = MIN_TOKENS,
            min_df: int = MIN_DF, max_df: float = MAX_DF,
            tokens: Mapping[str, Sequence[str]] | None = None, directory: str | Path | None = None,
            chunk: int | None = None) -> TopicInput:
    """Tokenize every non-duplicate entry with `content_words`, prune rare/ubiquitous words, drop short ones.

    `tokens` (entry_id → `tokenizer.content_words` of the entry's text, e.g. analyze's tokens step, with the
    lexicon terms already added to the tokenizer) are used as they are for every entry `strip_junk` left
    unchanged, so only the entries it changed are tokenized again (the same lists either way).
    The entries are read, cleaned and tokenized `chunk` (default PREPARE_CHUNK) at a time and their word ids
    written to files in `directory` (a temporary folder removed with the result when None): memory holds the
    vocabulary, a few integers per entry and one chunk's texts, never every entry's text or words."""
    tokenizer.add_words(all_terms(lexicons))  # lexicon terms stay whole, as in scoring
    chunk = max(1, chunk or PREPARE_CHUNK)
    tmp = None
    if directory is None:
        tmp = tempfile.TemporaryDirectory(prefix="corpus-tools-topics-")
        directory = tmp.name
    entries = corpus.entries
    notes: list[str] = []
    usable = np.ones(len(entries), dtype=bool)
    if "junk" in entries and not corpus.keep_junk:
        junk_entries = (entries["junk"].fillna("").astype(str) != "").to_numpy(dtype=bool)
        if junk_entries.any():
            reasons = entries["junk"][junk_entries].value_counts()
            notes.append(f"{int(junk_entries.sum())} junk entries left out of topic models ("
                         + ", ".join(f"{n} {r}" for r, n in reasons.items()) + "; corpus.junk)")
            usable &= ~junk_entries
    dup = (entries["dup_of"].fillna("").astype(str) != "").to_numpy(dtype=bool) & usable
    if dup.any():
        notes.append(f"{int(dup.sum())} near-duplicate entries left out of topic models (they repeat "
                     f"another entry and would inflate its theme)")
    usable &= ~dup
    rows = np.flatnonzero(usable)
    # columns are read in slices of consecutive entries (zero-copy; taking scattered rows of an Arrow column
    # would first join all of its chunks into one copy)
    slices = [(a, min(a + chunk, len(entries))) for a in range(0, len(entries), chunk)]
    cut = np.searchsorted(rows, [a for a, _b in slices] + [len(entries)])

    def column(name: str) -> Iterator[tuple[int, list[Any]]]:
        """(position among the usable entries, the column's values of the next usable ones), a slice at a time."""
        col = entries[name]
        for j, (a, b) in enumerate(slices):
            lo, hi = int(cut[j]), int(cut[j + 1])
            if hi > lo:
                values = col.iloc[a:b].tolist()
                yield lo, [values[i - a] for i in rows[lo:hi].tolist()]
                release_pages()  # the slice's texts, when mapped (io.mapped), need not stay resident

    doc_pos, extra_docs = _doc_positions(corpus.docs["doc_id"], column("doc_id"), len(rows))
    n_docs = len(np.unique(doc_pos))

    def texts() -> Iterator[tuple[int, list[str]]]:
        for lo, values in column("text"):
            yield lo, [str(t) for t in values]

    stripper = JunkStripper(n_docs)
    for lo, chunk_texts in texts():
        stripper.count(chunk_texts, doc_pos[lo:lo + len(chunk_texts)])
    if stripper.needs_verify:
        for lo, chunk_texts in texts():
            stripper.verify(chunk_texts, doc_pos[lo:lo + len(chunk_texts)])
    stripper.finish()
    # every entry's content words as ids (in order of first use) into one file; the vocabulary is a dict of
    # the distinct words only
    vocab: dict[str, int] = {}
    given = tokens if tokens is not None else {}
    raw = TokenWriter(_new_file(directory, "raw-"))
    entry_ids = column("entry_id") if tokens is not None else None
    for _lo, before in texts():
        cleaned = stripper.clean(before)
        eids = [str(e) for e in next(entry_ids)[1]] if entry_ids is not None else None
        flat: list[int] = []
        lengths = np.empty(len(cleaned), dtype=np.int64)
        setdefault = vocab.setdefault
        for j, (text, prior) in enumerate(zip(cleaned, before, strict=True)):
            words = given.get(eids[j]) if eids is not None and text == prior else None
            ids = [setdefault(w, len(vocab)) for w in (words if words is not None else tokenizer.content_words(text))]
            flat += ids
            lengths[j] = len(ids)
        raw.append(np.asarray(flat, dtype=np.int64), lengths)
        del cleaned, before, flat
    notes += stripper.counts.notes(stripper.threshold)
    words = list(vocab)
    del vocab
    raw_store = raw.close(words)
    n_all = len(raw_store)
    # document frequency and entries per script, from the ids a chunk at a time
    n_words = len(words)
    cjk = np.fromiter((has_cjk(w) for w in words), dtype=bool, count=n_words)
    df = np.zeros(n_words, dtype=np.int64)
    n_script = {True: 0, False: 0}  # entries with Chinese (True) / other-script (False) words
    for lo in range(0, n_all, chunk):
        hi = min(lo + chunk, n_all)
        word_ids = raw_store.read(lo, hi).astype(np.int64)
        entry = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(raw_store.offsets[lo:hi + 1]))
        pairs = _distinct(entry * n_words + word_ids)  # each word once per entry
        word, ent = pairs % n_words, pairs // n_words
        df += np.bincount(word, minlength=n_words)
        is_cjk = cjk[word]
        n_script[True] += len(_distinct(ent[is_cjk]))  # (ent is sorted: pairs are)
        n_script[False] += len(_distinct(ent[~is_cjk]))
    # ubiquity is measured within a script: in a bilingual corpus "village" is in few entries overall
    # but in most English ones
    per_script = np.where(cjk, n_script[True], n_script[False])
    common = (per_script >= 20) & (df / np.maximum(per_script, 1) > max_df)
    keep = (df >= min_df) & ~common
    if common.any():
        top = sorted(np.flatnonzero(common).tolist(), key=lambda i: (-df[i], i))[:10]
        notes.append(f"words in more than {max_df:.0%} of the entries written in their script left out as "
                     f"carrying no theme: " + ", ".join(words[i] for i in top))
    kept_words = sorted(words[i] for i in np.flatnonzero(keep).tolist())
    new_id = np.full(n_words, -1, dtype=np.int64)
    position = {w: j for j, w in enumerate(kept_words)}
    for i in np.flatnonzero(keep).tolist():
        new_id[i] = position[words[i]]
    del position, words
    # the pruned entries with at least min_tokens words, in ids of the sorted kept words
    final = TokenWriter(_new_file(directory, "tokens-"))
    used = np.zeros(len(kept_words), dtype=np.int64)
    kept_entries: list[np.ndarray] = []
    for lo in range(0, n_all, chunk):
        hi = min(lo + chunk, n_all)
        ids = new_id[raw_store.read(lo, hi)]
        entry = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(raw_store.offsets[lo:hi + 1]))
        known = ids >= 0
        lengths = np.bincount(entry[known], minlength=hi - lo)
        ok = lengths >= min_tokens
        take = known & ok[entry]
        final.append(ids[take], lengths[ok])
        used += np.bincount(ids[take], minlength=len(used))
        kept_entries.append(np.flatnonzero(ok) + lo)
    Path(raw_store.path).unlink(missing_ok=True)
    store = final.close(kept_words, tmp)
    idx = np.concatenate(kept_entries) if kept_entries else np.zeros(0, dtype=np.int64)
    n_short = n_all - len(idx)
    if n_short:
        notes.append(f"{n_short} of {n_all} entries have fewer than {min_tokens} content words after "
                     f"pruning and are left out of topic models")
    vocab_out = [w for w, c in zip(kept_words, used.tolist(), strict=True) if c]
    rows, doc_pos = rows[idx], doc_pos[idx]
    docs = corpus.docs
    missing = doc_pos >= len(docs)  # documents not in corpus.docs: no metadata
    frame = pd.DataFrame({
        "row": rows,
        "doc_id": _doc_id_categorical(docs["doc_id"], doc_pos, extra_docs),
        "stage": _doc_categorical(docs["stage"], np.where(missing, -1, doc_pos), fill=UNSTAGED),
        "lang": _doc_categorical(docs["lang"], np.where(missing, -1, doc_pos)),
        "source_type": _doc_categorical(docs["source_type"], np.where(missing, -1, doc_pos)),
    })
    return TopicInput(frame, TokenDocs(store), vocab_out, notes)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique by sorting: faster than its hash table on large integer arrays)."""
    out = np.sort(values)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def _new_file(directory: str | Path, prefix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".i32", dir=directory)
    os.close(fd)
    return Path(name)


def _doc_positions(doc_ids: pd.Series, values: Iterator[tuple[int, list[Any]]], n: int
                   ) -> tuple[np.ndarray, list[str]]:
    """(each entry's document as its position in corpus.docs, the ids of documents missing there): `values` are
    the entries' doc ids a slice at a time; a missing document gets a position after corpus.docs's."""
    index = pd.Index(doc_ids.astype(str))
    extra: dict[str, int] = {}
    out = np.empty(n, dtype=np.int64)
    for lo, ids in values:
        texts = [str(x) for x in ids]
        pos = index.get_indexer(texts)
        for j in np.flatnonzero(pos < 0).tolist():
            pos[j] = extra.setdefault(texts[j], len(index) + len(extra))
        out[lo:lo + len(pos)] = pos
    return out, list(extra)


def _doc_id_categorical(doc_ids: pd.Series, doc_pos: np.ndarray, extra: list[str]) -> pd.Categorical:
    """The entries' document ids as a categorical over corpus.docs's ids (then those missing there)."""
    return pd.Categorical.from_codes(doc_pos, categories=pd.Index([*doc_ids.astype(str), *extra]))
