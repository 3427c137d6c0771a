"""Reading a corpus's files, and flagging its junk and near-duplicates, in processes of their own (io.forked).

Reading a large corpus leaves the reading process's heaps fragmented: documents.csv's rows, the records and the
worker results come and go, and the allocators cannot give most of that memory back (at 100,000 documents about
300 MB that every later step of `analyze` started from). A forked process reads the files, writes the frames it
made (io.frame_files; the texts stay in the files they were spilled to) and exits, taking that memory with it;
this process maps the files. A second one flags junk entries and near-duplicates on the mapped frames and hands
back only the columns and problems it added.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corpus_tools.corpus.batches import ENTRY_COLS, EntryBatches
from corpus_tools.corpus.problems import Problem
from corpus_tools.io.forked import in_forked_process
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
    def write(folder: Path) -> None:
        batches = EntryBatches(ENTRY_COLS, folder, keep=True)
        _save(read(batches), batches, folder)

    return in_forked_process(write, _load, spill, "reading the corpus")


def flag_in_process(flag: Callable[[ReadFiles], None], found: ReadFiles, spill: Path) -> None:
    """`flag(found)` run in a forked process: the columns it adds to `found.docs` and `found.entries` (junk,
    near-duplicates) and its problems come back into `found` here; its passes' garbage goes with the process."""
    def write(folder: Path) -> None:
        before = {name: list(getattr(found, name).columns) for name in ("docs", "entries")}
        flag(found)
        for name, columns in before.items():
            frame = getattr(found, name)
            write_frame(frame[[c for c in frame.columns if c not in columns]], folder / f"{name}.arrow")
        write_frame(_problems(found.problems), folder / "problems.arrow")

    def take(folder: Path) -> None:
        for name in ("docs", "entries"):
            frame = getattr(found, name)
            for column, values in read_frame(folder / f"{name}.arrow").items():
                frame[column] = values.set_axis(frame.index)
        found.problems[:] = _problem_list(read_frame(folder / "problems.arrow"))

    in_forked_process(write, take, spill, "flagging junk and near-duplicates")


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
