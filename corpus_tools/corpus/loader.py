"""Load a corpus folder into frames (docs, entries, problems), reporting every problem at once.

Rows with errors are reported and left out of the frames; rows with warnings are loaded. Nothing is
dropped silently: every skipped row appears in `problems` with its file and line.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing as mp
import posixpath
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.batches import ENTRY_COLS, DocBatches, EntryBatches, entry_batch
from corpus_tools.corpus.config import UNSTAGED, CorpusConfig, load_config
from corpus_tools.corpus.dates import assign_stage, parse_date
from corpus_tools.corpus.dedupe import column_texts, near_duplicate_arrays
from corpus_tools.corpus.documents_csv import read_rows
from corpus_tools.corpus.entries import Entry, split_entries
from corpus_tools.corpus.formats import SUPPORTED, canonical_encoding, read_text
from corpus_tools.corpus.from_table import (
    Columns,
    frame_corpus_folder,
    import_metadata,
    import_problems,
    table_corpus_folder,
)
from corpus_tools.corpus.handoff import ReadFiles, flag_in_process, read_in_process
from corpus_tools.corpus.junk import flag_junk
from corpus_tools.corpus.problems import Problem
from corpus_tools.errors import CorpusError, DecodeError, UnsafeFileError
from corpus_tools.io.forked import can_fork
from corpus_tools.io.limits import InputLimits
from corpus_tools.io.mapped import as_series, factorize, release_pages
from corpus_tools.io.memory import release_memory
from corpus_tools.io.resources import DEFAULT_LEXICON, default_corpus
from corpus_tools.text.lang import detect_lang

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
DOC_DUP_THRESHOLD = 0.6
EXTRA = "_extra"  # a record's further documents.csv columns (kept as text columns after the declared ones)
_DECLARED = {*schema.DOCUMENTS_CSV_REQUIRED, *schema.DOCUMENTS_CSV_OPTIONAL, *schema.DOCS}
ENTRY_DUP_THRESHOLD = 0.7


@dataclass
class Corpus:
    """A loaded corpus: its configuration and the docs, entries and problems frames."""

    config: CorpusConfig
    docs: pd.DataFrame
    entries: pd.DataFrame
    problems: pd.DataFrame
    problem_list: list[Problem] = field(default_factory=list)
    keep_junk: bool = False  # True: junk entries (corpus.junk) count in scores and topics too

    @property
    def root(self) -> Path:
        """The corpus folder."""
        return self.config.root

    @property
    def n_errors(self) -> int:
        """Number of error-level problems (rows skipped)."""
        return int((self.problems["level"] == "error").sum()) if len(self.problems) else 0

    def add_problems(self, extra: list[Problem]) -> None:
        """Record problems found after loading (e.g. lexicons named in corpus.toml that do not exist)."""
        self.problem_list.extend(extra)
        self.problems = problems_frame(self.problem_list)

    def require_documents(self) -> None:
        """CorpusError when no document could be loaded (an analysis would silently produce empty tables)."""
        if len(self.docs):
            return
        first = next((p for p in self.problem_list if p.level == "error"), None)
        raise CorpusError(f"{self.root}: no document could be loaded"
                          + (f" ({first.file}{f':{first.line}' if first.line else ''}: {first.message})" if first
                             else " (documents.csv has no rows)"),
                          hint="run `corpus-tools validate` for every problem")

    @property
    def content_entries(self) -> pd.DataFrame:
        """The entries scores, topics and distinctive words use: all but the junk ones (entries["junk"] set
        by corpus.junk: too short, markup, pinyin runs, boilerplate), unless `keep_junk`."""
        if self.keep_junk or "junk" not in self.entries.columns:
            return self.entries
        return self.entries[self.content_mask()]

    def content_mask(self) -> np.ndarray:
        """Per entry, whether it is one of `content_entries` (a boolean array: selecting the columns a step
        needs with it copies no text)."""
        if self.keep_junk or "junk" not in self.entries.columns:
            return np.ones(len(self.entries), dtype=bool)
        return (self.entries["junk"] == "").to_numpy(dtype=bool)

    @property
    def meta_columns(self) -> list[str]:
        """documents.csv columns beyond the documented ones (e.g. from a table): kept as document metadata."""
        return [c for c in self.docs.columns if c not in schema.DOCS]

    def entries_with_meta(self, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Entries joined with the document metadata analyses group by (default: source_type, stage, date,
        year, lang, title, outlet and the extra metadata columns)."""
        return self.with_meta(self.entries, columns)

    def entries_with_meta_chunks(self, columns: tuple[str, ...] | None = None,
                                 rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """`entries_with_meta` `rows` entries at a time (the first chunk may be empty): for writing it out
        without a second copy of every entry's text and its document's metadata."""
        for start in range(0, max(len(self.entries), 1), rows):
            yield self.with_meta(self.entries.iloc[start:start + rows], columns)
            release_pages()  # mapped texts (io.mapped) of the slice written: not kept resident

    def with_meta(self, entries: pd.DataFrame, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        """`entries` (some rows and columns of self.entries, with doc_id) joined with their documents' metadata
        (columns as in entries_with_meta): a step that needs a few entries' metadata copies only those."""
        if columns is None:
            columns = ("source_type", "stage", "date", "year", "lang", "title", "outlet", *self.meta_columns)
        meta = self.docs[["doc_id", *columns]]
        return entries.merge(meta, on="doc_id", how="left", validate="many_to_one")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, text: str | None = None, id: str | None = None,
                   date: str | None = None, source: str | None = None, lang: str | None = None,
                   title: str | None = None, lexicons: tuple[str, ...] = (DEFAULT_LEXICON,)) -> Corpus:
        """A corpus from a DataFrame with one text per row; other columns become document metadata.

        >>> import pandas as pd, corpus_tools as ct
        >>> df = pd.DataFrame({"text": ["军埔村的年轻人开网店。", "Li Wei opened an online shop."],
        ...                    "outlet": ["A", "B"], "date": ["2013-05-01", "2014"]})
        >>> c = ct.Corpus.from_frame(df, text="text", date="date")
        >>> list(c.docs["lang"]), c.meta_columns
        (['zh-Hans', 'en'], ['row'])
        """
        imported = frame_corpus_folder(frame, Columns(text, id, date, source, lang, title), lexicons=lexicons)
        return load_corpus(imported.root)

    @classmethod
    def from_table(cls, path: str | Path, text: str | None = None, id: str | None = None,
                   date: str | None = None, source: str | None = None, lang: str | None = None,
                   title: str | None = None) -> Corpus:
        """A corpus from a CSV/TSV/XLSX/JSONL/Parquet table (imported once into a cache folder)."""
        imported = table_corpus_folder(path, Columns(text, id, date, source, lang, title))
        return load_corpus(imported.root)

    def _repr_html_(self) -> str:
        """Jupyter: a one-line summary and the first documents."""
        head = self.docs.drop(columns=["text"]).head(10).to_html(index=False, max_cols=12)
        return (f"<p><b>Corpus {escape(self.config.name)}</b>: {len(self.docs)} documents, {len(self.entries)} "
                f"entries, {self.n_errors} row(s) skipped ({escape(str(self.root))})</p>{head}")


def normalise_path(path_str: str) -> str:
    """A documents.csv path in one spelling: `/` separators (Windows `\\` accepted), `.` and `..` folded."""
    norm = posixpath.normpath(path_str.strip().replace("\\", "/"))
    return "" if norm == "." else norm


class _FileIndex:
    """Files under the corpus folder by lower-case name, built on first use (did-you-mean for missing files)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_name: dict[str, list[str]] | None = None

    def near(self, path_str: str) -> list[str]:
        if self._by_name is None:
            self._by_name = {}
            for f in itertools.islice(self.root.rglob("*"), 100_000):
                if f.is_file():
                    self._by_name.setdefault(f.name.lower(), []).append(f.relative_to(self.root).as_posix())
        return sorted(self._by_name.get(posixpath.basename(path_str).lower(), []))[:3]


def _doc_record(root: Path, line: int, row: dict[str, str], config: CorpusConfig,
                problems: list[Problem], limits: InputLimits, files: _FileIndex) -> dict[str, Any] | None:
    """Check and read one documents.csv row; None (with problems recorded) when it must be skipped."""
    rel = "documents.csv"
    doc_id = row.get("doc_id", "")
    errors_before = sum(p.level == "error" for p in problems)

    def report(level: str, code: str, msg: str) -> None:
        problems.append(Problem(level, code, rel, line, doc_id, msg))

    multiline = [k for k in ("doc_id", "path", "source_type", "date", "lang", "encoding") if "\n" in row.get(k, "")]
    if multiline:
        report("error", "unterminated-quote", f"field(s) {', '.join(multiline)} span several lines: a quote "
                                              "in documents.csv is probably not closed")
        return None
    if not row.get("title"):
        report("warning", "missing-title", "title is empty")
    if not _ID_RE.match(doc_id):
        report("error", "bad-id", f"doc_id {doc_id!r} is empty or has characters other than letters, digits, -_.")
    source_type = row.get("source_type", "")
    if source_type not in schema.SOURCE_TYPES:
        report("error", "unknown-source-type",
               f"source_type {source_type!r} is not one of {', '.join(schema.SOURCE_TYPES)}")
    try:
        date = parse_date(row.get("date"))
    except ValueError as exc:
        report("error", "bad-date", str(exc))
        date = None
    encoding = row.get("encoding") or None
    if encoding:
        try:
            encoding = canonical_encoding(encoding)
        except LookupError as exc:
            report("error", "bad-encoding", f"encoding {encoding!r} is unknown or not a text encoding ({exc}); "
                                            "use e.g. utf-8, gb18030, big5, utf-16, or leave it empty to detect")
            encoding = None
    given = row.get("path", "")
    path_str = normalise_path(given)
    if path_str and path_str != given.strip():
        report("note", "path-normalised", f"path {given!r} read as {path_str!r}")
    path = (root / path_str).resolve()
    text = ""
    used_encoding = ""
    main: str | None = None  # HTML: the main content; the rest of the page's blocks become junk entries
    if not path_str:
        report("error", "missing-path", "path is empty")
    elif not path.is_relative_to(root.resolve()):
        report("error", "bad-path", f"path {given!r} points outside the corpus folder")
    elif not path.is_file():
        near = files.near(path_str)
        report("error", "missing-file", f"file {path_str!r} does not exist"
               + (f"; did you mean {' or '.join(map(repr, near))}?" if near else ""))
    elif path.suffix.lower() not in SUPPORTED:
        report("error", "unsupported-format", f"{path.suffix!r} files are not supported ({', '.join(SUPPORTED)})")
    else:
        try:
            read = read_text(path, encoding, limits)
            text, used_encoding, main = read.text, read.encoding, read.main
            if read.nul_removed:
                report("warning", "nul-bytes", f"{read.nul_removed} NUL character(s) removed from {path_str} "
                                               "(binary data, or UTF-16 read with a wrong `encoding`?)")
            if read.detected and read.encoding in ("utf-16-le", "utf-16-be"):
                report("note", "utf16-no-bom", f"{path_str} read as {read.encoding.upper()} (no byte-order "
                                               "mark); save it as UTF-8 to be sure")
            if not text.strip():
                report("error", "empty-text", f"{path_str} has no text")
            elif "\ufffd" in text:
                report("warning", "replacement-chars", f"{path_str} contains U+FFFD replacement characters")
        except UnsafeFileError as exc:
            msg = exc.message.removeprefix(f"{path}: ")
            problems.append(Problem("error", "over-limit", path_str, None, doc_id, f"{msg} "
                                    f"(documents.csv line {line}); the document is skipped"
                                    + (f" ({exc.hint})" if exc.hint else "")))
        except DecodeError as exc:
            msg = exc.message.removeprefix(f"{path}: ")
            problems.append(Problem("error", "undecodable", path_str, None, doc_id, f"{msg} "
                                    f"(documents.csv line {line})"))
        except OSError as exc:
            report("error", "unreadable", f"{path_str}: {exc}")
    if sum(p.level == "error" for p in problems) > errors_before:
        return None
    lang = row.get("lang", "")
    detected = detect_lang(text)
    if not lang:
        lang = detected
    elif lang not in schema.LANGS:
        report("warning", "unknown-lang", f"lang {lang!r} is not one of {', '.join(schema.LANGS)}; using "
                                          f"detected {detected!r}")
        lang = detected
    elif lang != detected and "mixed" not in (lang, detected):
        report("warning", "lang-mismatch", f"lang says {lang!r} but the text reads as {detected!r}")
    if date is None:
        report("warning", "undated", "no date: the document is counted as 'unstaged' in stage analyses")
    stage, overlap = assign_stage(date, config.stages)
    about, period = _described(row, config, report)
    if date is not None and stage == UNSTAGED and config.stages:
        report("note", "outside-stages", f"date {date.text} falls in no stage: counted as 'unstaged'")
    return {
        "doc_id": doc_id, "path": path_str, "title": row.get("title", ""), "source_type": source_type,
        "outlet": row.get("outlet", ""), "date": date.text if date else "",
        "date_start": date.start.isoformat() if date else "", "date_end": date.end.isoformat() if date else "",
        "year": date.start.year if date else None, "lang": lang, "author": row.get("author", ""),
        "speaker": row.get("speaker", ""), "role": row.get("role", ""), "encoding": used_encoding,
        "notes": row.get("notes", ""), "stage": stage, "stage_overlap": overlap, "text": text,
        "n_chars": len(text), "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(), "csv_line": line,
        "about_date": about, "period": period,
        EXTRA: {k: v for k, v in row.items() if k not in _DECLARED},
        "_main": main,
    }


def _described(row: dict[str, str], config: CorpusConfig, report: Any) -> tuple[str, str]:
    """The optional about_date (checked like date) and period (a declared stage id); bad values warn and
    are left empty, so the document is analysed by its publication date."""
    about = row.get("about_date", "")
    if about:
        try:
            parse_date(about)
        except ValueError as exc:
            report("warning", "bad-about-date", f"about_date: {exc}; the publication date is used")
            about = ""
    period = row.get("period", "")
    ids = [s.id for s in config.stages]
    if period and period not in ids:
        report("warning", "unknown-period", f"period {period!r} is not a stage in corpus.toml "
                                            f"({', '.join(ids) or 'none declared'}); the publication date is used")
        period = ""
    return about, period


def _set_dup_columns(frame: pd.DataFrame, id_col: str, dups: tuple[np.ndarray, np.ndarray]) -> None:
    """`dup_of` (the id of the earlier copy, or "") and `dup_score` of each row, from near_duplicate_arrays'
    answers (ids taken column-wise by Arrow: no Python string per flagged row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    of, sim = dups
    flagged = of >= 0
    column = frame[id_col].array
    if hasattr(column, "__arrow_array__"):
        taken = column.__arrow_array__().take(pa.array(np.where(flagged, of, 0), mask=~flagged))
        frame["dup_of"] = as_series(pc.fill_null(taken, ""), frame.index)
    else:
        dup_of = np.full(len(of), "", dtype=object)
        dup_of[flagged] = frame[id_col].take(of[flagged]).to_numpy(dtype=object)
        frame["dup_of"] = pd.Series(dup_of, index=frame.index, dtype="str")
    score = np.zeros(len(of), dtype=np.float64)
    score[flagged] = [round(x, 3) for x in sim[flagged].tolist()]
    frame["dup_score"] = score


def _flag_duplicates(docs: pd.DataFrame, entries: pd.DataFrame, problems: list[Problem],
                     scratch: Path | None = None) -> None:
    """Near-duplicate documents (a note each) and entries, ranked by date then id (`scratch`: a folder for the
    LSH keys, see near_duplicate_arrays)."""
    order = docs[["date_start", "doc_id"]].sort_values(["date_start", "doc_id"],
                                                      key=lambda s: s.replace("", "9999")).index  # not the texts
    doc_rank = {docs.at[i, "doc_id"]: r for r, i in enumerate(order)}
    ranks = [doc_rank[d] for d in docs["doc_id"]]
    _set_dup_columns(docs, "doc_id", near_duplicate_arrays(column_texts(docs["text"]), ranks, DOC_DUP_THRESHOLD,
                                                          scratch=scratch))
    for did, of, score in zip(docs["doc_id"], docs["dup_of"], docs["dup_score"], strict=True):
        if of:
            problems.append(Problem("note", "near-duplicate", "documents.csv", None, did,
                                    f"near-duplicate of {of} (similarity {score:.2f})"))
    if len(entries):
        codes, uniques = factorize(entries["doc_id"])  # an array, not a Python int (or str) per entry
        rank_of = np.array([doc_rank[d] for d in uniques], dtype=np.int64)
        e_rank = rank_of[codes] * 100000 + entries["seq"].to_numpy(dtype=np.int64)
        del codes, uniques, rank_of
        _set_dup_columns(entries, "entry_id", near_duplicate_arrays(column_texts(entries["text"]), e_rank,
                                                                    ENTRY_DUP_THRESHOLD, scratch=scratch))
    else:
        entries["dup_of"] = []
        entries["dup_score"] = []


_PARALLEL_MIN_ROWS = 2_000  # fewer rows are read in this process: starting workers would cost more


def _read_row(context: tuple[Path, CorpusConfig, InputLimits, _FileIndex], item: tuple[int, dict[str, str]]
              ) -> tuple[dict[str, Any] | None, Any, list[Problem]]:
    """One documents.csv row read, checked and split into entries (its record or None, its entries as a
    RecordBatch, or None when there are more than max_entries, and its problems): the per-file work, done here or
    in a worker process."""
    root, config, limits, files = context
    line, row = item
    problems: list[Problem] = []
    rec = _doc_record(root, line, row, config, problems, limits, files)
    found: list[Entry] = []
    if rec is not None:
        found = list(itertools.islice(split_entries(row.get("doc_id", ""), rec["text"]), limits.max_entries + 1))
    batch = entry_batch(found, ENTRY_COLS) if len(found) <= limits.max_entries else None
    return rec, batch, problems


@contextmanager
def _row_reader(context: tuple[Path, CorpusConfig, InputLimits, _FileIndex],
                items: Iterable[tuple[int, dict[str, str]]], n_items: int,
                workers: int) -> Iterator[Iterator[tuple[dict[str, Any] | None, Any, list[Problem]]]]:
    """`_read_row` over the `n_items` `items`, in order: in `workers` forked processes when there are enough rows
    (and the platform forks), else here."""
    read = partial(_read_row, context)
    if workers > 1 and n_items >= _PARALLEL_MIN_ROWS and can_fork():
        with mp.get_context("fork").Pool(workers) as pool:
            yield pool.imap(read, items, chunksize=max(1, min(64, n_items // (4 * workers))))
    else:
        yield map(read, items)


def load_corpus(path: str | Path, limits: InputLimits | None = None, *, workers: int = 1,
                spill: str | Path | None = None) -> Corpus:
    """Read a corpus folder. Raises CorpusError only when the folder itself is unusable.

    `limits` caps what one input file may unpack to (default: corpus.toml's [limits], else InputLimits()).
    The files are read and split into entries in `workers` processes (the same corpus as one process).
    With `spill` (a folder), the documents' and entries' texts are kept in memory-mapped files there
    (io.mapped: the same columns, their bytes in the page cache rather than on the heap; the files are removed
    at once and vanish with the columns), and where the platform forks, the files are read in a process of their
    own that hands the frames over in files there (corpus.handoff): the memory the reading leaves behind goes
    with that process.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    config = load_config(root)
    limits = limits or config.limits
    csv_path = root / "documents.csv"
    if not csv_path.is_file():
        raise CorpusError(f"{root}: documents.csv is missing", hint="see docs/corpus-format.md")
    if spill is not None and can_fork():
        read = read_in_process(partial(_read, root, config, limits, csv_path, workers=workers), Path(spill))
        return _finish(root, config, read, Path(spill), forked=True)
    batches = EntryBatches(ENTRY_COLS, Path(spill) if spill is not None else None)
    try:
        return _finish(root, config, _read(root, config, limits, csv_path, batches, workers=workers), batches.folder,
                       forked=False)
    except BaseException:
        batches.abort()
        raise


def _read(root: Path, config: CorpusConfig, limits: InputLimits, csv_path: Path, batches: EntryBatches, *,
          workers: int) -> ReadFiles:
    """The first half of loading: read the rows, check them and split the texts into entries (`batches` gathers
    them); the junk and near-duplicate flags come in `_finish`."""
    problems: list[Problem] = []
    doc_cols = [c for c in schema.DOCS if c not in ("dup_of", "dup_score")]
    records = DocBatches([c for c in doc_cols if c != "text"])
    extras: list[dict[str, str]] = []  # per document, its further documents.csv columns
    mains: dict[str, str] = {}  # HTML pages' main content
    seen_paths: dict[str, str] = {}
    rejected: set[Path] = set()  # listed but skipped rows: their files are not "unlisted"
    skipped_paths: list[str] = []  # paths of rows the csv reader had to skip (unclosed quotes)
    rows: list[tuple[int, dict[str, str]] | None] = list(read_rows(csv_path, problems, limits, skipped_paths))
    first_line: dict[str, int] = {}
    for item in rows:
        assert item is not None
        first_line.setdefault(item[1].get("doc_id", ""), item[0])
    n_first = len(first_line)

    def firsts() -> Iterator[tuple[int, dict[str, str]]]:  # the rows to read; lazily, as the workers take them
        for item in rows:
            if item is not None and first_line[item[1].get("doc_id", "")] == item[0]:
                yield item

    context = (root, config, limits, _FileIndex(root))
    with _row_reader(context, firsts(), n_first, workers) as read:
        for i in range(len(rows)):
            line, row = rows[i] or (0, {})
            doc_id = row.get("doc_id", "")
            if first_line[doc_id] != line:
                rows[i] = None
                problems.append(Problem("error", "duplicate-id", "documents.csv", line, doc_id,
                                        f"doc_id already used on line {first_line[doc_id]}; this row is skipped"))
                continue
            rec, found, row_problems = next(read)
            rows[i] = None  # a row is held only until it is read (firsts() skips it)
            problems.extend(row_problems)
            if rec is not None and found is None:
                problems.append(Problem("error", "over-limit", "documents.csv", line, doc_id,
                                        f"more than max_entries = {limits.max_entries:,} entries in one "
                                        "document; the document is skipped (split it, or raise [limits] "
                                        "max_entries)"))
                rec = None
            if rec is None:
                if row.get("path"):
                    rejected.add((root / normalise_path(row["path"])).resolve())
                continue
            if rec["path"] in seen_paths:
                problems.append(Problem("warning", "same-file", "documents.csv", line, doc_id,
                                        f"file also listed as {seen_paths[rec['path']]}"))
            seen_paths[rec["path"]] = doc_id
            batches.add(rec.pop("text"), found)
            if rec["_main"] is not None:
                mains[rec["doc_id"]] = rec["_main"]
            extras.append(rec[EXTRA])
            records.add(rec)
            del found, rec
    rows.clear()  # every row is read (and None): firsts() is done
    first_line.clear()
    docs = records.frame()
    for col in dict.fromkeys(k for extra in extras for k in extra):  # further documents.csv columns (e.g. region)
        docs[col] = [extra.get(col, "") for extra in extras]  # are kept: metadata for --by, --adjust
    del extras
    entries, texts = batches.frames()
    docs.insert(doc_cols.index("text"), "text", texts.set_axis(docs.index))
    return ReadFiles(docs, entries, problems, mains, _unlisted(root, seen_paths, rejected, skipped_paths))


def _unlisted(root: Path, seen_paths: dict[str, str], rejected: set[Path], skipped_paths: list[str]) -> list[Problem]:
    """A note for every text file under texts/ that documents.csv does not list."""
    found: list[Problem] = []
    texts_dir = root / "texts"
    if texts_dir.is_dir():
        spelled = {str(root / p) for p in seen_paths}  # most files are listed as they are found: no resolve()
        resolved: set[Path] | None = None
        for f in sorted(texts_dir.rglob("*")):
            if str(f) in spelled or not f.is_file() or f.suffix.lower() not in SUPPORTED:
                continue
            if resolved is None:  # symbolic links and other spellings: compare real paths
                resolved = {(root / p).resolve() for p in seen_paths} | rejected | {
                    (root / normalise_path(p)).resolve() for p in skipped_paths}
            if f.resolve() not in resolved:
                found.append(Problem("note", "unlisted-file", str(f.relative_to(root)), None, "",
                                     "text file not listed in documents.csv (not analysed)"))
    return found


def _finish(root: Path, config: CorpusConfig, read: ReadFiles, scratch: Path | None, forked: bool) -> Corpus:
    """The second half of loading: flag junk entries and near-duplicates (`scratch`: a folder for their keys; in a
    forked process of their own when `forked`, see corpus.handoff)."""
    release_memory()  # the reading transients, before the junk and near-duplicate passes add theirs
    if forked and scratch is not None:
        flag_in_process(partial(_flag, scratch=scratch), read, scratch)
    else:
        _flag(read, scratch)
    docs, entries, problems = read.docs, read.entries, read.problems
    problems.extend(read.unlisted)
    docs["year"] = docs["year"].astype("Int64")
    written = import_metadata(root)  # a folder made from a table: its metadata columns are expected
    problems[:] = [p for p in problems if not (p.code == "unknown-column" and p.level == "note"
                                               and any(p.message.startswith(f"column {c!r} ") for c in written))]
    problems[:0] = import_problems(root)  # ... and the rows that did not make it come first
    release_memory()  # the loading transients (Python objects of the batches, near-duplicate arrays)
    return Corpus(config, schema.check(docs, schema.DOCS, "docs"), schema.check(entries, schema.ENTRIES, "entries"),
                  problems_frame(problems), problems)


def _flag(read: ReadFiles, scratch: Path | None) -> None:
    """Junk entries and near-duplicate documents and entries: their columns and notes added to `read`."""
    flag_junk(read.entries, read.docs, read.problems, read.mains)
    release_memory()
    _flag_duplicates(read.docs, read.entries, read.problems, scratch)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a frame (schema.PROBLEMS)."""
    frame = pd.DataFrame([p.__dict__ for p in problems], columns=list(schema.PROBLEMS))
    frame["line"] = frame["line"].astype("Int64")
    return frame


def open_corpus(corpus: str | Path | Corpus | pd.DataFrame | None = None, columns: Columns | None = None, *,
                lexicons: tuple[str, ...] = (DEFAULT_LEXICON,), workers: int = 1,
                spill: str | Path | None = None) -> Corpus:
    """The corpus given, else the bundled Junpu corpus: the one default. A loaded Corpus is returned as is;
    a folder is loaded; a DataFrame of texts or a table file (CSV/TSV/XLSX/JSONL/Parquet) is imported once
    into a cache folder (corpus.from_table) with `columns` naming its columns, its row problems first among
    the corpus's problems. A folder's files are read in `workers` processes; with `spill` its texts are
    memory-mapped from files in that folder (load_corpus)."""
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, pd.DataFrame):
        return load_corpus(frame_corpus_folder(corpus, columns or Columns(), lexicons=lexicons).root, workers=workers,
                           spill=spill)
    if not corpus:
        return load_corpus(default_corpus(), workers=workers, spill=spill)
    path = Path(corpus).expanduser()
    if path.is_file():
        return load_corpus(table_corpus_folder(path, columns or Columns()).root, workers=workers, spill=spill)
    return load_corpus(path, workers=workers, spill=spill)


def bundled_corpus() -> Corpus:
    """The bundled Junpu corpus (invented texts; see its README), loaded.

    >>> import corpus_tools as ct
    >>> c = ct.bundled_corpus()
    >>> c.config.name, len(c.docs) > 100
    ('junpu', True)
    """
    return load_corpus(default_corpus())
