# Sourced by the scripts in this folder: makes sure .venv exists and holds the project with
# its development extras, reinstalling only when pyproject.toml changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EMBER_VENV:-$root/.venv}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x "$venv/bin/python" ]; then
  echo "scripts: creating $venv with $python" >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.ember-installed"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "scripts: installing ember and its development extras into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -e "$root[dev,postgres,cluster]"
  echo "$want" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
