// Builds the dashboard into the Python package (src/mineaction/web/static/) with esbuild: one ES module
// for the app with its libraries, one stylesheet, MapLibre's worker, the page; and copies axe-core (MPL-2.0)
// for the accessibility tests. build.json records the hash of every input, so a test can tell when the
// committed bundle is older than its sources. Run with `make web` (npm ci, then node build.mjs).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { keepOffline } from "./offline.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "mineaction", "web", "static");
const tests = join(here, "..", "tests", "web");

export function inputs() {
  const files = ["package.json", "package-lock.json", "build.mjs", "offline.mjs"];
  for (const folder of ["src", "messages"]) {
    for (const name of readdirSync(join(here, folder)).sort()) {
      if (statSync(join(here, folder, name)).isFile()) files.push(`${folder}/${name}`);
    }
  }
  return Object.fromEntries(files.map((f) => [f, createHash("sha256").update(readFileSync(join(here, f))).digest("hex")]));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The map's first view loads dashboard.js alone (with MapLibre); the other views and ECharts are chunks
// the page imports when one is first opened.
await esbuild.build({
  entryPoints: { dashboard: join(here, "src", "main.js") },
  bundle: true,
  splitting: true,
  format: "esm",
  minify: true,
  legalComments: "linked",
  target: ["es2022"],
  outdir: out,
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
});
keepOffline(join(out, "dashboard.js"), [
  ["https://maplibre.org/", "#"], // the logo's and the attribution's link
  ["https://maplibre.invalid/", "http://127.0.0.1/"], // only a base for parsing relative links
  ["https://wiki.openstreetmap.org/wiki/This_map_requires_WebGL", "the browser's WebGL2 settings"],
  ["https://github.com/mapbox/mapbox-gl-js/issues/2907", "mapbox-gl-js issue 2907"],
]);
await esbuild.build({
  entryPoints: [join(here, "src", "dashboard.css")],
  bundle: true,
  minify: true,
  outfile: join(out, "dashboard.css"),
  logLevel: "warning",
});
const maplibre = join(here, "node_modules", "maplibre-gl", "dist");
copyFileSync(join(maplibre, "maplibre-gl-worker.mjs"), join(out, "maplibre-gl-worker.mjs"));
keepOffline(join(out, "maplibre-gl-worker.mjs"), [
  ["https://github.com/maplibre/maplibre-gl-js/blob/v6.17.0/LICENSE.txt", "LICENSE.maplibre-gl.txt beside this file"],
  ["https://github.com/mapbox/mapbox-gl-js/issues/2907", "mapbox-gl-js issue 2907"],
]);
copyFileSync(join(here, "node_modules", "maplibre-gl", "LICENSE.txt"), join(out, "LICENSE.maplibre-gl.txt"));
copyFileSync(join(here, "node_modules", "echarts", "LICENSE"), join(out, "LICENSE.echarts.txt"));
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
mkdirSync(tests, { recursive: true });
copyFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), join(tests, "axe.min.js"));
const versions = Object.fromEntries(
  ["maplibre-gl", "echarts", "axe-core", "esbuild"].map((name) => [
    name,
    JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"))).version,
  ]),
);
const manifest = { inputs: inputs(), versions, outputs: readdirSync(out).sort() };
writeFileSync(join(out, "build.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`built ${relative(process.cwd(), out)}: ${manifest.outputs.join(", ")}`);
