"""The `analyze` step for draft codes: cross-validate the suggestion model on the coded passages, train it
on all of them, save it to OUT/model and suggest codes for every entry (lexicon suggestions when nothing is
coded yet). The table of every entry is written to OUT/suggestions.parquet chunk by chunk as the workers return
it, never held whole. The result is cached as plain data: Parquet files, JSON and the model's own files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tools.errors import CorpusToolsError, ModelError, OutputError
from corpus_tools.io.cache import Cache, code_hash, make_key
from corpus_tools.io.manifest import file_sha1
from corpus_tools.io.parquet_parts import parquet_to_table
from corpus_tools.io.tables import part_path, write_table
from corpus_tools.jobs.suggest import fit_and_save, scored_passages, training_data
from corpus_tools.suggest.evaluation import EvaluationResult, cross_validate, write_evaluation
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.model import training_hash
from corpus_tools.suggest.parallel import SuggesterSpec, SuggestionsFile, suggest_to_parquet
from corpus_tools.suggest.persistence import MODEL_JSON, load_quality
from corpus_tools.suggest.result import READ_ROWS, SuggestionsResult
from corpus_tools.suggest.training import require

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.suggest.training import TrainingData

MODEL_DIR = "model"
SUGGESTIONS_FILE = "suggestions.parquet"  # every entry's suggestions; suggestions.csv is its CSV copy

CODE_PARTS = ("corpus_tools.jobs.draft_codes",)  # this job and all it imports: io.cache.source_files


def coder_note(corpus: Corpus) -> str:
    """corpus.toml's `[codings] description`: who coded the sample (people, assistants, how)."""
    section = corpus.config.extra.get("codings")
    return " ".join(str(section.get("description", "")).split()) if isinstance(section, dict) else ""


def run_suggestions(corpus: Corpus, lexicons: Sequence[Lexicon], out_dir: Path, cache: Cache,
                    base: dict[str, Any], *, seed: int = 0, engine: str = "rjieba", folds: int = 5,
                    store_path: Path | None = None, say: Callable[[str], None] | None = None,
                    workers: int = 1, dask: str | None = None) -> SuggestionsResult:
    """Evaluate, train and apply the suggestion model (or the lexicon when there is too little coded data).

    `base` holds the cache-key parts shared by every analyze step (input hashes, lexicons, tokenizer,
    software versions). The trained model is saved to `out_dir/model` (plain JSON + NumPy files). Suggesting
    for every entry runs in `workers` processes or on Dask (`dask`), with the same table as one process.
    """
    tell = say or (lambda _m: None)
    notes: list[str] = []
    problems: list[str] = []
    data: TrainingData | None = None
    try:
        data = training_data(corpus, store_path, lexicons)
        problems.extend(data.problems)
        require(data)
    except ModelError as exc:  # too little coded data: lexicon suggestions (cold start)
        if data is not None and len(data):
            notes.append(f"suggestions: {exc.message}; draft codes come from the lexicon")
        data = None
    except CorpusToolsError as exc:  # an unreadable codings.csv or store: reported, never silently ignored
        problems.append(f"coded data not used: {exc.message}")
        notes.append(f"suggestions: coded data could not be read ({exc.message}); draft codes come from the lexicon")
        data = None
    codings = corpus.root / "codings.csv"
    common = {"codes": list(data.codes) if data is not None else list(lexicons[0].variable_ids), "engine": engine}
    if data is None:
        key = make_key(**base, **common, step="suggestions-lexicon", code=code_hash(*CODE_PARTS))
        res = _lexicon(corpus, lexicons, engine, cache, key, out_dir, tell, workers, dask)
    else:
        inputs = {"codings_sha1": file_sha1(codings) if codings.is_file() else None,
                  "store": str(store_path) if store_path else None,
                  "hash": training_hash(data.ids, data.texts, data.Y, data.mask)}
        key = make_key(**base, **common, step="suggestions-model", seed=seed, folds=folds, training=inputs,
                       root=str(corpus.root), code=code_hash(*CODE_PARTS))  # root and store: recorded in model.json
        res = _model(corpus, lexicons, data, engine, seed, folds, store_path, cache, key, out_dir, tell,
                     workers, dask)
        res.n_coded, res.coded_ids, res.sources, res.coders = len(data), list(data.ids), data.sources, data.coders
        res.training_inputs = inputs
    res.coder_note = coder_note(corpus)
    res.notes = [*notes, *res.notes]
    res.problems = problems
    return res


