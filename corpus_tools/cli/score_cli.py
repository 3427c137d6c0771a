"""CLI: score a corpus or a table of texts; print concordance (KWIC) lines."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import engine_option, lexicon_option, negation_options, raw_cells_option

LEXICON_OPT = lexicon_option("Lexicon name or YAML/.dic path (repeatable). Default: the corpus's own, "
                             "or mass_entrepreneurship for tables.")
ENGINE_OPT = engine_option("Chinese segmentation engine (jieba is the slower reference).")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Score table; format from the suffix: .csv, .jsonl, .parquet (.xlsx for corpora).")
@LEXICON_OPT
@click.option("--level", type=click.Choice(["document", "entry"]), default="document", show_default=True,
              help="For corpus folders: one row per document or per entry.")
@click.option("--by", multiple=True, type=click.Choice(["source_type", "stage", "year", "quarter", "month", "lang"]),
              help="For corpus folders: write counts aggregated by these columns instead of one row per unit.")
@click.option("--evidence", type=click.Path(path_type=Path), help="Also write the evidence table (every match).")
@click.option("--text-col", default="text", show_default=True, help="Text column of an input table.")
@click.option("--id-col", default="id", show_default=True, help="Id column of an input table (row-N if absent).")
@click.option("--dedupe", is_flag=True, help="Count each near-duplicate passage once (nothing is deleted).")
@ENGINE_OPT
@raw_cells_option()
@negation_options
@handle_errors
def score(input_path: Path, output: Path, lexicons: tuple[str, ...], level: str, by: tuple[str, ...],
          evidence: Path | None, text_col: str, id_col: str, dedupe: bool, engine: str,
          count_negated: bool | None, negation_rules: str | None) -> None:
    """Count lexicon terms per variable and construct in INPUT (a corpus folder or a CSV/JSONL/XLSX table).

    One count column per variable id, construct totals, token count and rate per 1,000 tokens. Negated
    hits (不赚钱, "no support") and, in corpus folders, interviewer turns are not counted (corpus.toml
    [scoring]); the evidence keeps them with negated / role / counted columns.
    """
    from corpus_tools.corpus.config import lexicon_refs
    from corpus_tools.errors import ConfigError
    from corpus_tools.io.tables import check_output, write_table
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import aggregate, corpus_scorer, score_corpus
    from corpus_tools.scoring.streaming import score_table_file

    check_output(output)
    if input_path.is_dir():
        from corpus_tools.corpus.loader import load_corpus

        corpus = load_corpus(input_path)
        corpus.require_documents()
        if corpus.n_errors:
            say(f"{corpus.n_errors} document row(s) skipped because of errors; run `corpus-tools validate`")
        lexs = [load_lexicon(r, corpus.root) for r in corpus.config.lexicon_refs(lexicons)]
        scorer = corpus_scorer(corpus, lexs, engine=engine, count_negated=count_negated or None,
                               negation=negation_rules)
        result = score_corpus(corpus, scorer, level, dedupe)
        write_table(aggregate(result, list(by), corpus.docs) if by else result.scores, output)
        if evidence:
            write_table(result.evidence, evidence)
        unit = "documents" if level == "document" else "entries"
        sm = result.summary
        say(f"scored {len(result.scores)} {unit}; {len(result.evidence)} matches, {sm['counted']} counted "
            f"({sm['negated']} negated{', counted anyway' if scorer.count_negated else ''}; "
            f"{sm['excluded_hits']} in {sm['excluded_entries']} excluded entries of role "
            f"{', '.join(map(str, sm['excluded_roles'])) or '-'}; {sm['overlap']} claimed by two lexicons)")
        return
    if by or dedupe or level != "document":
        raise ConfigError("--by, --dedupe and --level apply to corpus folders, not to tables of texts")
    n, hits = score_table_file(input_path, output, lexicon_refs(lexicons), engine,
                               text_col, id_col, evidence, count_negated=bool(count_negated),
                               negation=negation_rules if negation_rules else True)
    say(f"scored {n} rows; {hits} matches")


@click.command()
@click.argument("query")
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@LEXICON_OPT
@click.option("-w", "--width", default=20, show_default=True, help="Characters of context on each side.")
@click.option("-n", "--limit", default=50, show_default=True, help="At most this many lines (0 = all).")
@ENGINE_OPT
@handle_errors
def kwic(query: str, corpus: Path | None, lexicons: tuple[str, ...], width: int, limit: int, engine: str) -> None:
    """Concordance lines for QUERY: a variable id (e.g. opportunity.feasibility), a construct id, or a term.

    Each line: doc_id, offsets into the original text, left context, [match], right context.
    """
    from corpus_tools.scoring.kwic import concordance

    lines = concordance(query, corpus, lexicons, width=width, limit=limit, engine=engine)
    for ln in lines:
        click.echo(f"{ln.doc_id}\t{ln.start}-{ln.end}\t{ln.left:>{width}} [{ln.matched}] {ln.right}")
    say(f"{len(lines)} line(s)")


COMMANDS = [score, kwic]
