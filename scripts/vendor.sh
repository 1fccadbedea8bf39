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
# Network map (/netzwerk/): cytoscape.js, the fCoSE layout with its two helper libraries, SVG export.
CYTOSCAPE_VERSION=3.34.4
FCOSE_VERSION=2.2.0
COSE_BASE_VERSION=2.2.0
LAYOUT_BASE_VERSION=2.0.1
CYTOSCAPE_SVG_VERSION=0.4.0
vendor_cytoscape() {  # npm package, version, file inside the package, target name
  local dir="$tmp/$1"
  mkdir -p "$dir" && (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
  cp "$dir/package/$3" "static/vendor/cytoscape/$4"
  cp "$dir/package/LICENSE" "static/vendor/cytoscape/LICENSE.$1"
  echo "$1 $2" >> static/vendor/cytoscape/VERSION
}
rm -rf static/vendor/cytoscape && mkdir -p static/vendor/cytoscape
vendor_cytoscape cytoscape "$CYTOSCAPE_VERSION" dist/cytoscape.min.js cytoscape.min.js
vendor_cytoscape layout-base "$LAYOUT_BASE_VERSION" layout-base.js layout-base.js
vendor_cytoscape cose-base "$COSE_BASE_VERSION" cose-base.js cose-base.js
vendor_cytoscape cytoscape-fcose "$FCOSE_VERSION" cytoscape-fcose.js cytoscape-fcose.js
vendor_cytoscape cytoscape-svg "$CYTOSCAPE_SVG_VERSION" cytoscape-svg.js cytoscape-svg.js
# Network-health charts (/netzwerk/gesundheit/): chart.js.
CHARTJS_VERSION=4.6.1
(cd "$tmp" && mkdir chartjs && cd chartjs && npm pack --silent "chart.js@${CHARTJS_VERSION}" >/dev/null && tar xzf ./*.tgz)
rm -rf static/vendor/chartjs && mkdir -p static/vendor/chartjs
# Without the source-map comment: the map is not vendored (the manifest storage would look for it).
sed '/^\/\/# sourceMappingURL=/d' "$tmp/chartjs/package/dist/chart.umd.min.js" > static/vendor/chartjs/chart.umd.min.js
cp "$tmp/chartjs/package/LICENSE.md" static/vendor/chartjs/LICENSE.md
echo "chart.js ${CHARTJS_VERSION}" > static/vendor/chartjs/VERSION
echo "vendored htmx ${HTMX_VERSION}, pico ${PICO_VERSION}"
echo "vendored chart.js ${CHARTJS_VERSION}"
echo "vendored cytoscape ${CYTOSCAPE_VERSION} (fcose ${FCOSE_VERSION}, svg ${CYTOSCAPE_SVG_VERSION})"
# Searchable multi-selects (countries in the actor form and the filters): Tom Select, plugins included.
TOM_SELECT_VERSION=2.6.2
(cd "$tmp" && mkdir tomselect && cd tomselect && npm pack --silent "tom-select@${TOM_SELECT_VERSION}" >/dev/null && tar xzf ./*.tgz)
rm -rf static/vendor/tom-select && mkdir -p static/vendor/tom-select
# Without the source-map comments: the maps are not vendored (the manifest storage would look for them).
sed '/sourceMappingURL=/d' "$tmp/tomselect/package/dist/js/tom-select.complete.min.js" > static/vendor/tom-select/tom-select.complete.min.js
sed 's|/\*# sourceMappingURL=[^*]*\*/||' "$tmp/tomselect/package/dist/css/tom-select.min.css" > static/vendor/tom-select/tom-select.min.css
cp "$tmp/tomselect/package/LICENSE" static/vendor/tom-select/LICENSE
echo "tom-select ${TOM_SELECT_VERSION}" > static/vendor/tom-select/VERSION
echo "vendored tom-select ${TOM_SELECT_VERSION}"
# Accessibility checks in the browser tests (tests/browser/conftest.py `axe_violations`): axe-core.
# Test-only: it lives beside the tests and is never served.
AXE_VERSION=4.14.1
(cd "$tmp" && npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null && mkdir axe && tar xzf axe-core-*.tgz -C axe)
mkdir -p tests/browser/vendor
cp "$tmp/axe/package/axe.min.js" "$tmp/axe/package/LICENSE" tests/browser/vendor/
echo "axe-core ${AXE_VERSION}" > tests/browser/vendor/VERSION
# Icons: Tabler Icons (outline), only the ones the templates use ({% icon "name" %}, core/templatetags/icons.py).
# Add a name here and run the script to use another icon.
TABLER_ICONS_VERSION=3.51.0
TABLER_ICONS="address-book affiliate alert-triangle bulb calendar-event circle-check filter history info-circle
  inbox layout-dashboard login logout menu-2 pencil plus search settings shield-lock target arrows-exchange
  users x download home user-circle"
(cd "$tmp" && mkdir tabler && cd tabler && npm pack --silent "@tabler/icons@${TABLER_ICONS_VERSION}" >/dev/null && tar xzf ./*.tgz)
rm -rf static/vendor/tabler-icons && mkdir -p static/vendor/tabler-icons
for name in $TABLER_ICONS; do cp "$tmp/tabler/package/icons/outline/$name.svg" static/vendor/tabler-icons/; done
cp "$tmp/tabler/package/LICENSE" static/vendor/tabler-icons/LICENSE
echo "@tabler/icons ${TABLER_ICONS_VERSION}" > static/vendor/tabler-icons/VERSION
echo "vendored @tabler/icons ${TABLER_ICONS_VERSION} ($(echo $TABLER_ICONS | wc -w) icons)"
