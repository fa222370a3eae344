#!/usr/bin/env bash
# Rasa's own checks: data validation, conversation tests, held-out French NLU evaluation.
# Usage: rasa_checks.sh MODEL
source "$(dirname "$0")/lib.sh"
model="$1"
out="$ROOT/results"
rm -rf "$out"; mkdir -p "$out"
cd "$ROOT"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2

log "rasa data validate"
# Rasa 3.6 reports a form's ask-utterances and utter_default as "not used" although
# Rasa uses them implicitly: those are allowed, any other warning fails the check.
"$RASA_VENV/bin/rasa" data validate --config config.yml --domain bot/domain.yml --data bot/data \
  > "$out/validate.log" 2>&1 || { cat "$out/validate.log"; exit 1; }
unexpected=$(grep -E "UserWarning" "$out/validate.log" \
  | grep -vE "The utterance '(utter_ask_[a-z_]+|utter_default)' is not used in any story or rule" || true)
if [ -n "$unexpected" ]; then echo "$unexpected"; exit 1; fi

log "held-out test set must not overlap the training data"
"$VENV/bin/python" - <<'PY'
import glob, sys, yaml
def examples(paths):
    out = set()
    for path in paths:
        for block in yaml.safe_load(open(path))["nlu"]:
            out |= {l.strip()[2:].strip().lower() for l in block["examples"].splitlines() if l.strip().startswith("- ")}
    return out
overlap = examples(glob.glob("bot/data/nlu/*.yml")) & examples(["tests/nlu/heldout_fr.yml"])
if overlap:
    sys.exit(f"held-out examples found in training data: {sorted(overlap)}")
PY

log "conversation tests (rasa test core, with the real action server)"
actions_port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The action server as `comptoir run` starts it: loopback, answering only the bearer token
# Rasa reads from its environment (see comptoir/rasa_endpoints.py).
new_secret() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))'; }
export COMPTOIR_ACTIONS_TOKEN COMPTOIR_IDENTITY_SECRET
COMPTOIR_ACTIONS_TOKEN=$(new_secret); COMPTOIR_IDENTITY_SECRET=$(new_secret)
COMPTOIR_RUN_DIR="$out/run" COMPTOIR_DEMO_MODE=0 "$VENV/bin/python" -m actions.server \
  --port "$actions_port" > "$out/actions.log" 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$actions_port/health" >/dev/null && break; sleep 1; done
# shellcheck disable=SC2016  # ${COMPTOIR_ACTIONS_TOKEN} is expanded by Rasa, not here
printf 'action_endpoint:\n  url: "http://127.0.0.1:%s/webhook"\n  headers:\n    Authorization: Bearer ${COMPTOIR_ACTIONS_TOKEN}\n' \
  "$actions_port" > "$out/endpoints.yml"
"$RASA_VENV/bin/rasa" test core --model "$model" --stories tests/conversations \
  --endpoints "$out/endpoints.yml" --out "$out/core" --fail-on-prediction-errors

log "held-out French NLU evaluation"
"$RASA_VENV/bin/rasa" test nlu --model "$model" --domain bot/domain.yml --nlu tests/nlu/heldout_fr.yml --out "$out/nlu" >/dev/null
"$VENV/bin/python" "$ROOT/scripts/nlu_report.py" "$out/nlu/intent_report.json"
