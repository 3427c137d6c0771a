"""The codebook-lexicon model: constructs → variables → terms per language, read from YAML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_tools.errors import LexiconError, did_you_mean
from corpus_tools.text.tokenize import has_cjk

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Variable:
    """A measured variable; its id is `construct.name`."""

    construct: str
    name: str
    label: dict[str, str]
    definition: str
    terms: dict[str, tuple[str, ...]]
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    inside: frozenset[str] = frozenset()  # Chinese terms that also match inside longer tokens (纯利润 -> 利润)

    @property
    def id(self) -> str:
        """The stable variable id, e.g. `opportunity.feasibility`."""
        return f"{self.construct}.{self.name}"

    @property
    def table4(self) -> tuple[str, ...]:
        """The source's keyword list for this variable, verbatim (the paper's Table 4; empty when not given).
        Kept visible even where a keyword no longer matches as a term."""
        return tuple(str(k) for k in self.extra.get("table4", ()) or ())

    @property
    def changes(self) -> tuple[dict[str, Any], ...]:
        """Recorded revisions of the term list (version, removed/added/narrowed terms, reason), in file order."""
        return tuple(self.extra.get("changes", ()) or ())

    def is_table4(self, term: str) -> bool:
        """True when `term` is one of the source's keywords (case-insensitive)."""
        return term.strip().lower() in {k.strip().lower() for k in self.table4}

    def table4_unmatched(self) -> list[str]:
        """Source keywords that are not (any longer) a term of this variable in any language."""
        terms = {t.lower() for _, t in self.all_terms()}
        return [k for k in self.table4 if k.strip().lower() not in terms]

    def all_terms(self) -> Iterator[tuple[str, str]]:
        """(lang, term) pairs."""
        for lang, terms in self.terms.items():
            for t in terms:
                yield lang, t


@dataclass(frozen=True)
class Construct:
    """A construct with its variables, in file order."""

    id: str
    label: dict[str, str]
    definition: str
    variables: tuple[Variable, ...]


@dataclass(frozen=True)
class Lexicon:
    """A whole codebook-lexicon."""

    name: str
    version: str
    constructs: tuple[Construct, ...]
    title: str = ""
    source: str = ""
    path: Path | None = None
    sha1: str = ""

    @property
    def variables(self) -> list[Variable]:
        """All variables in file order."""
        return [v for c in self.constructs for v in c.variables]

    @property
    def variable_ids(self) -> list[str]:
        """All variable ids in file order."""
        return [v.id for v in self.variables]

    @property
    def construct_ids(self) -> list[str]:
        """All construct ids in file order."""
        return [c.id for c in self.constructs]

    def variable(self, vid: str) -> Variable:
        """Look a variable up by id; LexiconError naming the known ids if absent."""
        for v in self.variables:
            if v.id == vid:
                return v
        raise LexiconError(f"unknown variable {vid!r} in lexicon {self.name}{did_you_mean(vid, self.variable_ids)}",
                           hint=f"known: {', '.join(self.variable_ids)}")

    def manifest(self) -> dict[str, object]:
        """What a run manifest records about this lexicon."""
        return {"name": self.name, "version": self.version, "sha1": self.sha1,
                "path": str(self.path) if self.path else "", "variables": len(self.variables),
                "terms": sum(1 for v in self.variables for _ in v.all_terms()),
                "inside_terms": sum(len(v.inside) for v in self.variables)}


_TERM_KEYS = {"term", "inside", "note"}


def _terms(raw: Any, where: str, inside: set[str] | None = None) -> dict[str, tuple[str, ...]]:
    """Terms per language. An item is a string, or a mapping `{term: 利润, inside: true, note: ...}`; the
    terms marked `inside: true` are added to `inside` (when given)."""
    if raw is None:
        return {}
    if isinstance(raw, list):  # a bare list: language guessed per term
        raw = {"any": raw}
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: terms must be a mapping of language to list")
    out: dict[str, tuple[str, ...]] = {}
    for lang, items in raw.items():
        if not isinstance(items, list):
            raise LexiconError(f"{where}: terms for {lang!r} must be a list of strings")
        terms: list[str] = []
        for i, t in enumerate(items):
            if isinstance(t, dict) and inside is not None:
                bad = set(t) - _TERM_KEYS
                if "term" not in t or bad:
                    raise LexiconError(f"{where}: a term written as a mapping needs `term` (and may have "
                                       f"`inside`, `note`), got {sorted(t)}")
                if not isinstance(t.get("inside", False), bool):
                    raise LexiconError(f"{where}: `inside` of term {t['term']!r} must be true or false")
                text = str(t["term"]).strip()
                if text and t.get("inside"):
                    inside.add(text)
            elif isinstance(t, str | int | float) and not isinstance(t, bool):
                text = str(t).strip()
            else:
                raise LexiconError(f"{where}: terms for {lang!r} must be a list of strings, got {t!r}")
            if not text:
                raise LexiconError(f"{where}: empty term at position {i + 1} of the {lang!r} terms",
                                   hint="delete the empty entry (an empty term would match nothing, or everything)")
            terms.append(text)
        out[str(lang)] = tuple(terms)
    return out


