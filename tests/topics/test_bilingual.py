"""Issue 13: one topic space for Chinese and English, seeded topics, covariate effects, junk kept out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import TopicsResult, run_topics
from tests.conftest import MakeCorpus
from tests.support.topics import BILINGUAL_THEMES, MINI_CEDICT, bilingual_docs

LEX = "mass_entrepreneurship"


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, Path]:
    import csv

    from tests.support.corpus import HEADER, STAGES_TOML

    root = tmp_path_factory.mktemp("bilingual")
    (root / "texts").mkdir()
    (root / "corpus.toml").write_text(f'name = "bi"\nlexicons = ["{LEX}"]\n{STAGES_TOML}', encoding="utf-8")
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        for d in bilingual_docs():
            (root / "texts" / f"{d['doc_id']}.txt").write_text(d["text"], encoding="utf-8")
            w.writerow({**{k: d.get(k, "") for k in HEADER}, "path": f"texts/{d['doc_id']}.txt",
                        "title": d["doc_id"]})
    dictionary = root.parent / "mini_cedict.txt"
    dictionary.write_text(MINI_CEDICT, encoding="utf-8")
    return load_corpus(root), dictionary


def _run(corpus: Corpus, **kw: object) -> TopicsResult:
    params: dict[str, object] = {"k_range": [3], "n_seeds": 2, "seed": 0, "seeded": "off", **kw}
    return run_topics(corpus, Tokenizer(), [load_lexicon(LEX)], **params)  # type: ignore[arg-type]


def _theme_topic(topics: pd.DataFrame, theme: str) -> pd.Series:
    """The joint topic whose top words hold most of the theme's words (both languages)."""
    zh, en = BILINGUAL_THEMES[theme]
    words = set(zh.split()) | set(en.split())
    joint = topics[topics["scope"] == "joint"]
    hits = joint["top_words"].map(lambda s: len(set(s.split()) & words))
    return joint.loc[hits.idxmax()]


@pytest.fixture(scope="module")
def linked(bilingual: tuple[Corpus, Path]) -> TopicsResult:
    corpus, dictionary = bilingual
    return _run(corpus, bilingual="dictionary", dictionary=dictionary, prevalence_by=["outlet", "no_such_col"])


def test_bilingual_theme_is_one_topic_with_both_languages(linked: TopicsResult) -> None:
    for theme in ("logistics", "livestream"):
        row = _theme_topic(linked.topics, theme)
        zh, en = (set(x.split()) for x in BILINGUAL_THEMES[theme])
        assert len(set(row["top_words_zh"].split()) & zh) >= 4, row.to_dict()
        assert len(set(row["top_words_en"].split()) & en) >= 4, row.to_dict()
    tea = _theme_topic(linked.topics, "tea")
    assert len(set(tea["top_words_zh"].split()) & set(BILINGUAL_THEMES["tea"][0].split())) >= 4
    # the tea theme is Chinese only: it gets no English words of the other themes among its top words
    other_en = set(BILINGUAL_THEMES["logistics"][1].split()) | set(BILINGUAL_THEMES["livestream"][1].split())
    assert not set(tea["top_words"].split()[:8]) & other_en
    assert any("bilingual topics" in n and "share a concept" in n for n in linked.notes)


def _bilingual_hits(r: TopicsResult, theme: str) -> int:
    """Most theme words found in BOTH languages among one joint topic's top 10 (min of zh and en hits)."""
    zh, en = (set(x.split()) for x in BILINGUAL_THEMES[theme])
    joint = r.topics[r.topics["scope"] == "joint"]
    return max(min(len(set(t.split()) & zh), len(set(t.split()) & en)) for t in joint["top_words"])


def test_without_links_topics_split_by_language(bilingual: tuple[Corpus, Path], linked: TopicsResult) -> None:
    off = _run(bilingual[0], bilingual="off", k_range=[5])  # room for one topic per language and theme
    assert _bilingual_hits(linked, "logistics") >= 3 and _bilingual_hits(linked, "livestream") >= 3
    assert _bilingual_hits(off, "logistics") < 3 and _bilingual_hits(off, "livestream") < 3
    assert any("without linked words" in n for n in off.notes)


def test_installed_dictionary_links_the_same_themes(bilingual: tuple[Corpus, Path]) -> None:
    from corpus_tools.topics.bilingual import find_cedict

    if find_cedict() is None:
        pytest.skip("no CC-CEDICT package installed")
    r = _run(bilingual[0], n_seeds=1)  # auto: both languages present → the installed dictionary
    row = _theme_topic(r.topics, "logistics")
    assert row["top_words_zh"] and row["top_words_en"]
    assert any("CC-CEDICT" in n for n in r.notes)


