"""Column contracts of every frame handed between stages, declared once and checked at stage entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SOURCE_TYPES = ("media", "interview", "government", "other")
LANGS = ("zh-Hans", "zh-Hant", "en", "mixed")

# documents.csv as written by people
DOCUMENTS_CSV_REQUIRED = ("doc_id", "path", "title", "source_type")
DOCUMENTS_CSV_OPTIONAL = ("outlet", "date", "lang", "author", "speaker", "role", "encoding", "notes")

# the docs frame: one row per readable document
DOCS = (
    "doc_id", "path", "title", "source_type", "outlet", "date", "date_start", "date_end", "year",
    "lang", "author", "speaker", "role", "encoding", "notes", "stage", "stage_overlap",
    "text", "n_chars", "sha1", "csv_line", "dup_of", "dup_score",
)

# the entries frame: one row per paragraph or sentence unit
ENTRIES = (
    "entry_id", "doc_id", "seq", "start", "end", "text", "speaker", "text_hash", "dup_of", "dup_score",
)

# lexicon matches, each pointing into the original document text. negated: a negation cue (`cue`) scopes
# over the hit; overlap: other lexicons (`;`-joined) whose hits overlap the span (one span counted once per
# lexicon); role: the speaker's role (interviewer, entrepreneur, ...); counted: whether the hit is in the
# scores (false for negated hits unless --count-negated, and for speakers whose role is excluded)
EVIDENCE = (
    "id", "doc_id", "entry_id", "lexicon", "construct", "variable", "term", "matched", "start", "end",
    "left", "right", "negated", "cue", "overlap", "role", "counted",
)

# problems found while reading a corpus
PROBLEMS = ("level", "code", "file", "line", "doc_id", "message")

# human coding decisions shipped with a corpus (codings.csv)
CODINGS = ("entry_id", "doc_id", "start", "end", "coder", "codes", "note")

# lexicon validation against hand codes (issue 11): one row per variable (term "") or term and language slice
_FIG = tuple(f"{m}{s}" for m in ("precision", "recall", "f1", "kappa") for s in ("", "_lo", "_hi"))
LEXICON_VALIDATION = ("lexicon", "variable", "term", "lang", "n_hits", "precision", "recall", "f1", "kappa",
                      "n_entries", "n_docs", "n_coded", "tp", "fp", "fn",
                      *[c for c in _FIG if c not in ("precision", "recall", "f1", "kappa")], "split", "coder")
LEXICON_CONFUSION = ("lexicon", "fired", "coded", "n_entries", "n_fired", "share", "split")
LEXICON_FALSE_HITS = ("lexicon", "variable", "term", "lang", "n_hits", "n_false", "precision", "false_coded_as",
                      "examples", "split")


class SchemaViolation(ValueError):
    """A frame handed to a stage lacks declared columns: a programming error, not a user error."""


def check(frame: pd.DataFrame, columns: Iterable[str], name: str) -> pd.DataFrame:
    """Raise when `frame` lacks any of `columns`; return it unchanged so calls can be chained."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaViolation(f"{name} frame lacks columns {missing}")
    return frame

# --- coding decisions (issue: draft codes for coders) -------------------------------------------
DECISION_KINDS = ("accept", "reject", "add", "remove", "none-applies")
CODING_MODES = ("blind", "assisted", "imported", "adjudicated")
# mode of machine codings (a `suggest` table read as coder `model:<name>`) in a CODING_STATE frame: never
# "blind" (no person coded them) and never stored in the coding store, which holds human decisions only
MACHINE_MODE = "model"
STATE_MODES = (*CODING_MODES, MACHINE_MODE)

# the append-only decision log as a frame (one row per event, oldest first)
DECISIONS = (
    "event_id", "entry_id", "text_hash", "code", "decision", "coder", "timestamp", "source",
    "model_version", "score", "mode", "note",
)
# the extra column CodingStore.decisions() and exported decision tables carry beside DECISIONS: `undoes` =
# event_id of the event an undo cancels (empty for ordinary decisions), so a log read back keeps its undo links
DECISION_LINK = ("undoes",)

