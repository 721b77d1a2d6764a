#!/usr/bin/env bash
# Install eakte and start it on the embedded default: SQLite and a local folder
# (./eakte-data, or $EAKTE_DATA), filled with the demo county on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export EAKTE_DATA="${EAKTE_DATA:-$PWD/eakte-data}"
eakte=.venv/bin/eakte
$eakte init
if [ "$($eakte unit list --json)" = "[]" ]; then
    $eakte demo
fi
$eakte plan list
echo
echo "Beispielsuche als Maria Wagner (Bauamt):"
$eakte search 'Bauanträge' --as m.wagner --limit 3
echo
echo "Weiter mit: source .venv/bin/activate; export EAKTE_DATA=$EAKTE_DATA; eakte --help"
