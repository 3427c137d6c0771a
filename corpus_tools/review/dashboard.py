"""Project overview for coders and their lead: progress per coder, agreement per variable (from the
agreement module), the suggestion model's quality and learning curve, and the commands that refresh them."""

from __future__ import annotations

import datetime as dt
import json
import math
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tools.agreement import POOLED, compute_agreement
from corpus_tools.errors import AgreementError, ModelError
from corpus_tools.review.adjudication import ADJUDICATOR
from corpus_tools.store.vocabulary import is_machine
from corpus_tools.suggest.persistence import MODEL_JSON, read_meta
from corpus_tools.suggest.quality import QualityRecord, read_quality
from corpus_tools.suggest.training import entry_scopes

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.store.store import CodingStore

AGREEMENT_METRICS = ("percent_agreement", "cohen_kappa", "krippendorff_alpha")


@dataclass(frozen=True)
class CoderProgress:
    """How much one coder (or the consensus) has coded."""

    coder: str
    coded: int  # entries with a current coding (codes or "none")
    total: int  # entries of the corpus that are not near-duplicates
    decisions: int  # live decisions in the store (imported from codings.csv only: 0)
    modes: dict[str, int]  # entries per coding mode
    last: str  # timestamp of the coder's latest decision ("" when none)
    kind: str  # human | consensus | machine

    @property
    def share(self) -> float:
        """Coded entries as a share of the corpus's entries."""
        return self.coded / self.total if self.total else 0.0


def coder_progress(store: CodingStore, corpus: Corpus, state: pd.DataFrame) -> list[CoderProgress]:
    """Progress of every coder in the coding state (schema.CODING_STATE), humans first."""
    entries = corpus.entries
    total = int((entries["dup_of"].fillna("") == "").sum())
    events = store.events()
    undone = {e.undoes for e in events if e.undoes is not None}
    live: dict[str, int] = {}
    last: dict[str, str] = {}
    for e in events:
        last[e.coder] = max(last.get(e.coder, ""), e.timestamp)
        if e.undoes is None and e.event_id not in undone:
            live[e.coder] = live.get(e.coder, 0) + 1
    out = []
    for coder, group in state.groupby("coder", sort=False):
        name = str(coder)
        per_entry = group.drop_duplicates("entry_id")
        kind = "consensus" if name == ADJUDICATOR else "machine" if is_machine(name) else "human"
        out.append(CoderProgress(name, len(per_entry), total, live.get(name, 0),
                                 {str(k): int(v) for k, v in per_entry["mode"].value_counts().items()},
                                 last.get(name, ""), kind))
    rank = {"human": 0, "consensus": 1, "machine": 2}
    return sorted(out, key=lambda p: (rank[p.kind], p.coder))


@dataclass(frozen=True)
class AgreementRow:
    """Agreement on one variable (or all pooled) in one comparison and condition."""

    code: str
    n_units: int
    prevalence: float | None
    values: dict[str, tuple[float | None, float | None, float | None]]  # metric -> (value, low, high)
    note: str


@dataclass
class AgreementBlock:
    """One comparison (e.g. `A vs B`) in one condition (independent or assisted), on one codebook's variables."""

    comparison: str
    condition: str
    n_entries: int
    rows: list[AgreementRow] = field(default_factory=list)
    codebook: str = ""  # the lexicon whose variables the rows compare ("" with a single codebook)


def _num(x: Any) -> float | None:
    return None if x is None or math.isnan(float(x)) else float(x)


def agreement_overview(state: pd.DataFrame, lexicons: Sequence[Lexicon], n_boot: int = 200,
                       random_state: int = 0) -> tuple[list[AgreementBlock], list[str]]:
    """Per-variable agreement of every comparison with data (corpus_tools.agreement), and its notes: one set of
    blocks per codebook the coders used, each over the passages coded under that codebook (see
    `entry_scopes`: a passage coded only with another codebook is no agreement on "absent" here)."""
    humans = state[state["coder"] != ADJUDICATOR]
    lexs = list(lexicons)
    book = {v: lex.name for lex in reversed(lexs) for v in lex.variable_ids}
    codes = set(humans["code"].astype(str)) if len(humans) else set()
    used = [lex for lex in lexs if codes.intersection(lex.variable_ids)] or lexs[:1]
    scopes = entry_scopes(humans, book) if len(used) > 1 else {}
    blocks: list[AgreementBlock] = []
    notes: list[str] = []
    for lex in used:
        sub = humans
        if len(used) > 1:
            keep = [lex.name in scopes.get(str(e), set()) for e in humans["entry_id"]]
            sub = humans[keep]
        try:
            result = compute_agreement(sub, [lex], levels=("variable",), n_boot=n_boot, random_state=random_state)
        except AgreementError as exc:
            notes.append(f"{lex.name}: {exc.message}" if len(used) > 1 else exc.message)
            continue
        summary = result.summary()
        if "comparison" not in summary.columns:  # nothing to compare (one human coder): no blocks, not a crash
            notes.extend(f"{lex.name}: {n}" if len(used) > 1 else n for n in result.notes)
            continue
        for (comp, condition), group in summary.groupby(["comparison", "condition"], sort=False):
            per_code = group[group["code"] != POOLED]
            n = int(per_code["n_units"].max()) if len(per_code) else 0
            if n == 0:
                continue
            block = AgreementBlock(str(comp), str(condition), n, codebook=lex.name if len(used) > 1 else "")
            for r in group.to_dict("records"):
                values = {m: (_num(r.get(m)), _num(r.get(f"{m}_low")), _num(r.get(f"{m}_high")))
                          for m in AGREEMENT_METRICS}
                block.rows.append(AgreementRow(str(r["code"]), int(r["n_units"]), _num(r["prevalence"]), values,
                                               str(r.get("notes") or "")))
            blocks.append(block)
        notes.extend(f"{lex.name}: {n}" if len(used) > 1 else n for n in result.notes)
    return blocks, list(dict.fromkeys(notes))


