"""Reading corpora: folder format, text formats and encodings, entries and ids, near-duplicates."""
