"""Tolerant scanner for TypeScript/JavaScript and Python: the queries, loops,
transactions and caches that the performance and caching rules read.

No maintained TypeScript parser exists for Python, and plan snippets are rarely whole
programs anyway (`// ... existing code`, a method without its class). So the scanner does
not parse. It blanks out strings, comments and regex literals, keeping every offset and
newline. Then it matches brackets and finds constructs with regexes over the masked text.
Every event carries exact absolute lines and knows which loops, transaction and function
enclose it.
"""

from __future__ import annotations

from planreview.artifacts.code.extract import extract_code, route_of, scan
from planreview.artifacts.code.masking import Unterminated, mask_js, mask_py, match_brackets
from planreview.artifacts.code.model import (
    FILE_SUFFIXES,
    PLAN_LANGUAGES,
    READ_METHODS,
    SINGLE_ROW_WRITES,
    WRITE_METHODS,
    Await,
    CacheCall,
    CacheKind,
    CodeUnit,
    Function,
    Language,
    Loop,
    Origin,
    Orm,
    QueryCall,
    Route,
    Transaction,
    TransactionKind,
    Where,
)

__all__ = [
    "FILE_SUFFIXES",
    "PLAN_LANGUAGES",
    "READ_METHODS",
    "SINGLE_ROW_WRITES",
    "WRITE_METHODS",
    "Await",
    "CacheCall",
    "CacheKind",
    "CodeUnit",
    "Function",
    "Language",
    "Loop",
    "Origin",
    "Orm",
    "QueryCall",
    "Route",
    "Transaction",
    "TransactionKind",
    "Unterminated",
    "Where",
    "extract_code",
    "mask_js",
    "mask_py",
    "match_brackets",
    "route_of",
    "scan",
]
