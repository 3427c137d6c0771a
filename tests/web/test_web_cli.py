"""`corpus-tools serve`: project defaults, the printed URL, the token off loopback, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.web.config import resolve_config
from tests.support.web import build_corpus


def test_project_defaults(tmp_path: Path) -> None:
    project = build_corpus(tmp_path / "proj", codings=False)
    config = resolve_config(project)
    assert config.corpus_path == project and config.model_dir is None
    assert config.store_path == project / "analysis" / "coding.sqlite"
    assert config.evaluation_paths == (project / "analysis" / "evaluation" / "evaluation.json",)
    assert config.host == "127.0.0.1" and config.token is None and config.url == "http://127.0.0.1:8765/"
    (project / "model").mkdir()
    (project / "model" / "model.json").write_text("{}", encoding="utf-8")
    config = resolve_config(project, store=tmp_path / "other.sqlite", port=9001)
    assert config.model_dir == project / "model" and config.store_path == tmp_path / "other.sqlite"
    assert config.evaluation_paths[0] == project / "model" / "evaluation.json"
    assert resolve_config(tmp_path).corpus_path is None  # not a corpus folder: the bundled corpus


def test_serve_prints_the_url_and_binds_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import corpus_tools.web.server as server_mod

    project = build_corpus(tmp_path / "proj")
    seen: dict[str, Any] = {}

    def fake_forever(server: Any, app: Any) -> None:
        seen["address"] = server.server_address
        client = app.test_client()
        seen["login"] = client.get("/login").status_code
        server.server_close()
        server_mod.close_app(app)

    monkeypatch.setattr(server_mod, "serve_forever", fake_forever)
    res = CliRunner().invoke(main, ["serve", str(project), "--port", "0"])
    assert res.exit_code == 0, res.output
    assert seen["address"][0] == "127.0.0.1" and seen["address"][1] > 0 and seen["login"] == 200
    assert f"open http://127.0.0.1:{seen['address'][1]}/" in res.output
    assert (project / "analysis" / "coding.sqlite").is_file()
    res = CliRunner().invoke(main, ["serve", str(project), "--port", "0", "--host", "0.0.0.0"])
    assert res.exit_code == 0 and "/?token=" in res.output and "access token" in res.output


def test_serve_errors_are_one_clear_line(tmp_path: Path) -> None:
    project = build_corpus(tmp_path / "proj", codings=False)
    res = CliRunner().invoke(main, ["serve", str(project), "--port", "70000"])
    assert res.exit_code == 1 and "Error: port 70000" in res.output and "Traceback" not in res.output