def test_effects_find_the_planted_stage_effect_and_no_source_effect(linked: TopicsResult) -> None:
    eff = linked.effects
    assert {"topic", "covariate", "level", "estimate", "lo", "hi"} <= set(eff.columns)
    assert {"stage", "source_type", "lang", "year"} <= set(eff["covariate"])
    assert ((eff["lo"] <= eff["estimate"] + 1e-9) & (eff["estimate"] <= eff["hi"] + 1e-9)).all()
    live = int(_theme_topic(linked.topics, "livestream")["topic"])
    st = eff[(eff["covariate"] == "stage") & (eff["topic"] == live)].set_index("level")
    assert st.loc["mature", "lo"] > st.loc["budding", "hi"]  # planted: 0.15 → 0.7 of paragraphs
    src = eff[(eff["covariate"] == "source_type") & (eff["topic"] == live)].set_index("level")
    assert src.loc["media", "lo"] < src.loc["government", "hi"] and src.loc["government", "lo"] < src.loc["media", "hi"]
    # intervals include topic-share uncertainty: never zero width
    assert (eff["hi"] - eff["lo"] > 0).all()
    assert any("no_such_col" in n and "no such metadata column" in n for n in linked.notes)
    # the stage prevalence table is the stage part of the effects
    assert len(linked.prevalence) == len(eff[eff["covariate"] == "stage"])


def test_junk_is_kept_out_and_counted(linked: TopicsResult) -> None:
    words = " ".join(linked.topics["top_words"])
    assert "xiāng" not in words and "newsletter" not in words and "村委会" not in words
    assert "committee" not in words
    note = next(n for n in linked.notes if n.startswith("junk kept out"))
    entry_note = next((n for n in linked.notes if n.startswith(tuple("0123456789")) and "junk entries" in n), "")
    # pinyin-only entries are junk entries already (corpus.junk, counted by reason); runs inside prose go here
    assert "pinyin" in note + entry_note and "repeated in" in note and "boilerplate" in note


def test_model_choice_criteria_are_shown(linked: TopicsResult) -> None:
    sw = linked.sweep
    for col in ("c_npmi", "c_v", "stability", "exclusivity", "heldout_ll", "heldout_gain", "score"):
        assert col in sw.columns
    second = sw[sw["seed"] == 1]
    assert second["heldout_ll"].notna().all() and (second["heldout_ll"] < 0).all()
    assert sw["exclusivity"].between(0, 1).all()


