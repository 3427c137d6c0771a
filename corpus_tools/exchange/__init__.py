"""Exchange with spreadsheets and QDA programs: CSV/XLSX coding tables and REFI-QDA codebooks and projects."""

from corpus_tools.exchange.refi_codebook import ImportedCodebook, codebook_xml, read_qdc, write_qdc
from corpus_tools.exchange.refi_export import QdpxExport, project_xml, write_qdpx
from corpus_tools.exchange.refi_import import QdpxImport, read_qdpx
from corpus_tools.exchange.safety import DEFAULT_LIMITS, Limits, SafeZip, parse_xml
from corpus_tools.exchange.state import GatheredCodings, gather_codings, read_suggestions
from corpus_tools.exchange.tables import codebook_frame, coding_tables, codings_frame, presence_frame, write_tables

__all__ = [
    "DEFAULT_LIMITS", "GatheredCodings", "ImportedCodebook", "Limits", "QdpxExport", "QdpxImport", "SafeZip",
    "codebook_frame", "codebook_xml", "coding_tables", "codings_frame", "gather_codings", "parse_xml",
    "presence_frame", "project_xml", "read_qdc", "read_qdpx", "read_suggestions", "write_qdc", "write_qdpx",
    "write_tables",
]
