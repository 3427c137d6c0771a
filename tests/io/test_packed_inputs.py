"""The input-file list held packed through a run: unpacked equal to the list, its digest that of the list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from corpus_tools.io.manifest import PackedInputs, corpus_inputs


def test_packed_inputs_unpack_to_the_same_list(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    for i, text in enumerate(["村里租金便宜", "Rents are low.", ""]):
        (tmp_path / "texts" / f"文档 {i}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "documents.csv").write_text("doc_id,path\n", encoding="utf-8")
    inputs = corpus_inputs(tmp_path, [f"texts/文档 {i}.txt" for i in range(3)] + ["texts/missing.txt"])
    assert len(inputs) == 4  # documents.csv and the three files that exist
    packed = PackedInputs(inputs)
    assert packed.unpack() == inputs
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert packed.digest == hashlib.sha256(blob).hexdigest()
    changed = [dict(inputs[0]), *inputs[1:]]
    changed[0]["bytes"] = int(changed[0]["bytes"]) + 1
    assert PackedInputs(changed).digest != packed.digest
    assert PackedInputs([]).unpack() == []
