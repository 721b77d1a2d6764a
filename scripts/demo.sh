#!/usr/bin/env bash
# Install eakte and start it on the embedded default: SQLite and a local folder
# (./eakte-data, or $EAKTE_DATA), filled with the demo county on first start, and serve the
# web application on http://127.0.0.1:8000/ (EAKTE_HOST, EAKTE_PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export EAKTE_DATA="${EAKTE_DATA:-$PWD/eakte-data}"
eakte=.venv/bin/eakte
$eakte init
if [ "$($eakte unit list --json)" = "[]" ]; then
    $eakte demo
fi
echo
echo "Anmelden als m.wagner (Bauamt), t.yilmaz (Jugendamt), j.neumann (IT, admin) …"
echo "Passwort für alle Demo-Personen: demo"
exec $eakte serve --host "${EAKTE_HOST:-127.0.0.1}" --port "${EAKTE_PORT:-8000}"
