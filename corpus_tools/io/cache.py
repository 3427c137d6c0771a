"""A content-addressed cache for `analyze`: tokens, scores, framing, topic models and charts.

Entries live in `root/kind/key/` as plain data (Parquet frames, JSON, PNG/SVG), never pickles. The key
is a SHA-256 of everything the result depends on (input file hashes, settings, package and library
versions, and a hash of the code that computes it), so any change is a miss and a stale entry is never
read. A corrupt or partial entry is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tools._version import __version__
from corpus_tools.io.mapped import release_pages

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

_PKG = Path(__file__).resolve().parent.parent  # the corpus_tools package folder
KEEP = {"charts": 400}  # entries kept per kind (oldest pruned); default below
DEFAULT_KEEP = 4


_SOURCE_SUFFIXES = (".py", ".pyi", ".c", ".h")
_NATIVE = "corpus_tools._native"  # reaching the compiled extension means its C sources matter too
_IMPORT_RE = re.compile(r"^[ \t]*(?:from[ \t]+(corpus_tools(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)"
                        r"|import[ \t]+(corpus_tools(?:\.\w+)*))", re.M)


def _module_file(name: str) -> Path | None:
    """The source file of a corpus_tools module or package (None when no such module exists)."""
    base = _PKG.parent.joinpath(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _imported(src: str) -> set[str]:
    """corpus_tools modules a source file imports anywhere (module top, functions, TYPE_CHECKING blocks)."""
    out: set[str] = set()
    for m in _IMPORT_RE.finditer(src):
        if m.group(3):
            out.add(m.group(3))
            continue
        mod = m.group(1)
        out.add(mod)
        for name in re.split(r"[\s,()]+", m.group(2)):
            if name and name != "as" and _module_file(f"{mod}.{name}") is not None:
                out.add(f"{mod}.{name}")  # `from corpus_tools.x import y` where y is a module
    return out


@lru_cache(maxsize=64)
def source_files(*modules: str) -> tuple[Path, ...]:
    """Every source file whose code runs when `modules` run: the modules themselves, every corpus_tools module
    they import (transitively, imports inside functions included), the packages on the way, and the compiled
    extension's C sources (`_speedups.c` and its headers) when the native glue is reached. Derived from the
    code, so a new or renamed module is covered without anyone updating a list."""
    seen: set[str] = set()
    todo = list(modules)
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            raise ValueError(f"code_hash: no module {name!r} in corpus_tools (renamed? update the caller)")
        files.add(path)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run their __init__
        todo.extend(_imported(path.read_text(encoding="utf-8")) - seen)
        if name == _NATIVE:
            files.update(f for f in _PKG.glob("_speedups*") if f.suffix in _SOURCE_SUFFIXES)
    return tuple(sorted(files))


def code_hash(*modules: str) -> str:
    """Hash of the source files behind `modules` (see `source_files`): any change to code that computes a
    cached result changes its key."""
    h = hashlib.sha256(__version__.encode())
    for f in source_files(*modules):
        h.update(str(f.relative_to(_PKG)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def make_key(**parts: Any) -> str:
    """A stable key from JSON-able parts (sorted keys; anything else by str)."""
    blob = json.dumps({"corpus-tools": __version__, **parts}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    """Read and write cached results; `root=None` disables caching (every lookup misses, nothing is written)."""

    def __init__(self, root: str | Path | None) -> None:
        self.root = Path(root) if root is not None else None
        self.hits: list[str] = []
        self.misses: list[str] = []

    @property
    def enabled(self) -> bool:
        """True when results are read and written."""
        return self.root is not None

    def _dir(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key

    def _record(self, kind: str, hit: bool) -> bool:
        (self.hits if hit else self.misses).append(kind)
        return hit

    def _commit(self, kind: str, key: str, fill: Any) -> None:
        """Write an entry into a temporary folder, then move it into place (readers never see half an entry)."""
        if self.root is None:
            return
        final = self._dir(kind, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:8]}-", dir=final.parent))
        try:
            fill(tmp)
            (tmp / "complete").write_text("1", encoding="utf-8")
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.warning("cache: could not store %s/%s: %s", kind, key[:12], exc)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        self._prune(kind)

    def _prune(self, kind: str) -> None:
        assert self.root is not None
        keep = KEEP.get(kind, DEFAULT_KEEP)
        entries = [p for p in (self.root / kind).iterdir() if p.is_dir() and not p.name.startswith(".")]
        if len(entries) > keep:
            entries.sort(key=lambda p: p.stat().st_mtime)
            for old in entries[:len(entries) - keep]:
                shutil.rmtree(old, ignore_errors=True)

    def _ready(self, kind: str, key: str) -> Path | None:
        if self.root is None:
            return None
        d = self._dir(kind, key)
        if (d / "complete").is_file():
            os.utime(d)  # recently used entries survive pruning
            return d
        return None

    def load_frames(self, kind: str, key: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any]] | None:
        """Frames and metadata stored under (kind, key), or None on a miss."""
        d = self._ready(kind, key)
        if d is None:
            self._record(kind, False)
            return None
        try:
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            frames = {name: pd.read_parquet(d / f"{name}.parquet") for name in meta["frames"]}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cache: unreadable entry %s/%s (%s): recomputing", kind, key[:12], exc)
            self._record(kind, False)
            return None
        self._record(kind, True)
        return frames, meta.get("data", {})

    def save_frames(self, kind: str, key: str, frames: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]],
                    data: Mapping[str, Any] | None = None) -> None:
        """Store frames (as Parquet) and JSON-able metadata under (kind, key). A frame may come as parts (an
        iterable of frames with the same columns and types, made as they are written: `load_frames` gives them
        back as one frame), so that a large one, or one over memory-mapped arrays, is never whole in memory."""

        def fill(tmp: Path) -> None:
            for name, frame in frames.items():
                if isinstance(frame, pd.DataFrame):
                    frame.to_parquet(tmp / f"{name}.parquet", index=False)
                else:
                    _write_parts(tmp / f"{name}.parquet", frame)
            meta = {"frames": list(frames), "data": dict(data or {})}
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")

        self._commit(kind, key, fill)

    def has(self, kind: str, key: str) -> bool:
        """True when a complete entry exists (not counted as a hit or miss)."""
        return self._ready(kind, key) is not None

    def restore_files(self, kind: str, key: str, targets: Mapping[str, Path]) -> bool:
        """Copy cached files (by label) to `targets`; False on a miss."""
        d = self._ready(kind, key)
        if d is None or not all((d / label).is_file() for label in targets):
            return self._record(kind, False)
        for label, dest in targets.items():
            shutil.copyfile(d / label, dest)
        return self._record(kind, True)

    def store_files(self, kind: str, key: str, sources: Mapping[str, Path]) -> None:
        """Copy files (by label) into the cache under (kind, key)."""

        def fill(tmp: Path) -> None:
            for label, src in sources.items():
                shutil.copyfile(src, tmp / label)

        self._commit(kind, key, fill)

    def summary(self) -> dict[str, Any]:
        """Where the cache is and what this run found in it (for the manifest)."""
        return {"dir": str(self.root) if self.root else None, "hits": dict(sorted(Counter(self.hits).items())),
                "misses": dict(sorted(Counter(self.misses).items()))}


def _write_parts(path: Path, parts: Iterable[pd.DataFrame]) -> None:
    """Frames with the same columns written one after another into one Parquet file (a row group or more each),
    dropping the pages of mapped arrays read so far after each (io.mapped.release_pages)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for part in parts:
            table = pa.Table.from_pandas(part, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            del table
            release_pages()
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError(f"no parts for {path.name}")
