"""A project: one corpus, the lexicons that apply to it and its coding store, opened in one place."""

from corpus_tools.project.open import Project, codable_codes, open_corpus, project_lexicons

__all__ = ["Project", "codable_codes", "open_corpus", "project_lexicons"]