@dataclass
class ModelQuality:
    """What the dashboard shows about the suggestion model: per code the one quality record saved with the model
    (corpus_tools.suggest.quality: the threshold it applies, grouped cross-validated precision, recall and F1
    with their interval and n; the report shows the same record), per language, the learning curve and, when
    simulated, the active-learning curves."""

    version: str
    n_train: int
    trained: str  # when model.json was written (UTC)
    fits: list[dict[str, Any]]  # code, positives, calibrated, note + the record's threshold, precision, recall, f1...
    evaluation: dict[str, Any] | None = None  # evaluation.json of `corpus-tools evaluate`
    evaluation_path: str = ""
    active_learning: dict[str, Any] | None = None  # active_learning.json of `corpus-tools evaluate --active-learning`
    record: QualityRecord | None = None  # the model's quality record (None: saved before records existed)

    @property
    def curve(self) -> list[dict[str, Any]]:
        """Learning-curve points (n_train, macro_f1, mean_kappa, ...), empty without an evaluation."""
        return list((self.evaluation or {}).get("learning_curve") or [])

    @property
    def by_language(self) -> list[dict[str, Any]]:
        """Macro F1 with its 95% interval per language (lang "all" first), empty without an evaluation."""
        return list((self.evaluation or {}).get("by_language") or [])

    @property
    def quality_kind(self) -> str:
        """How the per-code figures were obtained (grouped cross-validation, folds, intervals)."""
        if self.record is not None and self.record.kind:
            return self.record.kind
        return str((self.evaluation or {}).get("kind") or "")


def model_quality(model_dir: Path | None, evaluation_paths: Sequence[Path] = ()) -> ModelQuality | None:
    """Read a saved model's model.json (cheap, nothing is loaded) and the first evaluation.json found (else the
    evaluation summary saved in model.json, for the learning curve and the languages). Per-code figures come
    from the model's quality record only, never from the calibration folds' in-fit scores; a model saved
    before records existed shows its thresholds with the per-variable rows of evaluation.json, when any."""
    if model_dir is None or not (Path(model_dir) / MODEL_JSON).is_file():
        return None
    meta = read_meta(Path(model_dir))
    stamp = dt.datetime.fromtimestamp((Path(model_dir) / MODEL_JSON).stat().st_mtime, dt.UTC)
    record = read_quality(meta)
    fits = [{"code": code, **{k: v for k, v in fit.items() if k not in ("oof", "lexicon_f1", "skill")}}
            for code, fit in (meta.get("fits") or {}).items()]
    quality = ModelQuality(str(meta.get("model_version", "")), int(meta.get("training", {}).get("n_passages", 0)),
                           stamp.isoformat(timespec="seconds"), fits, record=record)
    for path in evaluation_paths:
        data = _read_json(Path(path))
        if data is not None:
            quality.evaluation, quality.evaluation_path = data, str(path)
            quality.active_learning = _read_json(Path(path).parent / "active_learning.json")
            break
    if quality.evaluation is None and meta.get("evaluation"):
        quality.evaluation = dict(meta["evaluation"])
        quality.evaluation_path = str(Path(model_dir) / MODEL_JSON)
    if record is not None:
        for f in fits:
            r = record.get(str(f["code"]))
            if r is not None:
                f.update({k: v for k, v in asdict(r).items() if k not in ("code", "note")})
        return quality
    per_var = {str(r.get("variable")): r for r in (quality.evaluation or {}).get("per_variable") or []}
    for f in fits:
        r = per_var.get(str(f["code"]))
        if r is not None:
            f.update({k: r[k] for k in ("precision", "recall", "f1", "f1_low", "f1_high", "n_passages")
                      if r.get(k) is not None})
            if r.get("threshold") is not None:
                f["fold_threshold"] = r["threshold"]
    return quality


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from `path`, None when the file is absent; a clear error when it is not JSON."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON ({exc})") from exc
    return data if isinstance(data, dict) else None


def human_coded_entries(state: pd.DataFrame) -> int:
    """Entries with at least one human or consensus coding (what the next training run learns from)."""
    humans = state[[not is_machine(str(c)) for c in state["coder"]]]
    return int(humans["entry_id"].nunique())


def retrain_commands(corpus_path: Path | None, store_path: Path, model_dir: Path | None,
                     evaluation_dir: Path | None = None) -> list[str]:
    """Shell commands that retrain the model on the store and re-run the evaluation (paths quoted)."""
    corpus = f" {shlex.quote(str(corpus_path))}" if corpus_path is not None else ""
    store = shlex.quote(str(store_path))
    home = Path(store_path).resolve().parent  # absolute: the commands must work from any folder
    model = shlex.quote(str(model_dir if model_dir is not None else home / "model"))
    evaluation = shlex.quote(str(evaluation_dir if evaluation_dir is not None else home / "evaluation"))
    return [f"corpus-tools train{corpus} --store {store} -o {model}",
            f"corpus-tools evaluate{corpus} --store {store} -o {evaluation}"]
