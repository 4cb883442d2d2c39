#!/usr/bin/env bash
# Refreshes the copy of ODK Web Forms that the browser tests fill forms in
# with (TestWebFormsFillsHousehold). For tests only: nothing here is
# embedded in the binary or served by khaosat.
#
# @getodk/web-forms ships a Vue component with bare imports (vue,
# OpenLayers, ...); it is bundled here, once, with esbuild into ES modules
# (entry.js and its chunks) that a test page imports.
#
# Usage: cmd/khaosat/testdata/webforms/refresh.sh   (needs node and npm)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Exact versions; change them here and run the script again.
packages=(
  @getodk/web-forms@0.22.0
  vue@3.5.29
  esbuild@0.28.2
)

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --save-exact "${packages[@]}" >/dev/null

cat > entry.js <<'JS'
export { createApp, h } from "vue";
export { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from "@getodk/web-forms";
JS
rm -f "$here"/*.js
node_modules/.bin/esbuild entry.js --bundle --format=esm --splitting --minify --legal-comments=none \
  --target=es2022 --outdir="$here" --log-level=warning \
  --define:process.env.NODE_ENV='"production"' --define:__VUE_OPTIONS_API__=true \
  --define:__VUE_PROD_DEVTOOLS__=false --define:__VUE_PROD_HYDRATION_MISMATCH_DETAILS__=false

# Each package's own licence text, when it ships one.
rm -rf "$here/licenses" && mkdir -p "$here/licenses"
for d in node_modules/* node_modules/@*/*; do
  case "$d" in node_modules/@*) [ -d "$d" ] || continue ;; esac
  [ -f "$d/package.json" ] || continue
  name="${d#node_modules/}"
  case "$name" in esbuild|@esbuild/*) continue ;; esac
  lic="$(ls "$d" | grep -iE '^licen[cs]e' | head -1 || true)"
  [ -n "$lic" ] && cp "$d/$lic" "$here/licenses/${name//\//__}.txt"
done

# The record: every installed package (all may end up in the bundle), its
# version and licence.
{
  echo "# ODK Web Forms for the browser tests"
  echo
  echo "Bundled by \`refresh.sh\` from the npm registry; tests only, never embedded or served by khaosat."
  echo
  echo "| package | version | licence |"
  echo "|---|---|---|"
  node -e '
    const fs = require("fs"), path = require("path");
    const seen = [];
    const walk = dir => { for (const d of fs.readdirSync(dir)) {
      if (d.startsWith(".")) continue;
      const p = path.join(dir, d);
      if (d.startsWith("@")) { walk(p); continue; }
      const pj = path.join(p, "package.json");
      if (fs.existsSync(pj)) { const j = JSON.parse(fs.readFileSync(pj)); if (j.name && j.version) seen.push([j.name, j.version, typeof j.license === "string" ? j.license : JSON.stringify(j.license || "")]); }
    } };
    walk("node_modules");
    seen.sort((a, b) => a[0].localeCompare(b[0]));
    for (const [n, v, l] of seen) if (n !== "esbuild" && !n.startsWith("@esbuild/")) console.log(`| ${n} | ${v} | ${l} |`);
  '
} > "$here/VERSIONS.md"
