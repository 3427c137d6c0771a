"""Load a corpus folder into frames (docs, entries, problems), reporting every problem at once.

Rows with errors are reported and left out of the frames; rows with warnings are loaded. Nothing is
dropped silently: every skipped row appears in `problems` with its file and line.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED, CorpusConfig, load_config
from corpus_tools.corpus.dates import assign_stage, parse_date
from corpus_tools.corpus.dedupe import near_duplicates
from corpus_tools.corpus.entries import split_entries
from corpus_tools.corpus.formats import SUPPORTED, canonical_encoding, read_text
from corpus_tools.corpus.from_table import Columns, frame_corpus_folder, import_problems, table_corpus_folder
from corpus_tools.corpus.junk import flag_junk
from corpus_tools.corpus.problems import Problem
from corpus_tools.errors import CorpusError, DecodeError
from corpus_tools.io.resources import DEFAULT_LEXICON, default_corpus
from corpus_tools.text.lang import detect_lang

if TYPE_CHECKING:
    import pandas as pd

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
DOC_DUP_THRESHOLD = 0.6
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

    @property
    def content_entries(self) -> pd.DataFrame:
        """The entries scores, topics and distinctive words use: all but the junk ones (entries["junk"] set
        by corpus.junk: too short, markup, pinyin runs, boilerplate), unless `keep_junk`."""
        if self.keep_junk or "junk" not in self.entries.columns:
            return self.entries
        return self.entries[self.entries["junk"] == ""]

    @property
    def meta_columns(self) -> list[str]:
        """documents.csv columns beyond the documented ones (e.g. from a table): kept as document metadata."""
        return [c for c in self.docs.columns if c not in schema.DOCS]

    def entries_with_meta(self, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Entries joined with the document metadata analyses group by (default: source_type, stage, date,
        year, lang, title, outlet and the extra metadata columns)."""
        if columns is None:
            columns = ("source_type", "stage", "date", "year", "lang", "title", "outlet", *self.meta_columns)
        meta = self.docs[["doc_id", *columns]]
        return self.entries.merge(meta, on="doc_id", how="left", validate="many_to_one")

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


def _read_rows(csv_path: Path, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    rel = csv_path.name
    try:
        raw = csv_path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{csv_path}: documents.csv must be UTF-8 ({exc})") from exc
    reader = csv.DictReader(raw.splitlines(keepends=True))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in schema.DOCUMENTS_CSV_REQUIRED if c not in header]
    if missing:
        problems.append(Problem("error", "missing-column", rel, 1, "",
                                f"required column(s) {', '.join(missing)} missing; no document can be read"))
        return []
    rows = []
    for row in reader:
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            problems.append(Problem("warning", "extra-fields", rel, reader.line_num, clean.get("doc_id", ""),
                                    "more fields than header columns; extra fields ignored"))
        if any(clean.values()):
            rows.append((reader.line_num, clean))
    return rows


