"""Turn a table of texts (CSV, TSV, XLSX, JSONL, Parquet) or a DataFrame into a corpus folder.

The folder is an ordinary corpus (corpus.toml, documents.csv, texts/<doc_id>.txt, import.json), read back
with the loader, so a table gets exactly the checks, entries and ids of a hand-built corpus. Columns are
mapped by the caller (`Columns`) or by recognised names; every other column is kept as document metadata
(it travels into scores, entries and evidence, and can be grouped by). Row problems are reported with the
table row (the spreadsheet row: the header is row 1); a bad row never stops the other rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.dates import parse_date
from corpus_tools.corpus.problems import Problem
from corpus_tools.errors import CorpusError, InputTableError
from corpus_tools.io.resources import DEFAULT_LEXICON
from corpus_tools.io.tables import ID_NAMES, TEXT_NAMES, find_column, read_table

IMPORT_VERSION = "1"  # bump when the folder written for the same table changes (cache key)
RECOGNISED: dict[str, tuple[str, ...]] = {
    "text": TEXT_NAMES,
    "id": ID_NAMES,
    "date": ("date", "published", "pub_date", "publish_date", "publication_date", "datetime", "日期", "发布日期",
             "发布时间", "时间"),
    "source": ("source_type", "doc_type", "type", "类型", "来源类型"),
    "lang": ("lang", "language", "语言", "语种"),
    "title": ("title", "headline", "heading", "标题", "题目"),
}
# documents.csv columns taken over from a column of that (or a recognised) name
PASSTHROUGH: dict[str, tuple[str, ...]] = {
    "outlet": ("outlet", "source", "publication", "publisher", "media", "newspaper", "来源", "媒体", "报纸"),
    "author": ("author", "byline", "作者"),
    "speaker": ("speaker", "interviewee", "受访者"),
    "role": ("role", "角色"),
    "notes": ("notes", "note", "备注"),
}
FLAGS = {"text": "--text-col", "id": "--id-col", "date": "--date-col", "source": "--source-col",
         "lang": "--lang-col", "title": "--title-col"}
_SOURCE_SYNONYMS = {
    "media": ("media", "news", "newspaper", "press", "article", "web", "online", "媒体", "新闻", "报道", "报纸"),
    "interview": ("interview", "interviews", "transcript", "访谈", "采访"),
    "government": ("government", "gov", "official", "policy", "政府", "政策", "官方"),
    "other": ("other", "其他", "其它"),
}
_LANG_SYNONYMS = {
    "zh-Hans": ("zh-hans", "zh", "zh-cn", "zh_cn", "chinese", "simplified", "中文", "简体", "汉语"),
    "zh-Hant": ("zh-hant", "zh-tw", "zh-hk", "zh_tw", "traditional", "繁体", "繁體"),
    "en": ("en", "eng", "english", "en-us", "en-gb", "英文", "英语"),
    "mixed": ("mixed", "混合"),
}
_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?)?\s*$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
                 "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y",
                 "%B %Y", "%b %Y")
DOC_COLUMNS = ("doc_id", "path", "title", "source_type", "outlet", "date", "lang", "author", "speaker", "role",
               "notes")


@dataclass(frozen=True)
class Columns:
    """Which table column holds what; None means: the first column with a recognised name (RECOGNISED)."""

    text: str | None = None
    id: str | None = None
    date: str | None = None
    source: str | None = None
    lang: str | None = None
    title: str | None = None


@dataclass
class TableImport:
    """What an import wrote and found: the corpus folder, the column mapping and the problems by row."""

    root: Path
    table: str
    n_rows: int
    n_documents: int
    mapping: dict[str, str]
    metadata: list[str]
    problems: list[Problem] = field(default_factory=list)
    reused: bool = False

    @property
    def n_errors(self) -> int:
        """Rows not imported."""
        return sum(p.level == "error" for p in self.problems)

    def summary(self) -> str:
        """One line for people: rows, documents, mapping, metadata columns, problems."""
        mapped = ", ".join(f"{k}={v!r}" for k, v in self.mapping.items())
        meta = ", ".join(self.metadata) or "none"
        warn = sum(p.level == "warning" for p in self.problems)
        return (f"{self.table}: {self.n_documents} of {self.n_rows} rows imported into {self.root} "
                f"({mapped}; metadata: {meta}); {self.n_errors} row(s) not imported, {warn} warning(s)")


def normalize_date(value: object) -> str:
    """A table's date as documents.csv writes it (YYYY-MM-DD, YYYY-MM or YYYY); '' when empty;
    ValueError when it is not a date (day-first and month-first numbers like 03/05/2014 are ambiguous and
    refused)."""
    if _missing(value):
        return ""
    if isinstance(value, dt.datetime | dt.date):  # pandas Timestamps too (a datetime subclass)
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = str(value).strip()
    if not text or text.lower() in ("nat", "nan", "none"):
        return ""
    try:
        parsed = parse_date(text)
        return parsed.text if parsed else ""
    except ValueError:
        pass
    m = _CN_DATE.match(text)
    if m:
        parts = [p for p in m.groups() if p]
        parsed = parse_date("-".join(parts))
        return parsed.text if parsed else ""
    try:  # ISO 8601 with a time and a zone (2014-03-05T10:00:00+08:00): the day as written
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return day.strftime("%Y-%m") if "%d" not in fmt else day.date().isoformat()
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD, YYYY-MM, YYYY, 2014年3月5日 or March 5, 2014)")


def _lookup(value: str, synonyms: dict[str, tuple[str, ...]]) -> str | None:
    key = value.strip().lower()
    for canon, names in synonyms.items():
        if key in names:
            return canon
    return None


def _clean_id(raw: str) -> str:
    """A documents.csv id (letters, digits, -_.) from a table's id; '' when nothing usable is left."""
    return _ID_BAD_CHARS.sub("_", raw.strip()).strip("_.-")


