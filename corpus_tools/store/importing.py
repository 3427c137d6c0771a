"""Import existing codings into the store: a corpus's codings.csv, or a CSV/XLSX table of id/text/codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools.errors import InputTableError, StoreError
from corpus_tools.io.manifest import file_sha1
from corpus_tools.io.office import read_xlsx
from corpus_tools.store.codings import read_codings
from corpus_tools.store.log import NONE
from corpus_tools.store.store import CodingStore
from corpus_tools.text.normalize import text_hash

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus

_SPLIT_RE = re.compile(r"[;,|]")


@dataclass
class ImportResult:
    """What an import recorded, and every row it could not use (nothing is dropped silently)."""

    source: str
    events: int = 0
    entries: int = 0
    coders: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped_file: bool = False


def _rows_for(entry_id: str, thash: str, coder: str, codes: Sequence[str], note: str,
              text: str = "") -> list[dict[str, object]]:
    kinds = [("none-applies", NONE)] if list(codes) == [NONE] else [("add", c) for c in codes]
    return [{"entry_id": entry_id, "text_hash": thash, "code": c, "decision": d, "coder": coder,
             "source": "manual", "mode": "imported", "note": note, "text": text} for d, c in kinds]


def _guard(store: CodingStore, path: Path, force: bool) -> str | None:
    sha = file_sha1(path)
    if store.imported(sha) and not force:
        return None
    return sha


def _commit(store: CodingStore, result: ImportResult, rows: list[dict[str, object]], path: Path, sha: str,
            force: bool, entries: int, coders: list[str]) -> ImportResult:
    """Write the rows and the import record in one transaction (a crash leaves both or neither)."""
    events = store.import_decisions(rows, str(path), sha, ",".join(coders), force=force)
    if events is None:  # another process imported the same bytes meanwhile
        result.skipped_file = True
        return result
    result.events, result.entries, result.coders = events, entries, coders
    return result


def import_corpus_codings(store: CodingStore, corpus: Corpus, known_codes: Sequence[str] | None = None,
                          filename: str = "codings.csv", force: bool = False) -> ImportResult:
    """Record a corpus's codings.csv as imported decisions (each coder's codes as `add`, `none` as none-applies).

    The same file (by content hash) is imported once; `force` imports it again.
    """
    path = corpus.root / filename
    result = ImportResult(str(path))
    codings = read_codings(corpus, list(known_codes) if known_codes else None, filename)
    result.problems = list(codings.problems)
    if not path.is_file() or (sha := _guard(store, path, force)) is None:
        result.skipped_file = True
        return result
    hashes = dict(zip(corpus.entries["entry_id"], corpus.entries["text_hash"], strict=True))
    rows: list[dict[str, object]] = []
    for (eid, coder), group in codings.long.groupby(["entry_id", "coder"], sort=False):
        rows.extend(_rows_for(str(eid), hashes[str(eid)], str(coder), list(group["code"]),
                              f"imported from {filename}"))
    return _commit(store, result, rows, path, sha, force, int(codings.long["entry_id"].nunique()),
                   list(codings.coders))


def read_coding_table(path: Path) -> pd.DataFrame:
    """A CSV/TSV/XLSX table as strings (empty cells as "")."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputTableError(f"coding table {path} does not exist")
    try:
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
                               encoding="utf-8-sig")
        if suffix == ".xlsx":
            return read_xlsx(path)  # checked first: decompression, XML size and cell limits (io.office)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InputTableError(f"{path}: cannot read table ({exc})") from exc
    raise InputTableError(f"{path}: unsupported coding table format {suffix!r}", hint="use .csv, .tsv or .xlsx")


def import_table(store: CodingStore, path: Path, *, coder: str = "", known_codes: Sequence[str] | None = None,
                 corpus: Corpus | None = None, id_col: str = "id", text_col: str = "text",
                 codes_col: str = "codes", coder_col: str = "coder", force: bool = False) -> ImportResult:
    """Record a table of coded passages (id, text, codes `;`-separated, optional coder column).

    Ids that are entries of `corpus` are tied to the corpus text (a differing text is a problem); other
    rows become passages of their own (entry id = the row id, hash of the given text).
    """
    table = read_coding_table(path)
    missing = [c for c in (id_col, codes_col) if c not in table.columns]
    if text_col not in table.columns and corpus is None:
        missing.append(text_col)
    if missing:
        raise InputTableError(f"{path}: column(s) {', '.join(missing)} not found",
                              hint=f"available: {', '.join(map(str, table.columns))}")
    has_coder = coder_col in table.columns
    if not has_coder and not coder:
        raise StoreError(f"{path} has no {coder_col!r} column", hint="name the coder with --coder")
    result = ImportResult(str(path))
    if (sha := _guard(store, path, force)) is None:
        result.skipped_file = True
        return result
    known = set(known_codes) if known_codes else None
    entries = corpus.entries.set_index("entry_id") if corpus is not None else None
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    coders: dict[str, None] = {}
    for line, r in enumerate(table.to_dict("records"), start=2):
        rid = str(r[id_col]).strip()
        who = (str(r[coder_col]).strip() if has_coder else "") or coder
        text = str(r.get(text_col, "") or "")
        codes = [c.strip() for c in _SPLIT_RE.split(str(r[codes_col])) if c.strip()]
        where = f"{path.name}:{line}"
        if not rid or not who:
            result.problems.append(f"{where}: empty id or coder")
            continue
        if not codes:
            result.problems.append(f"{where}: {rid} has no codes (write `none` when no code applies)")
            continue
        bad = [c for c in codes if c != NONE and known is not None and c not in known]
        if bad or (NONE in codes and len(codes) > 1):
            result.problems.append(f"{where}: {rid}: " + (f"unknown code(s) {', '.join(bad)}" if bad
                                                           else "`none` combined with other codes"))
            continue
        if entries is not None and rid in entries.index:
            thash = str(entries.at[rid, "text_hash"])
            if text.strip() and text_hash(text) != thash:
                result.problems.append(f"{where}: {rid}: text differs from the corpus entry; not imported")
                continue
            text = ""  # the corpus holds it
        elif not text.strip():
            result.problems.append(f"{where}: {rid} is not a corpus entry and has no text")
            continue
        else:
            thash = text_hash(text)
        rows.extend(_rows_for(rid, thash, who, codes, f"imported from {path.name}", text))
        seen.add(rid)
        coders[who] = None
    return _commit(store, result, rows, path, sha, force, len(seen), list(coders))