def test_seeded_topics_hold_up_and_bad_seeds_are_reported(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    from tests.support.topics import themed_docs

    lex = tmp_path / "codebook.yaml"
    lex.write_text("""name: tiny
version: "1"
languages: [en]
constructs:
  ops:
    label: {en: Operations}
    variables:
      logistics:
        label: {en: Logistics}
        terms: {en: [courier, parcel, delivery, warehouse, truck]}
      state:
        label: {en: State}
        terms: {en: [government, officials, policy, subsidy]}
      ghost:
        label: {en: Ghost}
        terms: {en: [spaceship, asteroid]}
""", encoding="utf-8")
    corpus = load_corpus(make_corpus(themed_docs({"budding": 5, "growth": 5, "mature": 5}, paragraphs=6)))
    codes = pd.DataFrame({"entry_id": corpus.entries["entry_id"], "code": ""})
    texts = corpus.entries["text"].str.lower()
    codes.loc[texts.str.contains("courier") & texts.str.contains("parcel"), "code"] = "ops.logistics"
    codes = codes[codes["code"] != ""]
    r = run_topics(corpus, Tokenizer(), [load_lexicon(str(lex))], k_range=[2], n_seeds=2, seeded="variable",
                   free_topics=2, hand_codes=codes)
    sd = r.seeded
    assert r.k_by_scope["seeded"] == 4  # two seeded (ghost has no term in the text) + two free
    assert list(sd["item"][:2]) == ["ops.logistics", "ops.state"] and list(sd["kind"][2:]) == ["free", "free"]
    logi = sd.iloc[0]
    assert logi["seed_share"] >= 0.3 and bool(logi["holds_up"])
    assert logi["hand_code_lift"] > 1.5
    labels = r.topics[r.topics["scope"] == "seeded"].sort_values("topic")["label"]
    assert labels.iloc[0].startswith("[ops.logistics] ")
    assert any("ops.ghost" in n and "no term" in n for n in r.notes)
    assert not any("above what" in n for n in r.notes)  # 4 topics fit 90 entries


def test_seeded_variable_without_terms_is_a_note(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    from corpus_tools.topics.describe import TermIndex
    from corpus_tools.topics.seeded import seed_sets

    class _Var:
        def __init__(self, vid: str, terms: list[tuple[str, str]]) -> None:
            self.id, self.construct, self._terms = vid, "c", terms

        def all_terms(self) -> list[tuple[str, str]]:
            return self._terms

    class _Lex:
        name = "x"

        def __init__(self) -> None:
            self.variables = [_Var("c.empty", []), _Var("c.full", [("en", "courier")])]

    index = TermIndex([_Lex()], Tokenizer())  # type: ignore[list-item]
    sets, notes = seed_sets([], index, ["courier", "parcel"], "variable")
    assert [s.item for s in sets] == ["c.full"]
    assert any("c.empty" in n and "no terms in the codebook" in n for n in notes)


def test_too_small_corpus_is_a_note_not_a_crash(make_corpus: MakeCorpus) -> None:
    corpus = load_corpus(make_corpus(bilingual_docs(n_docs=3, paragraphs=1)))
    r = _run(corpus, seeded="variable", prevalence_by=["nope"])
    assert all(f.empty for f in r.to_tables().values())
    assert any("too little text" in n for n in r.notes)


def test_hand_codes_are_read_from_every_codings_file(tmp_path: Path) -> None:
    from corpus_tools.topics.seeded import read_hand_codes

    assert read_hand_codes(tmp_path) is None
    (tmp_path / "codings.csv").write_text("entry_id,codes\ne1,a.x;none\ne2,\n", encoding="utf-8")
    (tmp_path / "codings_gov.csv").write_text("entry_id,codes\ne1,g.y\n", encoding="utf-8")
    (tmp_path / "codings_bad.csv").write_text("id,code\n1,2\n", encoding="utf-8")  # not a codings table
    codes = read_hand_codes(tmp_path)
    assert codes is not None
    assert sorted(map(tuple, codes.to_numpy().tolist())) == [("e1", "a.x"), ("e1", "g.y")]


def test_seeded_model_larger_than_the_corpus_supports_is_a_note(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    from tests.support.topics import THEMES, themed_docs

    variables = "\n".join(f"""      v{i}:
        label: {{en: V{i}}}
        terms: {{en: [{word}]}}""" for i, word in enumerate(w for t in THEMES.values() for w in t.split()[:2]))
    lex = tmp_path / "wide.yaml"
    lex.write_text(f"""name: wide
version: "1"
languages: [en]
constructs:
  c:
    label: {{en: C}}
    variables:
{variables}
""", encoding="utf-8")
    corpus = load_corpus(make_corpus(themed_docs({"budding": 3, "growth": 3}, paragraphs=6)))
    r = run_topics(corpus, Tokenizer(), [load_lexicon(str(lex))], k_range=[2], n_seeds=1, free_topics=2)
    n_seeded = int((r.seeded["kind"] == "variable").sum())  # the variables whose term is in the text
    assert n_seeded >= 4 and r.k_by_scope["seeded"] == n_seeded + 2  # plus two free, as asked
    assert any("above what" in n and "--seeded construct" in n for n in r.notes)
    by_construct = run_topics(corpus, Tokenizer(), [load_lexicon(str(lex))], k_range=[2], n_seeds=1,
                              free_topics=2, seeded="construct")
    assert by_construct.k_by_scope["seeded"] == 3 and list(by_construct.seeded["item"][:1]) == ["c"]


def test_dictionary_of_the_vocabulary_only_gives_the_same_concepts(tmp_path: Path) -> None:
    """`resolve_dictionary(..., words=)` reads a line at a time and keeps only the vocabulary's headwords: the same
    glosses for those (messy lines: comments, CRLF, a headword in both scripts, a word listed twice) and so the
    same concept map as the whole dictionary."""
    from corpus_tools.errors import ConfigError
    from corpus_tools.topics.bilingual import build_concept_map, load_dictionary, resolve_dictionary

    lines = ["# CC-CEDICT", "網店 网店 [wang3 dian4] /online shop/", "快遞 快递 [kuai4 di4] /express delivery/courier/",
             "", "快遞 快递 [kuai4 di4] /parcel/", "村 村 [cun1] /village/", "broken line",
             "電商 电商 [dian4 shang1] /e-commerce/"]
    path = tmp_path / "cedict.txt"
    path.write_text(MINI_CEDICT + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    full = load_dictionary(str(path))
    vocab = ["网店", "快遞", "快递", "村", "village", "shop", "delivery", "courier", "parcel", "无此词", "電商"]
    part, how = resolve_dictionary("dictionary", path, words=vocab)
    assert part == {w: full[w] for w in vocab if w in full} and how == resolve_dictionary("dictionary", path)[1]
    freq = {w: i + 1 for i, w in enumerate(vocab)}
    assert build_concept_map(vocab, part, how, freq) == build_concept_map(vocab, full, how, freq)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        resolve_dictionary("dictionary", empty, words=vocab)