def _clear_model_dir(model_dir: Path) -> None:
    """Remove the model an earlier run saved in OUT/model; refuse to touch a folder that is not one."""
    if not model_dir.exists():
        return
    if (model_dir / MODEL_JSON).is_file():
        shutil.rmtree(model_dir)
    elif model_dir.is_dir() and not any(model_dir.iterdir()):
        model_dir.rmdir()
    else:
        raise OutputError(f"{model_dir} exists and is not a saved suggestion model",
                               hint="analyze saves its model there: move that folder away, or use --no-suggestions")


def _table_data(table: SuggestionsFile) -> dict[str, int]:
    """What the cache keeps of the table beside the file itself."""
    return {"n_entries": table.n_entries, "n_with_codes": table.n_with_codes}


def _save_table(cache: Cache, key: str, table: SuggestionsFile) -> None:
    cache.store_files("suggestion_files", key, {SUGGESTIONS_FILE: table.path})


def _restore_table(cache: Cache, key: str, out_dir: Path) -> Path | None:
    """OUT/suggestions.parquet copied back from the cache (None on a miss)."""
    path = out_dir / SUGGESTIONS_FILE
    tmp = part_path(path)
    if not cache.restore_files("suggestion_files", key, {SUGGESTIONS_FILE: tmp}):
        return None
    tmp.replace(path)
    return path


def _lexicon(corpus: Corpus, lexicons: Sequence[Lexicon], engine: str, cache: Cache, key: str, out_dir: Path,
             say: Callable[[str], None], workers: int = 1, dask: str | None = None) -> SuggestionsResult:
    """Cold start: the lexicon suggests a variable wherever one of its terms occurs (source "lexicon")."""
    _clear_model_dir(out_dir / MODEL_DIR)  # a model from an earlier run would not match this run's report
    hit = cache.load_frames("suggestions", key)
    path = _restore_table(cache, key, out_dir) if hit is not None else None
    if hit is not None and path is not None:
        data = hit[1]
        return SuggestionsResult(path, list(data["codes"]), "lexicon", str(data["model_version"]),
                                 int(data["n_entries"]), int(data["n_with_codes"]))

    say(f"lexicon suggestions for {len(corpus.entries)} entries (no coded passages)")
    spec = SuggesterSpec(tuple(lexicons), engine)
    sug = spec.build()
    table = suggest_to_parquet(spec, corpus, out_dir / SUGGESTIONS_FILE, workers, dask, suggester=sug)
    _save_table(cache, key, table)
    cache.save_frames("suggestions", key, {},
                      {"codes": sug.codes_, "model_version": sug.version, **_table_data(table)})
    return SuggestionsResult(table.path, list(sug.codes_), "lexicon", sug.version, table.n_entries,
                             table.n_with_codes)


def _model_files(model_dir: Path) -> dict[str, Path]:
    """The saved model's files by flat cache label (`lexicons/x.yaml` -> `lexicons--x.yaml`)."""
    return {str(p.relative_to(model_dir)).replace("/", "--"): p for p in sorted(model_dir.rglob("*")) if p.is_file()}


def _restore(cache: Cache, key: str, out_dir: Path) -> SuggestionsResult | None:
    """The cached result with the model files copied back into OUT/model, or None on a miss."""
    model_dir = out_dir / MODEL_DIR
    hit = cache.load_frames("suggestions", key)
    if hit is None:
        return None
    frames, data = hit
    table = _restore_table(cache, key, out_dir)
    if table is None:
        return None
    targets = {label: model_dir / rel for label, rel in data["model_files"].items()}
    for path in targets.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    if not cache.restore_files("model", key, targets):
        return None
    ev = data["evaluation"]
    evaluation = EvaluationResult(frames["evaluation"], frames["learning_curve"], int(ev["n_entries"]),
                                  int(ev["folds"]), int(ev["seed"]), dict(ev["params"]), frames.get("by_language"),
                                  str(ev.get("grouping", "document")), int(ev.get("n_groups", 0)),
                                  int(ev.get("n_boot", 0)), str(ev.get("scope_note", "")))
    return SuggestionsResult(table, list(data["codes"]), "model", str(data["model_version"]), int(data["n_entries"]),
                             int(data["n_with_codes"]), evaluation, model_dir, fit_metrics=dict(data["fit_metrics"]),
                             quality=load_quality(model_dir))


