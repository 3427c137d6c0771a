"""CLI: review suggested codes in the terminal, and manage the coding store (import, stale, log)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import (
    corpus_option_path,
    corpus_or_table,
    engine_option,
    hidden_alias,
    raw_cells_option,
)

if TYPE_CHECKING:
    from corpus_tools.review.session import ReviewItem, ReviewSession

KEYS = "[a]ccept  [r]eject  [+] add code  [n]one applies  [s]kip  [u]ndo  [Enter] next  [q]uit  [?] help"
HELP = """a      accept the highlighted (first pending) suggestion
r      reject it (rejecting every suggestion records "no code applies")
+      add another code: then its number (up to 9 codes: one key; more: digits then Enter; Esc cancels)
n      no code applies to this passage
s      skip: the passage comes back at the end of the queue
u      undo your last decision (recorded as a new event; history is kept)
Enter  go on to the next passage (after adding codes)
q      quit (every decision is already saved)"""

STORE_OPT = click.option("--store", "store", type=click.Path(path_type=Path),
                         help="Coding store (SQLite). Default: analysis/coding.sqlite under the current working "
                              "directory.")


def _store_path(store: Path | None) -> Path:
    from corpus_tools.store.store import default_store_path

    return store if store is not None else default_store_path()


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """Text with [bracketed], coloured evidence spans (overlaps merged)."""
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        out.append(text[pos:s])
        out.append(click.style(f"[{text[s:e]}]", fg="yellow", bold=True))
        pos = e
    out.append(text[pos:])
    return "".join(out)


def render(session: ReviewSession, item: ReviewItem) -> str:
    """The screen for one passage: header, context, highlighted passage, suggestions, why, coding."""
    p = session.progress()
    lines = [click.style(f"[{p.done}/{p.total} done · {p.decisions} decision(s) this session]  {item.doc_id} · "
                         f"{item.title}", bold=True)
             + f"   coder {session.coder} ({session.mode})"]
    if item.before:
        lines.append(click.style(f"  … {item.before}", dim=True))
    spans = [(e.start, e.end) for e in item.explanation.evidence] if item.explanation else []
    who = f"{item.speaker}: " if item.speaker else ""
    lines.append(f"» {who}{highlight(item.text, spans)}")
    if item.after:
        lines.append(click.style(f"  {item.after} …", dim=True))
    lines.append("")
    if session.blind:
        lines.append("Suggestions hidden (blind coding).")
    else:
        lines.extend(_suggestion_lines(item))
    applied = ", ".join(item.coding.applied) or "-"
    lines.append(f"Applied: {applied}")
    lines.append(click.style(KEYS, dim=True))
    return "\n".join(lines)


def _suggestion_lines(item: ReviewItem) -> list[str]:
    """Suggested codes with score, verdict and why; near misses; the most similar coded passage."""
    lines = ["Suggested:" if item.suggestions else "No code suggested."]
    pending, exp = item.pending, item.explanation
    for s in item.suggestions:
        verdict = item.coding.verdicts.get(s.code, "")
        mark = "→" if pending and s.code == pending[0] else " "
        why = "; ".join(exp.reasons(s.code)) if exp else ""
        lines.append(f" {mark} {s.code:32} {s.score:5.2f}  {verdict:8} {why}")
    suggested = {s.code for s in item.suggestions}
    near = [c for c in sorted(item.scores, key=lambda c: -item.scores[c]) if c not in suggested][:3]
    near = [c for c in near if item.scores[c] >= 0.1]
    if near:
        lines.append(click.style("  also considered: " + ", ".join(f"{c} {item.scores[c]:.2f}" for c in near),
                                 dim=True))
    if exp is not None and exp.similar_id:
        sim = exp.similar_text if len(exp.similar_text) <= 90 else exp.similar_text[:90] + "…"
        lines.append(click.style(f"  {exp.similar_reason()}: {sim}", dim=True))
    if item.unsure:
        lines.append(click.style("  not sure (left to you, not suggested): " + ", ".join(item.unsure), dim=True))
    return lines


ENTER, BACKSPACE, ESCAPE = ("\r", "\n"), ("\x7f", "\x08"), ("\x1b", "\x03", "\x04")


def choose_code(session: ReviewSession, getchar: Callable[[], str], echo: Callable[[str], None]) -> str | None:
    """Ask for a code by number; None when cancelled.

    Up to 9 codes: one key picks it. More codes: type the number and press Enter (Backspace corrects;
    Esc, 0 or an empty Enter cancels), so a codebook of any size can be reached.
    """
    codes = session.codes
    single = len(codes) <= 9
    how = "press its number" if single else "type its number, then Enter"
    echo(f"Add which code? ({how}; 0 or Esc cancels)\n  "
         + "  ".join(f"{i}:{c}" for i, c in enumerate(codes, 1)))
    typed = ""
    while True:
        key = getchar()
        if single:
            typed = key
            break
        if key in ENTER:
            break
        if key in ESCAPE:
            return None
        if key in BACKSPACE:
            typed = typed[:-1]
        elif key.isdigit() and len(typed) < len(str(len(codes))):
            typed += key
        else:
            echo(f"  numbers only (1-{len(codes)}), then Enter")
            continue
        echo(f"  code number: {typed}")
    if typed.isdigit() and 1 <= int(typed) <= len(codes):
        return codes[int(typed) - 1]
    if typed not in ("", "0") and not (single and not typed.isdigit()):
        echo(f"  no code {typed}: choose 1-{len(codes)}")
    return None


def run_review(session: ReviewSession, getchar: Callable[[], str], echo: Callable[[str], None],
               clear: Callable[[], None] = lambda: None) -> int:
    """The key loop: returns the number of decisions recorded this session."""
    from corpus_tools.errors import ReviewError

    item = session.current or session.next_item()
    while item is not None:
        clear()
        echo(render(session, item))
        key = getchar()
        try:
            if key in ("q", "Q", "\x03", "\x04"):
                break
            if key == "?":
                echo(HELP)
                continue
            if key == "a":
                session.accept()
            elif key == "r":
                session.reject()
            elif key == "n":
                session.none_applies()
            elif key == "+":
                code = choose_code(session, getchar, echo)
                if code:
                    session.add(code)
                continue
            elif key == "s":
                session.skip()
            elif key == "u":
                item = session.undo()
                echo("undone.")
                continue
            elif key in ("\r", "\n", " "):
                if item.pending:
                    echo("decide the pending suggestion first (a/r), or skip with s")
                    continue
                if not item.coding.coded:
                    echo("nothing applies yet: add a code (+), say none applies (n), or skip (s)")
                    continue
            else:
                echo(f"unknown key {key!r}; press ? for help")
                continue
        except ReviewError as exc:
            echo(f"! {exc}")
            continue
        if session.current is not None and not session.current.complete:
            item = session.current
            continue
        item = session.next_item()
    p = session.progress()
    echo(f"{p.decisions} decision(s) this session; {p.done}/{p.total} passages coded; everything is saved.")
    return p.decisions


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path, exists=True), required=False)
@STORE_OPT
@click.option("--model", "model_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Model folder from `corpus-tools train`. Without it: lexicon suggestions.")
@click.option("--coder", required=True, help="Your coder id (decisions are recorded under it).")
@click.option("--order", type=click.Choice(["uncertain", "document", "variable"]), default="uncertain",
              show_default=True, help="Most uncertain first (active learning), document order, or by variable.")
@click.option("--variable", default="", help="With --order variable: sort by this variable's score.")
@click.option("--blind", is_flag=True, help="Hide suggestions (blind coding; recorded with mode 'blind').")
@click.option("--doc", "doc_ids", multiple=True, help="Only these documents (repeatable).")
@click.option("--source-type", "source_types", multiple=True, help="Only these source types (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Only these stages (repeatable).")
@click.option("--include-coded", is_flag=True, help="Also show passages you have already coded.")
@click.option("--limit", default=0, show_default=True, help="At most this many passages (0 = all).")
@engine_option()
@corpus_or_table()
def review(corpus: Path | None, store: Path | None, model_dir: Path | None, coder: str, order: str, variable: str,
           blind: bool, doc_ids: tuple[str, ...], source_types: tuple[str, ...], stages: tuple[str, ...],
           include_coded: bool, limit: int, engine: str) -> None:
    """Review suggested codes one passage at a time, with single keys (a/r/+/n/s/u/q).

    CORPUS defaults to the bundled Junpu corpus. Every decision is saved at once in the coding store;
    `corpus-tools train` afterwards learns from them.
    """
    import sys

    from corpus_tools.jobs.suggest import load_suggester
    from corpus_tools.project import codable_codes, open_corpus, project_lexicons
    from corpus_tools.review.session import ReviewFilters, ReviewSession
    from corpus_tools.store import CodingStore

    corp = open_corpus(corpus)
    suggester = load_suggester(model_dir, corp, None, engine)
    filters = ReviewFilters(doc_ids, source_types, stages, variable, include_coded, False, limit)
    path = _store_path(store)
    codes = codable_codes(project_lexicons(corp), suggester.codes_)  # every codebook's codes can be added
    with CodingStore(path) as st:
        session = ReviewSession(st, corp, suggester, coder, order, filters, blind, codes=codes)
        say(f"{session.progress().total} passages to review; store {path}; suggestions: "
            f"{'hidden' if blind else suggester.source + ' ' + suggester.version}")
        clear = click.clear if sys.stdout.isatty() else (lambda: None)
        run_review(session, click.getchar, click.echo, clear)


@click.group()
def store() -> None:
    """Manage the coding store: import existing codings, check it, list stale decisions, show the log."""


@store.command("import")
@click.argument("source", type=click.Path(path_type=Path, exists=True))
@click.option("--corpus", "corpus", type=click.Path(path_type=Path, exists=True),
              help="Corpus the codings refer to: a folder, or a table of texts with recognised column names "
                   "(text, id, date, ...; `init --from` maps other names). Default: the bundled corpus.")
@STORE_OPT
@click.option("--coder", default="", help="Coder id for tables without a coder column.")
@click.option("--id-col", default="id", show_default=True, help="Id column of a table.")
@click.option("--text-col", default="text", show_default=True, help="Text column of a table.")
@click.option("--codes-col", default="codes", show_default=True, help="Codes column (`;`-separated, or none).")
@click.option("--force", is_flag=True, help="Import again even if these exact bytes were imported before.")
@handle_errors
def store_import(source: Path, corpus: Path | None, store: Path | None, coder: str, id_col: str, text_col: str,
                 codes_col: str, force: bool) -> None:
    """Import codings into the store: a corpus folder (its codings.csv) or a CSV/XLSX table of
    id/text/codes; recorded as decisions with mode 'imported'."""
    from corpus_tools.project import open_corpus, project_lexicons
    from corpus_tools.store import CodingStore
    from corpus_tools.store.importing import import_corpus_codings, import_table
    from corpus_tools.store.integrity import require_sound

    corp = open_corpus(source if source.is_dir() else corpus_option_path(corpus))
    codes = [v for lex in project_lexicons(corp) for v in lex.variable_ids]
    path = _store_path(store)
    require_sound(path)  # never write into a damaged store (a sound one gets a fresh copy first)
    with CodingStore(path) as st:
        if source.is_dir():
            res = import_corpus_codings(st, corp, codes, force=force)
        else:
            res = import_table(st, source, coder=coder, known_codes=codes, corpus=corp, id_col=id_col,
                               text_col=text_col, codes_col=codes_col, force=force)
    for p in res.problems:
        say(f"  {p}")
    if res.skipped_file:
        say(f"{res.source} was imported before (same bytes); nothing recorded (use --force to import again)")
    else:
        click.echo(f"{res.events} decisions on {res.entries} passages by {', '.join(res.coders) or '-'} imported; "
                   f"{len(res.problems)} row(s) not imported")


@store.command("check")
@STORE_OPT
@click.option("--no-save", is_flag=True, help="Do not refresh the checkpoint and the .last-good.bak copy.")
@handle_errors
def store_check(store: Path | None, no_save: bool) -> None:
    """Check the store: SQLite integrity, schema version, append-only guards, the decision log's hash
    chain and the checkpoint of the last check (exit 1 with the copy to restore when anything is wrong).
    `serve` and `store import` run it first."""
    from corpus_tools.errors import StoreDamagedError
    from corpus_tools.store.integrity import check_store

    path = _store_path(store)
    report = check_store(path, save=not no_save)
    for p in report.problems:
        click.echo(f"problem: {p}")
    for n in report.notes:
        say(f"note: {n}")
    if not report.ok:
        raise StoreDamagedError(f"coding store {path} failed its check ({len(report.problems)} problem(s))",
                                hint=report.hint())
    click.echo(f"{path}: ok (schema v{report.schema_version} of {report.latest_schema}; {report.events} events, "
               f"{report.chained} chain links verified"
               + "".join(f", {n} {t} rows verified" for t, n in report.chained_rows.items())
               + f"; {report.checkpoint or 'no checkpoint'})")
    if report.backup is not None:
        say(f"copy of this sound store: {report.backup}")


@store.command("stale")
@click.argument("corpus", type=click.Path(path_type=Path, exists=True), required=False)
@STORE_OPT
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), help="Also write the stale decisions table.")
@hidden_alias("--output", "output", "--out", type=click.Path(path_type=Path))
@raw_cells_option()
@corpus_or_table()
def store_stale(corpus: Path | None, store: Path | None, output: Path | None) -> None:
    """List decisions whose passage changed or vanished from CORPUS (never silently reattached)."""
    from corpus_tools.io.tables import write_table
    from corpus_tools.project import open_corpus
    from corpus_tools.store import CodingStore

    corp = open_corpus(corpus)
    with CodingStore(_store_path(store)) as st:
        frame = st.stale(corp)
    for r in frame.head(50).to_dict("records"):
        click.echo(f"{r['event_id']}\t{r['entry_id']}\t{r['coder']}\t{r['decision']} {r['code']}\t{r['reason']}")
    if output:
        write_table(frame, output)
    say(f"{len(frame)} stale decision(s)")


@store.command("log")
@STORE_OPT
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), help="Write the whole log as a table.")
@hidden_alias("--output", "output", "--out", type=click.Path(path_type=Path))
@click.option("-n", "--limit", default=20, show_default=True, help="Print the last N events.")
@raw_cells_option()
@handle_errors
def store_log(store: Path | None, output: Path | None, limit: int) -> None:
    """Show the store's summary and its latest decisions (the log is append-only)."""
    from corpus_tools.io.tables import write_table
    from corpus_tools.store import CodingStore

    path = _store_path(store)
    if not path.is_file():
        from corpus_tools.errors import StoreError

        raise StoreError(f"coding store {path} does not exist")
    with CodingStore(path) as st:
        info = st.summary()
        frame = st.decisions()
    say(f"{info['path']}: schema v{info['schema_version']}, {info['events']} events, "
        f"{info['coded_entries']} coded passages, {info['span_codings']} span codings, {info['memos']} memos, "
        f"coders {', '.join(info['coders']) or '-'}")  # type: ignore[arg-type]
    for r in frame.tail(limit).to_dict("records"):
        click.echo(f"{r['event_id']}\t{r['timestamp'][:19]}\t{r['coder']}\t{r['entry_id']}\t{r['decision']}\t"
                   f"{r['code']}\t{r['source']}\t{r['note']}")
    if output:
        write_table(frame, output)


COMMANDS = [review, store]
