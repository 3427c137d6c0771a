"""Write lexicons in our codebook YAML layout."""

from __future__ import annotations

from pathlib import Path

import yaml

from corpus_tools.lexicon.model import Lexicon, lexicon_to_dict


def write_codebook(lex: Lexicon, path: Path) -> None:
    """Codebook YAML that load_lexicon reads back to an equal lexicon."""
    text = yaml.safe_dump(lexicon_to_dict(lex), allow_unicode=True, sort_keys=False, width=110)
    path.write_text(f"# codebook-lexicon written by corpus_tools from {lex.name} {lex.version}\n{text}",
                    encoding="utf-8")