# current coding state derived from the log: one row per (entry, coder, code that applies);
# an explicit "no code applies" is one row with code == "none"; mode is one of STATE_MODES
CODING_STATE = ("entry_id", "doc_id", "coder", "code", "mode")

# --- topic models (issue 4: themes per stage) -----------------------------------------------------
# scope is "stage:<stage id>" for a per-stage model or "joint" for the model with stage as covariate.
# K sweep: one row per (scope, k, seed) fit; `chosen` marks the K picked for the scope (all its seeds)
TOPIC_SWEEP = ("scope", "k", "seed", "c_npmi", "c_v", "stability", "chosen")
# one row per topic; top_words_zh / top_words_en / top_words are space-separated, best first;
# label = its first three top words; weight = mean topic share over the scope's entries
TOPICS = ("scope", "stage", "topic", "label", "top_words_zh", "top_words_en", "top_words", "weight")
# most representative entries of each topic (rank 1 = highest topic share)
TOPIC_PASSAGES = ("scope", "topic", "rank", "entry_id", "doc_id", "title", "stage", "score", "text")
# per-stage topics matched across consecutive stages; status: persisted | emerged | faded
# (emerged rows have from_topic -1, faded rows to_topic -1; their similarity is the best one available)
TOPIC_ALIGNMENT = ("from_stage", "from_topic", "to_stage", "to_topic", "similarity", "status")
# joint-model topic prevalence per stage with an interval (method names how the interval was made);
# topics are numbered from 1 in every topic table
TOPIC_PREVALENCE = ("topic", "stage", "mean", "lo", "hi", "method", "n_entries", "n_documents")
# overlap of a topic's top words with each lexicon variable's terms (which construct it speaks to)
TOPIC_VARIABLES = ("scope", "topic", "lexicon", "construct", "variable", "overlap", "matched_terms")

# --- framing over time (issue 4: media framing, stage comparisons, triangulation) ----------------
# `by` is year | quarter | stage | source_type; `level` is variable | construct; `item` is the variable or
# construct id. share = item hits / all hits of that level in the period; doc_share = share of the
# period's documents with at least one hit; *_lo/*_hi are seeded bootstrap percentile intervals over
# documents (NaN with fewer than two documents). Declared stages without documents appear with n_docs 0.
FRAMING_SHARES = (
    "by", "period", "level", "construct", "item", "n_docs", "n_tokens", "count", "rate_per_1k", "rate_lo",
    "rate_hi", "share", "share_lo", "share_hi", "doc_share",
)
# one omnibus test per (by, level, lexicon): Pearson chi-square on the groups x items hit table of ONE
# lexicon (two lexicons may claim one span, so their items are not exclusive categories and are never pooled
# in one table), a permutation p-value that shuffles group labels over documents (respects hits clustering
# in documents), Cramér's V. FRAMING_SHARES.share is the item's share of its own lexicon's hits.
FRAMING_TESTS = ("by", "level", "lexicon", "groups", "n_docs", "n_hits", "chi2", "dof", "p_chi2", "p_perm", "n_perm",
                 "cramers_v", "note")
# per item and pair of groups: rate per 1,000 tokens in a and b, b - a with a bootstrap interval, shares,
# a two-sided permutation p-value over documents and its Holm adjustment within (by, pair, level)
FRAMING_DIFFS = ("by", "group_a", "group_b", "level", "item", "rate_a", "rate_b", "diff", "diff_lo", "diff_hi",
                 "share_a", "share_b", "share_diff", "p_perm", "p_holm")
# distinctive words of a group against the rest (weighted log-odds, informative Dirichlet prior;
# Monroe, Colaresi & Quinn 2008): delta = log-odds ratio, se its standard error, z = delta / se
DISTINCTIVE_WORDS = ("by", "group", "rank", "word", "count", "count_rest", "delta", "se", "z")
# construct/variable coverage by data source: documents of the source type with at least one hit
TRIANGULATION = ("level", "construct", "item", "source_type", "n_docs", "docs_with", "coverage", "count",
                 "rate_per_1k")
