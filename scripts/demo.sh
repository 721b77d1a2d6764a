#!/usr/bin/env bash
# Install eakte and start it on the embedded default: SQLite and a local folder
# (./eakte-data, or $EAKTE_DATA), filled with the demo county on first start, and serve the
# web application on http://127.0.0.1:8000/ (EAKTE_HOST, EAKTE_PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export EAKTE_DATA="${EAKTE_DATA:-$PWD/eakte-data}"
# xdomea needs the official schemas (not part of eakte, docs/xdomea.md). Where the project's
# conformance kit lies beside the repository, the demo uses its schemas.
if [ -z "${EAKTE_XDOMEA_SCHEMAS:-}" ] && [ ! -d "$EAKTE_DATA/xdomea-schemas" ] \
    && [ -f ../shared/xdomea/schema/3.0.0/xdomea.xsd ]; then
    export EAKTE_XDOMEA_SCHEMAS="$(cd ../shared/xdomea/schema && pwd)"
fi
eakte=.venv/bin/eakte
$eakte init
if [ "$($eakte unit list --json)" = "[]" ]; then
    $eakte demo
fi
echo
echo "Anmelden als m.wagner (Bauamt), t.yilmaz (Jugendamt), j.neumann (IT, admin) …"
echo "Passwort für alle Demo-Personen: demo"
echo "Registratur und xdomea-Austausch: l.hoffmann (/registratur, /registratur/austausch)"
exec $eakte serve --host "${EAKTE_HOST:-127.0.0.1}" --port "${EAKTE_PORT:-8000}"
