"""Find bundled lexicons and corpora both in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from corpus_tools.errors import ConfigError

_PKG = Path(__file__).resolve().parent.parent  # the corpus_tools package folder
DEFAULT_LEXICON = "mass_entrepreneurship"  # the codebook used when neither the user nor corpus.toml names one


def _bundled_root(kind: str) -> Path:
    """Wheel installs carry data under corpus_tools/_bundled; a checkout keeps it at the repo top."""
    installed = _PKG / "_bundled" / kind
    if installed.is_dir():
        return installed
    checkout = _PKG.parent / kind
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        f"bundled {kind} folder not found (looked in {installed} and {checkout})",
        hint="reinstall corpus-tools, or pass an explicit path",
    )


def lexicons_dir() -> Path:
    """Folder holding the bundled lexicon YAML files."""
    return _bundled_root("lexicons")


def corpora_dir() -> Path:
    """Folder holding the bundled corpora."""
    return _bundled_root("corpora")


def default_corpus() -> Path:
    """The bundled Junpu corpus, the default input of `analyze`."""
    return corpora_dir() / "junpu"


def resolve_lexicon(ref: str | Path, base: Path | None = None) -> Path:
    """A lexicon reference is a path (absolute, or relative to `base`) or a bundled lexicon name."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else ([base / p] if base else []) + [Path.cwd() / p]
    for cand in candidates:
        if cand.is_file():
            return cand
    name = str(ref)
    if not name.endswith((".yaml", ".yml")):
        bundled = lexicons_dir() / f"{name}.yaml"
        if bundled.is_file():
            return bundled
    available = sorted(q.stem for q in lexicons_dir().glob("*.yaml"))
    raise ConfigError(f"lexicon {ref!r} not found", hint=f"bundled lexicons: {', '.join(available)}")
