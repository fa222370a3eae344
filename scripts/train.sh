#!/usr/bin/env bash
# Train the Rasa model only when its training data changed (cache keyed by content hash).
# Prints the path of the model to use.
source "$(dirname "$0")/lib.sh"
hash="$(training_hash)"
model="$MODELS_DIR/comptoir-$hash.tar.gz"
if [ ! -f "$model" ]; then
  log "training the Rasa model ($hash); about 3 minutes on 2 cores"
  mkdir -p "$MODELS_DIR"
  (cd "$ROOT" && "$RASA_VENV/bin/rasa" train --config config.yml --domain bot/domain.yml \
      --data bot/data --out "$MODELS_DIR" --fixed-model-name "comptoir-$hash" >&2)
  find "$MODELS_DIR" -name 'comptoir-*.tar.gz' ! -name "comptoir-$hash.tar.gz" -delete
fi
echo "$model"
