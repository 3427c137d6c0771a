"""Lexicon expansion: candidate new terms per variable from corpus embeddings and co-occurrence.

Nothing enters a lexicon here except through `accept_terms`, which a person calls with the terms they
chose; it inserts them into the lexicon YAML with a provenance comment and leaves every other byte.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from corpus_tools import schema
from corpus_tools.errors import ConfigError, LexiconError, did_you_mean
from corpus_tools.io.resources import lexicons_dir
from corpus_tools.lexicon.match import Pattern, compile_term
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.scoring.score import Scorer
from corpus_tools.text.tokenize import has_cjk

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon, Variable
    from corpus_tools.text.tokenize import Tokenizer, Tokens

TOP_N = 15
MIN_COUNT = 3  # a word seen fewer times has no usable vector and no reliable co-occurrence
EMBED_MIN_COUNT = 5  # word2vec candidates must be seen this often (rarer vectors barely moved from random)
MIN_JOINT = 3  # co-occurrence candidates must share at least this many entries with the variable
RRF_K = 10  # reciprocal-rank fusion constant: score = sum over sources of 1 / (RRF_K + rank)
SMALL_TOKENS = 100_000  # below this, word2vec neighbours are mostly noise
MEDIUM_TOKENS = 1_000_000  # below this, treat them with caution
CONTEXT_CHARS = 30
# progress(message, step, total) over these steps, as in `analyze`; a last call with step = total + 1: done
STEPS = ("tokenize and match", "word embeddings", "rank candidates")
Progress = Callable[[str, int, int], None]


@dataclass
class Expansion:
    """Candidates (schema.EXPANSION_CANDIDATES), corpus size, and honest notes on how far to trust them."""

    candidates: pd.DataFrame
    n_tokens: int
    n_vocab: int
    notes: list[str] = field(default_factory=list)


@dataclass
class _Unit:
    """One entry: its doc, original text, tokens with offsets, and its content words."""

    doc_id: str
    text: str
    tokens: Tokens
    content: list[str]


def find_variables(lexicons: Sequence[Lexicon], ref: str) -> list[tuple[Lexicon, Variable]]:
    """`all`, a full variable id (construct.name) or an unambiguous bare name → (lexicon, variable) pairs."""
    pairs = [(lex, v) for lex in lexicons for v in lex.variables]
    if ref == "all":
        return pairs
    hits = [p for p in pairs if p[1].id == ref] or [p for p in pairs if p[1].name == ref]
    if len(hits) == 1:
        return hits
    known = ", ".join(v.id for _, v in pairs)
    if not hits:
        ids = [v.id for _, v in pairs]
        raise LexiconError(f"unknown variable {ref!r}{did_you_mean(ref, ids)}", hint=f"known: {known}")
    raise LexiconError(f"variable name {ref!r} is ambiguous", hint=f"use one of {', '.join(v.id for _, v in hits)}")


def _covered(word: str, patterns: Sequence[Pattern]) -> bool:
    """True when a single-word term (or glob) of any lexicon already matches `word`."""
    return any(len(p.parts) == 1 and p.part_matches(0, word) for p in patterns)


def _context(unit: _Unit, word: str) -> str:
    """`doc_id: …left [word] right…` around the first occurrence of `word` in the entry."""
    for w, start, end in unit.tokens.spans():
        if w == word:
            left = unit.text[max(0, start - CONTEXT_CHARS):start]
            right = unit.text[end:end + CONTEXT_CHARS]
            snippet = f"{'…' if start > CONTEXT_CHARS else ''}{left}[{unit.text[start:end]}]{right}" \
                      f"{'…' if end + CONTEXT_CHARS < len(unit.text) else ''}"
            return f"{unit.doc_id}: " + re.sub(r"\s+", " ", snippet)
    return ""


def _contexts(units: Sequence[_Unit], having: Sequence[int], prefer: set[int], word: str, n: int = 2) -> list[str]:
    """Up to n contexts of `word`, from entries matching the variable first, one per document if possible."""
    ordered = sorted(having, key=lambda i: (i not in prefer, i))
    out: list[str] = []
    docs: set[str] = set()
    for pass_ in (0, 1):
        for i in ordered:
            if len(out) == n:
                return out
            if pass_ == 0 and units[i].doc_id in docs:
                continue
            ctx = _context(units[i], word)
            if ctx and ctx not in out:
                out.append(ctx)
                docs.add(units[i].doc_id)
    return out


def _train_word2vec(sentences: list[list[str]], seed: int, min_count: int, n_tokens: int) -> Any:

    from gensim.models import Word2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)
    # small corpora: fewer dimensions and more passes (about two million token updates in all)
    epochs = max(5, min(50, 2_000_000 // max(n_tokens, 1)))
    return Word2Vec(sentences, vector_size=50 if n_tokens < MEDIUM_TOKENS else 100, window=5,
                    min_count=min_count, sg=1, negative=10, seed=seed, workers=1, epochs=epochs)


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else math.nan


def _sanity(wv: Any, seeds_by_var: dict[str, list[str]], seed: int) -> tuple[float, float]:
    """(mean cosine between terms of the same variable, mean cosine between random word pairs)."""
    own = []
    for words in seeds_by_var.values():
        inv = [w for w in dict.fromkeys(words) if w in wv.key_to_index]
        own += [float(wv.similarity(a, b)) for i, a in enumerate(inv) for b in inv[i + 1:]]
    rng = np.random.default_rng(seed)
    n = len(wv.index_to_key)
    pairs = rng.integers(0, n, size=(2000, 2)) if n > 1 else np.zeros((0, 2), dtype=int)
    rand = [float(wv.similarity(wv.index_to_key[a], wv.index_to_key[b])) for a, b in pairs if a != b]
    return _mean(own), _mean(rand)


def expand(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], variable: str = "all", *,
           seed: int = 0, top_n: int = TOP_N, min_count: int = MIN_COUNT,
           progress: Progress | None = None) -> Expansion:
    """Ranked candidate terms for one variable (or `all`) from word2vec neighbours and co-occurrence;
    `progress(message, step, total)` hears about each of STEPS (tokenizing reports every 500 entries)."""
    def say(message: str, step: int) -> None:
        if progress is not None:
            progress(message, step, len(STEPS))

    targets = find_variables(lexicons, variable)
    scorer = Scorer(lexicons, tokenizer)  # injects the lexicon terms into the tokenizer
    patterns = [p for lex in lexicons for v in lex.variables for _lang, t in v.all_terms()
                if (p := compile_term(lex.name, v.id, t, tokenizer)) is not None]
    entries = corpus.content_entries
    entries = entries[entries["dup_of"].fillna("").astype(str) == ""]
    units: list[_Unit] = []
    seeds_by_var: dict[str, list[str]] = {}
    entries_by_var: dict[str, set[int]] = {}
    say(f"tokenizing and matching {len(entries):,} entries", 1)
    for doc_id, text in zip(entries["doc_id"].astype(str), entries["text"].astype(str), strict=True):
        if units and len(units) % 500 == 0:
            say(f"tokenizing and matching entries: {len(units):,}/{len(entries):,}", 1)
        toks = tokenizer.tokenize(text)
        unit = _Unit(doc_id, text, toks, [w for w in toks.words if tokenizer.is_content(w)])
        for hit in scorer.score_text(text).hits:
            # the content words inside the matched span are the variable's "seed" words
            seeds_by_var.setdefault(hit.variable, []).extend(
                w for w, s, e in toks.spans() if s < hit.end and e > hit.start and tokenizer.is_content(w))
            entries_by_var.setdefault(hit.variable, set()).add(len(units))
        units.append(unit)
    freq: Counter[str] = Counter(w for u in units for w in u.content)
    having: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        for w in set(u.content):
            having.setdefault(w, []).append(i)
    n_tokens = sum(freq.values())
    n_units = len(units)
    notes = [f"{n_units} entries, {n_tokens:,} content tokens, {len(freq):,} distinct words "
             f"(near-duplicate entries left out)"]
    sentences = [u.content for u in units if len(u.content) > 1]
    wv = None
    say(f"training word embeddings on {n_tokens:,} tokens", 2)
    if sum(1 for c in freq.values() if c >= min_count) >= 20:
        wv = _train_word2vec(sentences, seed, min_count, n_tokens).wv
        own, rand = _sanity(wv, seeds_by_var, seed)
        if n_tokens < SMALL_TOKENS:
            notes.append(f"the corpus is too small for word embeddings to mean much ({n_tokens:,} tokens; "
                         f"word2vec needs millions): treat the word2vec neighbours as weak hints and read the "
                         f"contexts; co-occurrence candidates rest on counts you can check")
        elif n_tokens < MEDIUM_TOKENS:
            notes.append(f"the corpus is small for word embeddings ({n_tokens:,} tokens): treat word2vec "
                         f"neighbours with caution")
        if not math.isnan(own):
            gap = own - rand
            verdict = "not above" if gap <= 0.01 else ("barely above" if gap < 0.1 else "above")
            notes.append(f"embedding check: terms of the same variable have mean cosine {own:.2f}, random word "
                         f"pairs {rand:.2f} ({verdict} chance)")
    else:
        notes.append("too few repeated words to train word embeddings: co-occurrence candidates only")

    rows: list[dict[str, Any]] = []
    for i_var, (_lex, var) in enumerate(targets, start=1):
        vid = var.id
        say(f"ranking candidates for {vid} ({i_var}/{len(targets)})", 3)
        seeds = list(dict.fromkeys(seeds_by_var.get(vid, [])))
        matched = entries_by_var.get(vid, set())
        if not matched:
            notes.append(f"{vid}: no term of the variable occurs in the corpus; no candidates")
            continue
        eligible = [w for w, c in freq.items() if c >= min_count and w not in seeds and not _covered(w, patterns)]
        # word2vec: a candidate's similarity is its best cosine to any of the variable's matched words
        # (a centroid of diverse terms such as 快递 and 资金 points nowhere); rare words have noisy vectors
        sim: dict[str, float] = {}
        if wv is not None:
            ok = {w for w in eligible if freq[w] >= EMBED_MIN_COUNT}
            for seed_word in (w for w in seeds if w in wv.key_to_index):
                for w, s in wv.most_similar(seed_word, topn=min(len(wv.index_to_key) - 1, 30)):
                    if w in ok and s > sim.get(w, -1.0):
                        sim[w] = float(s)
            sim = dict(sorted(sim.items(), key=lambda kv: (-kv[1], kv[0]))[:3 * top_n])
        npmi: dict[str, float] = {}
        joint_n: dict[str, int] = {}
        n_v = len(matched)
        for w in eligible:
            joint = sum(1 for i in having[w] if i in matched)
            joint_n[w] = joint
            if joint >= MIN_JOINT and joint < n_units:
                pmi = math.log(joint * n_units / (len(having[w]) * n_v))
                npmi[w] = pmi / -math.log(joint / n_units)
        co = sorted((w for w in npmi if npmi[w] > 0), key=lambda w: (-npmi[w], -freq[w], w))[:3 * top_n]
        emb = sorted(sim, key=lambda w: (-sim[w], w))
        co_set = set(co)
        score: dict[str, float] = {}
        for ranked in (emb, co):
            for r, w in enumerate(ranked, start=1):
                score[w] = score.get(w, 0.0) + 1.0 / (RRF_K + r)
        best = sorted(score, key=lambda w: (-score[w], -freq[w], w))[:top_n]
        if not best:
            notes.append(f"{vid}: its terms occur in {len(matched)} entries, too few for any word to co-occur "
                         f"{MIN_JOINT}+ times or to have a trained neighbour; no candidates")
        for rank, w in enumerate(best, start=1):
            source = "both" if w in sim and w in co_set else ("word2vec" if w in sim else "cooccurrence")
            ctx = [*_contexts(units, having[w], matched, w), "", ""]
            rows.append({"variable": vid, "rank": rank, "term": w, "lang": "zh" if has_cjk(w) else "en",
                         "score": round(score[w], 6), "source": source, "similarity": sim.get(w, math.nan),
                         "npmi": npmi.get(w, math.nan), "frequency": freq[w], "n_entries": len(having[w]),
                         "n_with_variable": joint_n.get(w, 0), "context_1": ctx[0], "context_2": ctx[1]})
    frame = pd.DataFrame(rows, columns=list(schema.EXPANSION_CANDIDATES))
    say("done", len(STEPS) + 1)
    return Expansion(frame, n_tokens, len(freq), notes)


# --- accepting terms into the YAML -------------------------------------------------------------------

_PLAIN_RE = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^,\[\]{}#:]*$")


def _yaml_scalar(term: str) -> str:
    """The term as a YAML flow scalar: plain when safe, else double-quoted (JSON quoting is valid YAML)."""
    if _PLAIN_RE.match(term) and term == term.strip():
        try:
            if yaml.safe_load(term) == term:
                return term
        except yaml.YAMLError:
            pass
    return json.dumps(term, ensure_ascii=False)


def _child(node: Any, key: str) -> Any:
    """The value node under `key` of a YAML mapping node, or None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return v
    return None


