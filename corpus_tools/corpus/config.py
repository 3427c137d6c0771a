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
    known = {"name", "description", "stages", "lexicons", "limits"}
    return CorpusConfig(
        root=root,
        name=str(data.get("name", root.name)),
        description=str(data.get("description", "")),
        stages=parse_stages(data.get("stages", []), str(path)),
        lexicons=tuple(lex),
        extra={k: v for k, v in data.items() if k not in known},
        limits=InputLimits.from_mapping(data["limits"], f"{path} [limits]") if "limits" in data else
        DEFAULT_INPUT_LIMITS,
    )
