#!/usr/bin/env bash
# Everything CI runs: install (Python packages, PostgreSQL server binaries), lint, type-check,
# and the whole test suite against SQLite and against a throwaway PostgreSQL cluster that the
# tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
