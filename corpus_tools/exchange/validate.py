"""Validate REFI-QDA XML against the bundled Codebook.xsd / Project.xsd (lxml, no network, no entities)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus_tools.errors import ExchangeError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {"codebook": "Codebook.xsd", "project": "Project.xsd"}


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@lru_cache(maxsize=2)
def load_schema(kind: str) -> Any:
    """The compiled lxml XMLSchema for "codebook" or "project" (read once from the package data)."""
    from lxml import etree

    path = SCHEMA_DIR / SCHEMAS[kind]
    if not path.is_file():
        raise ExchangeError(f"REFI-QDA schema {path} is missing from the installation",
                            hint="reinstall corpus-tools")
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def schema_errors(data: bytes, kind: str, limit: int = 20) -> list[str]:
    """Validation messages (empty when the document is valid); `data` must already be known to be safe XML."""
    from lxml import etree

    schema = load_schema(kind)
    try:
        doc = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:limit]]


def assert_valid(data: bytes, kind: str, what: str) -> None:
    """Raise ExchangeError when XML we wrote does not validate (a bug: nothing invalid leaves the program)."""
    errors = schema_errors(data, kind)
    if errors:
        raise ExchangeError(f"{what} does not validate against {SCHEMAS[kind]}: {'; '.join(errors[:3])}",
                            hint="this is a bug in corpus-tools; please report it with the input")