def _inside(raw: Any, default: bool, terms: dict[str, tuple[str, ...]], marked: set[str],
            where: str) -> frozenset[str]:
    """The Chinese terms of a variable that match inside longer tokens: the variable's `inside` (true,
    false or a list of its terms), else the lexicon's default, plus terms marked one by one."""
    zh = [t for ts in terms.values() for t in ts if has_cjk(t) and "*" not in t]
    if raw is None or isinstance(raw, bool):
        chosen = set(zh) if (default if raw is None else raw) else set()
    elif isinstance(raw, list):
        chosen = {str(t).strip() for t in raw}
        unknown = sorted(chosen - {t for ts in terms.values() for t in ts})
        if unknown:
            raise LexiconError(f"{where}: `inside` lists {unknown}, which are not terms of this variable")
    else:
        raise LexiconError(f"{where}: `inside` must be true, false or a list of the variable's Chinese terms")
    chosen |= marked
    latin = sorted(t for t in chosen if not has_cjk(t) or "*" in t)
    if latin:
        raise LexiconError(f"{where}: `inside` applies to Chinese terms without `*` ({latin})",
                           hint="for English and other terms write a glob: *word*")
    return frozenset(chosen)


def _label(raw: Any, fallback: str) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {"en": str(raw) if raw else fallback}


CHANGE_KINDS = ("removed", "added", "narrowed", "moved")


def _check_extra(extra: dict[str, Any], where: str) -> None:
    """`table4` is a list of keywords; every `changes` record names its version, what changed and why."""
    t4 = extra.get("table4")
    if t4 is not None and (not isinstance(t4, list) or not all(isinstance(k, str) and k.strip() for k in t4)):
        raise LexiconError(f"{where}: `table4` must be a list of non-empty keywords")
    changes = extra.get("changes")
    if changes is None:
        return
    if not isinstance(changes, list):
        raise LexiconError(f"{where}: `changes` must be a list of records (version, removed/added/narrowed, reason)")
    for i, ch in enumerate(changes, start=1):
        if not isinstance(ch, dict) or not str(ch.get("reason", "")).strip():
            raise LexiconError(f"{where}: change {i} has no reason",
                               hint="every change of a term list carries a `reason` (issue 11)")
        if not any(k in ch for k in CHANGE_KINDS) or "version" not in ch:
            raise LexiconError(f"{where}: change {i} must give `version` and one of {', '.join(CHANGE_KINDS)}")


def lexicon_from_dict(data: Any, path: Path | None = None, sha1: str = "") -> Lexicon:
    """Build and validate a Lexicon from parsed YAML."""
    where = str(path) if path else "lexicon"
    if not isinstance(data, dict) or "constructs" not in data:
        raise LexiconError(f"{where}: expected a mapping with a `constructs` key")
    raw_constructs = data["constructs"]
    if not isinstance(raw_constructs, dict) or not raw_constructs:
        raise LexiconError(f"{where}: `constructs` must be a non-empty mapping")
    inside_default = data.get("inside", False)
    if not isinstance(inside_default, bool):
        raise LexiconError(f"{where}: top-level `inside` must be true or false (the default for Chinese terms)")
    constructs = []
    for cid, craw in raw_constructs.items():
        if not _ID_RE.match(str(cid)):
            raise LexiconError(f"{where}: construct id {cid!r} must be lower_snake_case")
        if not isinstance(craw, dict) or not isinstance(craw.get("variables"), dict) or not craw["variables"]:
            raise LexiconError(f"{where}: construct {cid} needs a non-empty `variables` mapping")
        variables = []
        for vname, vraw in craw["variables"].items():
            vwhere = f"{where}: {cid}.{vname}"
            if not _ID_RE.match(str(vname)):
                raise LexiconError(f"{vwhere}: variable name must be lower_snake_case")
            if not isinstance(vraw, dict):
                raise LexiconError(f"{vwhere}: expected a mapping with label, definition and terms")
            extra = {k: v for k, v in vraw.items() if k not in {"label", "definition", "terms", "exclude", "inside"}}
            _check_extra(extra, vwhere)
            marked: set[str] = set()
            terms = _terms(vraw.get("terms"), vwhere, marked)
            variables.append(Variable(str(cid), str(vname), _label(vraw.get("label"), str(vname)),
                                      str(vraw.get("definition", "")).strip(), terms,
                                      _terms(vraw.get("exclude"), vwhere), extra,
                                      _inside(vraw.get("inside"), inside_default, terms, marked, vwhere)))
        constructs.append(Construct(str(cid), _label(craw.get("label"), str(cid)),
                                    str(craw.get("definition", "")).strip(), tuple(variables)))
    name = str(data.get("name") or (path.stem if path else "lexicon"))
    return Lexicon(name, str(data.get("version", "0")), tuple(constructs), str(data.get("title", "")),
                   str(data.get("source", "")).strip(), path, sha1)


def lexicon_to_dict(lex: Lexicon) -> dict[str, Any]:
    """Plain data in the codebook YAML layout (inverse of lexicon_from_dict)."""
    out: dict[str, Any] = {"name": lex.name, "version": lex.version}
    if lex.title:
        out["title"] = lex.title
    if lex.source:
        out["source"] = lex.source
    out["constructs"] = {
        c.id: {"label": c.label, "definition": c.definition, "variables": {
            v.name: {"label": v.label, "definition": v.definition, **v.extra,
                     **({"inside": sorted(v.inside)} if v.inside else {}),
                     "terms": {k: list(t) for k, t in v.terms.items()},
                     **({"exclude": {k: list(t) for k, t in v.exclude.items()}} if v.exclude else {})}
            for v in c.variables}}
        for c in lex.constructs
    }
    return out
