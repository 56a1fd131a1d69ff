#!/usr/bin/env bash
# Langevin step sizes: annealed Langevin and predictor–corrector with
# score_sde's signal-to-noise rule, the steps taken four ways (bench/
# langevin.py says which), on default-trained models. Not part of the tests.
#   bash bench/langevin.sh [WORK_DIR] [--sets NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
cargo build -q --release -p tinyscore-train --bin tinyscore --example langevin_steps
"$PYTHON" bench/langevin.py "$@"
