#!/usr/bin/env bash
# Create both virtual environments if missing (idempotent; a stamp records the pins).
source "$(dirname "$0")/lib.sh"

stamp_ok() { [ -f "$1/.comptoir-stamp" ] && [ "$(cat "$1/.comptoir-stamp")" = "$2" ]; }

main_stamp="$(cat "$ROOT/constraints/main.txt" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if ! stamp_ok "$VENV" "$main_stamp"; then
  py311="$(find_python 3.11)" || { echo "Python 3.11 is required" >&2; exit 1; }
  log "creating $VENV with $py311"
  [ -x "$VENV/bin/python" ] || "$py311" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip wheel
  # torch first, exactly this version: the CPU wheel on this machine. Anything else
  # would make pip fetch a multi-gigabyte CUDA build through sentence-transformers.
  "$VENV/bin/pip" install -q torch==2.13.0
  "$VENV/bin/pip" install -q -c "$ROOT/constraints/main.txt" -e "$ROOT[dev]"
  echo "$main_stamp" > "$VENV/.comptoir-stamp"
fi

rasa_stamp="$(sha256sum "$ROOT/constraints/rasa.txt" | cut -c1-16)"
if ! stamp_ok "$RASA_VENV" "$rasa_stamp"; then
  py310="$(find_python 3.10)" || { echo "Python 3.10 is required for Rasa 3.6" >&2; exit 1; }
  log "creating $RASA_VENV with $py310 (rasa==3.6.21; several minutes the first time)"
  [ -x "$RASA_VENV/bin/python" ] || "$py310" -m venv "$RASA_VENV"
  "$RASA_VENV/bin/pip" install -q --upgrade pip wheel
  "$RASA_VENV/bin/pip" install -q -c "$ROOT/constraints/rasa.txt" rasa==3.6.21
  echo "$rasa_stamp" > "$RASA_VENV/.comptoir-stamp"
fi
log "environments ready"
