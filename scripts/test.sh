#!/usr/bin/env bash
# The project's test command: `bash scripts/test.sh [extra cargo test args]`.
#
# 1. Finds moto's `moto_server` (the local AWS of the integration tests): $MOTO_SERVER
#    if set, else target/moto-venv/bin/moto_server, else creates that virtualenv and
#    installs the pinned moto into it. A globally installed moto_server is ignored on
#    purpose, so that CI and developers run the same version.
# 2. Exports MOTO_SERVER (absolute path) for the tests.
# 3. Runs cargo fmt --check, cargo clippy -D warnings, and cargo test (unit,
#    integration, UI and doc tests; examples built).
#
# Extra arguments go to the `cargo test --workspace` call, for example
# `bash scripts/test.sh --test lifecycle` or `bash scripts/test.sh -- some_test_name`.
set -euo pipefail

MOTO_VERSION=5.2.1
MOTO_REQUIREMENT="moto[server]==${MOTO_VERSION}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/target/moto-venv"
# Written after a successful install; holds the requirement that was installed.
STAMP="$VENV/.installed-requirement"

step() { printf '\n==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() {
    printf '\nerror: %s\n' "$*" >&2
    exit 1
}

venv_is_current() {
    [[ -x "$VENV/bin/moto_server" && -f "$STAMP" ]] &&
        [[ "$(cat "$STAMP")" == "$MOTO_REQUIREMENT" ]] &&
        "$VENV/bin/python" -c '' 2>/dev/null
}

install_python3_venv() {
    if [[ "$(id -u)" != 0 ]]; then
        die "'python3 -m venv' does not work here (the venv module or ensurepip is missing).
       Install Debian's python3-venv package (sudo apt-get install python3-venv), or
       install ${MOTO_REQUIREMENT} yourself and set MOTO_SERVER to its moto_server, then rerun."
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "'python3 -m venv' does not work and there is no apt-get to install python3-venv; install the Python venv module, or set MOTO_SERVER."
    step "Installing python3-venv with apt-get (python3 -m venv failed)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
}

create_moto_venv() {
    command -v python3 >/dev/null 2>&1 ||
        die "python3 is not installed: it is needed to install moto (${MOTO_REQUIREMENT}) into $VENV. Install Python 3, or set MOTO_SERVER."
    step "Installing ${MOTO_REQUIREMENT} into target/moto-venv (once; takes a minute)"
    local started=$SECONDS
    # A venv that cannot run its own python (e.g. Python was upgraded) is rebuilt.
    if [[ -d "$VENV" ]] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
        rm -rf "$VENV"
    fi
    local venv_error
    if ! venv_error="$(python3 -m venv "$VENV" 2>&1)"; then
        printf '%s\n' "$venv_error" >&2
        rm -rf "$VENV"
        install_python3_venv
        python3 -m venv "$VENV" || die "'python3 -m venv $VENV' still fails after installing python3-venv."
    fi
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input "$MOTO_REQUIREMENT" ||
        die "pip could not install ${MOTO_REQUIREMENT} into $VENV (network access to PyPI is needed once)."
    [[ -x "$VENV/bin/moto_server" ]] || die "pip installed moto but $VENV/bin/moto_server is missing."
    printf '%s\n' "$MOTO_REQUIREMENT" >"$STAMP"
    info "installed in $((SECONDS - started)) s"
}

# --- 1. moto_server -------------------------------------------------------------------
step "Finding moto_server"
if [[ -n "${MOTO_SERVER:-}" ]]; then
    if [[ "$MOTO_SERVER" != */* ]]; then
        resolved="$(command -v -- "$MOTO_SERVER" || true)"
        [[ -n "$resolved" ]] || die "MOTO_SERVER=$MOTO_SERVER is not found on PATH."
        MOTO_SERVER="$resolved"
    fi
    [[ -f "$MOTO_SERVER" && -x "$MOTO_SERVER" ]] ||
        die "MOTO_SERVER=$MOTO_SERVER is not an executable file. Unset it to use target/moto-venv."
    MOTO_SERVER="$(cd "$(dirname "$MOTO_SERVER")" && pwd)/$(basename "$MOTO_SERVER")"
    info "using MOTO_SERVER=$MOTO_SERVER (from the environment; the pinned version is ${MOTO_VERSION})"
else
    mkdir -p "$ROOT/target"
    if ! venv_is_current; then
        create_moto_venv
    fi
    MOTO_SERVER="$VENV/bin/moto_server"
    info "using $MOTO_SERVER (${MOTO_REQUIREMENT})"
fi
export MOTO_SERVER

# --- 2. cargo -------------------------------------------------------------------------
step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# One `cargo test` runs the unit, integration, UI and doc tests and builds the
# examples: a separate `--doc` run would resolve features differently and build the
# AWS SDK a second time.
step "$(echo cargo test --workspace "$@")"
cargo test --workspace "$@"

step "All checks passed"
