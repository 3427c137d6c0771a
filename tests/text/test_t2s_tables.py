"""t2s from OpenCC's own tables in the compiled normalisation gives exactly OpenCC's output, and OpenCC itself
converts what the tables do not cover (or everything, when the tables cannot be built or fail their self-test)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from corpus_tools._native import speedups
from corpus_tools.corpus.loader import Corpus
from corpus_tools.text import normalize as norm_mod

FAST = speedups()
pytestmark = pytest.mark.skipif(FAST is None, reason="the compiled extension is not in use")


def _prepare(text: str, convert: object) -> str:
    assert FAST is not None
    return FAST.prepare(norm_mod._needs_table(), norm_mod._fold_table(), convert, norm_mod._lower, text)[0]


@pytest.fixture(scope="module")
def tables() -> tuple[object, ...]:
    tables = norm_mod._t2s_tables()
    if tables is None:
        pytest.skip("OpenCC's opencc_dict tool is not installed: OpenCC converts everything")
    return tables


def _phrases() -> list[str]:
    return [p for p in norm_mod._opencc_phrases() if len(p) >= 2]


def test_tables_are_used_when_they_check_out(tables: tuple[object, ...]) -> None:
    assert norm_mod._t2s_converter() is tables
    assert len(_phrases()) > 300  # OpenCC's phrase dictionary really was read


def test_every_phrase_in_context_as_opencc_converts_it(tables: tuple[object, ...]) -> None:
    # 回覆 and 深沈 change only as phrases; each phrase between Traditional text, Simplified text and Latin text
    rng = random.Random(3)
    for p in _phrases():
        for text in (f"們{p}們", f"這是{p}\n\n{p}。電商", f"{p}{p}\nabc 網店 {p[:-1]}"):
            want = _prepare(text, norm_mod.to_simplified)
            assert _prepare(text, tables) == want, text
        if rng.random() < 0.1:
            assert norm_mod.to_simplified(f"們{p}") == _prepare(f"們{p}", tables)


def _generated(rng: random.Random, pieces: list[str]) -> Iterator[str]:
    for _ in range(2000):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))


def test_generated_text_as_opencc_converts_it(tables: tuple[object, ...]) -> None:
    """Phrases overlapping each other, cut short, next to characters the tables leave to OpenCC
    (compatibility ideographs, description sequences, variation selectors, astral characters)."""
    phrases = _phrases()
    rng = random.Random(20261206)
    pieces = [*rng.sample(phrases, 200), *(p[1:] for p in rng.sample(phrases, 50)),
              *(p[:-1] for p in rng.sample(phrases, 50)), *"們後來發展電網開頭髮乾淨著覆沈",
              *"电商淘宝村，。 \n\n\n", "Rent ", "“", "ＡＢ", "\uf900", "\u2ff0", "\ufe0f", "𠀋", "𫐷", "\u3000"]
    fell_back = 0
    for text in _generated(rng, pieces):
        want = _prepare(text, norm_mod.to_simplified)
        assert _prepare(text, tables) == want, text
        fell_back += any(c in text for c in "\uf900\u2ff0\ufe0f𠀋𫐷")
    assert fell_back > 100  # the OpenCC path for lines the tables leave alone was exercised


def test_bundled_traditional_text_as_opencc_converts_it(junpu: Corpus, tables: tuple[object, ...]) -> None:
    for text in [*junpu.entries["text"], *junpu.docs["text"]]:
        assert _prepare(text, tables) == _prepare(text, norm_mod.to_simplified)


def test_without_the_tool_opencc_converts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(norm_mod, "_opencc_phrases", list)
    norm_mod._t2s_tables.cache_clear()
    try:
        assert norm_mod._t2s_tables() is None
        assert norm_mod._t2s_converter() is norm_mod.to_simplified
    finally:
        norm_mod._t2s_tables.cache_clear()


def test_malformed_tables_are_refused(tables: tuple[object, ...]) -> None:
    bad = (tables[0][:100], *tables[1:])  # type: ignore[index]
    with pytest.raises(ValueError, match="malformed t2s tables"):
        _prepare("這\n是\n們", bad)
    with pytest.raises(TypeError, match="8-tuple"):
        _prepare("這\n是\n們", tables[:3])
    offsets = bytearray(tables[4])  # type: ignore[arg-type]
    offsets[:4] = (10**9).to_bytes(4, "little")
    with pytest.raises(ValueError, match="phrase table"):
        _prepare("這\n是\n們", (*tables[:4], bytes(offsets), *tables[5:]))
