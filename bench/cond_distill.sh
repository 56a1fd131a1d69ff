#!/usr/bin/env bash
# A class-conditional few-step student against its guided teacher, on the
# 8 Gaussians labelled by component: for each class, the share of samples
# nearest that class's centre and the sliced Wasserstein distance (SWD,
# `tinyscore eval`, 256 projections) to fresh points of that component
# (`gmm:X,Y/STD`, the component as train-host/src/data/toy.rs defines it),
# averaged over the 8 classes, and to another draw of the teacher's guided
# DDIM-50 samples of the class (what the student was distilled to
# reproduce), for the teacher
# sampled with classifier-free guidance (DDIM-50, DDIM-4, DDIM-2; DDIM-50
# also unguided) and for
# its 4-step student distilled with that guidance (sampled with guidance
# 0, and with the weight again on top), in f32 and fixed point. The
# teacher is the guidance benchmark's (ε-prediction on the linear
# schedule, `train`'s width 128, 3 blocks, label dropout 0.1; 5000 steps), the student
# `distill`'s defaults (v-prediction, DDIM 64 → 4 in 4 rounds). Not part of
# the tests.
#   bash bench/cond_distill.sh [WORK_DIR]
# Environment: W (the guidance weight, default 1: `sample`'s), ROUND_STEPS
# (distill --round-steps, default 2000), N (samples per class, 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(realpath -m "${1:-target/bench-cond-distill}")
w=${W:-1}
round_steps=${ROUND_STEPS:-2000}
n=${N:-2000}
cargo build -q --release -p tinyscore-train
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tinyscore
mkdir -p "$work"
cd "$work"

[[ -f teacher/config.json ]] ||
    "$bin" train --data 8gaussians --labels component --schedule linear --prediction eps \
        --steps 5000 --out teacher 2>/dev/null
"$bin" distill teacher --out student4 --steps 4 --guidance "$w" --round-steps "$round_steps" 2>/dev/null

# The teacher's guided DDIM-50 samples of each class, drawn with other
# seeds than those measured: teacher-reference-K.csv.
"$bin" export teacher -o teacher-reference.tsm --sampler ddim --steps 50 2>/dev/null
for class in 0 1 2 3 4 5 6 7; do
    "$bin" sample teacher-reference.tsm -n "$n" --class "$class" --guidance "$w" --seed $((100 + class)) -o "teacher-reference-$class.csv" 2>/dev/null
done

# Of model file $1 sampled with guidance $2: "share worst swd baseline
# teacher", the share of samples nearest their class's centre (over all
# classes), that of the worst class, and the means over classes of the SWD
# to fresh points of the class's component, of the data-vs-data SWD, and
# of the SWD to the teacher's reference samples of the class.
measure() {
    local class component
    for class in 0 1 2 3 4 5 6 7; do
        # EIGHT_GAUSSIANS_RADIUS 2√2 at angle k·45°, EIGHT_GAUSSIANS_STD √2/4.
        component=$(python3 -c "import math; a = $class * math.pi / 4; r = 2 * math.sqrt(2); print(f'gmm:{r * math.cos(a)!r},{r * math.sin(a)!r}/{math.sqrt(2) / 4!r}')")
        "$bin" sample "$1" -n "$n" --class "$class" --guidance "$2" --seed "$class" -o "$1-$2-$class.csv" 2>/dev/null
        "$bin" eval "$1-$2-$class.csv" --against "$component" -o "$1-$2-$class.json" 2>/dev/null
        "$bin" eval "$1-$2-$class.csv" --against "teacher-reference-$class.csv" -o "$1-$2-$class-teacher.json" 2>/dev/null
    done
    python3 - "$1-$2" <<'EOF'
import json, math, sys
radius = 2.0 * math.sqrt(2.0)  # train-host/src/data/toy.rs: EIGHT_GAUSSIANS_RADIUS
centres = [(radius * math.cos(k * math.pi / 4), radius * math.sin(k * math.pi / 4)) for k in range(8)]
shares, swd, base, teacher = [], [], [], []
for k in range(8):
    rows = [tuple(map(float, l.split(","))) for l in open(f"{sys.argv[1]}-{k}.csv").read().split("\n")[1:] if l]
    own = sum(min(range(8), key=lambda j: (x - centres[j][0]) ** 2 + (y - centres[j][1]) ** 2) == k for x, y in rows)
    shares.append(own / len(rows))
    r = json.load(open(f"{sys.argv[1]}-{k}.json"))
    swd.append(r["sliced_wasserstein"])
    base.append(r["baseline"]["sliced_wasserstein"])
    teacher.append(json.load(open(f"{sys.argv[1]}-{k}-teacher.json"))["sliced_wasserstein"])
print(f"{100 * sum(shares) / 8:.1f}% ({100 * min(shares):.1f}%) {sum(swd) / 8:.4f} {sum(base) / 8:.4f} {sum(teacher) / 8:.4f}")
EOF
}

echo "| model | guidance w | evaluations per sample | backend | nearest own centre (worst class) | per-class SWD | / teacher DDIM-50 | data-vs-data SWD | SWD to the teacher's DDIM-50 |"
echo "|---|---:|---:|---|---|---:|---:|---:|---:|"
reference=""
# "own": the plan the run records (the student's 4 DDIM steps).
for model in "teacher ddim 50 $w" "teacher ddim 50 0" "teacher ddim 4 $w" "teacher ddim 2 $w" "student4 own 4 0" "student4 own 4 $w"; do
    read -r who sampler steps guidance <<<"$model"
    plan=()
    [[ $sampler == own ]] || plan=(--sampler "$sampler" --steps "$steps")
    for backend in f32 fixed; do
        file="$who-$sampler-$steps-$backend.tsm"
        [[ -f $file ]] || "$bin" export "$who" -o "$file" --backend "$backend" "${plan[@]}" 2>/dev/null
        read -r share worst swd baseline to_teacher <<<"$(measure "$file" "$guidance")"
        [[ -n $reference ]] || reference=$swd
        evaluations=$(python3 -c "print($steps * (2 if $guidance > 0 else 1))")
        name=$who
        [[ $sampler == own ]] || name="$who ddim-$steps"
        ratio=$(python3 -c "print(f'{$swd / $reference:.2f}')")
        printf '| %s | %s | %s | %s | %s %s | %.4f | %s | %.4f | %.4f |\n' "$name" "$guidance" "$evaluations" "$backend" "$share" "$worst" "$swd" "$ratio" "$baseline" "$to_teacher"
    done
done
