"""Exchange formats: quanteda-style YAML dictionaries and LIWC `.dic` files (read and write).

Both formats carry only categories and terms: labels, definitions and exclusions stay in the codebook
YAML. A category `construct.variable` (or nested `construct: variable:`) maps onto our variables; the
language of each term is taken from its script (CJK → zh, otherwise en).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from corpus_tools.errors import LexiconError
from corpus_tools.io.resources import resolve_lexicon
from corpus_tools.lexicon.model import Construct, Lexicon, Variable, lexicon_from_dict
from corpus_tools.text.tokenize import has_cjk

_SAFE_RE = re.compile(r"[^a-z0-9_]+")


def _safe(name: str) -> str:
    s = _SAFE_RE.sub("_", name.strip().lower()).strip("_")
    return s if s and s[0].isalpha() else f"c_{s}"


def _split_lang(terms: list[str]) -> dict[str, tuple[str, ...]]:
    zh = tuple(t for t in terms if has_cjk(t))
    en = tuple(t for t in terms if not has_cjk(t))
    return {k: v for k, v in (("zh", zh), ("en", en)) if v}


def _build(name: str, cats: dict[str, list[str]], path: Path | None, sha1: str) -> Lexicon:
    """Categories named `construct.variable` (or plain names) → a Lexicon."""
    grouped: dict[str, list[Variable]] = {}
    for cat, terms in cats.items():
        cid, _, vname = cat.partition(".")
        cid, vname = _safe(cid), _safe(vname or cid)
        grouped.setdefault(cid, []).append(Variable(cid, vname, {"en": vname}, "", _split_lang(terms)))
    constructs = tuple(Construct(c, {"en": c}, "", tuple(vs)) for c, vs in grouped.items())
    return Lexicon(name, "imported", constructs, path=path, sha1=sha1)


def read_quanteda(path: Path) -> Lexicon:
    """A quanteda dictionary YAML: `key: [terms]` or `key: {subkey: [terms]}` (deeper levels joined by _)."""
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not data:
        raise LexiconError(f"{path}: a quanteda dictionary is a mapping of category to terms")
    cats: dict[str, list[str]] = {}

    def walk(node: Any, trail: list[str]) -> None:
        if isinstance(node, list):
            key = trail[0] if len(trail) == 1 else f"{trail[0]}.{'_'.join(trail[1:])}"
            cats.setdefault(key, []).extend(str(t) for t in node if str(t).strip())
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*trail, str(k)])
        else:
            raise LexiconError(f"{path}: category {'/'.join(trail)} must hold a list of terms")

    walk(data, [])
    return _build(path.stem, cats, path, hashlib.sha1(raw).hexdigest()[:12])


def write_quanteda(lex: Lexicon, path: Path) -> None:
    """Nested `construct: variable: [terms]` YAML that quanteda's dictionary() reads."""
    data = {c.id: {v.name: [t for _, t in v.all_terms()] for v in c.variables} for c in lex.constructs}
    path.write_text(f"# quanteda dictionary exported by corpus_tools from {lex.name} {lex.version}\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def read_liwc(path: Path) -> Lexicon:
    """A LIWC dictionary: `%` header block of `number<TAB>category`, then `term<TAB>number...` lines."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: LIWC file must be UTF-8 ({exc})") from exc
    parts = text.split("%")
    if len(parts) < 3:
        raise LexiconError(f"{path}: not a LIWC .dic file (expected a %-delimited category block)")
    numbers: dict[str, str] = {}
    for i, line in enumerate(parts[1].splitlines(), 1):
        if line.strip():
            fields = line.split()
            if len(fields) < 2:
                raise LexiconError(f"{path}: category line {i} must be `number<TAB>name`")
            numbers[fields[0]] = fields[1]
    cats: dict[str, list[str]] = {name: [] for name in numbers.values()}
    for lineno, line in enumerate("%".join(parts[2:]).splitlines(), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 2:
            raise LexiconError(f"{path}: term line {lineno} has no category number (use TAB separators)")
        for num in fields[1:]:
            num = num.strip()
            if not num:
                continue
            if num not in numbers:
                raise LexiconError(f"{path}: term {fields[0]!r} refers to unknown category {num}")
            cats[numbers[num]].append(fields[0].strip())
    return _build(path.stem, {k: v for k, v in cats.items() if v}, path, hashlib.sha1(raw).hexdigest()[:12])


def write_liwc(lex: Lexicon, path: Path) -> None:
    """LIWC `.dic`: one category per variable (named by variable id); a term in several variables is
    listed once with several category numbers."""
    ids = lex.variable_ids
    lines = ["%", *(f"{i}\t{vid}" for i, vid in enumerate(ids, 1)), "%"]
    term_cats: dict[str, list[int]] = {}
    for i, v in enumerate(lex.variables, 1):
        for _, t in v.all_terms():
            term_cats.setdefault(t, [])
            if i not in term_cats[t]:
                term_cats[t].append(i)
    lines += [f"{t}\t" + "\t".join(str(n) for n in nums) for t, nums in term_cats.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_lexicon(ref: str | Path, base: Path | None = None) -> Lexicon:
    """Load a lexicon by bundled name or path (YAML codebook, quanteda YAML or LIWC .dic by suffix)."""
    path = resolve_lexicon(ref, base)
    raw = path.read_bytes()
    sha1 = hashlib.sha1(raw).hexdigest()[:12]
    if path.suffix.lower() == ".dic":
        return read_liwc(path)
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: not valid YAML ({exc})") from exc
    if isinstance(data, dict) and "constructs" not in data:
        return read_quanteda(path)
    return lexicon_from_dict(data, path, sha1)


def load_lexicons(refs: Sequence[str | Path], base: Path | None = None) -> list[Lexicon]:
    """Load several lexicons (names or paths relative to `base`); which ones apply is the caller's rule
    (`corpus_tools.corpus.config.lexicon_refs`)."""
    return [load_lexicon(r, base) for r in refs]