# per item: in how many source types it is evidenced (of those with documents) and a verdict
TRIANGULATION_SUMMARY = ("level", "construct", "item", "n_sources", "sources_available", "sources",
                         "verdict")

# --- coding store, suggestions, evaluation (issue 5: store / suggest / review) --------------------------
# decisions whose entry vanished from the corpus or whose text changed (reason: entry-missing | text-changed)
STALE_DECISIONS = (*DECISIONS, "reason", "current_hash")
# `suggest` output: id (+ doc_id for corpora), one probability column per variable id (named exactly the id),
# then these: codes/constructs `;`-joined; in_training 1 when the model was trained on this passage (its id,
# or its exact text, is among the model's training passages: an in-sample prediction), else 0; why_terms
# "variable: term, term | ..."; why_features the strongest model features; similar_* the most similar
# already-coded passage (cosine similarity of the features)
SUGGESTION_WHY = ("codes", "constructs", "source", "model_version", "in_training", "why_terms", "why_features",
                  "similar_id", "similar_codes", "similar_score")
# cross-validated quality per variable (plus a "macro" row): model vs human coding of held-out entries
EVALUATION = ("variable", "construct", "support", "predicted", "precision", "recall", "f1", "kappa",
              "threshold", "note")
# quality vs number of coded training entries (means over the cross-validation folds)
LEARNING_CURVE = ("n_train", "folds", "macro_precision", "macro_recall", "macro_f1", "mean_kappa")

# --- agreement and exchange (issue 5: agreement statistics, CSV/XLSX tables, REFI-QDA) -----------------
# one row per comparison x condition x level x code x metric. comparison is "A vs B", "all coders (A, B, C)"
# or "model:v1 vs A"; condition, between human coders: independent (blind or imported coding on both sides) or
# assisted (a coder saw suggestions); a machine coder vs a human: model (the human coded without suggestions)
# or model-assisted (the human saw suggestions), never independent; level is variable | construct; code is
# the variable/construct id or "(all)" (units pooled over codes); metric is one of AGREEMENT_METRICS.
# value/ci_* are empty where undefined, and `note` then says why (no variance, one coder, no overlap);
# ci_* are seeded bootstrap percentile intervals over entries.
# prevalence = share of codings (coder x unit) in which the code is present
AGREEMENT_METRICS = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha")
AGREEMENT = ("comparison", "coders", "condition", "level", "code", "metric", "value", "ci_low", "ci_high",
             "n_units", "n_coders", "prevalence", "note")
# entries on which the coders of a comparison disagree (codes per coder `;`-joined, as coder=codes | ...)
DISAGREEMENTS = ("comparison", "condition", "entry_id", "doc_id", "codes", "differing")
# the codebook as a table (terms `; `-joined per language)
CODEBOOK_TABLE = ("lexicon", "construct", "construct_label_en", "construct_label_zh", "variable", "label_en",
                  "label_zh", "definition", "terms_zh", "terms_en", "exclude")
# entry x code presence matrix: these key columns, then one 0/1 column per variable id, then per construct id
PRESENCE_KEYS = ("entry_id", "doc_id", "coder", "mode", "start", "end", "text")

# --- lexicon expansion (issue 4) ------------------------------------------------------------------
# candidate new terms per variable, best first; source: word2vec | cooccurrence | both;
# similarity = cosine to the variable's matched terms (word2vec), npmi = entry-level normalised PMI
# with the variable's matches; frequency = corpus count, n_entries = entries containing the term,
# n_with_variable = those also matching the variable; contexts are "doc_id: ...[term]..." snippets
EXPANSION_CANDIDATES = (
    "variable", "rank", "term", "lang", "score", "source", "similarity", "npmi", "frequency", "n_entries",
    "n_with_variable", "context_1", "context_2",
)
