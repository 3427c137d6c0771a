"""Run manifests: what went in (with hashes), with which settings and software, and what came out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus_tools._version import __version__

PACKAGES = ("pandas", "numpy", "scipy", "rjieba", "jieba", "opencc", "PyYAML", "python-docx", "charset-normalizer",
            "pyarrow", "gensim", "scikit-learn", "tomotopy", "matplotlib", "statsmodels", "krippendorff", "flask")


def file_sha1(path: Path) -> str:
    """SHA-1 of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha1").hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python, corpus-tools and the libraries that shape results."""
    out = {"python": platform.python_version(), "corpus-tools": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def corpus_inputs(root: Path, paths: list[str]) -> list[dict[str, str | int]]:
    """corpus.toml, documents.csv and every listed text file, with their hashes."""
    files = ["corpus.toml", "documents.csv", *paths]
    out: list[dict[str, str | int]] = []
    for rel in files:
        p = root / rel
        if p.is_file():
            out.append({"path": rel, "sha1": file_sha1(p), "bytes": p.stat().st_size})
    return out


class PackedInputs:
    """`corpus_inputs` held compactly through a long run: the paths in one string, the SHA-1s as bytes, the sizes
    as integers (a dict and three objects per file took about 420 bytes: 40 MB for 100,000 files), with the digest
    of the list for cache keys. `unpack()` gives the list again, equal to the one packed."""

    def __init__(self, inputs: list[dict[str, str | int]]) -> None:
        self.n = len(inputs)
        self.digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        self._paths = "\0".join(str(i["path"]) for i in inputs)  # a path has no NUL character
        self._sha1 = b"".join(bytes.fromhex(str(i["sha1"])) for i in inputs)
        self._bytes = [int(i["bytes"]) for i in inputs]

    def unpack(self) -> list[dict[str, str | int]]:
        paths = self._paths.split("\0") if self.n else []
        return [{"path": p, "sha1": self._sha1[20 * k:20 * k + 20].hex(), "bytes": b}
                for k, (p, b) in enumerate(zip(paths, self._bytes, strict=True))]


def write_manifest(path: Path, data: dict[str, Any]) -> Path:
    """Write the manifest as indented UTF-8 JSON, adding the creation time and software versions."""
    full = {"created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "software": package_versions(), **data}
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(full, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)  # atomic: manifest.json is the mark of a complete run
    return path
