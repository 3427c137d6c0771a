"""The code behind each command: one typed function per job (analyze, draft codes, train, agreement, exchange).

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "AnalyzeResult": "corpus_tools.jobs.analyze",
    "analyze": "corpus_tools.jobs.analyze",
    "run_suggestions": "corpus_tools.jobs.draft_codes",
    "evaluate": "corpus_tools.jobs.suggest",
    "load_suggester": "corpus_tools.jobs.suggest",
    "train": "corpus_tools.jobs.suggest",
    "run_agreement": "corpus_tools.jobs.agreement",
    "export_qdc": "corpus_tools.jobs.exchange",
    "export_qdpx": "corpus_tools.jobs.exchange",
    "export_tables": "corpus_tools.jobs.exchange",
    "import_qdc": "corpus_tools.jobs.exchange",
    "import_qdpx": "corpus_tools.jobs.exchange",
    "open_project": "corpus_tools.jobs.exchange",
}
__all__ = ["AnalyzeResult", "analyze", "evaluate", "export_qdc", "export_qdpx", "export_tables", "import_qdc",
    "import_qdpx", "load_suggester", "open_project", "run_agreement", "run_suggestions", "train"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)
