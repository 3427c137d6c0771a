"""Building blocks of tiny corpus folders: the documents.csv header and a three-stage corpus.toml."""

HEADER = ["doc_id", "path", "title", "source_type", "outlet", "date", "lang", "author", "speaker", "role",
          "encoding", "notes"]

STAGES_TOML = """
[[stages]]
id = "budding"
start = "2008-01-01"
end = "2012-12-31"

[[stages]]
id = "growth"
start = "2013-01-01"
end = "2014-12-31"

[[stages]]
id = "mature"
start = "2015-01-01"
"""
