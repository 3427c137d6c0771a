"""Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha, with intervals."""

from corpus_tools.agreement.compute import LEVELS, POOLED, AgreementResult, compute_agreement, summarize
from corpus_tools.agreement.lexicon_validation import LexiconValidation, format_validation, validate_lexicons
from corpus_tools.agreement.report import format_agreement, write_agreement
from corpus_tools.agreement.stats import (
    METRICS,
    Stat,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    reliability,
)
from corpus_tools.agreement.units import CONDITIONS

__all__ = [
    "CONDITIONS", "LEVELS", "METRICS", "POOLED", "AgreementResult", "LexiconValidation", "Stat", "cohen_kappa",
    "compute_agreement", "fleiss_kappa", "format_agreement", "format_validation", "krippendorff_alpha",
    "percent_agreement", "reliability", "summarize", "validate_lexicons", "write_agreement",
]
