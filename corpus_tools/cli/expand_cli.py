"""CLI: `expand`, candidate new lexicon terms per variable, and accepting chosen ones into the YAML."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import engine_option, lexicon_option, raw_cells_option


@click.command()
@click.argument("variable")
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@lexicon_option("Lexicon name or path (default: corpus.toml's).")
@engine_option("Tokenizer engine.")
@click.option("-n", "--top", "top_n", default=15, show_default=True, help="Candidates per variable.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the word embeddings.")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Also write the candidates table (.csv/.xlsx/...).")
@click.option("--accept", "accept", multiple=True, metavar="TERM",
              help="Add TERM to VARIABLE in its lexicon YAML (repeatable), with a provenance comment.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language list for --accept (default: by script).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (it is drawn only when stderr is a terminal).")
@raw_cells_option()
@handle_errors
def expand(variable: str, corpus: Path | None, lexicons: tuple[str, ...], engine: str, top_n: int, seed: int,
           out: Path | None, accept: tuple[str, ...], lang: str | None, quiet: bool) -> None:
    """Suggest new terms for VARIABLE (an id such as opportunity.feasibility, or `all`) from CORPUS
    (default: the bundled corpus): word2vec neighbours trained on the corpus and co-occurrence (NPMI)
    with the variable's matches, each with its frequency and two contexts. Nothing changes in a
    lexicon unless you pass --accept TERM, which appends TERM to the variable's list in the YAML."""
    from corpus_tools.cli.progress import StepBar
    from corpus_tools.io.tables import write_table
    from corpus_tools.project import Project
    from corpus_tools.scoring.expand import accept_terms, find_variables, writable_lexicon_path
    from corpus_tools.scoring.expand import expand as run
    from corpus_tools.text.tokenize import Tokenizer

    if accept and variable == "all":
        raise click.UsageError("--accept needs one VARIABLE, not `all`")
    bar = StepBar(enabled=False if quiet else None)  # step 1 reads the corpus, then expand's own steps
    try:
        bar("reading corpus", 1, 4)
        project = Project.open(corpus, lexicons)
        corp, lex = project.corpus, project.lexicons
        if accept:
            target_lex, var = find_variables(lex, variable)[0]
            path = writable_lexicon_path(target_lex)  # refuse bundled lexicons before the slow part
        result = run(corp, Tokenizer(engine), lex, variable, seed=seed, top_n=top_n,
                     progress=lambda message, step, total: bar(message, step + 1, total + 1))
    finally:
        bar.close()
    for note in result.notes:
        say(f"note: {note}")
    frame = result.candidates
    for vid, group in frame.groupby("variable", sort=False):
        click.echo(f"\n{vid}")
        for row in group.itertuples(index=False):
            detail = ", ".join(x for x in (
                f"cos {row.similarity:.2f}" if row.similarity == row.similarity else "",
                f"npmi {row.npmi:.2f}" if row.npmi == row.npmi else "") if x)
            click.echo(f"  {row.rank:>2}. {row.term}  [{row.source}; {detail}; freq {row.frequency}, "
                       f"{row.n_with_variable}/{row.n_entries} entries with the variable]")
            for ctx in (row.context_1, row.context_2):
                if ctx:
                    click.echo(f"        {ctx}")
    if out:
        write_table(frame, out)
        say(f"candidates written to {out}")
    if accept:
        cands = frame[frame["variable"] == var.id].set_index("term")
        reasons = {t: (f"candidate rank {cands.loc[t, 'rank']}, {cands.loc[t, 'source']}" if t in cands.index
                       else "not among the candidates shown") for t in accept}
        added = accept_terms(path, var.id, list(accept), lang=lang, source=f"corpus {corp.config.name}, seed {seed}",
                             reasons=reasons)
        skipped = [t for t in accept if t not in added]
        if added:
            say(f"added to {var.id} in {path}: {', '.join(added)}")
        if skipped:
            say(f"already in {var.id}, not added again: {', '.join(skipped)}")
    else:
        say("nothing was added to any lexicon; pass --accept TERM to add a term you have checked")


COMMANDS = [expand]
