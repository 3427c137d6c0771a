"""Reading a corpus's files in a process of its own, which hands the frames back in files.

Reading a large corpus leaves the reading process's heaps fragmented: documents.csv's rows, the records and the
worker results come and go, and the allocators cannot give most of that memory back (at 100,000 documents about
300 MB that every later step of `analyze` started from). A forked process reads the files, writes the frames it
made (io.frame_files; the texts stay in the files they were spilled to) and exits, taking that memory with it;
this process maps the files. Errors come back as the same exception type and message; a process that dies
(killed, out of memory) is an error, never a half-read corpus.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tools import errors
from corpus_tools.corpus.batches import ENTRY_COLS, EntryBatches
from corpus_tools.corpus.problems import Problem
from corpus_tools.errors import CorpusToolsError, WorkerError
from corpus_tools.io.frame_files import read_frame, write_frame
from corpus_tools.io.mapped import as_series, load_strings

_PROBLEM_COLS = ["level", "code", "file", "line", "doc_id", "message"]


@dataclass
class ReadFiles:
    """What reading the files gives (corpus.loader): the documents and entries frames with their texts, the
    problems so far, each HTML page's main content and the notes on files documents.csv does not list."""

    docs: pd.DataFrame
    entries: pd.DataFrame
    problems: list[Problem]
    mains: dict[str, str]
    unlisted: list[Problem]


def read_in_process(read: Callable[[EntryBatches], ReadFiles], spill: Path) -> ReadFiles:
    """`read(batches)` run in a forked process, its result mapped from files in a temporary folder under `spill`
    (removed before returning: the mapped files stay readable until their columns go)."""
    spill.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".reading-", dir=spill))
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(read, folder, send), name="corpus-tools-read")
    try:
        process.start()
        send.close()
        try:
            status = receive.recv()
        except EOFError:  # the process died without a word
            status = None
        process.join()
        if status is None or (status["error"] is None and process.exitcode != 0):
            raise WorkerError(f"the process reading the corpus stopped (exit code {process.exitcode})",
                              hint="killed, or out of memory? Run again, with fewer --workers")
        if status["error"] is not None:
            _raise(status)
        return _load(folder)
    finally:
        if process.is_alive():
            process.terminate()
            process.join()
        receive.close()
        shutil.rmtree(folder, ignore_errors=True)


def _child(read: Callable[[EntryBatches], ReadFiles], folder: Path, send: Any) -> None:
    """In the forked process: read, write the result to `folder`, say how it went."""
    status: dict[str, Any]
    try:
        batches = EntryBatches(ENTRY_COLS, folder, keep=True)
        _save(read(batches), batches, folder)
        status = {"error": None}
    except CorpusToolsError as exc:
        status = {"error": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    except KeyboardInterrupt:
        status = {"error": "KeyboardInterrupt"}
    except BaseException:  # a bug: its traceback, for the report
        status = {"error": "", "message": traceback.format_exc()}
    send.send(status)
    send.close()


def _raise(status: dict[str, Any]) -> None:
    """The child's exception again, here."""
    if status["error"] == "KeyboardInterrupt":
        raise KeyboardInterrupt
    kind = getattr(errors, status["error"], None) if status["error"] else None
    if isinstance(kind, type) and issubclass(kind, CorpusToolsError):
        raise kind(status["message"], hint=status["hint"])
    raise RuntimeError(f"reading the corpus failed in its process:\n{status['message']}")


def _save(found: ReadFiles, batches: EntryBatches, folder: Path) -> None:
    """Write `found` to `folder`: frames as Arrow IPC files, texts as the spill files they are in plus their
    index, and a list of the texts' files written last (it marks the folder complete)."""
    assert batches.spills is not None
    texts = {}
    for name, frame, spill in (("docs", found.docs, batches.spills[1]), ("entries", found.entries, batches.spills[0])):
        write_frame(frame.drop(columns=["text"]), folder / f"{name}.arrow")
        spill.save_index(folder / f"{name}.text.npz")
        texts[name] = {"file": spill.path.name, "at": list(frame.columns).index("text")}
    write_frame(_problems(found.problems), folder / "problems.arrow")
    write_frame(_problems(found.unlisted), folder / "unlisted.arrow")
    write_frame(pd.DataFrame({"doc_id": list(found.mains), "main": list(found.mains.values())}, dtype="str"),
                folder / "mains.arrow")
    (folder / "texts.json").write_text(json.dumps(texts), encoding="utf-8")


def _load(folder: Path) -> ReadFiles:
    """What `_save` wrote, mapped."""
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    frames = {}
    for name, where in texts.items():
        frame = read_frame(folder / f"{name}.arrow")
        column = load_strings(folder / where["file"], folder / f"{name}.text.npz")
        frame.insert(where["at"], "text", as_series(column, frame.index))
        frames[name] = frame
    mains = read_frame(folder / "mains.arrow")
    return ReadFiles(frames["docs"], frames["entries"], _problem_list(read_frame(folder / "problems.arrow")),
                     dict(zip(mains["doc_id"], mains["main"], strict=True)),
                     _problem_list(read_frame(folder / "unlisted.arrow")))


def _problems(problems: list[Problem]) -> pd.DataFrame:
    frame = pd.DataFrame([p.__dict__ for p in problems], columns=_PROBLEM_COLS)
    for col in _PROBLEM_COLS:
        frame[col] = frame[col].astype("Int64" if col == "line" else "str")
    return frame


def _problem_list(frame: pd.DataFrame) -> list[Problem]:
    return [Problem(level, code, file, None if pd.isna(line) else int(line), doc_id, message)
            for level, code, file, line, doc_id, message in frame[_PROBLEM_COLS].itertuples(index=False, name=None)]
