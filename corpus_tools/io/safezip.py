"""Hardened reading of files from elsewhere: XML without DTDs or entities, zip archives with limits.

Shared by every reader of zipped XML: REFI-QDA projects (.qdpx), Word documents (.docx) and workbooks
(.xlsx). Errors about malformed input are raised as the caller's error type (`malformed=`), so a .qdpx
problem stays an ExchangeError and a .docx problem a DecodeError; safety refusals are UnsafeFileError.

XML goes through defusedxml (a DTD, entity declaration or external reference is refused, which stops
"billion laughs" and external-entity attacks). Zip members are never extracted to disk; before anything
is read, every member name is checked (no absolute paths, drive letters or `..`), symlinks and encrypted
members are refused, and the member count and the total uncompressed size are capped (zip bombs).
Reads are capped again while decompressing, so a member that lies about its size cannot exceed the cap.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from corpus_tools.errors import CorpusToolsError, ExchangeError, UnsafeFileError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps for untrusted input files (defaults fit large real projects; tests pass smaller ones)."""

    max_members: int = 20_000
    max_total_bytes: int = 2048 * MiB
    max_member_bytes: int = 512 * MiB
    max_xml_bytes: int = 256 * MiB
    max_ratio: float = 1000.0  # uncompressed / compressed size of one large member
    max_depth: int = 100  # nesting of elements we walk recursively (REFI <Code> trees)


DEFAULT_LIMITS = Limits()


def parse_xml(data: bytes, where: str, limits: Limits = DEFAULT_LIMITS,
              malformed: type[CorpusToolsError] = ExchangeError,
              hint: str = "REFI-QDA files need neither; re-export the file from its QDA program") -> Element:
    """Parse untrusted XML bytes with defusedxml; UnsafeFileError for DTDs/entities, `malformed` if not XML."""
    if len(data) > limits.max_xml_bytes:
        raise UnsafeFileError(f"{where}: XML of {len(data):,} bytes exceeds the limit of {limits.max_xml_bytes:,}")
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeFileError(f"{where}: refused for safety: the XML declares a DTD or entities ({exc})",
                              hint=hint) from exc
    except ParseError as exc:
        raise malformed(f"{where}: not well-formed XML ({exc})") from exc
    check_depth(root, limits.max_depth, where)
    return root


def check_depth(root: Element, limit: int, where: str) -> None:
    """UnsafeFileError when elements nest deeper than `limit` (checked without recursion, before any
    recursive walk could hit Python's recursion limit)."""
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > limit:
            raise UnsafeFileError(f"{where}: elements nest more than {limit} levels deep (limit max_depth)",
                                  hint="flatten the code tree; real codebooks are a few levels deep")
        stack.extend((child, depth + 1) for child in el)


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a file, refusing files larger than `limit`."""
    size = path.stat().st_size
    if size > limit:
        raise UnsafeFileError(f"{path}: {size:,} bytes exceeds the limit of {limit:,} for this kind of file")
    return path.read_bytes()


def check_member_name(name: str, where: str) -> str:
    """The member's normalised relative path; UnsafeFileError for absolute paths, drive letters or `..`."""
    if "\x00" in name:
        raise UnsafeFileError(f"{where}: member name {name!r} contains a NUL character")
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or norm.startswith("//"):
        raise UnsafeFileError(f"{where}: member {name!r} has an absolute path")
    parts = PurePosixPath(norm).parts
    if ".." in parts:
        raise UnsafeFileError(f"{where}: member {name!r} points outside the archive (`..`)")
    return "/".join(p for p in parts if p not in ("", "."))


class SafeZip:
    """A zip archive opened for reading member bytes in memory, after all safety checks passed."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS,
                 malformed: type[CorpusToolsError] = ExchangeError,
                 hint: str = "a .qdpx file is a zip archive holding project.qde") -> None:
        self.path = path
        self.limits = limits
        self.malformed = malformed
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise malformed(f"{path}: not a readable zip archive ({exc})", hint=hint) from exc
        try:
            self.names = self._check()
        except BaseException:
            self._zip.close()
            raise

    def _check(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        lim = self.limits
        if len(infos) > lim.max_members:
            raise UnsafeFileError(f"{self.path}: {len(infos):,} members exceed the limit of {lim.max_members:,}")
        total = 0
        names: dict[str, zipfile.ZipInfo] = {}
        lowered: set[str] = set()
        for info in infos:
            name = check_member_name(info.filename, str(self.path))
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeFileError(f"{self.path}: member {info.filename!r} is a symbolic link")
            if info.flag_bits & 0x1:
                raise UnsafeFileError(f"{self.path}: member {info.filename!r} is encrypted")
            if info.file_size > lim.max_member_bytes:
                raise UnsafeFileError(f"{self.path}: member {info.filename!r} would unpack to {info.file_size:,} "
                                      f"bytes (limit {lim.max_member_bytes:,})")
            if info.file_size > MiB and info.file_size > lim.max_ratio * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnsafeFileError(f"{self.path}: member {info.filename!r} is compressed {ratio:,} to 1, "
                                      "like a zip bomb")
            total += info.file_size
            if total > lim.max_total_bytes:
                raise UnsafeFileError(f"{self.path}: members would unpack to more than "
                                      f"{lim.max_total_bytes:,} bytes (zip bomb?)")
            if info.is_dir():
                continue
            if name.lower() in lowered:
                raise UnsafeFileError(f"{self.path}: member {info.filename!r} appears twice")
            lowered.add(name.lower())
            names[name] = info
        return names

    def find(self, name: str) -> str | None:
        """The member stored under `name`, compared without regard to case; None when absent."""
        wanted = name.lower()
        for n in self.names:
            if n.lower() == wanted:
                return n
        return None

    def read(self, name: str) -> bytes:
        """A member's bytes, decompressed with a hard cap (the declared size, itself within the limits)."""
        info = self.names[name]
        cap = min(info.file_size, self.limits.max_member_bytes)
        try:
            with self._zip.open(info) as fh:
                data = fh.read(cap + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise self.malformed(f"{self.path}: member {name!r} cannot be read ({exc})") from exc
        if len(data) > cap:
            raise UnsafeFileError(f"{self.path}: member {name!r} unpacks to more than its declared size")
        return data

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
