"""The evidence explorer reads only the entries it shows (documents with their text, entries a sampled hit
points into) and gets the same page data as the former pass over every entry of the corpus."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pytest

from corpus_tools.report.evidence import top_passages
from corpus_tools.report.explorer import (
    CONTEXT,
    LANGUAGES,
    MAX_ROWS,
    MAX_TEXT_BYTES,
    ExplorerData,
    _sample,
    _str,
    explorer_data,
)


def _reference_explorer(evidence: pd.DataFrame, entries: pd.DataFrame, docs: pd.DataFrame,
                        names: Mapping[str, str], constructs: Mapping[str, str], max_rows: int = MAX_ROWS,
                  max_text_bytes: int = MAX_TEXT_BYTES, *, n_rows: int | None = None,
                  per_doc_hits: pd.Series | None = None, variables: list[str] | None = None) -> ExplorerData:
    """The whole-corpus pass the explorer used before it turned only the shown entries into strings."""
    ev = _sample(evidence, max_rows)
    doc_ids = [str(d) for d in docs["doc_id"]]
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    ent = entries.sort_values(["doc_id", "start"]) if "start" in entries else entries
    if per_doc_hits is None:
        per_doc_hits = evidence.groupby("doc_id").size() if len(evidence) else pd.Series(dtype=int)
    # documents with most hits keep their text first, within the byte budget
    sizes = ent.groupby("doc_id")["text"].apply(lambda s: sum(len(str(t).encode("utf-8")) for t in s))
    order = sorted(doc_ids, key=lambda d: (-int(per_doc_hits.get(d, 0)), doc_index[d]))
    budget, with_text = max_text_bytes, set()
    for d in order:
        size = int(sizes.get(d, 0))
        if size <= budget:
            with_text.add(d)
            budget -= size
    entry_rows: list[list[Any]] = []
    entry_index: dict[str, int] = {}
    entry_start: dict[str, int] = {}
    entry_text: dict[str, str] = {}
    for rec in ent.itertuples(index=False):
        eid, did = str(rec.entry_id), str(rec.doc_id)
        entry_start[eid] = int(getattr(rec, "start", 0))
        entry_text[eid] = str(rec.text)
        if did not in with_text or did not in doc_index:
            continue
        entry_index[eid] = len(entry_rows)
        entry_rows.append([doc_index[did], eid, str(rec.text), _str(getattr(rec, "speaker", ""))])
    if variables is None:
        variables = list(dict.fromkeys(str(v) for v in evidence["variable"])) if len(evidence) else []
    var_index = {v: i for i, v in enumerate(variables)}
    rows: list[list[Any]] = []
    for rec in ev.itertuples(index=False):
        eid = str(rec.entry_id)
        base = entry_start.get(eid, 0)
        s, e = int(rec.start) - base, int(rec.end) - base
        flags = ("c" if bool(getattr(rec, "counted", True)) else "") + ("n" if bool(getattr(rec, "negated", False))
                                                                       else "") + \
            ("o" if bool(getattr(rec, "overlap", False)) else "")
        row: list[Any] = [doc_index.get(str(rec.doc_id), -1), entry_index.get(eid, -1), var_index[str(rec.variable)],
                          s, e, _str(rec.matched), flags]
        if row[1] < 0:  # entry text not embedded: the hit with its context
            text = entry_text.get(eid, "")
            row.append([text[max(0, s - CONTEXT):s], text[e:e + CONTEXT]])
        rows.append(row)
    stage_col = docs["stage"].astype(str) if "stage" in docs else pd.Series([""] * len(docs))
    payload = {
        "vars": [[v, names.get(v, v), constructs.get(v, v.split(".")[0]),
                  names.get(constructs.get(v, v.split(".")[0]), constructs.get(v, ""))] for v in variables],
        "docs": [[d, _str(t), _str(src), _str(st), _str(lang), _str(date), d in with_text]
                 for d, t, src, st, lang, date in zip(doc_ids, docs["title"], docs["source_type"], stage_col,
                                                      docs["lang"], docs["date"], strict=True)],
        "entries": entry_rows,
        "rows": rows,
        "n_rows": len(evidence) if n_rows is None else n_rows, "n_docs_text": len(with_text),
        "langs": dict(LANGUAGES),
    }
    return ExplorerData(payload, len(evidence) if n_rows is None else n_rows, len(rows), len(doc_ids),
                        len(with_text))


def _messy(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    words = ["网店", "利润", "培训", "online", "shop", "😀", "电商", "loans", "é"]
    docs, entries, ev = [], [], []
    for d in range(12):
        did = f"D{d:02d}"
        docs.append({"doc_id": did, "title": f"t{d}", "source_type": rng.choice(["media", "interview"]),
                     "stage": rng.choice(["early", "late"]), "lang": rng.choice(["zh-Hans", "en"]),
                     "date": rng.choice(["2010", "2015", float("nan")])})
        start = 0
        for k in range(rng.randrange(1, 5)):
            text = " ".join(rng.choice(words) for _ in range(rng.randrange(2, 9)))
            eid = f"{did}:{k}"
            entries.append({"entry_id": eid, "doc_id": did, "start": start, "text": text,
                            "speaker": rng.choice(["", "A", None])})
            for _ in range(rng.randrange(0, 4)):
                s = rng.randrange(0, len(text))
                ev.append({"doc_id": did, "entry_id": eid, "variable": rng.choice(["a.x", "a.y", "b.z"]),
                           "start": start + s, "end": start + min(len(text), s + 2), "matched": text[s:s + 2],
                           "counted": rng.random() < 0.8, "negated": rng.random() < 0.2, "overlap": False,
                           "term": "t"})
            start += len(text) + 2
    rng.shuffle(entries)  # the explorer sorts entries by document and start itself
    return pd.DataFrame(ev), pd.DataFrame(entries), pd.DataFrame(docs)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("max_rows", "max_bytes"), [(3, 40), (10, 0), (10_000, 10**6), (7, 150)])
def test_explorer_reads_only_shown_entries_same_payload(seed: int, max_rows: int, max_bytes: int) -> None:
    ev, entries, docs = _messy(seed)
    names = {"a.x": "X", "b.z": "Z"}
    cons = {"a.x": "a", "a.y": "a", "b.z": "b"}
    got = explorer_data(ev, entries, docs, names, cons, max_rows, max_bytes)
    want = _reference_explorer(ev, entries, docs, names, cons, max_rows, max_bytes)
    assert got.payload == want.payload and got.json() == want.json()
    assert (got.n_rows, got.n_shown, got.n_docs, got.n_docs_text) == (want.n_rows, want.n_shown, want.n_docs,
                                                                      want.n_docs_text)


def test_top_passages_ties_in_corpus_order_with_a_repeated_entry_id() -> None:
    ev, entries, docs = _messy(5)
    entries = entries.sort_values(["doc_id", "start"], kind="stable").reset_index(drop=True)
    top = top_passages(ev[ev["counted"]], entries, docs, per_variable=2)
    order = {e: i for i, e in enumerate(entries["entry_id"])}
    for var, passages in top.items():
        counts = ev[ev["counted"] & (ev["variable"] == var)].groupby("entry_id").size()
        want = sorted(counts.index, key=lambda e: (-int(counts[e]), order.get(e, 1 << 30)))[:2]
        assert [p.entry_id for p in passages] == want
    doubled = pd.concat([entries, entries.iloc[:3]], ignore_index=True)  # ids repeated: the last place counts
    top2 = top_passages(ev[ev["counted"]], doubled, docs, per_variable=2)
    order2 = {e: i for i, e in enumerate(doubled["entry_id"])}
    for var, passages in top2.items():
        counts = ev[ev["counted"] & (ev["variable"] == var)].groupby("entry_id").size()
        want = sorted(counts.index, key=lambda e: (-int(counts[e]), order2.get(e, 1 << 30)))[:2]
        assert [p.entry_id for p in passages] == want


@pytest.mark.parametrize("seed", [0, 3])
def test_entries_read_a_slice_at_a_time_give_the_same_passages_and_sizes(seed: int,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus_tools.report import evidence, explorer

    ev, entries, docs = _messy(seed)
    entries = pd.concat([entries, entries.iloc[:4]], ignore_index=True)  # repeated ids: the last row counts
    whole_sizes = explorer._text_bytes(entries, step=10**6)
    assert whole_sizes.sum() == sum(len(str(t).encode("utf-8")) for t in entries["text"])
    whole_top = top_passages(ev[ev["counted"]], entries, docs, per_variable=3)
    wanted = set(ev["entry_id"])
    last = {e: i for i, e in enumerate(entries["entry_id"]) if e in wanted}
    for step in (1, 3, 7):
        assert evidence._positions(entries, wanted, step) == last
        pd.testing.assert_series_equal(explorer._text_bytes(entries, step).sort_index(), whole_sizes.sort_index(),
                                       check_names=False)
        monkeypatch.setattr(evidence, "SLICE_ROWS", step)
        monkeypatch.setattr(explorer, "SLICE_ROWS", step)
        assert top_passages(ev[ev["counted"]], entries, docs, per_variable=3) == whole_top
        assert explorer_data(ev, entries, docs, {}, {}, 5, 60).payload == \
            _reference_explorer(ev, entries, docs, {}, {}, 5, 60).payload


@pytest.mark.parametrize("seed", [0, 2])
def test_explorer_json_written_in_pieces_is_the_same_text(seed: int) -> None:
    """json_pieces (long lists a few rows at a time, documents' rows made from the columns) joins to exactly the
    text of json.dumps of the whole payload, with the same script-safe escapes; the document rows read as a list."""
    import json

    from markupsafe import Markup

    ev, entries, docs = _messy(seed)
    docs.loc[0, "title"] = "<b>&amp;</b>"  # escaped in every piece
    got = explorer_data(ev, entries, docs, {"a.x": "X"}, {}, 7, 150)
    want = _reference_explorer(ev, entries, docs, {"a.x": "X"}, {}, 7, 150)
    whole = json.dumps(want.payload, ensure_ascii=False, separators=(",", ":"))
    whole = whole.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    for rows in (1, 2, 5, 10**6):
        assert "".join(got.json_pieces(rows)) == whole
    assert got.json() == whole and "".join(got.markup()) == whole
    assert all(isinstance(p, Markup) for p in got.markup())
    docs_rows = got.payload["docs"]
    assert list(docs_rows) == want.payload["docs"] and len(docs_rows) == len(docs)
    assert docs_rows[-1] == want.payload["docs"][-1] and docs_rows[2:5] == want.payload["docs"][2:5]
