#!/usr/bin/env bash
# Measures how long rustc takes on a generated stack of N resources (default 500):
# 100 VPCs with 4 subnets each (every subnet referencing its VPC, so the checks of
# references, CIDR containment and overlap all run), plus tables to reach N.
#
#   bash scripts/measure-compile-time.sh [N]
#
# It writes a throwaway crate under target/compile-time/ that depends on `infra`
# without the AWS SDK, builds it once (dependencies), then times three rebuilds of
# the stack crate alone and prints the best. Figures go in docs/PERFORMANCE.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-500}"
DIR="$ROOT/target/compile-time"
mkdir -p "$DIR/src"
cat >"$DIR/Cargo.toml" <<TOML
[package]
name = "compile-time"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
infra = { path = "$ROOT", default-features = false }
TOML

python3 - "$N" >"$DIR/src/main.rs" <<'PY'
import sys
n = int(sys.argv[1])
lines = ['fn main() {', '    let stack = infra::stack! {', '        name = "large";', '        region = "eu-west-2";']
count = 0
vpc = 0
while count + 5 <= n and vpc < 250:
    lines.append(f'        let vpc_{vpc} = ec2::Vpc {{ cidr_block: "10.{vpc}.0.0/16", enable_dns_hostnames: true, tags: {{ "index": "{vpc}" }} }};')
    count += 1
    for s in range(4):
        lines.append(f'        let subnet_{vpc}_{s} = ec2::Subnet {{ vpc_id: vpc_{vpc}.id, cidr_block: "10.{vpc}.{s}.0/24", map_public_ip_on_launch: true, tags: {{ "vpc": vpc_{vpc}.id }} }};')
        count += 1
    vpc += 1
t = 0
while count < n:
    lines.append(f'        let table_{t} = dynamodb::Table {{ name: "table-{t}", hash_key: "id", billing_mode: PayPerRequest }};')
    count += 1
    t += 1
lines += ['    };', '    println!("{} resources", stack.resources().len());', '}']
print('\n'.join(lines))
PY

cd "$DIR"
# Without incremental compilation, so every rebuild expands and checks the whole stack.
export CARGO_INCREMENTAL=0
echo "Building dependencies once..." >&2
cargo build --quiet
best=""
for run in 1 2 3; do
    touch src/main.rs
    start=$(date +%s.%N)
    cargo build --quiet
    end=$(date +%s.%N)
    t=$(python3 -c "print(f'{$end - $start:.2f}')")
    echo "run $run: ${t}s" >&2
    if [[ -z "$best" ]] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
done
echo "$N resources: $(./target/debug/compile-time), best of 3 rebuilds: ${best}s"
