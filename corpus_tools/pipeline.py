"""`analyze`: validate, tokenize, score and write every table plus a run manifest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus.loader import Corpus, load_corpus
from .lexicon.lint import term_frequencies
from .lexicon.model import Lexicon, load_lexicon
from .manifest import corpus_inputs, write_manifest
from .resources import default_corpus
from .score import Scorer, aggregate, score_corpus
from .tables import write_table
from .text.tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[str], None]


@dataclass
class AnalyzeResult:
    """Where `analyze` wrote its outputs, and what it found."""

    out: Path
    files: dict[str, Path] = field(default_factory=dict)
    n_documents: int = 0
    n_entries: int = 0
    n_skipped: int = 0
    problems: list[str] = field(default_factory=list)


def lexicons_for(corpus: Corpus, names: Sequence[str] | None) -> list[Lexicon]:
    """The lexicons named on the command line, else those corpus.toml declares."""
    refs = list(names) if names else list(corpus.config.lexicons)
    return [load_lexicon(r, corpus.root) for r in refs]


def analyze(corpus_path: str | Path | None = None, out: str | Path = "analysis",
            lexicons: Sequence[str] | None = None, engine: str = "rjieba", dedupe: bool = False,
            seed: int = 0, progress: Progress | None = None) -> AnalyzeResult:
    """Run the whole analysis of a corpus folder (the bundled Junpu corpus by default) into `out`."""
    say = progress or (lambda _msg: None)
    root = Path(corpus_path) if corpus_path else default_corpus()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    say(f"reading {root}")
    corpus = load_corpus(root)
    result = AnalyzeResult(out_dir, n_documents=len(corpus.docs), n_entries=len(corpus.entries),
                           n_skipped=corpus.n_errors)
    result.problems = [str(p) for p in corpus.problem_list if p.level != "note"]
    lex = lexicons_for(corpus, lexicons)
    tokenizer = Tokenizer(engine)
    scorer = Scorer(lex, tokenizer)
    files = result.files
    files["problems"] = write_table(corpus.problems, out_dir / "problems.csv")
    files["documents"] = write_table(corpus.docs.drop(columns=["text"]), out_dir / "documents.csv")
    files["entries"] = write_table(corpus.entries_with_meta(), out_dir / "entries.csv")
    say("scoring documents and entries")
    doc_scores = score_corpus(corpus, scorer, "document", dedupe)
    entry_scores = score_corpus(corpus, scorer, "entry", dedupe)
    files["scores_documents"] = write_table(doc_scores.scores, out_dir / "scores_documents.csv")
    files["scores_entries"] = write_table(entry_scores.scores, out_dir / "scores_entries.csv")
    files["evidence"] = write_table(entry_scores.evidence, out_dir / "evidence.csv")
    for by in ("source_type", "stage", "year"):
        files[f"by_{by}"] = write_table(aggregate(doc_scores, by, corpus.docs), out_dir / f"by_{by}.csv")
    files["by_stage_source"] = write_table(aggregate(doc_scores, ["stage", "source_type"], corpus.docs),
                                           out_dir / "by_stage_source.csv")
    say("lexicon health")
    files["lexicon_health"] = write_table(lexicon_health(lex, tokenizer, corpus), out_dir / "lexicon_health.csv")
    files["manifest"] = write_manifest(out_dir / "manifest.json", {
        "command": "analyze",
        "corpus": {"name": corpus.config.name, "root": str(root),
                   "inputs": corpus_inputs(root, list(corpus.docs["path"])),
                   "documents": len(corpus.docs), "entries": len(corpus.entries),
                   "skipped_rows": corpus.n_errors},
        "config": {"engine": engine, "dedupe": dedupe, "lexicons": [x.name for x in lex],
                   "stages": [s.__dict__ for s in corpus.config.stages]},
        "seed": seed,
        "scoring": scorer.manifest(),
        "outputs": {k: p.name for k, p in files.items()},
    })
    return result


def lexicon_health(lexicons: Sequence[Lexicon], tokenizer: Tokenizer, corpus: Corpus) -> pd.DataFrame:
    """Per term: variable, language and number of matches in the corpus (0 = never matches)."""
    import pandas as pd

    rows = []
    texts = list(corpus.entries["text"])
    for lex in lexicons:
        freq = term_frequencies(lex, tokenizer, texts)
        for v in lex.variables:
            for lang, term in v.all_terms():
                rows.append({"lexicon": lex.name, "variable": v.id, "lang": lang, "term": term,
                             "matches": freq[(v.id, term)]})
    return pd.DataFrame(rows, columns=["lexicon", "variable", "lang", "term", "matches"])
