"""Codebook-lexicons: the model, YAML/quanteda/LIWC formats, matching and lint."""
