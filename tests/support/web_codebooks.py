"""A web-test corpus coded with two codebooks (the bundled entrepreneurship and government-support lexicons),
and a tiny model over both (for the issue-15 picker, why and dashboard tests)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.support.web import build_corpus

GOV_CODE = "gov_activities.economic_assist"  # coded by A and B on D3's first paragraph (the subsidy notice)


def build_two_codebook_corpus(root: Path) -> Path:
    """The tiny web corpus with `lexicons = [mass_entrepreneurship, government_support]` and a government code
    given by both coders on one passage (so agreement has a second codebook)."""
    build_corpus(root)
    toml = (root / "corpus.toml").read_text(encoding="utf-8")
    (root / "corpus.toml").write_text(toml.replace('lexicons = ["mass_entrepreneurship"]',
                                                   'lexicons = ["mass_entrepreneurship", "government_support"]'),
                                      encoding="utf-8")
    path = root / "codings.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    doc, codes = header.index("doc_id"), header.index("codes")
    first_d3 = next(r[0] for r in body if r[doc] == "D3")
    for r in body:
        if r[0] == first_d3:
            r[codes] = f"{r[codes]};{GOV_CODE}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return root


def train_two_codebook_model(corpus_root: Path, out: Path) -> Path:
    """A suggestion model for the entrepreneurship codes whose features include both lexicons' hits."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.suggest.model import SuggestionModel
    from corpus_tools.suggest.persistence import save_model
    from corpus_tools.suggest.training import collect

    corpus = load_corpus(corpus_root)
    mass, gov = load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")
    data = collect(corpus, None, mass.variable_ids)
    model = SuggestionModel([mass, gov], random_state=0, cv=2).fit(data.texts, data.Y, data.codes, data.ids)
    save_model(model, out)
    return out