def _content_end(node: Any) -> int:
    """Index just after a node's last character of content (block collections end at the next token)."""
    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return int(node.end_mark.index)


def accept_terms(path: Path, variable_id: str, terms: Sequence[str], *, lang: str | None = None,
                 source: str = "", reasons: Mapping[str, str] | None = None,
                 today: dt.date | None = None) -> list[str]:
    """Add `terms` to variable `variable_id` in the codebook YAML at `path`; return the terms added.

    The terms go at the end of the variable's `terms: <lang>:` list (flow `[...]` or block `- x`
    style, the language from each term's script unless `lang` is given), preceded by one comment
    line with the date, `source` and each term's reason (e.g. its candidate rank). Every other byte of
    the file stays as it was; the edited
    text is parsed again and must load to the old lexicon plus the new terms, or nothing is written.
    """
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    nl = "\r\n" if "\r\n" in text else "\n"
    old = lexicon_from_dict(yaml.safe_load(text), path)
    var = old.variable(variable_id)
    by_lang: dict[str, list[str]] = {}
    for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
        lg = lang or ("zh" if has_cjk(term) else "en")
        if term not in var.terms.get(lg, ()):
            by_lang.setdefault(lg, []).append(term)
    if not by_lang:
        return []
    date = (today or dt.date.today()).isoformat()
    edits: list[tuple[int, str]] = []  # (char index, text to insert), applied back to front
    root = yaml.compose(text)
    construct, name = variable_id.split(".", 1)
    vnode = _child(_child(_child(_child(root, "constructs"), construct), "variables"), name)
    tnode = _child(vnode, "terms")
    if not isinstance(tnode, yaml.MappingNode) or tnode.flow_style:
        raise LexiconError(f"{path}: {variable_id} has no block `terms:` mapping to add to",
                           hint="add the terms by hand, or write `terms:` with one line per language")
    for lg, new in by_lang.items():
        why = reasons or {}
        listed = ", ".join(f"{t} ({why[t]})" if why.get(t) else t for t in new)
        comment = f"# corpus-tools expand {date}{f' ({source})' if source else ''}: accepted {listed}"
        seq = _child(tnode, lg)
        key = next((k for k, v in tnode.value if v is seq), None) if seq is not None else None
        if seq is None:  # no list for this language yet: a new key after the last one
            indent = " " * tnode.value[0][0].start_mark.column
            line_end = text.find("\n", _content_end(tnode.value[-1][1]))
            at = len(text) if line_end < 0 else line_end + 1
            items = ", ".join(_yaml_scalar(t) for t in new)
            prefix = "" if line_end >= 0 else nl
            edits.append((at, f"{prefix}{indent}{comment}{nl}{indent}{lg}: [{items}]{nl}"))
            continue
        if not isinstance(seq, yaml.SequenceNode) or key is None:
            raise LexiconError(f"{path}: {variable_id} terms for {lg!r} are not a list")
        indent = " " * key.start_mark.column
        line_start = text.rfind("\n", 0, key.start_mark.index) + 1
        edits.append((line_start, f"{indent}{comment}{nl}"))
        if seq.flow_style:
            close = seq.end_mark.index - 1  # the `]`
            sep = ", " if seq.value else ""
            edits.append((close, sep + ", ".join(_yaml_scalar(t) for t in new)))
        else:
            item_indent = " " * (seq.start_mark.column)
            last = _content_end(seq.value[-1]) if seq.value else seq.start_mark.index
            line_end = text.find("\n", last)
            at = len(text) if line_end < 0 else line_end
            edits.append((at, "".join(f"{nl}{item_indent}- {_yaml_scalar(t)}" for t in new)))
    new_text = text
    for at, ins in sorted(edits, key=lambda e: e[0], reverse=True):
        new_text = new_text[:at] + ins + new_text[at:]
    check = lexicon_from_dict(yaml.safe_load(new_text), path).variable(variable_id)
    for lg, new in by_lang.items():
        if list(check.terms.get(lg, ())) != [*var.terms.get(lg, ()), *new]:
            raise LexiconError(f"{path}: could not add {new} to {variable_id} safely; file left unchanged",
                               hint="add the terms by hand")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    return [t for new in by_lang.values() for t in new]


def writable_lexicon_path(lex: Lexicon) -> Path:
    """The YAML file `accept_terms` may edit; ConfigError for bundled lexicons and non-YAML formats."""
    if lex.path is None or lex.path.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"lexicon {lex.name} is not a codebook YAML file; cannot add terms to it")
    try:
        bundled = lex.path.resolve().is_relative_to(lexicons_dir().resolve())
    except ConfigError:
        bundled = False
    if bundled:
        raise ConfigError(f"lexicon {lex.name} is a bundled lexicon ({lex.path}); it is not edited in place",
                          hint=f"copy it into your corpus folder (cp {lex.path} my_corpus/), list the copy in "
                               f"corpus.toml (lexicons = [\"{lex.path.name}\"]) and accept again")
    return lex.path

