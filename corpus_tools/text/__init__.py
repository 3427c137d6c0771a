"""Text normalisation, tokenizers and stop-word lists."""
