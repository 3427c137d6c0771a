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
# about_date: when the events a document describes took place (a retrospective interview published in 2015
# about 2013); period: the stage id it describes. Both optional; stage analyses use them as a sensitivity check
DOCUMENTS_CSV_OPTIONAL = ("outlet", "date", "lang", "author", "speaker", "role", "encoding", "notes", "about_date",
                          "period")

# the docs frame: one row per readable document
DOCS = (
    "doc_id", "path", "title", "source_type", "outlet", "date", "date_start", "date_end", "year",
    "lang", "author", "speaker", "role", "encoding", "notes", "stage", "stage_overlap",
    "text", "n_chars", "sha1", "csv_line", "dup_of", "dup_score", "about_date", "period",
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

# span codings (issue 15): one row per live span a coder coded; start/end index the DOCUMENT text (as entries and
# evidence do), the span lies inside one entry, `quote` is the coded text (doc text[start:end]) for verification
SPAN_CODINGS = ("span_id", "doc_id", "entry_id", "start", "end", "code", "coder", "quote", "timestamp", "source",
                "note")
# memos (issue 15): the current version of each memo on a document (target = doc_id) or a code (target = variable
# id); `version` counts the edits (an edit is a new version, never an overwrite)
MEMOS = ("kind", "target", "version", "text", "coder", "timestamp", "source")

# --- topic models (issue 4: themes per stage) -----------------------------------------------------
# scope is "stage:<stage id>" for a per-stage model or "joint" for the model with stage as covariate.
# K sweep: one row per (scope, k, seed) fit; `chosen` marks the K picked for the scope (all its seeds)
# exclusivity: mean share of a top word's probability held by its own topic (1 = exclusive);
# heldout_ll: per-token log-likelihood of held-out entries by document completion (nan for the first seed,
# fitted on every entry); heldout_gain = 1 − perplexity / unigram perplexity; score: the grid-independent
# criteria score K is chosen by (see topics.sweep.criteria_score)
TOPIC_SWEEP = ("scope", "k", "seed", "c_npmi", "c_v", "stability", "exclusivity", "heldout_ll", "heldout_gain",
               "score", "chosen")
# one row per topic; top_words_zh / top_words_en / top_words are space-separated, best first;
# label = its first three top words; weight = mean topic share over the scope's entries
TOPICS = ("scope", "stage", "topic", "label", "top_words_zh", "top_words_en", "top_words", "weight")
# most representative entries of each topic (rank 1 = highest topic share)
TOPIC_PASSAGES = ("scope", "topic", "rank", "entry_id", "doc_id", "title", "stage", "score", "text")
# per-stage topics matched across consecutive stages: one row per pair at or above `threshold` (cosine of
# topic-word vectors); status: persisted (one to one) | split (one earlier → several later) | merged
# (several earlier → one later) | split+merged | emerged (nothing earlier at or above threshold) | faded
# (nothing later); emerged rows have from_topic -1, faded rows to_topic -1, and show the best similarity
TOPIC_ALIGNMENT = ("from_stage", "from_topic", "to_stage", "to_topic", "similarity", "status", "threshold")
# joint-model topic prevalence per stage with an interval (method names how the interval was made);
# topics are numbered from 1 in every topic table
TOPIC_PREVALENCE = ("topic", "stage", "mean", "lo", "hi", "method", "n_entries", "n_documents")
# covariate effects on joint-model topic prevalence (STM estimateEffect style, method of composition):
# estimate = expected topic share of entries at `level` of `covariate`; lo/hi = interval over posterior
# draws of the topic shares from every seed's model and the sampling error of the level means
TOPIC_EFFECTS = ("topic", "covariate", "level", "estimate", "lo", "hi", "n_entries", "n_documents", "method")
# keyword-assisted (seeded) topics: one per codebook variable or construct; seed_words_used = its terms in
# the vocabulary; seed_share = share of its top-10 words that are seed words; coherence = c_npmi;
# stability = best top-word Jaccard with the matching topic of the other seeds; hand_code_lift = mean topic
# share in entries hand-coded with the item / mean elsewhere (nan without hand codes)
TOPIC_SEEDED = ("topic", "kind", "item", "seed_words_used", "top_words", "seed_share", "coherence",
                "exclusivity", "stability", "weight", "hand_code_lift", "holds_up")
# overlap of a topic's top words with each lexicon variable's terms (which construct it speaks to)
TOPIC_VARIABLES = ("scope", "topic", "lexicon", "construct", "variable", "overlap", "matched_terms")

# --- framing over time (issue 4: media framing, stage comparisons, triangulation) ----------------
# `by` is year | quarter | stage | source_type; `level` is variable | construct; `item` is the variable or
# construct id. share = item hits / all hits of that level in the period; doc_share = share of the
# period's documents with at least one hit; *_lo/*_hi are seeded bootstrap percentile intervals over
# documents (NaN with fewer than min_docs documents, default 5: small = True). For a zero count the
# percentile bootstrap degenerates to [0, 0]: the upper bound is then the exact Poisson (rate) or
# Clopper-Pearson (share) bound. Declared stages without documents appear with n_docs 0.
FRAMING_SHARES = (
    "by", "period", "level", "construct", "item", "n_docs", "n_tokens", "count", "rate_per_1k", "rate_lo",
    "rate_hi", "share", "share_lo", "share_hi", "doc_share", "small",
)
# one omnibus test per (by, level, lexicon): Pearson chi-square on the groups x items hit table of ONE
# lexicon (two lexicons may claim one span, so their items are not exclusive categories and are never
# pooled in one table; FRAMING_SHARES.share is the item's share of its own lexicon's hits), a permutation
# p-value that shuffles group labels over documents (respects hits clustering in documents), Cramér's V.
# p_chi2 is the asymptotic p-value, which assumes independent hits; hits cluster within documents, so it is
# too small: the report does not show it (kept in the CSV for comparison only; use p_perm). Groups with
# fewer than min_docs documents are left out (note says so).
FRAMING_TESTS = ("by", "level", "lexicon", "groups", "n_docs", "n_hits", "chi2", "dof", "p_chi2", "p_perm", "n_perm",
                 "cramers_v", "note")
# per item and pair of groups: rate per 1,000 tokens in a and b, b - a with a bootstrap interval, shares,
# a two-sided permutation p-value over documents, and its Holm and Benjamini-Hochberg adjustments over the
# whole table (one family: the report's comparisons section). Groups with fewer than min_docs documents get
# no interval and no p-value.
FRAMING_DIFFS = ("by", "group_a", "group_b", "level", "item", "rate_a", "rate_b", "diff", "diff_lo", "diff_hi",
                 "share_a", "share_b", "share_diff", "p_perm", "p_holm", "p_bh")
# adjusted stage effects (issue 12): per lexicon item and pair of stages, the incidence-rate ratio (IRR) of
# stage_b against stage_a from a document-level count model of hits with log(tokens) as offset: model is
# "negative binomial", the Poisson fallback with robust errors, or "none" (note says why); adjusted_for
# names the covariates; irr_unadj* is the same model with stage only. p is the Wald p-value; p_holm and
# p_bh adjust over the whole table (one family); p_adj is the declared correction (Holm). n_docs = documents
# in the adjusted fit; rate_a/rate_b are raw hits per 1,000 tokens.
STAGE_EFFECTS = ("lexicon", "level", "variable", "contrast", "stage_a", "stage_b", "irr", "irr_lo", "irr_hi", "p",
                 "p_adj", "p_holm", "p_bh", "adjusted_for", "n_docs", "model", "irr_unadj", "irr_unadj_lo",
                 "irr_unadj_hi", "p_unadj", "p_unadj_holm", "n_docs_a", "n_docs_b", "hits_a", "hits_b", "rate_a",
                 "rate_b", "note")
# the stage effects re-estimated under another stage assignment (scenario): irr_main/p_adj_main from
# stage_effects, irr/irr_lo/irr_hi/p_adj under the scenario (Holm over that scenario's table), n_moved =
# documents whose stage changed; verdict says whether the effect keeps its sign and significance (alpha .05)
STAGE_SENSITIVITY = ("lexicon", "level", "variable", "contrast", "scenario", "n_moved", "irr_main", "p_adj_main",
                     "irr", "irr_lo", "irr_hi", "p_adj", "model", "same_sign", "significant_main",
                     "significant_here", "verdict")
# the paper's Fig. 2 as data (issue 12): co-occurrence of each government-support item (measure) with each mass
# entrepreneurship item (construct), per level (construct | variable), unit (entry | document) and stage ("all
# stages" or a stage id): the 2 x 2 counts, log odds ratio (Haldane 0.5) with a bootstrap interval over documents
# (lo, hi), a two-sided permutation p (entry: shuffled within documents; document: within stages) and its Holm /
# BH adjustment within its family (one matrix: level x unit x stage, named in `family`)
MEASURES_CONSTRUCTS = ("level", "unit", "stage", "measure", "construct", "n_units", "n_docs", "n_both",
                       "n_measure_only", "n_construct_only", "n_neither", "log_or", "lo", "hi", "p_perm", "n_perm",
                       "family", "p_holm", "p_bh")
# hits per 1,000 tokens by stage x source type (strata), n_docs per stratum; small = fewer than min_docs docs
STRATIFIED_RATES = ("stage", "source_type", "level", "item", "n_docs", "n_tokens", "count", "rate_per_1k",
                    "small")
# distinctive words of a group against the rest (weighted log-odds, informative Dirichlet prior;
# Monroe, Colaresi & Quinn 2008): delta = log-odds ratio, se its standard error, z = delta / se
# Dispersion (issue 12): doc_freq / doc_freq_rest = documents of the group / of the rest using the word,
# n_docs_group = the group's documents, top_doc_share = share of the group's count from its single top document;
# z_flat = z under a flat prior (alpha_w = 0.01); z_null95 = 95th percentile of the group's largest z when
# group labels are shuffled over documents (n_perm times): beyond_null = z > z_null95; prior states the prior.
DISTINCTIVE_WORDS = ("by", "group", "rank", "word", "count", "count_rest", "delta", "se", "z", "doc_freq",
                     "n_docs_group", "doc_freq_rest", "top_doc_share", "z_flat", "z_null95", "beyond_null", "n_perm",
                     "prior")
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
# "Label [variable]: term, term | ..."; why_features "variable: words w (+0.8), ...; terms of another code, Label
# [other] (+0.1) | ..." (words and lexicon hits only, never character n-grams); similar_* the most similar
# already-coded passage (cosine similarity of the features); similar_origin where that passage is: "corpus" (this
# corpus), "store" (the project's coding store), or "training corpus" (a passage only the model's training data
# has, e.g. the bundled sample: the user may not have its text); unsure: `;`-joined codes in the model's "not sure"
# band (scored at or above the threshold but below the confident score: left to the coder, not suggested);
# evaluation: the grouped cross-validated macro F1 [95% CI] the model rests on ("" when none was recorded)
SUGGESTION_WHY = ("codes", "constructs", "source", "model_version", "in_training", "why_terms", "why_features",
                  "similar_id", "similar_codes", "similar_score", "similar_origin", "unsure", "evaluation")
# cross-validated quality per variable (plus a "macro" row): model vs human coding of held-out entries
# n_passages: held-out passages coded under the variable's codebook; f1/kappa _low/_high: 95% bootstrap interval
# over cross-validation groups (documents merged with their reprints); unsure: held-out passages where the model
# said "not sure" (its abstention band) instead of suggesting the code
EVALUATION = ("variable", "construct", "support", "predicted", "precision", "recall", "f1", "kappa",
              "threshold", "note", "n_passages", "f1_low", "f1_high", "kappa_low", "kappa_high", "unsure")
# the same out-of-fold predictions summarised per language (lang "all" = every passage): macro figures over the
# variables with human positives in that language, with 95% bootstrap intervals over groups
EVALUATION_BY_LANGUAGE = ("lang", "n_passages", "n_groups", "macro_precision", "macro_recall", "macro_f1",
                          "f1_low", "f1_high", "mean_kappa", "kappa_low", "kappa_high", "note")
# prevalence of draft codes per group (stage), passages the model was trained on left out: raw classify-and-count
# share with a bootstrap interval over documents, the cross-validated tpr/fpr, and Forman's adjusted count
# (raw - fpr) / (tpr - fpr) with an interval that also draws tpr and fpr (Jeffreys Beta); note says what is missing
PREVALENCE = ("code", "group", "n_entries", "n_docs", "n_training_excluded", "raw_share", "raw_lo", "raw_hi", "tpr",
              "fpr", "adjusted_share", "adjusted_lo", "adjusted_hi", "note")
# quality vs number of coded training entries (means over the cross-validation folds)
# f1_low/f1_high: 95% interval of macro F1 over the pooled held-out predictions (bootstrap of their groups)
LEARNING_CURVE = ("n_train", "folds", "macro_precision", "macro_recall", "macro_f1", "mean_kappa", "f1_low", "f1_high")

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
# n_positive = units on which at least one coder gave the code: with fewer than 10 (MIN_POSITIVE) no interval is
# given and the note warns; q_below_667 / q_below_800 (Krippendorff's alpha only) = share of bootstrap replicates
# with alpha below .667 / .800, the probability of failing that minimum (Hayes & Krippendorff 2007)
AGREEMENT = ("comparison", "coders", "condition", "level", "code", "metric", "value", "ci_low", "ci_high",
             "n_units", "n_coders", "prevalence", "note", "n_positive", "q_below_667", "q_below_800")
# agreement before vs after adjudication, on the adjudicated entries (pooled over codes, entry x code units):
# phase "before" = the human coders among themselves, "after" = each coder's own codes vs the consensus
ADJUDICATION_AGREEMENT = ("phase", "comparison", "n_entries", "percent_agreement", "alpha", "alpha_lo", "alpha_hi",
                          "note")
# the coder's code co-occurrence matrix (long form): passages whose codes (consensus, else at least half the human
# coders) include both code_a and code_b; the diagonal counts passages with the code; n_passages = coded passages
CODE_COOCCURRENCE = ("code_a", "code_b", "n_both", "n_a", "n_b", "jaccard", "n_passages")
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
