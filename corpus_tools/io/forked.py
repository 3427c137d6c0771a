"""Run a memory-hungry piece of work in a forked process that hands its result back in files.

Python's and the C library's allocators rarely give memory back once a heap is fragmented: after a pass that
made and dropped millions of small objects, the process keeps most of its peak. Done in a forked process, that
memory goes when the process exits; the result comes back in files the calling process maps (io.frame_files,
io.mapped). Errors come back as the same exception type, message and hint; a process that dies (killed, out of
memory) is a WorkerError, never a half-written result.
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from corpus_tools import errors
from corpus_tools.errors import CorpusToolsError, WorkerError

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this platform forks (Linux, macOS): where it does not, callers do the work in-process."""
    return "fork" in mp.get_all_start_methods()


def in_forked_process(write: Callable[[Path], None], read: Callable[[Path], T], folder: Path, what: str) -> T:
    """`write(tmp)` in a forked process, then `read(tmp)` here, with `tmp` a new folder under `folder` that is
    removed before returning (files mapped by `read` stay readable on POSIX until their mappings go). `what`
    names the work in error messages ("reading the corpus")."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".forked-", dir=folder))
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(write, tmp, send), name=f"corpus-tools: {what}")
    try:
        process.start()
        send.close()
        try:
            status = receive.recv()
        except EOFError:  # the process died without a word
            status = None
        process.join()
        if status is None or (status["error"] is None and process.exitcode != 0):
            raise WorkerError(f"the process {what} stopped (exit code {process.exitcode})",
                              hint="killed, or out of memory? Run again, with fewer --workers")
        if status["error"] is not None:
            _raise(status, what)
        return read(tmp)
    finally:
        if process.is_alive():
            process.terminate()
            process.join()
        receive.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _child(write: Callable[[Path], None], tmp: Path, send: Any) -> None:
    """In the forked process: write, then say how it went (a plain dict: no exception object is pickled)."""
    status: dict[str, Any]
    try:
        write(tmp)
        status = {"error": None}
    except CorpusToolsError as exc:
        status = {"error": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    except KeyboardInterrupt:
        status = {"error": "KeyboardInterrupt"}
    except BaseException:  # a bug: its traceback, for the report
        status = {"error": "", "message": traceback.format_exc()}
    send.send(status)
    send.close()


def _raise(status: dict[str, Any], what: str) -> None:
    """The child's exception again, here."""
    if status["error"] == "KeyboardInterrupt":
        raise KeyboardInterrupt
    kind = getattr(errors, status["error"], None) if status["error"] else None
    if isinstance(kind, type) and issubclass(kind, CorpusToolsError):
        raise kind(status["message"], hint=status["hint"])
    raise RuntimeError(f"{what} failed in its process:\n{status['message']}")
