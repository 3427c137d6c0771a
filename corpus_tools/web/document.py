"""The full-document view: the whole text with every code in context (lexicon evidence, suggestions, coders'
decisions, span codings), span coding of any selection, and memos on documents and codes.

View data is built on the workspace's worker thread (it reads the store); the library does the work
(`corpus_tools.store.spans`, `corpus_tools.store.memos`). A save refused because the page is stale (someone
decided or coded the same entry, or edited the memo, after it was loaded) answers 409 with the page as it is
now and the coder's selection or text kept in the form; a refused span or memo answers 400 the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, abort, flash, g, redirect, render_template, request, url_for

from corpus_tools.errors import CodingError, ConflictError, CorpusToolsError, StoreError
from corpus_tools.scoring.score import corpus_scorer
from corpus_tools.store.memos import Memo, current_memos, memo_history, write_memo
from corpus_tools.store.spans import SpanCoding, code_span, current_spans, entry_states, remove_span
from corpus_tools.web.pages import _codebook
from corpus_tools.web.present import color_of, lang_attr
from corpus_tools.web.views import _login_redirect, message
from corpus_tools.web.workspace import Workspace, workspace

bp = Blueprint("document", __name__)
MAX_SUGGESTED = 4


@dataclass(frozen=True)
class Piece:
    """A run of entry text with everything that covers it; `start` is its document offset (the page's script
    turns a selection into document offsets from it)."""

    start: int
    text: str
    evidence: tuple[str, ...] = ()  # variable ids whose lexicon terms cover the run
    terms: tuple[str, ...] = ()
    negated: bool = False
    spans: tuple[tuple[str, str], ...] = ()  # (code, coder) of span codings covering the run

    @property
    def title(self) -> str:
        """What covers the run, in words (the mark's tooltip)."""
        parts = [f"{c} ({who})" for c, who in self.spans]
        if self.evidence:
            parts.append(f"lexicon: {', '.join(self.terms)} → {', '.join(self.evidence)}"
                         + (" (negated)" if self.negated else ""))
        return "; ".join(parts)


@dataclass(frozen=True)
class EntryBlock:
    """One entry of the document with its pieces, the coders' decisions, suggestions and span codings."""

    entry_id: str
    seq: int
    start: int
    end: int
    speaker: str
    state: str  # the entry's state when the page was built (saves carry it back)
    pieces: tuple[Piece, ...]
    decisions: tuple[tuple[str, tuple[str, ...]], ...]  # (coder, codes) from the store and codings.csv
    suggested: tuple[tuple[str, float], ...]
    spans: tuple[SpanCoding, ...]


@dataclass(frozen=True)
class CodeOption:
    """A codable code in the span form's picker."""

    code: str
    label: str
    label_zh: str


@dataclass
class DocumentView:
    """Everything the document page shows."""

    doc_id: str
    title: str
    source_type: str
    date: str
    stage: str
    lang: str
    blind: bool
    entries: list[EntryBlock]
    legend: list[tuple[str, str, str, int, tuple[str, ...]]]  # (code, label, label_zh, colour, kinds)
    groups: list[tuple[str, list[tuple[str, list[CodeOption]]]]]  # lexicon -> construct -> codes
    memo: Memo | None
    memo_versions: tuple[Memo, ...]  # every version, newest first
    stale: int  # span codings left out because their text changed
    n_spans: int
    colors: dict[str, int] = field(default_factory=dict)
    prev_doc: str = ""
    next_doc: str = ""


def _cut(start: int, end: int, marks: Sequence[tuple[int, int, str, Any]]) -> list[tuple[int, int, list[Any]]]:
    """Split [start, end) at every mark boundary; each run with the marks (kind, payload) covering it."""
    points = {start, end}
    for s, t, _kind, _p in marks:
        points.update(p for p in (s, t) if start < p < end)
    cuts = sorted(points)
    out = []
    for a, b in itertools.pairwise(cuts):
        out.append((a, b, [(k, p) for s, t, k, p in marks if s < b and t > a]))
    return out


def pieces(text: str, start: int, end: int, evidence: Iterable[tuple[int, int, str, str, bool]],
           spans: Iterable[SpanCoding]) -> list[Piece]:
    """The runs of text[start:end] (document offsets) under evidence (start, end, variable, term, negated) and
    span codings; marks outside the entry are clipped."""
    marks: list[tuple[int, int, str, Any]] = [(max(s, start), min(t, end), "ev", (v, term, neg))
                                              for s, t, v, term, neg in evidence if s < end and t > start]
    marks += [(max(sp.start, start), min(sp.end, end), "sp", (sp.code, sp.coder)) for sp in spans
              if sp.start < end and sp.end > start]
    out = []
    for a, b, cover in _cut(start, end, marks):
        ev = [p for k, p in cover if k == "ev"]
        sp = [p for k, p in cover if k == "sp"]
        out.append(Piece(a, text[a:b], tuple(dict.fromkeys(v for v, _t, _n in ev)),
                         tuple(dict.fromkeys(t for _v, t, _n in ev)), bool(ev) and all(n for _v, _t, n in ev),
                         tuple(dict.fromkeys(sp))))
    return out


def _evidence(ws: Workspace, doc_id: str) -> list[tuple[int, int, str, str, bool]]:
    """Lexicon hits of every project lexicon in the document (document offsets), computed once per document."""

    def compute() -> list[tuple[int, int, str, str, bool]]:
        scorer = ws.once("document-scorer", lambda: corpus_scorer(ws.corpus, ws.lexicons))
        e = ws.corpus.entries
        mine = e[e["doc_id"].astype(str) == doc_id]
        out = []
        for start, text in zip(mine["start"], mine["text"], strict=True):
            scored = scorer.score_text(str(text))
            cues = scored.cues or [""] * len(scored.hits)
            out += [(h.start + int(start), h.end + int(start), h.variable, h.term, bool(c))
                    for h, c in zip(scored.hits, cues, strict=True)]
        return out

    return ws.once(f"evidence:{doc_id}", compute)


def code_groups(ws: Workspace) -> list[tuple[str, list[tuple[str, list[CodeOption]]]]]:
    """Every variable of every project lexicon, grouped by lexicon and construct (all codable on spans)."""
    out = []
    for lex in ws.lexicons:
        constructs = [(f"{c.id} · {c.label.get('en', '')}".rstrip(" ·"),
                       [CodeOption(v.id, v.label.get("en", ""), v.label.get("zh", "")) for v in c.variables])
                      for c in lex.constructs]
        out.append((lex.title or lex.name, constructs))
    return out


def all_codes(ws: Workspace) -> list[str]:
    """The ids span codings and code memos accept: every variable of every project lexicon."""
    return [v.id for lex in ws.lexicons for v in lex.variables]


def code_color(ws: Workspace, code: str) -> int:
    """A code's palette index: its codebook colour, else its place among all lexicon variables."""
    known = color_of(ws, code)
    if known != 9:
        return known
    codes = all_codes(ws)
    return codes.index(code) % 9 if code in codes else 9


def document_view(ws: Workspace, doc_id: str, coder: str, blind: bool) -> DocumentView:
    """The view data of one document (runs on the worker thread). `blind` hides evidence, suggestions and
    every other coder's codes."""
    docs = ws.corpus.docs
    rows = docs[docs["doc_id"].astype(str) == doc_id]
    if not len(rows):
        abort(404, f"document {doc_id} is not in this corpus")
    doc = rows.iloc[0]
    text = str(doc["text"])
    e = ws.corpus.entries
    mine = e[e["doc_id"].astype(str) == doc_id].sort_values("seq")
    ids = [str(i) for i in mine["entry_id"]]
    good, stale = current_spans(ws.store, ws.corpus, doc_id)
    if blind:
        good = [s for s in good if s.coder == coder]
    evidence = [] if blind else _evidence(ws, doc_id)
    state = ws.state().state
    decided: dict[str, dict[str, list[str]]] = {}
    for eid, who, code in zip(state["entry_id"], state["coder"], state["code"], strict=True):
        if str(eid) in ids and (not blind or who == coder):
            decided.setdefault(str(eid), {}).setdefault(str(who), []).append(str(code))
    proba = ws.pool.proba([str(t) for t in mine["text"]]) if not blind and len(mine) else None
    codes, thresholds = list(ws.suggester.codes_), list(ws.suggester.thresholds_)
    states = entry_states(ws.store, ids)
    blocks = []
    for k, (eid, seq, start, end, speaker) in enumerate(zip(ids, mine["seq"], mine["start"], mine["end"],
                                                            mine["speaker"].fillna(""), strict=True)):
        suggested: list[tuple[str, float]] = []
        if proba is not None:
            ranked = sorted(((codes[j], float(p)) for j, p in enumerate(proba[k]) if p >= thresholds[j]),
                            key=lambda x: -x[1])
            suggested = [(c, round(p, 2)) for c, p in ranked[:MAX_SUGGESTED]]
        spans = tuple(s for s in good if s.entry_id == eid)
        blocks.append(EntryBlock(eid, int(seq), int(start), int(end), str(speaker), states[eid],
                                 tuple(pieces(text, int(start), int(end), evidence, spans)),
                                 tuple((who, tuple(cs)) for who, cs in sorted(decided.get(eid, {}).items())),
                                 tuple(suggested), spans))
    kinds: dict[str, set[str]] = {}
    for b in blocks:
        for p in b.pieces:
            for c in p.evidence:
                kinds.setdefault(c, set()).add("lexicon term")
            for c, _who in p.spans:
                kinds.setdefault(c, set()).add("span coding")
        for _who, cs in b.decisions:
            for c in cs:
                kinds.setdefault(c, set()).add("entry decision")
        for c, _p in b.suggested:
            kinds.setdefault(c, set()).add("suggested")
    kinds.pop("none", None)
    colors = {c: code_color(ws, c) for c in kinds}
    legend = [(c, *ws.code_label(c), colors[c], tuple(sorted(kinds[c]))) for c in sorted(kinds)]
    memos = current_memos(ws.store, "document", doc_id)
    order = sorted(ws.docs)
    at = order.index(doc_id)
    before, after = order[at - 1] if at > 0 else "", order[at + 1] if at + 1 < len(order) else ""
    return DocumentView(doc_id, str(doc["title"]), str(doc["source_type"]), str(doc["date"] or ""),
                        str(doc["stage"]), lang_attr(str(doc["lang"])), blind, blocks, legend, code_groups(ws),
                        memos[0] if memos else None, tuple(reversed(memo_history(ws.store, "document", doc_id))),
                        len(stale),
                        len(good), colors, before, after)


@dataclass(frozen=True)
class DocumentRow:
    """A document in the list of documents."""

    doc_id: str
    title: str
    source_type: str
    date: str
    stage: str
    n_entries: int
    n_spans: int
    has_memo: bool


def document_rows(ws: Workspace) -> list[DocumentRow]:
    """Every document with its entry, span coding and memo counts (runs on the worker thread)."""
    counts = ws.corpus.entries["doc_id"].astype(str).value_counts().to_dict()
    good, _stale = current_spans(ws.store, ws.corpus)
    spans: dict[str, int] = {}
    for s in good:
        spans[s.doc_id] = spans.get(s.doc_id, 0) + 1
    memos = {m.target for m in current_memos(ws.store, "document")}
    return [DocumentRow(d, m.title, m.source_type, m.date, m.stage, int(counts.get(d, 0)), spans.get(d, 0),
                        d in memos) for d, m in sorted(ws.docs.items())]


# -- routes ------------------------------------------------------------------------------------------------------
def _blind() -> bool:
    return request.values.get("blind") == "1"


def _page(doc_id: str, status: int = 200, said: tuple[str, str] | None = None,
          draft: dict[str, str] | None = None) -> tuple[str, int]:
    ws = workspace()
    view = ws.call(document_view, ws, doc_id, g.coder, _blind())
    return render_template("document.html", view=view, said=said, draft=draft or {}), status


@bp.get("/documents")
def documents() -> Response | str:
    """Every document, with links to its full view."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    return render_template("documents.html", rows=ws.call(document_rows, ws))


@bp.get("/document/<doc_id>")
def document(doc_id: str) -> Response | tuple[str, int]:
    """The whole document with every code in context, the span coding form and the document memo."""
    if not g.coder:
        return _login_redirect()
    return _page(doc_id)


def _int(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        raise CodingError(f"the span's {name} offset {raw!r} is not a whole number; nothing was stored",
                          hint="select text in the document (or type the offsets) and save again")
    return int(raw)


def _back(doc_id: str, anchor: str = "") -> Response:
    target = (url_for("document.document", doc_id=doc_id, blind="1") if _blind()
              else url_for("document.document", doc_id=doc_id)) + (f"#{anchor}" if anchor else "")
    return redirect(target, code=303)  # type: ignore[return-value]


def _refused(doc_id: str, exc: CorpusToolsError, draft: dict[str, str]) -> tuple[str, int]:
    status = 409 if isinstance(exc, ConflictError) else 400
    return _page(doc_id, status, ("warn" if status == 409 else "error", message(exc)), draft)


@bp.post("/document/<doc_id>/span")
def span_post(doc_id: str) -> Response | tuple[str, int]:
    """Code the selected span; on a bad span or a stale page the page comes back with the selection kept."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    draft = {k: request.form.get(k, "") for k in ("start", "end", "quote", "code", "note", "state")}
    try:
        start, end = _int("start"), _int("end")
        span = ws.write(code_span, ws.store, ws.corpus, doc_id, start, end, draft["code"].strip(), g.coder,
                        codes=all_codes(ws), quote=draft["quote"] or None, note=draft["note"],
                        expect=draft["state"] or None)
    except ConflictError as exc:
        return _refused(doc_id, exc, draft)
    except StoreError:
        raise  # busy, read-only or damaged: a page of its own (503)
    except CorpusToolsError as exc:
        return _refused(doc_id, exc, draft)
    flash(f"coded {span.code} on “{span.quote[:60]}” ({span.start}-{span.end})", "ok")
    return _back(doc_id, f"entry-{span.entry_id}")


@bp.post("/document/<doc_id>/span/remove")
def span_remove(doc_id: str) -> Response | tuple[str, int]:
    """Remove one of the coder's span codings (a new row in the log)."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    raw = request.form.get("span", "").strip()
    if not raw.isdigit():
        abort(400, "form field span must be a whole number")
    try:
        ws.write(remove_span, ws.store, int(raw), g.coder, expect=request.form.get("state") or None)
    except ConflictError as exc:
        return _refused(doc_id, exc, {})
    except StoreError:
        raise
    except CorpusToolsError as exc:
        return _refused(doc_id, exc, {})
    flash("span coding removed (kept in the log as a removal)", "ok")
    return _back(doc_id)


@bp.post("/memo")
def memo_post() -> Response | tuple[str, int]:
    """Save a new version of a document's or a code's memo; an empty or stale memo comes back with the text kept."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    kind, target = request.form.get("kind", ""), request.form.get("target", "")
    text = request.form.get("text", "")
    raw = request.form.get("version", "").strip()
    if kind not in ("document", "code") or not target or (raw and not raw.isdigit()):
        abort(400, "a memo form needs its kind, target and version")
    known = sorted(ws.docs) if kind == "document" else all_codes(ws)
    if target not in known:
        abort(404, f"{kind} {target} is not in this project")
    try:
        memo = ws.write(write_memo, ws.store, kind, target, text, g.coder, expect=int(raw) if raw else None,
                        known=known)
    except ConflictError as exc:
        return _memo_refused(kind, target, exc, text)
    except StoreError:
        raise
    except CorpusToolsError as exc:
        return _memo_refused(kind, target, exc, text)
    flash(f"memo on {target} saved (version {memo.version})", "ok")
    if kind == "document":
        return _back(target, "memo")
    return redirect(url_for("pages.codebook") + f"#{target}", code=303)  # type: ignore[return-value]


def _memo_refused(kind: str, target: str, exc: CorpusToolsError, text: str) -> tuple[str, int]:
    status = 409 if isinstance(exc, ConflictError) else 400
    said = ("warn" if status == 409 else "error", message(exc))
    if kind == "document":
        return _page(target, status, said, {"memo": text})
    ws = workspace()
    return render_template("codebook.html", lexicons=_codebook(ws), memo_said=said,
                           memo_draft={"code": target, "text": text}), status


class CodeMemos:
    """Current code memos for the codebook page, read from the store on first use."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._memos: dict[str, Memo] | None = None

    def get(self, code: str) -> Memo | None:
        """The current memo on a code (None when none was written)."""
        if self._memos is None:
            self._memos = {m.target: m for m in self.ws.call(current_memos, self.ws.store, "code")}
        return self._memos.get(code)


def register(app: Flask) -> None:
    """Add these routes, and the code memos every codebook page can show."""
    app.register_blueprint(bp)

    @app.context_processor
    def memo_globals() -> dict[str, object]:
        if request.endpoint not in ("pages.codebook", "document.memo_post"):
            return {}
        return {"code_memos": CodeMemos(workspace()), "memo_said": None, "memo_draft": {}}
