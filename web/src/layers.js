// The map's computed layers, made by this server: today's risk surface (an image of the probability of
// contamination per cell) and the survey candidates (polygons with their scores), both off until switched on
// and fetched only then; and the hillshade of the store's DEM under the record, when the store has a DEM.
import { getJSON, session } from "./api.js";
import { el } from "./dom.js";
import { date, number, percent, t } from "./i18n.js";

const CANDIDATE_COLOUR = "#4a148c";
let pending = null; // the /risk/layers answer being fetched, shared by both switches

/** The layers of the candidates (an empty source until the risk layers come). */
export function candidateLayers() {
  return [
    { id: "candidates-fill", type: "fill", paint: { "fill-color": CANDIDATE_COLOUR, "fill-opacity": 0.18 } },
    { id: "candidates-line", type: "line", paint: { "line-color": CANDIDATE_COLOUR, "line-width": 2, "line-dasharray": [1, 1] } },
  ];
}

function swatch(colour, label) {
  const box = el("span", { class: "swatch", "aria-hidden": "true" });
  box.style.background = colour; // CSSOM, not a style attribute: allowed by the page's CSP
  return el("li", {}, box, label);
}

function riskLegend(layers) {
  const surface = layers.surface;
  const model = layers.model || {};
  const classes = surface.legend.map((c) => swatch(c.colour, t("risk.class", { from: number(c.from, 1), to: number(c.to, 1) })));
  return [
    el("h3", {}, t("risk.title")),
    el("p", { class: "note" }, t("risk.unit", { cell: number(surface.cell_m) })),
    el("ul", { class: "legend-list" }, classes),
    el("p", { class: "note" }, t("risk.model", { positive: number(model.n_positive), negative: number(model.n_negative), cutoff: date(model.cutoff) })),
    el("p", { class: "note" }, t("risk.mean", { mean: percent(surface.probability_mean), cells: number(surface.cells_in_area) })),
    el("p", { class: "note" }, t("risk.validation")),
  ];
}

function candidatesLegend(layers) {
  const found = layers.candidates || { n_candidates: 0, area_ha: 0 };
  if (!found.n_candidates) return [el("h3", {}, t("layer.candidates")), el("p", { class: "note" }, t("candidates.none"))];
  return [
    el("h3", {}, t("layer.candidates")),
    el("ul", { class: "legend-list" }, swatch(CANDIDATE_COLOUR, t("candidates.legend", { n: number(found.n_candidates), ha: number(found.area_ha) }))),
    el("p", { class: "note" }, t("candidates.hint")),
  ];
}

/** The risk panel as it should read now: loading, the reason there is no model, or the legends shown. */
export function riskPanel(panel, layers, shown) {
  if (!shown.risk && !shown.candidates) {
    panel.replaceChildren(el("p", { class: "note" }, t("risk.off")));
    return;
  }
  if (!layers) {
    panel.replaceChildren(el("p", { class: "note" }, t("risk.loading")));
    return;
  }
  if (!layers.available) {
    panel.replaceChildren(el("p", { class: "note", role: "status" }, t("risk.unavailable")));
    return;
  }
  const parts = [];
  if (session.simulated) parts.push(el("p", { class: "simulated-view" }, t("app.simulated")));
  if (shown.risk) parts.push(...riskLegend(layers));
  if (shown.candidates) parts.push(...candidatesLegend(layers));
  panel.replaceChildren(...parts);
}

/** Fetch the risk layers once per map and add them: the surface below the record, the candidates filled. */
export async function loadRiskLayers(map) {
  if (!pending || pending.map !== map) {
    pending = { map, answer: getJSON("/risk/layers") };
  }
  const layers = await pending.answer;
  if (!map.getStyle() || map.getSource("risk")) return layers; // the map was left, or has them already
  if (layers.available) {
    map.addSource("risk", { type: "image", url: layers.surface.image, coordinates: layers.surface.corners_lonlat });
    const below = map.getLayer("activities-fill") ? "activities-fill" : map.getLayer("hazardous_areas-fill") ? "hazardous_areas-fill" : undefined;
    map.addLayer({ id: "risk-raster", type: "raster", source: "risk", paint: { "raster-opacity": 0.75, "raster-resampling": "nearest" }, layout: { visibility: "none" } }, below);
    map.getSource("candidates")?.setData(layers.candidates_geojson);
  }
  return layers;
}

export function forgetRiskLayers() {
  pending = null;
}

/** The hillshade of the store's DEM over the districts' fill, when the store has a DEM; nothing otherwise. */
export async function addHillshade(map) {
  const shade = await getJSON("/basemap/hillshade").catch(() => null);
  if (!shade || !shade.available || !map.getStyle() || map.getSource("hillshade")) return;
  map.addSource("hillshade", { type: "image", url: shade.image, coordinates: shade.corners_lonlat });
  const above = map.getLayer("admin_areas-line") ? "admin_areas-line" : undefined;
  map.addLayer({ id: "hillshade-raster", type: "raster", source: "hillshade", paint: { "raster-opacity": 1, "raster-fade-duration": 0 } }, above);
}

/** The attributes of a candidate the user clicked: its scores, area and the evidence near it. */
export function candidatePanel(properties) {
  const rows = [
    [t("candidates.max_risk"), number(properties.max_risk, 2)],
    [t("candidates.mean_risk"), number(properties.mean_risk, 2)],
    [t("field.area"), t("unit.ha", { value: number(properties.area_m2 / 10000, 1) })],
    [t("candidates.cells"), number(properties.cells)],
    [t("candidates.nearby"), t("candidates.nearby_value", { n: number(properties.nearby_events), m: number(properties.nearby_m) })],
  ];
  return [
    el("h2", { id: "feature-title", tabindex: "-1" }, t("candidates.title", { id: properties.candidate_id })),
    el("dl", { class: "facts" }, rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("p", { class: "note" }, t("candidates.hint")),
  ];
}
