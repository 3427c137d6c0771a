"""Where `corpus-tools serve` finds its corpus, store, model and evaluation, and how it listens."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.errors import ConfigError
from corpus_tools.store.store import default_store_path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MODEL_DIR = "model"
EVALUATION_JSON = Path("analysis") / "evaluation" / "evaluation.json"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random access token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class ServeConfig:
    """Resolved inputs of the web app (every path is decided here, never by a request)."""

    corpus_path: Path | None  # None: the bundled corpus
    store_path: Path
    model_dir: Path | None  # None: lexicon suggestions (cold start)
    evaluation_paths: tuple[Path, ...]
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None  # required on every request when set (always set off loopback)

    @property
    def url(self) -> str:
        """The address to open, with the access token when one is needed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "[::]") else host
        return f"http://{shown}:{self.port}/" + (f"?token={self.token}" if self.token else "")


def resolve_config(project: Path | None = None, corpus: Path | None = None, store: Path | None = None,
                   model: Path | None = None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                   token: str | None = None) -> ServeConfig:
    """Fill in the defaults from the project folder (default: the current folder).

    The corpus is --corpus, else the project folder when it holds corpus.toml, else the bundled corpus;
    the store is `<project>/analysis/coding.sqlite` (what `corpus-tools review` uses when run there);
    the model is `<project>/model` when it holds a saved model, else `<project>/analysis/model` (saved by
    `corpus-tools analyze`); evaluation.json is looked for in the model
    folder and in `<project>/analysis/evaluation/`. Any host other than loopback gets an access token.
    """
    root = Path(project) if project is not None else Path(".")
    if project is not None and not root.is_dir():
        raise ConfigError(f"project folder {root} does not exist")
    if corpus is None and (root / "corpus.toml").is_file():
        corpus = root
    if model is None:  # the project's own model, else the one `corpus-tools analyze` trained
        model = next((d for d in (root / MODEL_DIR, root / "analysis" / MODEL_DIR) if (d / "model.json").is_file()),
                     None)
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is not between 0 and 65535")
    evaluations = ((model / "evaluation.json",) if model is not None else ()) + (root / EVALUATION_JSON,)
    if token is None and not is_loopback(host):
        token = new_token()
    return ServeConfig(corpus, store if store is not None else default_store_path(root / "analysis"), model,
                       evaluations, host, port, token)
