"""Save and load suggestion models as plain data: model.json + arrays.npz + copies of the lexicon YAML.

Nothing is pickled: arrays are read with allow_pickle=False, every file's SHA-256 is recorded in
model.json and checked on load, and shapes and code lists are validated before a model is used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools._version import __version__
from corpus_tools.errors import ModelError
from corpus_tools.io.manifest import package_versions
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.suggest.features import FeatureBuilder, TextAnalyzer, WordVectors
from corpus_tools.suggest.model import SuggestionModel, VariableFit
from corpus_tools.suggest.quality import QualityRecord, quality_record, read_quality

if TYPE_CHECKING:
    from corpus_tools.suggest.evaluation import EvaluationResult

FORMAT = "corpus-tools-suggestion-model"
FORMAT_VERSION = 1
MODEL_JSON, ARRAYS = "model.json", "arrays.npz"
_ARRAY_KEYS = ("word_idf", "char_idf", "coef", "intercept", "calibration", "thresholds", "exemplar_data",
               "exemplar_indices", "exemplar_indptr", "exemplar_shape", "exemplar_labels", "fallback")
# arrays added later (issue 16): optional on load, with the values of a model saved without them
_OPTIONAL_KEYS = ("confident", "meta_coef", "meta_intercept", "meta_calibration", "stacked", "word_vectors")


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def save_model(model: SuggestionModel, folder: Path, metrics: dict[str, Any] | None = None,
               extra: dict[str, Any] | None = None, evaluation: EvaluationResult | None = None) -> Path:
    """Write a fitted model into `folder` (created); returns the model.json path. The model's quality record
    (corpus_tools.suggest.quality: its thresholds with the grouped cross-validated figures of `evaluation`)
    is stored with it and set as `model.quality_`."""
    model._check_fitted()
    model.quality_ = record_of(model, evaluation)
    folder.mkdir(parents=True, exist_ok=True)
    lex_dir = folder / "lexicons"
    lex_dir.mkdir(exist_ok=True)
    lexicons = []
    for lex in model.analyzer_.lexicons:
        if lex.path is None or not Path(lex.path).is_file():
            raise ModelError(f"lexicon {lex.name} has no file to save with the model")
        target = lex_dir / f"{lex.name}.yaml"
        shutil.copyfile(lex.path, target)
        lexicons.append({"name": lex.name, "version": lex.version, "file": f"lexicons/{target.name}",
                         "sha256": _sha256(target)})
    f = model.features_
    E = model.exemplars_
    arrays = {"word_idf": f.word_idf_, "char_idf": f.char_idf_, "coef": model.coef_, "intercept": model.intercept_,
              "calibration": model.calibration_, "thresholds": model.thresholds_, "exemplar_data": E.data,
              "exemplar_indices": E.indices, "exemplar_indptr": E.indptr, "exemplar_shape": np.array(E.shape),
              "exemplar_labels": model.exemplar_labels_, "fallback": model.fallback_,
              "confident": model.confident_, "meta_coef": model.meta_coef_, "meta_intercept": model.meta_intercept_,
              "meta_calibration": model.meta_calibration_, "stacked": model.stacked_,
              **({"word_vectors": f.vectors.vectors} if f.vectors is not None else {})}
    np.savez_compressed(folder / ARRAYS, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "corpus_tools": __version__,
        "model_version": model.version, "codes": model.codes_, "constructs": model.constructs_,
        "params": {"engine": model.engine, "C": model.C, "calibrate": model.calibrate, "cv": model.cv,
                   "random_state": model.random_state, "features": f.params(), "label_model": model.label_model,
                   "target_precision": model.target_precision},
        "lexicons": lexicons, "feature_variables": f.variable_ids,
        "training": {"hash": model.training_hash_, "n_passages": model.n_train_,
                     "positives": {c: int(model.exemplar_labels_[:, j].sum()) for j, c in enumerate(model.codes_)}},
        "fits": model.metrics(), "metrics": metrics or {}, "software": package_versions(),
        "vocabulary": {"word": f.word_vocab_, "char": f.char_vocab_,
                       **({"vectors": f.vectors.words} if f.vectors is not None else {})},
        "exemplars": {"ids": model.exemplar_ids_, "texts": model.exemplar_texts_,
                      "origins": list(getattr(model, "exemplar_origins_", []))},
        "files": {ARRAYS: _sha256(folder / ARRAYS)}, "quality": model.quality_.to_dict(), **(extra or {}),
    }
    path = folder / MODEL_JSON
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_meta(folder: Path) -> dict[str, Any]:
    """model.json, checked for format and version (the cheap part of loading)."""
    path = folder / MODEL_JSON
    if not path.is_file():
        raise ModelError(f"{folder} is not a saved suggestion model (no {MODEL_JSON})",
                         hint="train one with `corpus-tools train -o MODEL_DIR`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path} is not a corpus-tools suggestion model")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path} has model format {meta.get('format_version')}, this version reads {FORMAT_VERSION}",
                         hint="retrain the model with this version of corpus-tools")
    return meta


def record_of(model: SuggestionModel, evaluation: EvaluationResult | None) -> QualityRecord:
    """The quality record of a fitted model and the grouped cross-validation it rests on (None: none)."""
    notes = [f.note for f in model.fits_] if len(model.fits_) == len(model.codes_) else [""] * len(model.codes_)
    if evaluation is None:
        return quality_record(model.version, model.codes_, model.thresholds_, model.fallback_, notes)
    return quality_record(model.version, model.codes_, model.thresholds_, model.fallback_, notes,
                          evaluation.per_variable, kind=evaluation.kind, n_entries=evaluation.n_entries,
                          folds=evaluation.folds, n_groups=evaluation.n_groups, macro=evaluation.macro)


def load_quality(folder: Path) -> QualityRecord | None:
    """The quality record of the model saved in `folder` (reads model.json only, loads no arrays); None for a
    model saved before records existed."""
    return read_quality(read_meta(Path(folder)))


def _verify(folder: Path, rel: str, expected: str) -> Path:
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise ModelError(f"model file {rel} is missing or outside the model folder")
    if _sha256(path) != expected:
        raise ModelError(f"model file {rel} does not match its recorded SHA-256 (changed after saving)",
                         hint="retrain the model; never load model files from an untrusted source")
    return path


def load_model(folder: Path) -> SuggestionModel:
    """Load and validate a saved model (hashes, array names, shapes, code lists)."""
    from scipy import sparse

    folder = Path(folder)
    meta = read_meta(folder)
    try:
        arrays_path = _verify(folder, ARRAYS, meta["files"][ARRAYS])
        lexicons = [load_lexicon(_verify(folder, lx["file"], lx["sha256"])) for lx in meta["lexicons"]]
        with np.load(arrays_path, allow_pickle=False) as npz:
            missing = [k for k in _ARRAY_KEYS if k not in npz.files]
            if missing:
                raise ModelError(f"{arrays_path} lacks arrays {missing}")
            a = {k: npz[k] for k in _ARRAY_KEYS}
            a.update({k: npz[k] for k in _OPTIONAL_KEYS if k in npz.files})
        params = meta["params"]
        fp = params["features"]
        codes = list(meta["codes"])
        vocab = meta["vocabulary"]
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{folder}: saved model is incomplete or malformed ({exc!r})") from exc
    vectors = None
    if "vectors" in vocab:

        if "word_vectors" not in a or a["word_vectors"].shape[0] != len(vocab["vectors"]):
            raise ModelError(f"{folder}: word vectors and their vocabulary disagree")
        vectors = WordVectors(list(vocab["vectors"]), a["word_vectors"].astype(float))
    model = SuggestionModel(lexicons, params["engine"], params["C"], params["calibrate"], params["cv"],
                            params["random_state"], fp["word_max_features"], fp["char_max_features"],
                            tuple(fp["char_ngrams"]), fp["min_df"], params.get("label_model", "independent"),
                            params.get("target_precision"), vectors, float(fp.get("vector_weight", 1.0)))
    analyzer = TextAnalyzer(lexicons, params["engine"])
    if analyzer.variable_ids != list(meta["feature_variables"]):
        raise ModelError(f"{folder}: lexicon variables differ from those the model was trained with")
    features = FeatureBuilder(meta["feature_variables"], fp["word_max_features"], fp["char_max_features"],
                              tuple(fp["char_ngrams"]), fp["min_df"], fp["lexicon_weight"], vectors,
                              float(fp.get("vector_weight", 1.0)))
    if len(vocab["word"]) != len(a["word_idf"]) or len(vocab["char"]) != len(a["char_idf"]):
        raise ModelError(f"{folder}: vocabulary and IDF arrays disagree in length")
    features.set_state(vocab["word"], a["word_idf"].astype(float), vocab["char"], a["char_idf"].astype(float))
    k, d = len(codes), features.n_features
    shapes = {"coef": (k, d), "intercept": (k,), "calibration": (k, 2), "thresholds": (k,), "fallback": (k,)}
    for name, shape in shapes.items():
        if a[name].shape != shape:
            raise ModelError(f"{folder}: array {name} has shape {a[name].shape}, expected {shape}")
    n = len(meta["exemplars"]["ids"])
    shape = tuple(int(x) for x in a["exemplar_shape"])
    if shape != (n, d) or a["exemplar_labels"].shape != (n, k) or len(meta["exemplars"]["texts"]) != n:
        raise ModelError(f"{folder}: stored training passages do not match the model's dimensions")
    model.analyzer_, model.features_, model.codes_ = analyzer, features, codes
    model.constructs_ = dict(meta["constructs"])
    model.coef_, model.intercept_ = a["coef"].astype(float), a["intercept"].astype(float)
    model.calibration_, model.thresholds_ = a["calibration"].astype(float), a["thresholds"].astype(float)
    model.fallback_ = a["fallback"].astype(bool)
    optional = {"confident": (model.thresholds_.copy(), (k,)), "meta_coef": (np.zeros((k, k)), (k, k)),
                "meta_intercept": (np.zeros(k), (k,)), "meta_calibration": (np.tile([1.0, 0.0], (k, 1)), (k, 2)),
                "stacked": (np.zeros(k, dtype=bool), (k,))}
    for name, (default, want) in optional.items():
        got = a.get(name, default)
        if got.shape != want:
            raise ModelError(f"{folder}: array {name} has shape {got.shape}, expected {want}")
        setattr(model, f"{name}_", got.astype(bool) if name == "stacked" else got.astype(float))
    model.exemplars_ = sparse.csr_matrix((a["exemplar_data"], a["exemplar_indices"], a["exemplar_indptr"]),
                                         shape=shape)
    model.exemplar_ids_ = list(meta["exemplars"]["ids"])
    model.exemplar_texts_ = list(meta["exemplars"]["texts"])
    model.exemplar_origins_ = [str(o) for o in meta["exemplars"].get("origins") or []]
    model.evaluation_ = dict(meta.get("evaluation") or {})
    model.exemplar_labels_ = a["exemplar_labels"].astype(np.int8)
    model.training_hash_ = str(meta["training"]["hash"])
    model.n_train_ = int(meta["training"]["n_passages"])
    model.fits_ = [VariableFit(c, int(v["positives"]), int(v["negatives"]), bool(v["calibrated"]),
                               float(v["threshold"]), str(v["note"]), dict(v["oof"]), bool(v.get("fallback")),
                               float(v.get("lexicon_f1", 0.0)), float(v.get("confident", v["threshold"])))
                   for c, v in meta["fits"].items()]
    if model.version != meta["model_version"]:
        raise ModelError(f"{folder}: arrays do not reproduce the recorded model version {meta['model_version']}")
    model.quality_ = read_quality(meta) or record_of(model, None)
    return model
