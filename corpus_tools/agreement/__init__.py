"""Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha, with intervals."""

from .compute import LEVELS, POOLED, AgreementResult, compute_agreement, summarize
from .report import format_agreement, write_agreement
from .stats import METRICS, Stat, cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement, reliability
from .units import CONDITIONS, is_machine

__all__ = [
    "CONDITIONS", "LEVELS", "METRICS", "POOLED", "AgreementResult", "Stat", "cohen_kappa", "compute_agreement",
    "fleiss_kappa", "format_agreement", "is_machine", "krippendorff_alpha", "percent_agreement", "reliability",
    "summarize", "write_agreement",
]
