#!/usr/bin/env bash
# Instruments a copy of a tinyscore checkout for bench/cmsis_nn.sh (never the
# checkout itself): layer_ticks.rs becomes the module `tinyscore::layer_ticks`,
# the fixed-point network's `dense` and `forward` start a timer guard, and
# firmware/qemu prints the totals when the application ends.
#
# Usage: bash instrument.sh COPY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
copy=$1
cp "$here/layer_ticks.rs" "$copy/src/layer_ticks.rs"
echo 'pub mod layer_ticks;' >>"$copy/src/lib.rs"
# edit FILE PERL: applies the substitution, which must change FILE.
edit() {
    local before
    before=$(md5sum <"$1")
    perl -0pi -e "$2" "$1"
    [ "$(md5sum <"$1")" != "$before" ] || { echo "instrument.sh: no match in $1 for $2" >&2 && exit 1; }
}
net=$copy/src/fixed/network.rs
edit "$net" 's/(\nfn dense\([^{]*\{\n)/$1    let _timer = crate::layer_ticks::Layer::start(x.len(), out.len());\n/'
edit "$net" 's/(\n    pub fn forward\([^{]*\{\n)/$1        let _timer = crate::layer_ticks::Forward::start();\n/'
edit "$copy/firmware/qemu/src/main.rs" 's/Ok\(\(\)\) => exit\(0\),/Ok(()) => {\n            tinyscore::layer_ticks::print();\n            exit(0)\n        }/'
edit "$copy/firmware/qemu/Cargo.toml" 's/\ntinyscore-app.workspace = true\n/\ntinyscore-app.workspace = true\ntinyscore.workspace = true\n/'
