#!/usr/bin/env bash
# Refresh the vendored front-end libraries in static/vendor/ from the npm registry.
# Versions are pinned here; run this script after changing one and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
PICO_VERSION=2.1.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null && tar xzf htmx.org-*.tgz)
mkdir -p static/vendor/htmx
cp "$tmp/package/dist/htmx.min.js" static/vendor/htmx/htmx.min.js
cp "$tmp/package/LICENSE" static/vendor/htmx/LICENSE
echo "htmx.org ${HTMX_VERSION}" > static/vendor/htmx/VERSION
(cd "$tmp" && npm pack --silent "@picocss/pico@${PICO_VERSION}" >/dev/null && mkdir pico && tar xzf picocss-pico-*.tgz -C pico)
mkdir -p static/vendor/pico
cp "$tmp/pico/package/css/pico.min.css" static/vendor/pico/pico.min.css
cp "$tmp/pico/package/LICENSE.md" static/vendor/pico/LICENSE.md
echo "@picocss/pico ${PICO_VERSION}" > static/vendor/pico/VERSION
echo "vendored htmx ${HTMX_VERSION}, pico ${PICO_VERSION}"
