# Shared by scripts/serve, scripts/token and scripts/test: create .venv if missing and install the project
# when pyproject.toml changed since the last install. Needs only Python >= 3.11.
# GOVRULES_VERBOSE=1 shows the installer's output instead of logging it to .venv/install.log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "govrules needs Python >= 3.11")'
  "$PY" -m venv .venv
fi
stamp=.venv/.govrules-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  # pip's output (pages of it) goes to .venv/install.log unless GOVRULES_VERBOSE=1; a failed
  # install shows the log's tail. Messages go to stderr: scripts/token's stdout is the token.
  if [ "${GOVRULES_VERBOSE:-}" = 1 ]; then
    .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]"
  else
    echo "govrules: installing into .venv (log: .venv/install.log) ..." >&2
    if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
      .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]"; } \
      >.venv/install.log 2>&1; then
      tail -n 20 .venv/install.log >&2
      echo "govrules: the install failed; the whole log: $ROOT/.venv/install.log" \
        "(GOVRULES_VERBOSE=1 shows it as it runs)" >&2
      exit 1
    fi
  fi
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
# pgserver's lock lives in the user runtime dir; give it one where none is set.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR" 2>/dev/null || true  # a runtime dir is private (platformdirs warns)
