#!/usr/bin/env bash
# Shared helpers of Comptoir's scripts: where things are, and how to find Python 3.10.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"            # Python 3.11: desk, actions, knowledge base, tests
RASA_VENV="$ROOT/.venv-rasa"  # Python 3.10: the Rasa server only
RUN_DIR="${COMPTOIR_RUN_DIR:-$ROOT/.run}"
MODELS_DIR="$ROOT/.cache/models"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\033[1;34m[comptoir]\033[0m %s\n' "$*" >&2; }

# A working interpreter for the given version (pyenv shims may exist without a global).
find_python() {
  local version="$1" candidate
  for candidate in "python$version" "/root/.pyenv/versions/$version"*/bin/"python$version" \
                   "/usr/bin/python$version" "/usr/local/bin/python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for candidate in "$root"/versions/"$version"*/bin/"python$version"; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}

# Hash of everything that goes into the Rasa model: retrain only when it changes.
training_hash() {
  (cd "$ROOT" && cat config.yml bot/domain.yml $(find bot/data -name '*.yml' | sort) constraints/rasa.txt) \
    | sha256sum | cut -c1-16
}
