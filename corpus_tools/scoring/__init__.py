"""Lexicons over text: scores with evidence, streaming scores of large tables, concordances, expansion, health."""
