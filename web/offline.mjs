// The dashboard and the field page must work with no network. Bundled libraries carry web addresses: the
// OpenStreetMap tiles a map block draws by default, attribution and help links, addresses in error messages.
// keepOffline replaces each one in the built file after the build; a replacement that no longer matches fails
// the build (a library upgrade moved the address: look at the new bundle and update the list).
import { readFileSync, writeFileSync } from "node:fs";

export function keepOffline(file, replacements) {
  let text = readFileSync(file, "utf8");
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`${file}: ${JSON.stringify(from)} not found; update the list in the build script`);
    text = text.split(from).join(to);
  }
  writeFileSync(file, text);
}
