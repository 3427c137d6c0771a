"""corpus.toml as frozen dataclasses: corpus name, stages and default lexicons."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus_tools.errors import ConfigError, CorpusError
from corpus_tools.io.limits import DEFAULT_INPUT_LIMITS, InputLimits
from corpus_tools.io.resources import DEFAULT_LEXICON

UNSTAGED = "unstaged"


@dataclass(frozen=True)
class Stage:
    """A named period; `end` is inclusive, None means open-ended."""

    id: str
    label: str
    start: dt.date
    end: dt.date | None = None

    def contains(self, day: dt.date) -> bool:
        """True when `day` falls inside the stage."""
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """True when the interval [start, end] touches the stage."""
        return start <= (self.end or dt.date.max) and end >= self.start


DEFAULT_INTERVIEWER_LABELS = ("访谈者", "訪談者", "采访者", "採訪者", "访问者", "訪問者", "访员", "訪員", "问", "問",
                              "提问", "提問", "记者", "記者", "q", "interviewer", "reporter")


@dataclass(frozen=True)
class ScoringConfig:
    """The `[scoring]` table of corpus.toml: whose turns count and how negation is handled.

    `exclude_roles`: roles whose entries are left out of scores (kept in the evidence); an entry's role is
    `interviewer` when its turn label (访谈者：, Q:) is one of `interviewer_labels` in a document whose
    source type is in `label_source_types`, else the documents.csv `role` of the document's speaker.
    `negation`: "default" (the shipped rules), a rule-file path (relative to the corpus), or false."""

    exclude_roles: tuple[str, ...] = ("interviewer",)
    interviewer_labels: tuple[str, ...] = DEFAULT_INTERVIEWER_LABELS
    label_source_types: tuple[str, ...] = ("interview",)
    negation: str | bool = "default"
    count_negated: bool = False


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(x.strip() for x in value if x.strip())


def parse_scoring(raw: object, where: str = "corpus.toml") -> ScoringConfig:
    """Validate a `[scoring]` table (missing keys keep their defaults)."""
    if raw is None:
        return ScoringConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [scoring] must be a table")
    known = {"exclude_roles", "interviewer_labels", "label_source_types", "negation", "count_negated"}
    bad = sorted(set(raw) - known)
    if bad:
        raise ConfigError(f"{where}: unknown key(s) in [scoring]: {bad}", hint=f"keys: {', '.join(sorted(known))}")
    d = ScoringConfig()
    neg = raw.get("negation", d.negation)
    if not isinstance(neg, str | bool) or neg is True:
        neg = "default" if neg is True else neg
    if not isinstance(neg, str | bool):
        raise ConfigError(f"{where}: [scoring] negation must be \"default\", a rule-file path or false")
    cn = raw.get("count_negated", d.count_negated)
    if not isinstance(cn, bool):
        raise ConfigError(f"{where}: [scoring] count_negated must be true or false")
    return ScoringConfig(
        _str_list(raw.get("exclude_roles", list(d.exclude_roles)), f"{where} [scoring] exclude_roles"),
        tuple(x.lower() for x in _str_list(raw.get("interviewer_labels", list(d.interviewer_labels)),
                                          f"{where} [scoring] interviewer_labels")),
        _str_list(raw.get("label_source_types", list(d.label_source_types)), f"{where} [scoring] label_source_types"),
        neg, cn)


@dataclass(frozen=True)
class CorpusConfig:
    """Everything corpus.toml declares."""

    root: Path
    name: str
    description: str = ""
    stages: tuple[Stage, ...] = ()
    lexicons: tuple[str, ...] = (DEFAULT_LEXICON,)
    extra: dict[str, object] = field(default_factory=dict)
    limits: InputLimits = DEFAULT_INPUT_LIMITS
    scoring: ScoringConfig = field(default_factory=ScoringConfig)

    @property
    def stage_ids(self) -> list[str]:
        """Stage ids in file order."""
        return [s.id for s in self.stages]

    def lexicon_refs(self, named: Sequence[str | Path] = ()) -> list[str]:
        """Which lexicons apply: see `lexicon_refs` (the one rule)."""
        return lexicon_refs(named, self)


def lexicon_refs(named: Sequence[str | Path] = (), config: CorpusConfig | None = None) -> list[str]:
    """THE rule for which lexicons apply, used by every command: the lexicons named (option or argument), else
    corpus.toml's `lexicons` list (DEFAULT_LEXICON when the key is absent), else, with no corpus folder (a
    table of texts), DEFAULT_LEXICON. The first one is the project's codebook for review and suggestions."""
    if named:
        return [str(r) for r in named]
    if config is None:
        return [DEFAULT_LEXICON]
    if not config.lexicons:
        raise ConfigError(f"{config.root / 'corpus.toml'} lists no lexicons (lexicons = [])",
                          hint=f"name one there (e.g. lexicons = [\"{DEFAULT_LEXICON}\"]) or pass --lexicon NAME")
    return list(config.lexicons)


