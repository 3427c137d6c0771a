"""Split documents into entries (paragraphs; long paragraphs into sentences) with stable ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from corpus_tools.text.normalize import text_hash

MAX_PARAGRAPH = 300
_BLANK_RE = re.compile(r"\n[ \t\u3000]*\n\s*")
_LINE_RE = re.compile(r"\n")
_SPEAKER_RE = re.compile(r"([^\s:：，。,.!?！？]{1,16})\s*[：:][ \t\u3000]*")
# a sentence ends at 。！？；!? (plus closing quotes/brackets) or at ". " before an upper-case letter or
# opening quote, but not after common abbreviations ("No. 1", "Mr. Li", "U.S. Senate")
_ABBREV = r"(?<!\bNo)(?<!\bno)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bvs)(?<!\bMrs)(?<!\b[A-Z])"
_SENT_END_RE = re.compile(r"[。！？；!?…]+[”’」』）)\"]*|" + _ABBREV + r"\.[”’\"]?(?=\s+[A-Z“\"])")


@dataclass(frozen=True, slots=True)
class Entry:
    """One coding unit: a paragraph or a sentence, located in its document's original text (slots: a corpus
    holds a million of them while it loads)."""

    entry_id: str
    doc_id: str
    seq: int
    start: int
    end: int
    text: str
    speaker: str
    text_hash: str


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blocks separated by blank lines; a text without any blank line splits per line."""
    splitter = _BLANK_RE if _BLANK_RE.search(text) else _LINE_RE
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in splitter.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        s, e = _strip_span(text, s, e)
        if e > s:
            out.append((s, e))
    return out


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END_RE.finditer(text, start, end):
        s, e = _strip_span(text, pos, m.end())
        if e > s:
            out.append((s, e))
        pos = m.end()
    s, e = _strip_span(text, pos, end)
    if e > s:
        out.append((s, e))
    return out


def _is_transcript(text: str, spans: list[tuple[int, int]]) -> bool:
    labelled = sum(1 for s, e in spans if _SPEAKER_RE.match(text, s, e))
    return labelled >= 2 and labelled >= 0.3 * len(spans)


def split_entries(doc_id: str, text: str, max_len: int = MAX_PARAGRAPH) -> Iterator[Entry]:
    """Entries of one document in reading order.

    In transcripts (at least 30% of paragraphs open with `LABEL：`) the label is stored as the entry's
    speaker and left out of the entry span; unlabelled paragraphs after a turn keep that speaker.
    """
    spans = paragraphs(text)
    transcript = _is_transcript(text, spans)
    speaker = ""
    seen: dict[str, int] = {}
    seq = 0
    for p_start, p_end in spans:
        if transcript:
            m = _SPEAKER_RE.match(text, p_start, p_end)
            if m:
                speaker = m.group(1)
                p_start = m.end()
        units = sentences(text, p_start, p_end) if p_end - p_start > max_len else [(p_start, p_end)]
        for s, e in units:
            passage = text[s:e]
            h = text_hash(passage)
            seen[h] = seen.get(h, 0) + 1
            suffix = f"-{seen[h]}" if seen[h] > 1 else ""
            yield Entry(f"{doc_id}:{h}{suffix}", doc_id, seq, s, e, passage, speaker, h)
            seq += 1
