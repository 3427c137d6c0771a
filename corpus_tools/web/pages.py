"""Routes: adjudication, dashboard and codebook (view data from the library; templates render it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, flash, g, redirect, render_template, request, url_for

from corpus_tools.errors import CorpusToolsError, StoreError
from corpus_tools.review.adjudication import find_disagreements
from corpus_tools.review.dashboard import (
    AgreementBlock,
    ModelQuality,
    agreement_overview,
    coder_progress,
    human_coded_entries,
    model_quality,
    retrain_commands,
)
from corpus_tools.review.examples import Example, accepted_examples
from corpus_tools.review.session import StaleDecision
from corpus_tools.suggest.persistence import MODEL_JSON
from corpus_tools.web.adjudicate import adjudication_view, record
from corpus_tools.web.charts import line_chart
from corpus_tools.web.views import _login_redirect, form_int, message
from corpus_tools.web.workspace import Workspace, workspace

bp = Blueprint("pages", __name__)


@bp.get("/adjudicate")
def adjudicate() -> Response | str:
    """Disputed entries one at a time: each coder's codes and notes beside the model's scores."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    show_resolved = request.args.get("resolved") == "1"
    try:
        view = ws.call(adjudication_view, ws, request.args.get("entry", ""), show_resolved)
    except StoreError:
        raise
    except CorpusToolsError as exc:
        flash(message(exc), "error")
        return redirect(url_for("pages.adjudicate"), code=303)  # type: ignore[return-value]
    return render_template("adjudicate.html", view=view, show_resolved=show_resolved)


@bp.post("/adjudicate")
def adjudicate_post() -> Response:
    """Record the consensus coding of one disputed entry, then open the next open one."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    entry_id = request.form.get("entry_id", "")
    codes = [] if request.form.get("do") == "none" else request.form.getlist("codes")
    target = {"entry": entry_id}
    try:
        if request.form.get("do") != "none" and not codes:
            flash("tick at least one code, or choose “no code applies” (n)", "error")
        else:
            n, following = ws.write(record, ws, g.coder, entry_id, codes, request.form.get("note", ""),
                                    form_int("version"))
            flash(f"consensus recorded for {entry_id}: {', '.join(codes) or 'no code applies'} ({n} events)", "ok")
            target = {"entry": following} if following else {}
    except StaleDecision as exc:
        flash(message(exc), "warn")
    except StoreError:
        raise  # busy, read-only or damaged: a page of its own (status 503)
    except CorpusToolsError as exc:
        flash(message(exc), "error")
    query = urlencode(target)
    return redirect(url_for("pages.adjudicate") + (f"?{query}" if query else ""), code=303)  # type: ignore[return-value]


@bp.get("/dashboard")
def dashboard() -> Response | str:
    """Progress per coder, agreement per variable, model quality and the commands to retrain."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    project = ws.state()
    progress = ws.cached("progress", lambda: coder_progress(ws.store, ws.corpus, project.state))
    agreement, disputed = dashboard_summaries(ws)
    blocks, notes = agreement if agreement is not None else ([], [])
    quality = _model_quality(ws)
    chart = None
    if quality is not None and quality.curve:
        curve = quality.curve
        chart = line_chart([float(p["n_train"]) for p in curve],
                           {"macro F1": [p.get("macro_f1") for p in curve],
                            "mean kappa": [p.get("mean_kappa") for p in curve]},
                           x_label="coded passages used for training", y_label="score")
    evaluation_dir = ws.evaluation_paths[-1].parent if ws.evaluation_paths else None
    commands = retrain_commands(ws.corpus_path, ws.store_path, ws.model_dir, evaluation_dir)
    return render_template("dashboard.html", progress=progress, blocks=blocks, notes=notes + project.problems[:5],
                           disputed=disputed, agreement_pending=agreement is None, quality=quality, chart=chart,
                           commands=commands,
                           coded_now=human_coded_entries(project.state), sources=project.sources,
                           store_path=str(ws.store_path))


def _model_quality(ws: Workspace) -> ModelQuality | None:
    """The model's quality as the dashboard shows it, read again only when model.json or an evaluation file
    changed (model.json holds the vocabulary and training passages: parsing it on every page is slow)."""
    files = [*([ws.model_dir / MODEL_JSON] if ws.model_dir is not None else []), *ws.evaluation_paths]
    stamp = tuple(p.stat().st_mtime_ns if p.is_file() else 0 for p in files)
    return ws.once(f"quality:{stamp}", lambda: model_quality(ws.model_dir, ws.evaluation_paths))


def dashboard_summaries(ws: Workspace) -> tuple[tuple[list[AgreementBlock], list[str]] | None, int | None]:
    """Agreement per codebook (bootstrap intervals: the slow part) and the number of disputed passages, both
    recomputed off the worker thread when the store changed. In the served app (`background_summaries`) they
    never hold up a page: None while the first computation runs (create_app starts it at once)."""

    def agreement() -> tuple[list[AgreementBlock], list[str]]:
        return agreement_overview(ws.state().state, ws.lexicons)

    def disputed() -> int:
        return len(find_disagreements(ws.state().state, ws.codes))

    if ws.background_summaries:
        return (ws.in_background("agreement", agreement, on_worker=False),
                ws.in_background("disputed", disputed, on_worker=False))
    return (ws.cached("agreement", agreement, on_worker=False, stale_ok=True),
            ws.cached("disputed", disputed, on_worker=False, stale_ok=True))


@dataclass(frozen=True)
class VariableCard:
    """A code of the codebook with its terms, how often it was coded, and example passages."""

    id: str
    label: str
    label_zh: str
    definition: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    exclude: tuple[str, ...]
    count: int
    examples: tuple[Example, ...]
    color: int
    is_code: bool
    scored: bool = False  # the suggestions score it (the queue can order passages by it)


@dataclass(frozen=True)
class ConstructGroup:
    """A construct and its variables."""

    id: str
    label: str
    label_zh: str
    definition: str
    variables: tuple[VariableCard, ...]


def _codebook(ws: Any) -> list[tuple[Any, bool, list[ConstructGroup]]]:
    project = ws.state()
    examples, counts = ws.cached("examples", lambda: accepted_examples(project.state, ws.corpus, per_code=3))
    out = []
    for lex in ws.lexicons:
        groups = []
        for c in lex.constructs:
            cards = []
            for v in c.variables:
                exclude = tuple(t for ts in v.exclude.values() for t in ts)
                cards.append(VariableCard(v.id, v.label.get("en", ""), v.label.get("zh", ""), v.definition,
                                          tuple((lang, terms) for lang, terms in v.terms.items()), exclude,
                                          counts.get(v.id, 0), tuple(examples.get(v.id, [])),
                                          ws.codes.index(v.id) % 9 if v.id in ws.codes else 9, v.id in ws.codes,
                                          v.id in ws.suggested_codes))
            groups.append(ConstructGroup(c.id, c.label.get("en", ""), c.label.get("zh", ""), c.definition,
                                         tuple(cards)))
        out.append((lex, any(v.id in ws.codes for v in lex.variables), groups))
    return out


@bp.get("/codebook")
def codebook() -> Response | str:
    """Definitions, keywords and accepted example passages per code."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    return render_template("codebook.html", lexicons=_codebook(ws))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """No icon (answered here so browsers do not log an error)."""
    abort(404)


def register(app: Flask) -> None:
    """Add these routes to the app."""
    app.register_blueprint(bp)