def _model(corpus: Corpus, lexicons: Sequence[Lexicon], data: TrainingData, engine: str, seed: int, folds: int,
           store_path: Path | None, cache: Cache, key: str, out_dir: Path,
           say: Callable[[str], None], workers: int = 1, dask: str | None = None) -> SuggestionsResult:
    """Cross-validate (the figures of `corpus-tools evaluate`), fit on everything (`corpus-tools train`),
    suggest for every entry (`corpus-tools suggest`); the model is saved to OUT/model."""
    model_dir = out_dir / MODEL_DIR
    _clear_model_dir(model_dir)
    cached = _restore(cache, key, out_dir)
    if cached is not None:
        return cached

    analyzer = TextAnalyzer(lexicons, engine)
    docs = analyzer.analyze_many(data.texts)
    say(f"cross-validating the suggestion model on {len(data)} coded passages")
    scored, note = scored_passages(corpus, data)
    evaluation = cross_validate(data, analyzer, folds, seed, True, params={"engine": engine}, docs=docs,
                                scored=scored, scored_note=note)
    say(f"training on all {len(data)} coded passages")
    model, path = fit_and_save(data, lexicons, model_dir, corpus, store_path, engine, seed,
                               analyzer=analyzer, docs=docs, evaluation=evaluation)
    fit_metrics = dict(json.loads(path.read_text(encoding="utf-8"))["metrics"])
    say(f"suggesting codes for {len(corpus.entries)} entries")
    # every worker loads the saved model, and so does this process: one model, the same table however it runs
    table = suggest_to_parquet(SuggesterSpec.saved(model_dir), corpus, out_dir / SUGGESTIONS_FILE, workers, dask)
    files = _model_files(model_dir)
    cache.store_files("model", key, files)
    _save_table(cache, key, table)
    cache.save_frames("suggestions", key, {"evaluation": evaluation.per_variable,
                                           "learning_curve": evaluation.learning_curve,
                                           "by_language": evaluation.by_language},
                      {"codes": model.codes_, "model_version": model.version, "fit_metrics": fit_metrics,
                       **_table_data(table),
                       "model_files": {label: str(p.relative_to(model_dir)) for label, p in files.items()},
                       "evaluation": {"n_entries": evaluation.n_entries, "folds": evaluation.folds,
                                      "seed": evaluation.seed, "params": evaluation.params,
                                      "grouping": evaluation.grouping, "n_groups": evaluation.n_groups,
                                      "n_boot": evaluation.n_boot, "scope_note": evaluation.scope_note}})
    return SuggestionsResult(table.path, list(model.codes_), "model", model.version, table.n_entries,
                             table.n_with_codes, evaluation, model_dir, fit_metrics=fit_metrics,
                             quality=model.quality_)


def write_suggestion_tables(res: SuggestionsResult, out_dir: Path) -> dict[str, Path]:
    """suggestions.csv (copied from suggestions.parquet batch by batch); with a model also evaluation.csv,
    learning_curve.csv and evaluation.json (a copy of the last goes into the model folder, where `corpus-tools
    serve` looks for it) and model_quality.csv (the model's quality record: applied threshold and
    cross-validated figures per code)."""
    files = {"suggestions": parquet_to_table(res.path, out_dir / "suggestions.csv", batch_rows=READ_ROWS),
             "suggestions_parquet": res.path}
    if res.quality is not None:
        files["model_quality"] = write_table(res.quality.frame().round(4), out_dir / "model_quality.csv")
    if res.evaluation is not None:
        ev = write_evaluation(res.evaluation, out_dir)
        files.update({"evaluation": ev["evaluation"], "learning_curve": ev["learning_curve"],
                      "evaluation_json": ev["json"]})
        if res.model_dir is not None:
            shutil.copyfile(ev["json"], res.model_dir / "evaluation.json")
            files["model"] = res.model_dir / "model.json"
    return files
