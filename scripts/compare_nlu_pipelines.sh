#!/usr/bin/env bash
# Train each NLU pipeline in benchmarks/nlu_pipelines/ and score it on the held-out
# French test set; writes bench-results/nlu_pipelines.json. About 3 minutes a pipeline.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out="$ROOT/bench-results/nlu_pipelines"; mkdir -p "$out"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
for config in benchmarks/nlu_pipelines/*.yml; do
  name="$(basename "$config" .yml)"
  log "pipeline $name"
  start=$(date +%s)
  "$RASA_VENV/bin/rasa" train nlu --config "$config" --nlu bot/data/nlu --out "$out/$name" \
     --fixed-model-name "$name" >"$out/$name.train.log" 2>&1
  echo $(( $(date +%s) - start )) > "$out/$name.seconds"
  "$RASA_VENV/bin/rasa" test nlu --model "$out/$name/$name.tar.gz" --domain bot/domain.yml --nlu tests/nlu/heldout_fr.yml \
     --out "$out/$name/report" >"$out/$name.test.log" 2>&1
done
"$VENV/bin/python" - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1]); rows = {}
for report in sorted(out.glob("*/report/intent_report.json")):
    name = report.parent.parent.name; data = json.loads(report.read_text())
    rows[name] = {"accuracy": round(data["accuracy"], 3), "macro_f1": round(data["macro avg"]["f1-score"], 3),
                  "train_seconds": int((out / f"{name}.seconds").read_text())}
    print(f"{name:<28} accuracy {rows[name]['accuracy']:.3f}  macro-F1 {rows[name]['macro_f1']:.3f}  train {rows[name]['train_seconds']} s")
(out.parent / "nlu_pipelines.json").write_text(json.dumps(rows, indent=1))
PY