def _parse_day(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime | dt.time):
        raise ConfigError(f"{where}: {value.isoformat()} has a time of day; give a date (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {value!r} is not a date (use \"YYYY-MM-DD\")")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a date (use YYYY-MM-DD)") from exc


def parse_stages(raw: object, where: str = "corpus.toml") -> tuple[Stage, ...]:
    """Validate a list of stage tables; stages may overlap or leave gaps, but ids must be unique."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: `stages` must be a list of [[stages]] tables, not {type(raw).__name__}",
                          hint="see docs/corpus-format.md")
    stages: list[Stage] = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: stage #{i} is {item!r}; each stage is a [[stages]] table with id and start",
                              hint="see docs/corpus-format.md")
        if "id" not in item or "start" not in item:
            raise ConfigError(f"{where}: stage #{i} needs at least `id` and `start`")
        if not isinstance(item["id"], str | int) or isinstance(item["id"], bool) or not str(item["id"]).strip():
            raise ConfigError(f"{where}: stage #{i} id {item['id']!r} must be a non-empty text")
        if "label" in item and not isinstance(item["label"], str):
            raise ConfigError(f"{where}: stage {item['id']} label must be text, not {item['label']!r}")
        start = _parse_day(item["start"], f"{where} stage {item['id']}")
        end = _parse_day(item["end"], f"{where} stage {item['id']}") if item.get("end") else None
        if end is not None and end < start:
            raise ConfigError(f"{where}: stage {item['id']} ends ({end}) before it starts ({start})")
        sid = str(item["id"])
        if sid == UNSTAGED or sid in {s.id for s in stages}:
            raise ConfigError(f"{where}: stage id {sid!r} is reserved or used twice")
        stages.append(Stage(id=sid, label=str(item.get("label", sid)), start=start, end=end))
    return tuple(stages)


def load_config(root: Path) -> CorpusConfig:
    """Read `root/corpus.toml`; a missing file is a CorpusError, bad values a ConfigError."""
    path = root / "corpus.toml"
    if not path.is_file():
        raise CorpusError(
            f"{root} is not a corpus folder: corpus.toml is missing",
            hint="a corpus folder holds corpus.toml, documents.csv and the text files (docs/corpus-format.md)",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot parse TOML: {exc}") from exc
    lex = data.get("lexicons", [DEFAULT_LEXICON])
    if isinstance(lex, str):
        lex = [lex]
    if not isinstance(lex, list) or not all(isinstance(x, str) and x.strip() for x in lex):
        raise ConfigError(f"{path}: `lexicons` must be a list of lexicon names or paths, not {lex!r}",
                          hint='e.g. lexicons = ["mass_entrepreneurship", "lexicons/mine.yaml"]')
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{path}: `{key}` must be text (in quotes), not {data[key]!r}")
    known = {"name", "description", "stages", "lexicons", "limits", "scoring"}
    return CorpusConfig(
        root=root,
        name=str(data.get("name", root.name)),
        description=str(data.get("description", "")),
        stages=parse_stages(data.get("stages", []), str(path)),
        lexicons=tuple(lex),
        extra={k: v for k, v in data.items() if k not in known},
        limits=InputLimits.from_mapping(data["limits"], f"{path} [limits]") if "limits" in data else
        DEFAULT_INPUT_LIMITS,
        scoring=parse_scoring(data.get("scoring"), str(path)),
    )