def _doc_record(root: Path, line: int, row: dict[str, str], config: CorpusConfig,
                problems: list[Problem]) -> dict[str, Any] | None:
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
        except LookupError:
            report("error", "bad-encoding", f"unknown encoding {encoding!r}")
            encoding = None
    path_str = row.get("path", "")
    path = (root / path_str).resolve()
    text = ""
    used_encoding = ""
    main: str | None = None  # HTML: the main content; the rest of the page's blocks become junk entries
    if not path_str:
        report("error", "missing-path", "path is empty")
    elif not path.is_relative_to(root.resolve()):
        report("error", "bad-path", f"path {path_str!r} points outside the corpus folder")
    elif not path.is_file():
        report("error", "missing-file", f"file {path_str!r} does not exist")
    elif path.suffix.lower() not in SUPPORTED:
        report("error", "unsupported-format", f"{path.suffix!r} files are not supported ({', '.join(SUPPORTED)})")
    else:
        try:
            read = read_text(path, encoding)
            text, used_encoding, main = read.text, read.encoding, read.main
            if not text.strip():
                report("error", "empty-text", f"{path_str} has no text")
            elif "\ufffd" in text:
                report("warning", "replacement-chars", f"{path_str} contains U+FFFD replacement characters")
        except DecodeError as exc:
            problems.append(Problem("error", "undecodable", path_str, None, doc_id, f"{exc.message} "
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
        **{k: v for k, v in row.items() if k and k not in schema.DOCS},  # extra columns: document metadata
        "_main": main,
    }


def _flag_duplicates(docs: pd.DataFrame, entries: pd.DataFrame, problems: list[Problem]) -> None:

    order = docs.sort_values(["date_start", "doc_id"], key=lambda s: s.replace("", "9999")).index
    doc_rank = {docs.at[i, "doc_id"]: r for r, i in enumerate(order)}
    ranks = [doc_rank[d] for d in docs["doc_id"]]
    dups = near_duplicates(list(docs["text"]), ranks, DOC_DUP_THRESHOLD)
    docs["dup_of"] = [docs["doc_id"].iat[d[0]] if d else "" for d in dups]
    docs["dup_score"] = [round(d[1], 3) if d else 0.0 for d in dups]
    for did, of, score in zip(docs["doc_id"], docs["dup_of"], docs["dup_score"], strict=True):
        if of:
            problems.append(Problem("note", "near-duplicate", "documents.csv", None, did,
                                    f"near-duplicate of {of} (similarity {score:.2f})"))
    if len(entries):
        e_rank = [doc_rank[d] * 100000 + s for d, s in zip(entries["doc_id"], entries["seq"], strict=True)]
        edups = near_duplicates(list(entries["text"]), e_rank, ENTRY_DUP_THRESHOLD)
        entries["dup_of"] = [entries["entry_id"].iat[d[0]] if d else "" for d in edups]
        entries["dup_score"] = [round(d[1], 3) if d else 0.0 for d in edups]
    else:
        entries["dup_of"] = []
        entries["dup_score"] = []


def load_corpus(path: str | Path) -> Corpus:
    """Read a corpus folder. Raises CorpusError only when the folder itself is unusable."""

    root = Path(path).expanduser()
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    config = load_config(root)
    csv_path = root / "documents.csv"
    if not csv_path.is_file():
        raise CorpusError(f"{root}: documents.csv is missing", hint="see docs/corpus-format.md")
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    seen_paths: dict[str, str] = {}
    rejected: set[Path] = set()  # listed but skipped rows: their files are not "unlisted"
    for line, row in _read_rows(csv_path, problems):
        doc_id = row.get("doc_id", "")
        if doc_id in seen_ids:
            problems.append(Problem("error", "duplicate-id", "documents.csv", line, doc_id,
                                    f"doc_id already used on line {seen_ids[doc_id]}; this row is skipped"))
            continue
        seen_ids[doc_id] = line
        rec = _doc_record(root, line, row, config, problems)
        if rec is None:
            if row.get("path"):
                rejected.add((root / row["path"]).resolve())
            continue
        if rec["path"] in seen_paths:
            problems.append(Problem("warning", "same-file", "documents.csv", line, doc_id,
                                    f"file also listed as {seen_paths[rec['path']]}"))
        seen_paths[rec["path"]] = doc_id
        records.append(rec)
    mains = {r["doc_id"]: m for r in records if (m := r.pop("_main")) is not None}
    extra = list(dict.fromkeys(k for r in records for k in r if k not in schema.DOCS))
    docs = pd.DataFrame.from_records(records, columns=[*(c for c in schema.DOCS if c not in ("dup_of", "dup_score")),
                                                       *extra])
    entry_rows = [e.__dict__ for text, did in zip(docs["text"], docs["doc_id"], strict=True)
                  for e in split_entries(did, text)]
    entries = pd.DataFrame.from_records(entry_rows, columns=[c for c in schema.ENTRIES
                                                             if c not in ("dup_of", "dup_score")])
    flag_junk(entries, docs, problems, mains)
    _flag_duplicates(docs, entries, problems)
    listed = {(root / p).resolve() for p in seen_paths} | rejected
    texts_dir = root / "texts"
    if texts_dir.is_dir():
        for f in sorted(texts_dir.rglob("*")):
            if f.is_file() and f.suffix.lower() in SUPPORTED and f.resolve() not in listed:
                problems.append(Problem("note", "unlisted-file", str(f.relative_to(root)), None, "",
                                        "text file not listed in documents.csv (not analysed)"))
    docs["year"] = docs["year"].astype("Int64")
    problems[:0] = import_problems(root)  # a folder made from a table: the rows that did not make it
    frame = pd.DataFrame([p.__dict__ for p in problems], columns=list(schema.PROBLEMS))
    frame["line"] = frame["line"].astype("Int64")
    return Corpus(config, schema.check(docs, schema.DOCS, "docs"), schema.check(entries, schema.ENTRIES, "entries"),
                  frame, problems)


def open_corpus(corpus: str | Path | Corpus | pd.DataFrame | None = None, columns: Columns | None = None, *,
                lexicons: tuple[str, ...] = (DEFAULT_LEXICON,)) -> Corpus:
    """The corpus given, else the bundled Junpu corpus: the one default. A loaded Corpus is returned as is;
    a folder is loaded; a DataFrame of texts or a table file (CSV/TSV/XLSX/JSONL/Parquet) is imported once
    into a cache folder (corpus.from_table) with `columns` naming its columns, its row problems first among
    the corpus's problems."""
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, pd.DataFrame):
        return load_corpus(frame_corpus_folder(corpus, columns or Columns(), lexicons=lexicons).root)
    if not corpus:
        return load_corpus(default_corpus())
    path = Path(corpus).expanduser()
    if path.is_file():
        return load_corpus(table_corpus_folder(path, columns or Columns()).root)
    return load_corpus(path)


def bundled_corpus() -> Corpus:
    """The bundled Junpu corpus (invented texts; see its README), loaded.

    >>> import corpus_tools as ct
    >>> c = ct.bundled_corpus()
    >>> c.config.name, len(c.docs) > 100
    ('junpu', True)
    """
    return load_corpus(default_corpus())
