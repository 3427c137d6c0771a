"""Project-level entry points (the CLI's twins): train, load a suggester, evaluate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.project import open_corpus, project_lexicons
from corpus_tools.store import CodingStore
from corpus_tools.suggest.coldstart import LexiconSuggester
from corpus_tools.suggest.evaluation import cross_validate
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import load_model, save_model
from corpus_tools.suggest.training import TrainingData, collect, require

if TYPE_CHECKING:
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


def training_data(corpus: Corpus | None, store_path: Path | None, lexicons: Sequence[Lexicon]) -> TrainingData:
    """Codings of the corpus's codings.csv plus the store's decisions (the store is only read)."""

    codes = list(lexicons[0].variable_ids)
    if store_path is not None and Path(store_path).is_file():
        with CodingStore(store_path) as store:
            return collect(corpus, store, codes)
    return collect(corpus, None, codes)


def train(corpus_path: str | Path | None = None, store_path: Path | None = None, out: Path = Path("model"),
          lexicons: Sequence[str] | None = None, engine: str = "rjieba", seed: int = 0, C: float = 16.0,
          progress: Progress | None = None) -> TrainResult:
    """Fit the suggestion model on a corpus's coded sample plus the store's decisions; save it to `out`."""
    say = progress or (lambda _m: None)
    corpus = open_corpus(corpus_path)
    lex = project_lexicons(corpus, lexicons or ())
    data = require(training_data(corpus, store_path, lex))
    say(f"training on {len(data)} coded passages ({', '.join(f'{k}: {v}' for k, v in data.sources.items())})")
    model, path = fit_and_save(data, lex, out, corpus, store_path, engine, seed, C)
    return TrainResult(model, path, data, data.problems)


def fit_and_save(data: TrainingData, lexicons: Sequence[Lexicon], out: Path, corpus: Corpus | None = None,
                 store_path: Path | None = None, engine: str = "rjieba", seed: int = 0, C: float = 16.0,
                 analyzer: TextAnalyzer | None = None, docs: Sequence[Analyzed] | None = None
                 ) -> tuple[SuggestionModel, Path]:
    """Fit the model on all of `data` and save it with its fit metrics (shared by `train` and `analyze`)."""

    model = SuggestionModel(lexicons, engine, C=C, random_state=seed).fit(data.texts, data.Y, data.codes, data.ids,
                                                                          analyzer=analyzer, docs=docs)
    f1s = [f.oof["f1"] for f in model.fits_ if f.oof]
    metrics = {"kind": "out-of-fold scores of the calibration folds (thresholds were tuned on them, so slightly "
                       "optimistic; `corpus-tools evaluate` gives the cross-validated figures)",
               "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
               "per_variable": {f.code: {k: round(v, 4) for k, v in f.oof.items()} for f in model.fits_}}
    where = {"name": corpus.config.name, "root": str(corpus.root)} if corpus is not None else {}
    path = save_model(model, out, metrics=metrics,
                      extra={"corpus": where, "store": str(store_path) if store_path else "", "sources": data.sources})
    return model, path


def load_suggester(model_dir: Path | None, corpus: Corpus | None = None, lexicons: Sequence[str] | None = None,
                   engine: str = "rjieba") -> Suggester:
    """The saved model in `model_dir`, or (cold start, no model) lexicon suggestions."""
    if model_dir is not None:
        return load_model(model_dir)
    lex = project_lexicons(corpus, lexicons or ())
    return LexiconSuggester(lex, engine).fit(TextAnalyzer(lex, engine))


def evaluate(corpus_path: str | Path | None = None, store_path: Path | None = None, folds: int = 5, seed: int = 0,
             learning_curve: bool = True, lexicons: Sequence[str] | None = None, engine: str = "rjieba",
             progress: Progress | None = None) -> EvaluationResult:
    """Cross-validated quality of the model on the project's codings (the HTML report calls this)."""

    say = progress or (lambda _m: None)
    corpus = open_corpus(corpus_path)
    lex = project_lexicons(corpus, lexicons or ())
    data = require(training_data(corpus, store_path, lex))
    say(f"cross-validating on {len(data)} coded passages")
    return cross_validate(data, TextAnalyzer(lex, engine), folds, seed, learning_curve, params={"engine": engine})
