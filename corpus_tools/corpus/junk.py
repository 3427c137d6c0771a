"""Junk entries: units that are not prose, left out of scores and topics (flagged and reported, never deleted).

- `short`: fewer than MIN_CHARS characters (letters, digits, ideographs) — stray `a`, `12`, `是`;
- `markup`: nothing but punctuation and symbols (`!`, `|`, `* * *`), or a Markdown image/link, an HTML
  entity or tag left over from scraping;
- `pinyin`: a run of tone-marked pinyin annotating Chinese (`Jūnpǔ Cūn`, `zhòng chuàng`);
- `boilerplate`: the same short passage (same content hash) in at least BOILERPLATE_MIN_DOCS documents of
  one outlet — menus, "Related Stories", bylines, copyright lines of scraped pages;
- `outside-main`: in an HTML page, a block outside the main content that trafilatura finds (navigation,
  date lines, sidebars, footers; the headline, equal to the document's title, stays). The page's text
  stays all visible blocks, so offsets and codings made on it stay valid.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from itertools import islice

import numpy as np
import pandas as pd

from corpus_tools.corpus.problems import Problem
from corpus_tools.io.mapped import factorize, iter_texts, text_reader
from corpus_tools.text.normalize import fold_whitespace

REASONS = ("short", "markup", "pinyin", "boilerplate", "outside-main")
MIN_CHARS = 3
BOILERPLATE_MIN_DOCS = 3
BOILERPLATE_MAX_CHARS = 200
_WORDISH_RE = re.compile(r"[^\W_]")
_MARKUP_RE = re.compile(r"^\s*(?:!?\[[^\]]*\]\([^)]*\)|&[#\w]+;|</?[A-Za-z][^>]*>|\s)+\s*$")
_LATIN_WORD_RE = re.compile(r"[A-Za-zÀ-ɏ]+")
_TONED_RE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def text_reason(text: str) -> str:
    """'short', 'markup' or 'pinyin' for a junk passage judged on its own, else ''.

    >>> [text_reason(t) for t in ["!", "| |", "![](logo.png)", "是的", "Jūnpǔ Cūn", "军埔村 (Jūnpǔ Cūn)",
    ...                           "Junpu village opened 2,000 shops.", "军埔村开网店。"]]
    ['markup', 'markup', 'markup', 'short', 'pinyin', 'pinyin', '', '']
    """
    wordish = sum(1 for _ in islice(_WORDISH_RE.finditer(text), MIN_CHARS))  # only "none" and "< 3" matter
    if wordish == 0 or _MARKUP_RE.match(text):
        return "markup"
    if wordish < MIN_CHARS:
        return "short"
    if not _TONED_RE.search(text):  # no tone mark: not pinyin (skips listing the words of every passage)
        return ""
    words = _LATIN_WORD_RE.findall(text)
    toned = [w for w in words if _TONED_RE.search(w)]
    if len(toned) >= 2 and len(toned) >= 0.6 * len(words) and len(_CJK_RE.findall(text)) <= 2 * len(toned):
        return "pinyin"
    return ""


def junk_reasons(entries: pd.DataFrame, docs: pd.DataFrame, mains: dict[str, str] | None = None) -> list[str]:
    """Per entry (in order): its junk reason, or '' for a real passage. `mains`: doc_id -> the main content
    of an HTML page (entries not inside it are `outside-main`)."""
    reasons = [text_reason(t) for t in iter_texts(entries["text"])]  # mapped texts: a block resident at a time
    folded = {d: fold_whitespace(m) for d, m in (mains or {}).items()}
    if folded:  # HTML pages with a main content: their entries outside it (titles only of those documents)
        titles = {d: fold_whitespace(t) for d, t in zip(docs["doc_id"], docs["title"].fillna("").astype(str),
                                                         strict=True) if d in folded}
        for i, (did, text) in enumerate(zip(entries["doc_id"], iter_texts(entries["text"]), strict=True)):
            if not reasons[i] and did in folded:
                flat = fold_whitespace(text)
                if flat not in folded[did] and flat != titles.get(did):  # the headline is content, not chrome
                    reasons[i] = "outside-main"
    # boilerplate: per (outlet, content hash), the documents whose short passages have it, counted on integer
    # codes (a dictionary of sets, or a MultiIndex of strings, over a million entries took hundreds of MB)
    # each entry's outlet as an integer code through its document's (no string per entry; -1: none)
    d_codes, d_uniques = factorize(entries["doc_id"])  # Arrow codes: no string object per entry
    doc_outlet = dict(zip(docs["doc_id"], docs["outlet"].fillna("").astype(str).str.strip(), strict=True))
    outlet_codes, outlet_names = pd.factorize(pd.Series([doc_outlet.get(d, "") for d in d_uniques], dtype=object))
    blank = np.flatnonzero(np.asarray(outlet_names, dtype=object) == "")
    per_doc = np.where(np.isin(outlet_codes, blank), -1, outlet_codes).astype(np.int64)
    o_codes = per_doc[d_codes] if len(d_codes) else np.zeros(0, dtype=np.int64)
    keyed = o_codes >= 0
    length = (entries["end"] - entries["start"] if {"start", "end"} <= set(entries.columns)  # the text's, unread
              else entries["text"].str.len())
    short = keyed & (length <= BOILERPLATE_MAX_CHARS).to_numpy()
    if short.any():
        h_codes, h_uniques = factorize(entries["text_hash"])
        key = o_codes * (len(h_uniques) + 1) + h_codes
        n_d = len(d_uniques) + 1
        keys_of_pairs = np.unique(key[short] * n_d + d_codes[short]) // n_d  # distinct (key, document) pairs
        uniq, n_docs = np.unique(keys_of_pairs, return_counts=True)
        pos = np.minimum(np.searchsorted(uniq, key), len(uniq) - 1)
        spread = np.where(keyed & (uniq[pos] == key), n_docs[pos], 0)
        for i in np.flatnonzero(spread >= BOILERPLATE_MIN_DOCS).tolist():
            if not reasons[i]:
                reasons[i] = "boilerplate"
    return reasons


def flag_junk(entries: pd.DataFrame, docs: pd.DataFrame, problems: list[Problem],
              mains: dict[str, str] | None = None) -> None:
    """Add the `junk` column (reason or '') to `entries`; one note per document that has junk entries."""
    reasons = junk_reasons(entries, docs, mains) if len(entries) else []
    entries["junk"] = reasons
    flagged = np.flatnonzero(np.asarray(reasons, dtype=object) != "") if reasons else np.zeros(0, dtype=np.int64)
    if not len(flagged):
        return
    # documents in order of their first junk entry; each document's junk entries together, in entry order
    codes, dids = factorize(entries["doc_id"].iloc[flagged])  # Arrow codes: no string per junk entry
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1], True])
    starts = bounds[:-1]
    firsts = [flagged[order[a:min(a + 3, b)]] for a, b in zip(starts.tolist(), bounds[1:].tolist(), strict=True)]
    samples = _read_texts(entries["text"], np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64))
    at = 0
    for g, (a, b) in enumerate(itertools.pairwise(bounds.tolist())):
        rows = order[a:b].tolist()  # one document at a time: no counter per document held for all of them
        counts = Counter(reasons[flagged[r]] for r in rows)
        what = ", ".join(f"{n} {r}" for r, n in counts.most_common())
        shown = ", ".join(repr(t[:30]) for t in samples[at:at + len(firsts[g])])
        at += len(firsts[g])
        problems.append(Problem("note", "junk-entries", "documents.csv", None, dids[g],
                                f"{b - a} junk entries left out of scores and topics ({what}): {shown}"))


def _read_texts(column: pd.Series, rows: np.ndarray) -> list[str]:
    """The texts of some rows, in the order given: from the file of a mapped column (scattered reads through its
    mapping make whole page-cache folios resident), else from the column ("" for a missing one)."""
    read = text_reader(column)
    if read is not None:
        return [read(i) for i in rows.tolist()]
    return ["" if not isinstance(t, str) else t for t in column.iloc[rows].tolist()]


def junk_summary(entries: pd.DataFrame) -> dict[str, int]:
    """Junk entries per reason (for reports and manifests)."""
    if "junk" not in entries.columns:
        return {}
    flagged = entries.loc[entries["junk"] != "", "junk"]
    return {str(k): int(v) for k, v in flagged.value_counts().items()}
