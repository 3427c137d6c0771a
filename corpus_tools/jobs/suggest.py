"""Project-level entry points (the CLI's twins): train, load a suggester, evaluate."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.agreement.lexicon_validation import SPLIT_FILE, read_split
from corpus_tools.corpus.loader import Corpus
from corpus_tools.io.tables import write_table
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.project import open_corpus, project_lexicons
from corpus_tools.store import CodingStore
from corpus_tools.suggest.active import simulate
from corpus_tools.suggest.coldstart import LexiconSuggester
from corpus_tools.suggest.evaluation import cross_validate
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import load_model, save_model
from corpus_tools.suggest.training import TrainingData, collect, require

if TYPE_CHECKING:
    from corpus_tools.suggest.active import ActiveLearningResult
    from corpus_tools.suggest.evaluation import EvaluationResult
    from corpus_tools.suggest.explain import Suggester

Progress = Callable[[str], None]


@dataclass
class TrainResult:
    """A trained and saved model, with what it learned from."""

    model: SuggestionModel
    path: Path
    data: TrainingData
    problems: list[str] = field(default_factory=list)
    evaluation: EvaluationResult | None = None


def training_data(corpus: Corpus | None, store_path: Path | None, lexicons: Sequence[Lexicon]) -> TrainingData:
    """Codings of the corpus's codings.csv plus the store's decisions (the store is only read), for the
    variables of every lexicon that has coded data (the first lexicon when none has any)."""
    book = {v: lex.name for lex in lexicons for v in lex.variable_ids}
    codes = list(book)
    if store_path is not None and Path(store_path).is_file():
        with CodingStore(store_path) as store:
            data = collect(corpus, store, codes, code_book=book)
    else:
        data = collect(corpus, None, codes, code_book=book)
    return data.subset(coded_codes(data, lexicons))


def scored_passages(corpus: Corpus | None, data: TrainingData) -> tuple[list[bool] | None, str]:
    """Which passages the quality figures are scored on: with a development/test split of the documents
    (`validation_split.csv`: the lexicons, whose hits are model features, were revised on the development
    half), the test half only; else all (None)."""
    if corpus is None or not (corpus.root / SPLIT_FILE).is_file():
        return None, ""
    split = read_split(corpus)
    doc_of = dict(zip(corpus.entries["entry_id"].astype(str), corpus.entries["doc_id"].astype(str), strict=True))
    flags = [split.get(doc_of.get(str(i), ""), "") == "test" for i in data.ids]
    if not any(flags) or all(flags):
        return None, ""
    return flags, (f"figures on the {sum(flags)} coded passages of the test half of {SPLIT_FILE} (the lexicons "
                   "were revised on the development half; every passage is still trained on)")


def coded_codes(data: TrainingData, lexicons: Sequence[Lexicon]) -> list[str]:
    """Variables of every lexicon with at least one coded positive, in lexicon order (else the first
    lexicon's variables: lexicon suggestions and the error message stay about the main codebook)."""
    pos = data.positives()
    used = [lex for lex in lexicons if any(pos.get(v, 0) for v in lex.variable_ids)]
    return [v for lex in (used or list(lexicons)[:1]) for v in lex.variable_ids]


def train(corpus_path: str | Path | None = None, store_path: Path | None = None, out: Path = Path("model"),
          lexicons: Sequence[str] | None = None, engine: str = "rjieba", seed: int = 0, C: float = 16.0,
          progress: Progress | None = None, evaluate: bool = True, folds: int = 5) -> TrainResult:
    """Fit the suggestion model on a corpus's coded sample plus the store's decisions; save it to `out`.

    With `evaluate` (default) the grouped cross-validation runs first and its summary is saved with the
    model, so every suggestion can say which held-out quality it rests on."""
    say = progress or (lambda _m: None)
    corpus = open_corpus(corpus_path)
    lex = project_lexicons(corpus, lexicons or ())
    data = require(training_data(corpus, store_path, lex))
    analyzer = TextAnalyzer(lex, engine)
    docs = analyzer.analyze_many(data.texts)
    evaluation = None
    if evaluate:
        say(f"grouped cross-validation on {len(data)} coded passages")
        scored, note = scored_passages(corpus, data)
        evaluation = cross_validate(data, analyzer, folds, seed, False, params={"engine": engine, "C": C},
                                    docs=docs, scored=scored, scored_note=note)
    say(f"training on {len(data)} coded passages ({', '.join(f'{k}: {v}' for k, v in data.sources.items())})")
    model, path = fit_and_save(data, lex, out, corpus, store_path, engine, seed, C, analyzer=analyzer, docs=docs,
                               evaluation=evaluation)
    return TrainResult(model, path, data, data.problems, evaluation)


def fit_and_save(data: TrainingData, lexicons: Sequence[Lexicon], out: Path, corpus: Corpus | None = None,
                 store_path: Path | None = None, engine: str = "rjieba", seed: int = 0, C: float = 16.0,
                 analyzer: TextAnalyzer | None = None, docs: Sequence[Analyzed] | None = None,
                 evaluation: EvaluationResult | None = None) -> tuple[SuggestionModel, Path]:
    """Fit the model on all of `data` and save it with its fit metrics and the summary of the grouped
    cross-validation it rests on (shared by `train` and `analyze`)."""
    model = SuggestionModel(lexicons, engine, C=C, random_state=seed).fit(
        data.texts, data.Y, data.codes, data.ids, analyzer=analyzer, docs=docs, mask=data.mask,
        groups=data.groups or None, origins=data.origins or None)
    f1s = [f.oof["f1"] for f in model.fits_ if f.oof]
    metrics = {"kind": "fit diagnostics only: out-of-fold scores of the calibration folds (thresholds were tuned "
                       "on them, so optimistic); the quality figures are the grouped cross-validation of "
                       "`corpus-tools evaluate` (evaluation.json)",
               "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
               "per_variable": {f.code: {k: round(v, 4) for k, v in f.oof.items()} for f in model.fits_}}
    where = {"name": corpus.config.name, "root": str(corpus.root)} if corpus is not None else {}
    summary = evaluation_summary(evaluation) if evaluation is not None else {}
    path = save_model(model, out, metrics=metrics,
                      extra={"corpus": where, "store": str(store_path) if store_path else "", "sources": data.sources,
                             "evaluation": summary}, evaluation=evaluation)
    model.evaluation_ = summary
    return model, path


def evaluation_summary(ev: EvaluationResult) -> dict[str, object]:
    """What a saved model records about the evaluation it rests on (macro and per-language figures)."""
    full = ev.to_dict()
    return {k: full[k] for k in ("kind", "grouping", "n_groups", "n_entries", "folds", "seed", "macro",
                                 "by_language", "scope_note")}


def load_suggester(model_dir: Path | None, corpus: Corpus | None = None, lexicons: Sequence[str] | None = None,
                   engine: str = "rjieba") -> Suggester:
    """The saved model in `model_dir`, or (cold start, no model) lexicon suggestions."""
    if model_dir is not None:
        return load_model(model_dir)
    lex = project_lexicons(corpus, lexicons or ())
    return LexiconSuggester(lex, engine).fit(TextAnalyzer(lex, engine))


def evaluate(corpus_path: str | Path | None = None, store_path: Path | None = None, folds: int = 5, seed: int = 0,
             learning_curve: bool = True, lexicons: Sequence[str] | None = None, engine: str = "rjieba",
             progress: Progress | None = None, grouping: str = "document") -> EvaluationResult:
    """Grouped cross-validated quality of the model on the project's codings (the figures every report,
    dashboard and manifest shows)."""
    say = progress or (lambda _m: None)
    corpus = open_corpus(corpus_path)
    lex = project_lexicons(corpus, lexicons or ())
    data = require(training_data(corpus, store_path, lex))
    say(f"cross-validating on {len(data)} coded passages")
    scored, note = scored_passages(corpus, data)
    return cross_validate(data, TextAnalyzer(lex, engine), folds, seed, learning_curve, params={"engine": engine},
                          grouping=grouping, scored=scored, scored_note=note)


def active_learning(corpus_path: str | Path | None = None, store_path: Path | None = None, seed: int = 0,
                    lexicons: Sequence[str] | None = None, engine: str = "rjieba", batch: int = 40,
                    seed_size: int = 30, max_coded: int | None = None, folds_run: int = 1,
                    progress: Progress | None = None) -> ActiveLearningResult:
    """Simulate coding the project's coded sample in the review queue's order vs at random (see
    corpus_tools.suggest.active): held-out macro F1 against the number of passages coded."""
    say = progress or (lambda _m: None)
    corpus = open_corpus(corpus_path)
    lex = project_lexicons(corpus, lexicons or ())
    data = require(training_data(corpus, store_path, lex))
    say(f"simulating active learning on {len(data)} coded passages")
    return simulate(data, TextAnalyzer(lex, engine), seed_size=seed_size, batch=batch, max_coded=max_coded,
                    n_folds_run=folds_run, random_state=seed, params={"engine": engine})


def write_active_learning(result: ActiveLearningResult, out: Path) -> dict[str, Path]:
    """active_learning.json (read by the dashboard) and active_learning.csv in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "active_learning.json"
    path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=float), encoding="utf-8")
    return {"active_learning_json": path,
            "active_learning": write_table(result.curves.round(4), out / "active_learning.csv")}
