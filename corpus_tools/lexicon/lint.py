"""Lint a lexicon: duplicates, collisions, terms the tokenizer splits, terms that never match a corpus."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from corpus_tools.lexicon.match import Matcher, all_terms
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.text.tokenize import Tokenizer, has_cjk


@dataclass(frozen=True)
class LintIssue:
    """One finding; level is 'error' (fix it), 'warning' (check it) or 'info'."""

    level: str
    code: str
    variable: str
    term: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper()} {self.code} [{self.variable}] {self.term!r}: {self.message}"


def term_frequencies(lexicon: Lexicon, tokenizer: Tokenizer, texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """How often each (variable, term) matches in `texts` (after overlap resolution)."""
    matcher = Matcher(lexicon, tokenizer)
    freq: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for f in matcher.find(text)[0]:
            freq[(f.pattern.variable, f.pattern.term)] += 1
    return freq


def lint_lexicon(lexicon: Lexicon, tokenizer: Tokenizer | None = None,
                 texts: list[str] | None = None) -> list[LintIssue]:
    """All findings for `lexicon`; corpus checks (never matches, split in context) only when texts are given."""
    tok = tokenizer if tokenizer is not None else Tokenizer()
    tok.add_words(all_terms([lexicon]))
    issues: list[LintIssue] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for v in lexicon.variables:
        if not v.definition:
            issues.append(LintIssue("warning", "no-definition", v.id, "", "variable has no definition"))
        if not any(v.terms.values()):
            issues.append(LintIssue("error", "no-terms", v.id, "", "variable has no terms"))
        seen: set[str] = set()
        for _lang, term in v.all_terms():
            key = tok.normalize(term)
            if key in seen:
                issues.append(LintIssue("warning", "duplicate", v.id, term, "listed twice in this variable"))
            seen.add(key)
            owners[key].append(v.id)
            core = term.replace("*", "")
            if any("*" in w.strip("*") for w in term.split()):
                issues.append(LintIssue("error", "bad-glob", v.id, term, "`*` is allowed only at the start or end"))
            if has_cjk(core) and " " not in core:
                issues.extend(_split_check(tok, v.id, term, core))
    for key, vids in owners.items():
        distinct = sorted(set(vids))
        if len(distinct) > 1:
            issues.append(LintIssue("warning", "collision", ";".join(distinct), key,
                                    f"term belongs to {len(distinct)} variables"))
    matcher = Matcher(lexicon, tok)
    for vid, term in matcher.uncompilable:
        issues.append(LintIssue("error", "empty", vid, term, "no word left after tokenization"))
    if texts is not None:
        issues.extend(_corpus_checks(lexicon, tok, texts))
    return issues


def _split_check(tok: Tokenizer, vid: str, term: str, core: str) -> list[LintIssue]:
    """A one-word Chinese term the tokenizer cannot keep whole is an error; a term that mixes scripts
    (O2O模式) is matched as a phrase across the change of script, so only its Chinese pieces must stay whole."""
    pieces = [st for st in tok.stretches(tok.normalize(core)) if st.tokens]
    if len(pieces) < 2:
        if tok.keeps_whole(core):
            return []
        return [LintIssue("error", "split", vid, term, f"tokenizer splits it: {tok.tokenize(core).words}")]
    split = [p.text for p in pieces if p.cjk and not tok.keeps_whole(p.text)]
    if split:
        return [LintIssue("error", "split", vid, term, f"tokenizer splits its Chinese part {split[0]!r}: "
                                                       f"{tok.tokenize(split[0]).words}")]
    return [LintIssue("info", "mixed-script", vid, term, "matched as a phrase across the change of script: "
                                                         f"{tok.tokenize(core).words}")]


def inside_longer(lexicon: Lexicon, tokenizer: Tokenizer, texts: Iterable[str]) -> dict[tuple[str, str], Counter[str]]:
    """(variable, term) -> the longer tokens of `texts` that contain a Chinese term which does not match
    inside longer tokens (每月纯利润 is cut as 纯利润, so 利润 never sees it), with their counts; tokens
    that are themselves terms of the lexicon (开网店 for 网店) are left out: they are counted already."""
    tokens: Counter[str] = Counter()
    for text in texts:
        tokens.update(w for w in tokenizer.tokenize(text).words if len(w) > 1 and has_cjk(w))
    by_char: dict[str, list[str]] = defaultdict(list)
    for w in tokens:
        for ch in set(w):
            by_char[ch].append(w)
    own = {tokenizer.normalize(t) for v in lexicon.variables for _, t in v.all_terms()}  # counted as terms
    out: dict[tuple[str, str], Counter[str]] = {}
    for v in lexicon.variables:
        for _lang, term in v.all_terms():
            if "*" in term or " " in term or not has_cjk(term) or term in v.inside:
                continue
            core = tokenizer.normalize(term)
            rarest = min(core, key=lambda ch: len(by_char.get(ch, ())))
            found = Counter({w: tokens[w] for w in by_char.get(rarest, ()) if core in w and w != core
                             and w not in own})
            if found:
                out[(v.id, term)] = found
    return out


def _corpus_checks(lexicon: Lexicon, tok: Tokenizer, texts: list[str]) -> list[LintIssue]:
    freq = term_frequencies(lexicon, tok, texts)
    norm_texts = [tok.normalize(t) for t in texts]
    issues: list[LintIssue] = []
    longer = inside_longer(lexicon, tok, texts)
    for (vid, term), found in longer.items():
        shown = ", ".join(f"{w} ×{n}" for w, n in found.most_common(5))
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        issues.append(LintIssue("info", "inside-longer", vid, term,
                                f"occurs inside longer tokens ({shown}{more}), {sum(found.values())} time(s) not "
                                "counted; mark the term `inside: true` to count them"))
    for v in lexicon.variables:
        for _lang, term in v.all_terms():
            if freq[(v.id, term)]:
                continue
            core = tok.normalize(term.strip("*"))
            raw = sum(t.count(core) for t in norm_texts) if has_cjk(core) and "*" not in term else 0
            if raw:
                issues.append(LintIssue("warning", "split-in-context", v.id, term,
                                        f"occurs {raw}x as characters but never as a whole token "
                                        "(segmentation cuts it, or a longer term contains it)"))
            else:
                issues.append(LintIssue("info", "never-matches", v.id, term, "no match in the corpus"))
    return issues
