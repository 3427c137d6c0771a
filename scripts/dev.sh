#!/usr/bin/env bash
# One entry point for the README's Quick start:
#   bash scripts/dev.sh analyze   set up .venv, install corpus-tools, run `corpus-tools analyze` on the bundled corpus
#   bash scripts/dev.sh test      install system packages, set up .venv with dev tools, run ruff, mypy and pytest
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CORPUS_TOOLS_VENV:-.venv}"
PY="${PYTHON:-python3}"

make_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    # Debian's system Python needs python3-venv (and ensurepip) for this; install it only when missing
    if ! "$PY" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      bash scripts/system-deps.sh python3-venv
      "$PY" -m venv "$VENV"
    fi
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
}

# The compiled matcher (corpus_tools/_speedups.c) needs a C compiler and the Python headers: install the
# Debian packages only when they are missing. Without them the package still works (pure-Python matcher).
compiler_deps() {
  local inc need=()
  inc="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
  [ -f "$inc/Python.h" ] || need+=(python3-dev)
  if [ ${#need[@]} -gt 0 ]; then
    bash scripts/system-deps.sh "${need[@]}"
  fi
}

case "${1:-}" in
  analyze)
    make_venv
    compiler_deps || echo "no C compiler could be installed: the pure-Python matcher will be used" >&2
    "$VENV/bin/python" -m pip install --quiet .
    shift
    exec "$VENV/bin/corpus-tools" analyze --out "${OUT:-analysis}" "$@"
    ;;
  test)
    bash scripts/system-deps.sh $(grep -v "^#" scripts/system-packages.txt | tr "\n" " ")
    make_venv
    compiler_deps
    # the compiled matcher must build here: a broken extension may not hide behind the pure-Python fallback
    CORPUS_TOOLS_REQUIRE_NATIVE=1 "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
    "$VENV/bin/ruff" check corpus_tools tests benchmarks
    "$VENV/bin/mypy"
    "$VENV/bin/lint-imports"
    shift
    exec "$VENV/bin/python" -m pytest -q "$@"
    ;;
  *)
    echo "usage: bash scripts/dev.sh analyze|test [extra args]" >&2
    exit 2
    ;;
esac