def _meta_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"\s+", "_", name.strip()) or "column"
    if base in schema.DOCS or base in ("encoding",):
        base = f"meta_{base}"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def _title_from(text: str) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first if len(first) <= 60 else first[:59] + "…"


def resolve_columns(frame: pd.DataFrame, columns: Columns, where: str) -> dict[str, str]:
    """role -> column name for the roles present (text is required; the others optional)."""
    cols = list(frame.columns)
    out: dict[str, str] = {}
    for role in ("text", "id", "date", "source", "lang", "title"):
        found = find_column(cols, getattr(columns, role), RECOGNISED[role], FLAGS[role], where, required=role == "text")
        if found is not None and found not in out.values():
            out[role] = found
    return out


def write_corpus_folder(frame: pd.DataFrame, dest: Path, columns: Columns = Columns(), *, name: str | None = None,
                        table: str = "table", lexicons: tuple[str, ...] = (DEFAULT_LEXICON,),
                        description: str = "", provenance: dict[str, Any] | None = None) -> TableImport:
    """Write `frame` as a corpus folder at `dest` (created; must not hold documents.csv yet)."""
    dest = Path(dest)
    if (dest / "documents.csv").exists():
        raise CorpusError(f"{dest} already holds a corpus (documents.csv)", hint="choose a new folder")
    mapping = resolve_columns(frame, columns, table)
    used = set(mapping.values())
    passthrough: dict[str, str] = {}
    lowered = {str(c).strip().lower(): str(c) for c in frame.columns}
    for target, names in PASSTHROUGH.items():
        col = next((lowered[n] for n in names if n in lowered and lowered[n] not in used), None)
        if col is not None:
            passthrough[target] = col
            used.add(col)
    taken: set[str] = {"row", "original_id", "date_raw", "source_raw"}  # columns the import adds
    meta_cols = {str(c): _meta_name(str(c), taken) for c in frame.columns if str(c) not in used}
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    texts: dict[str, str] = {}
    seen: dict[str, int] = {}
    extra: list[str] = []  # metadata columns the import adds (original_id, date_raw, row)
    for i, rec in enumerate(frame.to_dict("records")):
        row_no = i + 2  # the spreadsheet row: the header is row 1

        def report(level: str, code: str, msg: str, doc_id: str = "", row_no: int = row_no) -> None:
            problems.append(Problem(level, code, table, row_no, doc_id, msg))

        raw_text = rec.get(mapping["text"])
        text = "" if _missing(raw_text) else str(raw_text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        out: dict[str, str] = {}
        raw_id = str(rec.get(mapping["id"], "") or "").strip() if "id" in mapping else ""
        if raw_id.endswith(".0") and raw_id[:-2].isdigit():  # numbers read from Excel
            raw_id = raw_id[:-2]
        doc_id = _clean_id(raw_id) or "t" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        if raw_id and doc_id != raw_id:
            out["original_id"] = raw_id
        if not text.strip():
            report("error", "empty-text", f"row {row_no}: the text is empty; row not imported", doc_id)
            continue
        if doc_id in seen:
            if raw_id:
                report("error", "duplicate-id", f"id {raw_id!r} is already used on row {seen[doc_id]}; row {row_no} "
                                                "not imported (ids must be unique)", doc_id)
                continue
            report("note", "duplicate-text", f"same text as row {seen[doc_id]}; imported as {doc_id}-{row_no}",
                   doc_id)
            doc_id = f"{doc_id}-{row_no}"
        seen[doc_id] = row_no
        out.update(doc_id=doc_id, path=f"texts/{doc_id}.txt", row=str(row_no))
        title = str(rec.get(mapping["title"], "") or "").strip() if "title" in mapping else ""
        out["title"] = title or _title_from(text)
        source = str(rec.get(mapping["source"], "") or "").strip() if "source" in mapping else ""
        stype = _lookup(source, _SOURCE_SYNONYMS) if source else "other"
        if stype is None:
            report("warning", "unknown-source-type",
                   f"source {source!r} is not one of {', '.join(schema.SOURCE_TYPES)}; imported as 'other' (the "
                   f"value stays in column {meta_cols.get(mapping['source'], 'source_raw')})", doc_id)
            stype = "other"
        out["source_type"] = stype
        if "date" in mapping:
            try:
                out["date"] = normalize_date(rec.get(mapping["date"]))
            except ValueError as exc:
                report("warning", "bad-date", f"{exc}; imported undated (the value stays in column date_raw)", doc_id)
                out["date"] = ""
                out["date_raw"] = str(rec.get(mapping["date"]))
        if "lang" in mapping:
            raw_lang = str(rec.get(mapping["lang"], "") or "").strip()
            lang = _lookup(raw_lang, _LANG_SYNONYMS) if raw_lang else ""
            if lang is None:
                report("warning", "unknown-lang", f"language {raw_lang!r} is not one of {', '.join(schema.LANGS)}; "
                                                  "detected from the text instead", doc_id)
                lang = ""
            out["lang"] = lang
        for target, col in passthrough.items():
            out[target] = _as_text(rec.get(col))
        for col, meta in meta_cols.items():
            out[meta] = _as_text(rec.get(col))
        if "source" in mapping and mapping["source"] != "source_type" and mapping["source"] not in meta_cols:
            out["source_raw"] = source
        for k in ("original_id", "date_raw", "source_raw"):
            if k in out and k not in extra:
                extra.append(k)
        rows.append(out)
        texts[doc_id] = text
    header = [*DOC_COLUMNS, *meta_cols.values(), *extra, "row"]
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "texts").mkdir(exist_ok=True)
    for doc_id, text in texts.items():
        (dest / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    with (dest / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    _write_toml(dest, name or dest.name, description or f"imported from {table}", lexicons)
    result = TableImport(dest, table, len(frame), len(rows), mapping, [*meta_cols.values(), *extra], problems)
    record = {"version": IMPORT_VERSION, "table": table, "n_rows": result.n_rows, "n_documents": result.n_documents,
              "mapping": mapping, "metadata": result.metadata, "problems": [asdict(p) for p in problems],
              **(provenance or {})}
    (dest / "import.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def _missing(value: object) -> bool:
    """None, NaN, NaT or NA."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values
        return False


def _write_toml(dest: Path, name: str, description: str, lexicons: tuple[str, ...]) -> None:
    lex = ", ".join(json.dumps(x) for x in lexicons)
    (dest / "corpus.toml").write_text(
        f"name = {json.dumps(name, ensure_ascii=False)}\n"
        f"description = {json.dumps(description, ensure_ascii=False)}\n"
        f"lexicons = [{lex}]\n\n"
        "# Stages (periods) make stage comparisons possible; add yours, e.g.\n"
        "# [[stages]]\n# id = \"early\"\n# start = \"2008-01-01\"\n# end = \"2011-12-31\"\n", encoding="utf-8")


def skeleton_folder(dest: Path, name: str | None = None, lexicons: tuple[str, ...] = (DEFAULT_LEXICON,)) -> Path:
    """An empty corpus folder to fill by hand: corpus.toml, documents.csv (header only), texts/."""
    if (dest / "documents.csv").exists():
        raise CorpusError(f"{dest} already holds a corpus (documents.csv)", hint="choose a new folder")
    (dest / "texts").mkdir(parents=True, exist_ok=True)
    (dest / "documents.csv").write_text(",".join(DOC_COLUMNS) + "\n", encoding="utf-8")
    _write_toml(dest, name or dest.name, "", lexicons)
    return dest


def _as_text(value: object) -> str:
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and not (value.hour or value.minute or value.second):
        return value.date().isoformat()
    return str(value).replace("\r\n", "\n").strip()


def table_to_folder(path: str | Path, dest: str | Path, columns: Columns = Columns(), *,
                    lexicons: tuple[str, ...] = (DEFAULT_LEXICON,), name: str | None = None) -> TableImport:
    """`corpus-tools init DEST --from PATH`: read the table and write the corpus folder."""
    src = Path(path)
    frame = read_table(src)
    sha1 = hashlib.sha1(src.read_bytes()).hexdigest()
    return write_corpus_folder(frame, Path(dest), columns, name=name or Path(dest).name, table=src.name,
                               lexicons=lexicons, provenance={"source": str(src), "source_sha1": sha1,
                                                              "columns": asdict(columns)})


def import_metadata(root: Path) -> set[str]:
    """The metadata columns a table import wrote into `root/documents.csv` (none for other folders)."""
    record = root / "import.json"
    if not record.is_file():
        return set()
    try:
        return {str(c) for c in json.loads(record.read_text(encoding="utf-8")).get("metadata", [])} | {"row"}
    except (ValueError, TypeError, AttributeError):
        return set()


def import_problems(root: Path) -> list[Problem]:
    """The row problems recorded in `root/import.json` (a folder made from a table), else none."""
    record = root / "import.json"
    if not record.is_file():
        return []
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        return [Problem(**p) for p in data.get("problems", [])]
    except (ValueError, TypeError, KeyError) as exc:
        return [Problem("warning", "bad-import-record", "import.json", None, "", f"cannot read import.json ({exc})")]


def cache_root() -> Path:
    """Where tables used directly as a corpus are turned into folders: $CORPUS_TOOLS_TABLE_CACHE, else a
    per-user folder in the system's temporary directory."""
    env = os.environ.get("CORPUS_TOOLS_TABLE_CACHE")
    if env:
        return Path(env)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"corpus-tools-{uid}" / "tables"


def _cached_folder(key: str, stem: str, build: Any, root: Path | None) -> TableImport:
    """The folder for `key` under the cache root, built once (atomically) by build(tmp_dir)."""
    base = root or cache_root()
    folder = base / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', stem)[:40]}-{key[:12]}"
    record = folder / "import.json"
    if record.is_file():
        data = json.loads(record.read_text(encoding="utf-8"))
        return TableImport(folder, data["table"], data["n_rows"], data["n_documents"], data["mapping"],
                           data["metadata"], [Problem(**p) for p in data["problems"]], reused=True)
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=base))
    try:
        res: TableImport = build(tmp / "corpus")
        try:
            (tmp / "corpus").rename(folder)
        except OSError:  # another process built it first: use theirs
            if not record.is_file():
                raise
        res.root = folder
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table_corpus_folder(path: str | Path, columns: Columns = Columns(), *, root: Path | None = None) -> TableImport:
    """A table used directly as CORPUS: imported once into a cache folder keyed by the table's bytes and the
    column mapping (see `cache_root`); later calls reuse it."""
    src = Path(path)
    if not src.is_file():
        raise InputTableError(f"{src} is neither a corpus folder nor a table file")
    sha1 = hashlib.sha1(src.read_bytes()).hexdigest()
    key = hashlib.sha1(json.dumps([IMPORT_VERSION, sha1, asdict(columns)]).encode()).hexdigest()
    return _cached_folder(key, src.stem, lambda d: table_to_folder(src, d, columns, name=src.stem), root)


def frame_corpus_folder(frame: pd.DataFrame, columns: Columns = Columns(), *, name: str = "frame",
                        lexicons: tuple[str, ...] = (DEFAULT_LEXICON,),
                        root: Path | None = None) -> TableImport:
    """A DataFrame as a corpus folder in the cache, keyed by its content and the column mapping."""
    content = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes()
    head = json.dumps([IMPORT_VERSION, [str(c) for c in frame.columns], asdict(columns), list(lexicons), name])
    key = hashlib.sha1(head.encode() + content).hexdigest()
    return _cached_folder(key, name, lambda d: write_corpus_folder(frame, d, columns, name=name, table="frame",
                                                                   lexicons=lexicons), root)
