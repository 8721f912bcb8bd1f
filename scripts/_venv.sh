# Sourced by the scripts in this folder: makes sure .venv exists and holds the project, with
# the extras the sourcing script asks for, reinstalling only when pyproject.toml changed.
#
# A script sets `ember_extras` before sourcing: the development extras (the default) for the
# tests, lint and benchmarks, or "" for the runtime only (scripts/play). One venv serves both:
# its stamp records pyproject.toml's hash and the extras installed, and a runtime-only script
# accepts a venv that has more.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EMBER_VENV:-$root/.venv}"
python="${PYTHON:-python3.11}"
extras="${ember_extras-dev,postgres,cluster}"
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x "$venv/bin/python" ]; then
  echo "scripts: creating $venv with $python" >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.ember-installed"
hash="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
have_hash="" have_extras=""
if [ -f "$stamp" ]; then
  read -r have_hash have_extras <"$stamp" || true
fi
if [ "$have_hash" != "$hash" ] || { [ -n "$extras" ] && [ "$have_extras" != "$extras" ]; }; then
  if [ -n "$extras" ]; then
    echo "scripts: installing ember and its development extras into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e "$root[$extras]"
  else
    # Playing needs the runtime only (three small packages); show pip's progress.
    echo "scripts: installing ember and its runtime dependencies into $venv (first run only)" >&2
    "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar on -e "$root" >&2
  fi
  echo "$hash $extras" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
