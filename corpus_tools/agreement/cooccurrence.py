"""The coder's code co-occurrence matrix (as QDA programs show it): how many coded passages carry both codes.

A passage's codes are its adjudicated consensus when there is one, else the codes at least half of its human
coders gave (the rule the draft-code model trains on); machine codings are left out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from corpus_tools import schema
from corpus_tools.store.vocabulary import is_machine

NONE_CODE = "none"


def passage_codes(state: pd.DataFrame, codes: Sequence[str]) -> dict[str, set[str]]:
    """entry_id → codes (consensus wins; else the codes of at least half the human coders)."""
    known = set(codes)
    human = state[~state["coder"].astype(str).map(is_machine)]
    out: dict[str, set[str]] = {}
    for eid, grp in human.groupby(human["entry_id"].astype(str), sort=True):
        adj = grp[grp["mode"].astype(str) == "adjudicated"]
        if len(adj):
            out[str(eid)] = {c for c in adj["code"].astype(str) if c in known}
            continue
        n_coders = grp["coder"].nunique()
        counts = grp[grp["code"].astype(str) != NONE_CODE].groupby("code")["coder"].nunique()
        out[str(eid)] = {str(c) for c, n in counts.items() if c in known and 2 * n >= n_coders}
    return out


def code_cooccurrence(state: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """One row per pair of codes (both orders, diagonal = passages with the code): counts and Jaccard."""
    per = passage_codes(state, codes)
    code_list = [c for c in codes if any(c in s for s in per.values())]
    n = {c: sum(c in s for s in per.values()) for c in code_list}
    rows = []
    for a in code_list:
        for b in code_list:
            both = sum(a in s and b in s for s in per.values())
            union = n[a] + n[b] - both
            rows.append({"code_a": a, "code_b": b, "n_both": both, "n_a": n[a], "n_b": n[b],
                         "jaccard": round(both / union, 4) if union else float("nan"), "n_passages": len(per)})
    return pd.DataFrame(rows, columns=list(schema.CODE_COOCCURRENCE))
