#!/usr/bin/env bash
# Debian packages the test suite needs (browser tests, OCR, old .doc files). Idempotent; skipped where not root.
set -euo pipefail
# tesseract-ocr(-dan): OCR of scanned PDF pages; jbig2dec: pypdf decodes JBIG2 scans with it; antiword, catdoc: old .doc
PKGS=(chromium tesseract-ocr tesseract-ocr-dan jbig2dec antiword catdoc fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# node + npm run the test OpenID provider (tests/oidc); any node ≥ 20 already on the machine is kept.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then echo "install-system-deps: not root, skipping ${missing[*]}" >&2; exit 0; fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
