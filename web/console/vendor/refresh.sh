#!/usr/bin/env bash
# Refreshes the console's vendored libraries from the npm registry.
#
# CodeMirror 6 is published as many packages with bare imports; it is bundled
# here, once, with esbuild into one ES module (codemirror.js) that the console
# imports without a build step at run time. uPlot ships an ES module and is
# copied as is. axe-core is for the accessibility test only: it goes to
# cmd/khaosat/testdata and is never embedded in the binary.
#
# Usage: web/console/vendor/refresh.sh   (from anywhere; needs node and npm)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Exact versions; change them here and run the script again.
packages=(
  @codemirror/state@6.7.6
  @codemirror/view@6.43.15
  @codemirror/commands@6.11.1
  @codemirror/language@6.13.1
  @codemirror/lint@6.9.8
  @codemirror/lang-json@6.0.2
  uplot@1.6.32
  axe-core@4.14.1
  esbuild@0.28.2
)

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --save-exact "${packages[@]}" >/dev/null

cat > entry.js <<'JS'
export { EditorState, StateEffect } from "@codemirror/state";
export { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
export { history, defaultKeymap, historyKeymap, indentWithTab } from "@codemirror/commands";
export { syntaxTree, ensureSyntaxTree, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput, foldGutter } from "@codemirror/language";
export { linter, lintGutter, forceLinting, setDiagnostics } from "@codemirror/lint";
export { json, jsonParseLinter } from "@codemirror/lang-json";
JS
node_modules/.bin/esbuild entry.js --bundle --format=esm --minify --legal-comments=none \
  --target=es2020 --outfile="$here/codemirror.js" --log-level=warning

node_modules/.bin/esbuild node_modules/uplot/dist/uPlot.esm.js --format=esm --minify --legal-comments=none \
  --target=es2020 --outfile="$here/uplot.js" --log-level=warning
cp node_modules/uplot/dist/uPlot.min.css "$here/uplot.css"
cp node_modules/axe-core/axe.min.js "$root/cmd/khaosat/testdata/axe.min.js"

# Each package's own licence text.
rm -rf "$here/licenses" && mkdir -p "$here/licenses"
for d in node_modules/@codemirror/* node_modules/@lezer/* node_modules/@marijn/* node_modules/crelt \
         node_modules/style-mod node_modules/w3c-keyname node_modules/uplot node_modules/axe-core; do
  name="${d#node_modules/}"
  lic="$(ls "$d" | grep -iE '^licen[cs]e' | head -1 || true)"
  [ -n "$lic" ] && cp "$d/$lic" "$here/licenses/${name//\//__}.txt"
done

# The record: every package that ends up in a vendored file, with its version and licence.
node -e '
const fs = require("fs"), path = require("path");
const lock = JSON.parse(fs.readFileSync("package-lock.json"));
const rows = [];
for (const [p, v] of Object.entries(lock.packages)) {
  if (!p.startsWith("node_modules/") || p.includes("esbuild")) continue;
  const name = p.slice("node_modules/".length);
  const pkg = JSON.parse(fs.readFileSync(path.join(p, "package.json")));
  rows.push(`| ${name} | ${v.version} | ${pkg.license} |`);
}
rows.sort();
const out = ["# Vendored for the console", "",
  "Written by `refresh.sh`; do not edit by hand. `codemirror.js` bundles the @codemirror, @lezer,",
  "style-mod, crelt, w3c-keyname and @marijn packages below (esbuild " + lock.packages["node_modules/esbuild"].version + ", minified ES module).",
  "`uplot.js` is uPlot'"'"'s own ES module (minified by the same esbuild) and `uplot.css` its stylesheet. axe-core is test-only",
  "(`cmd/khaosat/testdata/axe.min.js`), never embedded.", "",
  "| package | version | licence |", "|---|---|---|", ...rows, ""];
fs.writeFileSync(process.argv[1], out.join("\n"));
' "$here/VERSIONS.md"
echo "refreshed: $(ls "$here")"
