// Builds the field page into the Python package (src/mineaction/web/field/) with esbuild: one ES module
// with ODK Web Forms (Apache-2.0) and Vue (MIT), the page's stylesheet and the page. Run with
// `make field` (npm ci, then node build.mjs); the output is committed, so running needs neither node nor
// the network.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { keepOffline } from "../offline.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "mineaction", "web", "field");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, "src", "field.js")],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "linked",
  target: ["es2022"],
  define: { __VUE_OPTIONS_API__: "true", __VUE_PROD_DEVTOOLS__: "false", __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false" },
  outfile: join(out, "field.js"),
  logLevel: "warning",
});
// a transparent tile: map questions are drawn over a plain background, never over tiles from the internet
const blank = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
keepOffline(join(out, "field.js"), [
  ["https://tile.openstreetmap.org/{z}/{x}/{y}.png", blank],
  ['&#169; <a href="https://www.openstreetmap.org/copyright" target="_blank">OpenStreetMap</a> contributors.', "No base map (offline)"],
  ["https://getodk.org", "#"],
  ["https://vuejs.org/error-reference/", "vue-error-reference:"],
  ["https://iquilezles.org/articles/distfunctions/", "iquilezles.org, articles on distance functions"], // a shader comment
]);
copyFileSync(join(here, "src", "field.css"), join(out, "field.css"));
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
copyFileSync(join(here, "node_modules", "vue", "LICENSE"), join(out, "LICENSE.vue.txt"));
console.log(`built ${relative(process.cwd(), out)}: ${readdirSync(out).sort().join(", ")}`);
