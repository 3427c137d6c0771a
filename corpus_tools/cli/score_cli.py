"""CLI: score a corpus or a table of texts; print concordance (KWIC) lines."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import (
    corpus_or_table,
    engine_option,
    hidden_alias,
    lexicon_option,
    negation_options,
    pop_columns,
    raw_cells_option,
    table_as_corpus,
    table_column_options,
)

LEXICON_OPT = lexicon_option("Lexicon name or YAML/.dic path (repeatable). Default: the corpus's own, "
                             "or mass_entrepreneurship for tables.")
ENGINE_OPT = engine_option("Chinese segmentation engine (jieba is the slower reference).")


OUTPUT_FORMATS = ("csv", "jsonl", "parquet", "xlsx")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None,
              help="Score table; format from the suffix (.csv, .jsonl, .parquet, .xlsx) or --format; "
                   "`-` writes CSV (or --format jsonl) to standard output. Required.")
@hidden_alias("--output", "output", "--out", required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="Output format (default: from the suffix; csv for `-o -`).")
@LEXICON_OPT
@click.option("--level", type=click.Choice(["document", "entry"]), default="document", show_default=True,
              help="One row per document or per entry (a table is then read as a corpus).")
@click.option("--by", multiple=True, metavar="COLUMN",
              help="Write counts aggregated by these columns instead of one row per unit: source_type, stage, "
                   "year, quarter, month, lang, outlet or any metadata column (e.g. a table's extra columns).")
@click.option("--evidence", type=click.Path(path_type=Path), help="Also write the evidence table (every match).")
@table_column_options
@click.option("--dedupe", is_flag=True, help="Count each near-duplicate passage once (nothing is deleted).")
@ENGINE_OPT
@raw_cells_option()
@negation_options
@handle_errors
def score(input_path: Path, output: Path, fmt: str | None, lexicons: tuple[str, ...], level: str, by: tuple[str, ...],
          evidence: Path | None, dedupe: bool, engine: str, count_negated: bool | None, negation_rules: str | None,
          **columns: str | None) -> None:
    """Count lexicon terms per variable and construct in INPUT: a corpus folder or a table of texts
    (CSV in UTF-8/GBK/UTF-16 with , ; or tab, TSV, JSONL, XLSX, Parquet).

    One count column per variable id, construct totals, token count and rate per 1,000 tokens (missing
    for an empty text), beside the document metadata (a table's other columns are kept). A table is
    streamed in constant memory; with --by, --level entry or --dedupe it is read as a corpus instead.
    Negated hits (不赚钱, "no support") and, in corpus folders, interviewer turns are not counted (corpus.toml
    [scoring]); the evidence keeps them with negated / role / counted columns.
    """
    from corpus_tools.corpus.config import lexicon_refs
    from corpus_tools.io.tables import check_output, write_table
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import aggregate, corpus_scorer, score_corpus
    from corpus_tools.scoring.streaming import score_table_file

    check_output(output, fmt)
    cols = pop_columns(columns)
    if not input_path.is_dir() and (by or dedupe or level != "document"):
        input_path = table_as_corpus(input_path, cols)
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
        write_table(aggregate(result, list(by), corpus.docs) if by else result.scores, output, fmt=fmt)
        if evidence:
            write_table(result.evidence, evidence)
        unit = "documents" if level == "document" else "entries"
        sm = result.summary
        say(f"scored {len(result.scores)} {unit}; {len(result.evidence)} matches, {sm['counted']} counted "
            f"({sm['negated']} negated{', counted anyway' if scorer.count_negated else ''}; "
            f"{sm['excluded_hits']} in {sm['excluded_entries']} excluded entries of role "
            f"{', '.join(map(str, sm['excluded_roles'])) or '-'}; {sm['overlap']} claimed by two lexicons)")
        return
    run = score_table_file(input_path, output, lexicon_refs(lexicons), engine, cols["text"], cols["id"], evidence,
                           fmt=fmt, count_negated=bool(count_negated),
                           negation=negation_rules if negation_rules else True)
    if run.empty:
        shown = ", ".join(run.empty[:5]) + (", ..." if len(run.empty) > 5 else "")
        say(f"warning: {len(run.empty)} row(s) with an empty text ({shown}): their rates are missing (NaN)")
    say(f"scored {run.rows} rows; {run.hits} matches")


@click.command()
@click.argument("query")
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@LEXICON_OPT
@click.option("-w", "--width", default=20, show_default=True, help="Characters of context on each side.")
@click.option("-n", "--limit", default=50, show_default=True, help="At most this many lines (0 = all).")
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None,
              help="Write the lines as a table instead (.csv, .jsonl, .parquet, .xlsx, or --format; `-`: CSV or "
                   "JSONL on standard output): doc_id, entry_id, variable, term, start, end, left, matched, right.")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="Table format for -o (default: from the suffix; csv for `-o -`).")
@ENGINE_OPT
@raw_cells_option()
@corpus_or_table()
def kwic(query: str, corpus: Path | None, lexicons: tuple[str, ...], width: int, limit: int, output: Path | None,
         fmt: str | None, engine: str) -> None:
    """Concordance lines for QUERY: a variable id (e.g. opportunity.feasibility), a construct id, or a term;
    several joined by OR (any of them) or AND (entries holding all of them), e.g. "网店 OR 淘宝".

    Each line: doc_id, offsets into the original text, left context, [match], right context. CORPUS is a
    corpus folder or a table of texts (default: the bundled corpus). A misspelt id exits 1 with a suggestion.
    """
    from corpus_tools.corpus.loader import open_corpus
    from corpus_tools.errors import ConfigError, did_you_mean
    from corpus_tools.io.tables import check_output, write_table
    from corpus_tools.lexicon.formats import load_lexicons
    from corpus_tools.scoring.kwic import concordance, kwic_frame, lexicon_ids, parse_query

    if output is not None:
        check_output(output, fmt)
    elif fmt is not None:
        raise click.UsageError("--format needs -o/--out")
    c = open_corpus(corpus)
    lines = concordance(query, c, lexicons, width=width, limit=limit, engine=engine)
    if not lines:
        ids = lexicon_ids(load_lexicons(c.config.lexicon_refs(lexicons), c.root))
        hints = [h for q in parse_query(query)[1] if (h := did_you_mean(q, ids))]
        if hints:  # a term that matches nothing and looks like a misspelt id
            raise ConfigError(f"no lines for {query!r}, searched as a term{hints[0]}")
    if output is not None:
        write_table(kwic_frame(lines), output, fmt=fmt)
        say(f"{len(lines)} line(s) -> {output}")
        return
    for ln in lines:
        click.echo(f"{ln.doc_id}\t{ln.start}-{ln.end}\t{ln.left:>{width}} [{ln.matched}] {ln.right}")
    say(f"{len(lines)} line(s)")


COMMANDS = [score, kwic]
