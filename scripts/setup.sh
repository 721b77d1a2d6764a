#!/usr/bin/env bash
# Install eakte into ./.venv, and the Debian packages OCR needs (Tesseract, Ghostscript). With
# --dev also the test tools and the system packages the tests need (PostgreSQL server binaries).
# Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

need_python() {
    command -v python3 >/dev/null || { echo "python3 (3.11 oder neuer) fehlt" >&2; exit 1; }
    python3 - <<'PY' || { echo "eakte braucht Python 3.11 oder neuer" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
}

apt_install() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_python
python3 -c "import venv, ensurepip" 2>/dev/null || apt_install python3-venv
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# OCR of scans (eakte worker): OCRmyPDF comes from PyPI with eakte; Tesseract with German and
# English, Ghostscript, qpdf, pngquant and unpaper from Debian.
ocr_missing() {
    command -v tesseract >/dev/null || return 0
    local langs
    langs=$(tesseract --list-langs 2>/dev/null)
    grep -qx deu <<<"$langs" && grep -qx eng <<<"$langs" || return 0
    for tool in gs qpdf pngquant unpaper; do
        command -v "$tool" >/dev/null || return 0
    done
    return 1
}
if ocr_missing; then
    echo "Installiere Tesseract (deu, eng) und Ghostscript für die Texterkennung …"
    apt_install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng ghostscript qpdf pngquant unpaper
fi
# The committee report of the portfolio (eakte portfolio report) is a PDF from WeasyPrint, which
# draws with Pango and HarfBuzz from Debian; the report is set in DejaVu Sans.
if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p | grep -q libharfbuzz-subset.so.0 \
    || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    echo "Installiere Pango und DejaVu für die PDF-Sitzungsvorlage …"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
fi
if [ "$dev" = 1 ]; then
    .venv/bin/python -m pip install -q -e ".[dev]"
    # The OCR tests render German pages with DejaVu.
    if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then
        apt_install fonts-dejavu-core
    fi
    if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
        echo "Installiere PostgreSQL-Server für die Tests …"
        apt_install postgresql
    fi
    # The OIDC tests start a real OpenID Connect provider (npm oidc-provider, tests/oidc).
    oidc=tests/oidc
    if [ ! -f $oidc/node_modules/.package-lock.json ] \
        || [ $oidc/package-lock.json -nt $oidc/node_modules/.package-lock.json ]; then
        if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
            echo "Installiere Node.js für die OIDC-Tests …"
            apt_install nodejs npm
        fi
        (cd $oidc && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
    # Browser tests (tests/web/test_browser.py): Playwright drives Debian's Chromium; never
    # `playwright install`, which would download a browser build of its own.
    if [ ! -x /usr/bin/chromium ]; then
        echo "Installiere Chromium für die Browser-Tests …"
        apt_install chromium fonts-dejavu-core
    fi
else
    .venv/bin/python -m pip install -q -e .
fi
