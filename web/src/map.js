// The map view: vector tiles of the record made by this server (now, or as known on the slider's date), the
// basemap from the store's own districts and context layers, labels as HTML (no remote glyphs), and a panel
// with the selected record's attributes and every revision of it.
import * as maplibregl from "maplibre-gl";
import { can, getJSON, session } from "./api.js";
import { el, table } from "./dom.js";
import { date, district, language, moment, number, t, vocab } from "./i18n.js";
import { addHillshade, candidateLayers, candidatePanel, forgetRiskLayers, loadRiskLayers, riskPanel } from "./layers.js";

maplibregl.setWorkerUrl(new URL("/dashboard/static/maplibre-gl-worker.mjs", window.location.origin).href);

const COLOURS = {
  open: "#b3261e",
  in_progress: "#c46a00",
  released: "#2e7d32",
  accurate: "#2e7d32",
  inaccurate: "#b3261e",
  unassessed: "#6b6b6b",
  AP: "#7b1fa2",
  AT: "#1565c0",
  UXO: "#5d4037",
  other: "#37474f",
};
const PUBLIC_KINDS = new Set(["hazardous_areas", "admin_areas", "assets", "context_layers"]);
// Layers a person can switch, in drawing order (bottom first), each with the kind its tiles come from.
const TOGGLES = [
  { id: "admin_areas", kind: "admin_areas", on: true },
  { id: "context_layers", kind: "context_layers", on: true },
  { id: "risk", kind: null, needs: "finds", on: false },
  { id: "activities", kind: "activities", on: false },
  { id: "hazardous_areas", kind: "hazardous_areas", on: true },
  { id: "candidates", kind: null, needs: "finds", on: false },
  { id: "minefield_records", kind: "minefield_records", on: true },
  { id: "assets", kind: "assets", on: false },
  { id: "finds", kind: "finds", on: true },
  { id: "accidents", kind: "accidents", on: true },
  { id: "alerts", kind: null, needs: "finds", on: true },
];
const CLICKABLE = ["candidates-fill", "hazardous_areas-fill", "minefield_records-fill", "finds-circle", "accidents-circle", "assets-circle", "activities-fill"];

const state = { map: null, asOf: null, layers: new Map(), panel: null, labels: [], span: null, districts: null, risk: null, riskPanel: null, loaded: null };

function tileUrl(kind) {
  const query = state.asOf ? `?as_of=${state.asOf}` : "";
  return `${window.location.origin}/collections/${kind}/tiles/WebMercatorQuad/{z}/{y}/{x}${query}`;
}

function readable(kind) {
  return PUBLIC_KINDS.has(kind) || can("read", kind);
}

function allowed(toggle) {
  return readable(toggle.kind || toggle.needs);
}

function switchedOn(id) {
  return state.layers.get(id) ?? TOGGLES.find((toggle) => toggle.id === id).on;
}

function accuracyColour(records) {
  const good = records.filter((r) => r.processed && r.accurate).map((r) => r.id);
  const bad = records.filter((r) => r.processed && !r.accurate).map((r) => r.id);
  const expression = ["match", ["get", "id"]];
  if (good.length) expression.push(good, COLOURS.accurate);
  if (bad.length) expression.push(bad, COLOURS.inaccurate);
  return expression.length > 2 ? [...expression, COLOURS.unassessed] : COLOURS.unassessed;
}

function styleLayers(accuracy) {
  const counted = ["interpolate", ["linear"], ["get", "count"], 1, 1.5, 10, 3, 100, 6, 1000, 10];
  const category = ["match", ["get", "category"], "AP", COLOURS.AP, "AT", COLOURS.AT, "UXO", COLOURS.UXO, COLOURS.other];
  const status = ["match", ["get", "status"], "open", COLOURS.open, "in_progress", COLOURS.in_progress, COLOURS.released];
  const context = ["match", ["get", "layer_kind"], "river", "#1f6fb2", "water", "#1f6fb2", "front_line", "#8b0000", "area_of_interest", "#444444", "#8a8a8a"];
  return {
    admin_areas: [
      { id: "admin_areas-fill", type: "fill", paint: { "fill-color": "#f3f1e7", "fill-opacity": 0.9 } },
      { id: "admin_areas-line", type: "line", paint: { "line-color": "#7a7466", "line-width": 1.2 } },
    ],
    context_layers: [
      { id: "context_layers-line", type: "line", filter: ["!=", ["geometry-type"], "Point"], paint: { "line-color": context, "line-width": ["match", ["get", "layer_kind"], "river", 2, "front_line", 2.5, 1], "line-dasharray": ["match", ["get", "layer_kind"], "front_line", ["literal", [3, 2]], ["literal", [1, 0]]] } },
    ],
    activities: [
      { id: "activities-fill", type: "fill", paint: { "fill-color": "#3f51b5", "fill-opacity": 0.25 } },
    ],
    hazardous_areas: [
      { id: "hazardous_areas-fill", type: "fill", paint: { "fill-color": status, "fill-opacity": 0.45 } },
      { id: "hazardous_areas-line", type: "line", paint: { "line-color": status, "line-width": 1 } },
    ],
    minefield_records: [
      { id: "minefield_records-fill", type: "fill", paint: { "fill-color": accuracy, "fill-opacity": 0.2 } },
      { id: "minefield_records-line", type: "line", paint: { "line-color": accuracy, "line-width": 2, "line-dasharray": [2, 1] } },
    ],
    assets: [
      { id: "assets-circle", type: "circle", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#ffffff", "circle-stroke-color": "#333333", "circle-stroke-width": 1.5 } },
    ],
    finds: [
      // Below zoom 10 the tiles hold counts per cell (a "count" property): circles sized by how many finds.
      { id: "finds-circle", type: "circle", paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, ["case", ["has", "count"], counted, 1.5], 14, ["case", ["has", "count"], counted, 4]], "circle-color": category, "circle-opacity": 0.85 } },
    ],
    accidents: [
      { id: "accidents-circle", type: "circle", paint: { "circle-radius": 6, "circle-color": "#111111", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } },
    ],
    candidates: candidateLayers(),
    alerts: [
      { id: "alerts-circle", type: "circle", paint: { "circle-radius": 14, "circle-color": "rgba(255,193,7,0.35)", "circle-stroke-color": "#b36b00", "circle-stroke-width": 3 } },
    ],
  };
}

function mapStyle(accuracy) {
  const sources = {};
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#dfe6e9" } }];
  const styles = styleLayers(accuracy);
  for (const toggle of TOGGLES) {
    if (!allowed(toggle) || toggle.id === "risk") continue; // the risk surface is added when it comes
    if (toggle.kind) {
      sources[toggle.id] = { type: "vector", tiles: [tileUrl(toggle.kind)], minzoom: 0, maxzoom: 16 };
    } else {
      sources[toggle.id] = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
    }
    for (const layer of styles[toggle.id]) {
      const visible = state.layers.get(toggle.id) ?? toggle.on;
      layers.push({
        ...layer,
        source: toggle.id,
        ...(toggle.kind ? { "source-layer": toggle.kind } : {}),
        layout: { visibility: visible ? "visible" : "none" },
      });
    }
  }
  return { version: 8, sources, layers };
}

function setAsOf(day) {
  state.asOf = day;
  for (const toggle of TOGGLES) {
    const source = toggle.kind && state.map.getSource(toggle.id);
    if (source) source.setTiles([tileUrl(toggle.kind)]);
  }
}

function layerControls() {
  const items = TOGGLES.map((toggle) => {
    const permitted = allowed(toggle);
    const id = `layer-${toggle.id}`;
    const input = el("input", {
      type: "checkbox",
      id,
      checked: permitted && switchedOn(toggle.id),
      disabled: !permitted,
      onchange: (event) => {
        state.layers.set(toggle.id, event.target.checked);
        showLayers(toggle.id);
        if (toggle.id === "risk" || toggle.id === "candidates") showRisk(state.map);
      },
    });
    return el("li", {}, input, el("label", { for: id }, t(`layer.${toggle.id}`)), permitted ? null : el("span", { class: "note" }, ` ${t("map.no_access")}`));
  });
  state.riskPanel = el("div", { id: "risk-panel", class: "risk-panel", "aria-live": "polite" });
  riskPanel(state.riskPanel, state.risk, { risk: false, candidates: false });
  return el("div", {}, el("fieldset", { class: "layers" }, el("legend", {}, t("map.layers")), el("ul", {}, items)), state.riskPanel);
}

/** Show or hide the map layers drawn from the source ``id`` as its switch says. */
function showLayers(id) {
  const map = state.map;
  if (!map || !map.getStyle()) return;
  for (const layer of map.getStyle().layers.filter((l) => l.source === id)) {
    map.setLayoutProperty(layer.id, "visibility", switchedOn(id) ? "visible" : "none");
  }
}

/** The risk surface and candidates when either is switched on: fetched once, then shown as switched. */
async function showRisk(map) {
  const wanted = { risk: switchedOn("risk") && can("read", "finds"), candidates: switchedOn("candidates") && can("read", "finds") };
  if (state.riskPanel) riskPanel(state.riskPanel, state.risk, wanted);
  if ((!wanted.risk && !wanted.candidates) || state.loaded !== map) return; // the map's load shows them
  try {
    const layers = await loadRiskLayers(map);
    if (state.map !== map) return;
    state.risk = layers;
    showLayers("risk");
    showLayers("candidates");
    riskPanel(state.riskPanel, layers, { risk: switchedOn("risk"), candidates: switchedOn("candidates") });
  } catch (error) {
    if (state.map === map) state.riskPanel.replaceChildren(el("p", { role: "alert" }, t("app.error", { status: error.status || "" })));
  }
}

function legend() {
  const swatch = (colour, label) => el("li", {}, el("span", { class: `swatch swatch-${colour}`, "aria-hidden": "true" }), label);
  return el(
    "div",
    { class: "legend" },
    el("h3", {}, t("map.legend")),
    el("ul", {},
      swatch("open", vocab("hazard_status", "open")),
      swatch("in_progress", vocab("hazard_status", "in_progress")),
      swatch("released", vocab("hazard_status", "released")),
      swatch("accurate", `${t("layer.minefield_records")}: ${t("legend.accurate")}`),
      swatch("inaccurate", `${t("layer.minefield_records")}: ${t("legend.inaccurate")}`),
      swatch("unassessed", `${t("layer.minefield_records")}: ${t("legend.unassessed")}`),
      swatch("AP", vocab("device_category", "AP")),
      swatch("AT", vocab("device_category", "AT")),
      swatch("UXO", vocab("device_category", "UXO")),
      el("li", { class: "note" }, `${t("layer.finds")}: ${t("legend.find_counts")}`),
      swatch("accident", t("layer.accidents")),
    ),
  );
}

function dayOffset(first, day) {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86400000);
}

function timeSlider() {
  const today = new Date().toISOString().slice(0, 10);
  const first = (state.span?.first || today).slice(0, 10);
  const days = Math.max(dayOffset(first, today), 1);
  const output = el("output", { id: "as-of-value", for: "as-of", "aria-live": "polite" }, state.asOf ? date(state.asOf) : t("map.showing_now"));
  const slider = el("input", {
    type: "range",
    id: "as-of",
    min: 0,
    max: days,
    step: 1,
    value: state.asOf ? dayOffset(first, state.asOf) : days,
    "aria-describedby": "as-of-hint",
  });
  const dayAt = (offset) => new Date(Date.parse(`${first}T00:00:00Z`) + offset * 86400000).toISOString().slice(0, 10);
  slider.addEventListener("input", () => {
    const offset = Number(slider.value);
    output.textContent = offset >= days ? t("map.showing_now") : date(dayAt(offset));
    slider.setAttribute("aria-valuetext", output.textContent);
  });
  slider.addEventListener("change", () => {
    const offset = Number(slider.value);
    setAsOf(offset >= days ? null : dayAt(offset));
  });
  const now = el("button", {
    type: "button",
    onclick: () => {
      slider.value = days;
      output.textContent = t("map.showing_now");
      setAsOf(null);
    },
  }, t("map.now"));
  return el("div", { class: "slider" },
    el("label", { for: "as-of" }, t("map.as_of")), slider, output, now,
    el("p", { id: "as-of-hint", class: "note" }, t("map.as_of_hint")));
}

const SHOWN_FIELDS = ["name", "hazard_kind", "status", "contamination", "district", "category", "model", "manufacture_year", "found_on", "occurred_on", "setting", "demining", "reported_on", "released_on", "received_on", "claimed_total", "activity_kind", "method", "asset_kind", "layer_kind", "level", "source", "recorded_at", "owner_org"];
const VOCABULARY_OF = { status: "hazard_status", hazard_kind: "hazard_kind", contamination: "contamination", category: "device_category", setting: "setting", activity_kind: "activity_kind", method: "clearance_method", asset_kind: "asset_kind", layer_kind: "context_kind", level: "admin_level" };

function shown(field, value) {
  if (value === null || value === undefined || value === "") return t("value.none");
  if (typeof value === "boolean") return t(value ? "value.yes" : "value.no");
  if (field === "district") return district(value);
  if (VOCABULARY_OF[field]) return vocab(VOCABULARY_OF[field], value);
  if (field === "recorded_at") return moment(value);
  if (field.endsWith("_on")) return date(value);
  if (typeof value === "number") return number(value, 2);
  return String(value);
}

/** Zoom the map to a feature's geometry (GeoJSON, CRS84), no closer than zoom 14. */
function flyTo(geometry) {
  const coords = geometry ? [geometry.coordinates].flat(4) : [];
  if (!state.map || coords.length < 2) return;
  const xs = coords.filter((_, i) => i % 2 === 0);
  const ys = coords.filter((_, i) => i % 2 === 1);
  state.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { maxZoom: 14, padding: 60, duration: 0 });
}

async function showRecord(kind, id, { fly = false } = {}) {
  const panel = state.panel;
  panel.replaceChildren(el("p", { "aria-live": "polite" }, t("app.loading")));
  const query = state.asOf ? `?as_of=${state.asOf}` : "";
  try {
    const [feature, history] = await Promise.all([
      getJSON(`/collections/${kind}/items/${encodeURIComponent(id)}${query}`),
      getJSON(`/collections/${kind}/items/${encodeURIComponent(id)}/history`),
    ]);
    const properties = feature.properties || {};
    if (fly) flyTo(feature.geometry);
    const rows = [{ field: "id", value: id }, { field: "kind", value: vocab("kind", kind) }];
    for (const field of SHOWN_FIELDS) if (field in properties) rows.push({ field, value: shown(field, properties[field]) });
    const revisions = history.revisions.map((r) => ({ ...r, what: t(`op.${r.op}`) }));
    panel.replaceChildren(
      el("h2", { id: "feature-title", tabindex: "-1" }, `${t("map.feature")}: ${id}`),
      table(t("map.feature"), [
        { key: "field", label: t("field.kind"), render: (r) => t(`field.${r.field}`) },
        { key: "value", label: t("field.value"), render: (r) => r.value },
      ], rows),
      table(t("map.history"), [
        { key: "revision", label: t("field.revision"), render: (r) => number(r.revision) },
        { key: "op", label: t("field.op"), render: (r) => r.what },
        { key: "changed_at", label: t("field.changed_at"), render: (r) => moment(r.changed_at) },
        { key: "author", label: t("field.author") },
        { key: "reason", label: t("field.reason") },
        { key: "status", label: t("field.status"), render: (r) => ("status" in r ? vocab(VOCABULARY_OF.status, r.status) : t("value.none")) },
      ], revisions),
      kind === "hazardous_areas" && can("read", "finds") && can("read", "minefield_records")
        ? el("p", {}, el("a", { href: `#/patterns/${encodeURIComponent(id)}` }, t("patterns.open")))
        : null,
      el("button", { type: "button", onclick: () => panel.replaceChildren(el("p", { class: "note" }, t("map.feature_hint"))) }, t("map.close")),
    );
    panel.querySelector("#feature-title").focus();
  } catch (error) {
    panel.replaceChildren(el("p", { role: "alert" }, t("app.error", { status: error.status || "" })));
  }
}

const PREFIXES = { HA: "hazardous_areas", MR: "minefield_records", EO: "finds", AC: "accidents", AT: "activities", ST: "assets", AD: "admin_areas", CL: "context_layers" };

/** Open a record by its identifier: the keyboard's way to what a click on the map does. */
function findRecord() {
  const input = el("input", { id: "find-record", type: "text", autocomplete: "off", spellcheck: "false" });
  const note = el("p", { class: "note", role: "status" });
  const form = el("form", {
    class: "find-record",
    onsubmit: (event) => {
      event.preventDefault();
      const id = input.value.trim().toUpperCase();
      const kind = recordKind(id);
      note.textContent = "";
      if (!kind) {
        note.textContent = t("map.not_found", { id });
        return;
      }
      showRecord(kind, id, { fly: true });
    },
  }, el("label", { for: "find-record" }, t("map.find_label")), input, el("button", { type: "submit" }, t("map.find")), note);
  return form;
}

function onClick(event) {
  const layers = CLICKABLE.filter((id) => state.map.getLayer(id) && state.map.getLayoutProperty(id, "visibility") !== "none");
  const box = [[event.point.x - 4, event.point.y - 4], [event.point.x + 4, event.point.y + 4]];
  const found = state.map.queryRenderedFeatures(box, { layers });
  if (!found.length) return;
  const feature = found[0];
  if (feature.source === "candidates") {
    state.panel.replaceChildren(...candidatePanel(feature.properties));
    state.panel.querySelector("#feature-title").focus();
    return;
  }
  // A cell of finds counted at the national view has no record of its own: zoom in to its finds.
  if (!feature.properties.id) state.map.easeTo({ center: event.lngLat, zoom: Math.max(state.map.getZoom() + 2, 10) });
  else showRecord(feature.sourceLayer, feature.properties.id);
}

function districtLabels(collection) {
  for (const marker of state.labels) marker.remove();
  state.labels = [];
  const field = { az: "name_az", ru: "name_ru" }[language()];
  for (const feature of collection.features || []) {
    if (!feature.geometry) continue;
    const coords = feature.geometry.coordinates.flat(3);
    const xs = coords.filter((_, i) => i % 2 === 0);
    const ys = coords.filter((_, i) => i % 2 === 1);
    if (!xs.length) continue;
    const centre = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    const name = (field && feature.properties[field]) || district(feature.properties.name);
    const label = el("div", { class: "map-label", "aria-hidden": "true" }, name);
    state.labels.push(new maplibregl.Marker({ element: label }).setLngLat(centre).addTo(state.map));
  }
}

async function addAlerts(map) {
  if (!can("read", "finds")) return;
  const alerts = await getJSON("/alerts").catch(() => null);
  if (!alerts || state.map !== map || !map.getSource("alerts")) return; // the view was left meanwhile
  const features = alerts.alerts.filter((a) => a.lon !== null).map((a) => ({
    type: "Feature",
    geometry: { type: "Point", coordinates: [a.lon, a.lat] },
    properties: { alert: a.alert, n_finds: a.n_finds },
  }));
  map.getSource("alerts").setData({ type: "FeatureCollection", features });
}

/** The record an address names (#/map/EO-000123): its kind, when the user may read it. */
function recordKind(id) {
  const kind = PREFIXES[id.split("-")[0]];
  return kind && readable(kind) ? kind : null;
}

const DISTRICTS = "/collections/admin_areas/items?limit=1000&level=district";

/** Start what the map's first view needs (its workers, the districts that frame it) before the session is
 * known: the page calls this at once when it opens on the map. */
export function prepareMap() {
  maplibregl.prewarm();
  state.districts = getJSON(DISTRICTS).catch(() => ({ features: [] }));
}

export async function renderMap(main, record = "") {
  maplibregl.prewarm(); // the map's workers load while the districts come
  // The time slider's span comes meanwhile: the map waits only for the districts that frame its first view.
  const span = getJSON("/history-span").catch(() => null);
  const early = state.districts;
  state.districts = null;
  const districts = await (early ?? getJSON(DISTRICTS).catch(() => ({ features: [] })));
  if (!main.isConnected) return; // another view was chosen while the data came
  const slider = el("div", { class: "slider" });
  const mapBox = el("div", { id: "map", class: "map", role: "region", "aria-label": t("map.label") });
  state.panel = el("aside", { class: "feature-panel", "aria-labelledby": "panel-title", "aria-live": "polite" },
    el("h2", { id: "panel-title", class: "visually-hidden" }, t("map.feature")),
    el("p", { class: "note" }, t("map.feature_hint")));
  main.append(el("div", { class: "map-layout" },
    el("div", { class: "map-side" }, findRecord(), layerControls(), legend()),
    el("div", { class: "map-main" }, slider, mapBox),
    state.panel));
  const bounds = districts.features?.length ? featureBounds(districts.features) : [[46.0, 39.0], [47.5, 40.4]];
  const map = new maplibregl.Map({
    container: mapBox,
    style: mapStyle(accuracyColour([])),
    bounds,
    fitBoundsOptions: { padding: 20 },
    attributionControl: false,
    locale: {
      "NavigationControl.ZoomIn": t("map.zoom_in"),
      "NavigationControl.ZoomOut": t("map.zoom_out"),
      "NavigationControl.ResetBearing": t("map.reset_north"),
      "Map.Title": t("map.label"),
      "ScaleControl.Meters": t("map.scale_m"),
      "ScaleControl.Kilometers": t("map.scale_km"),
    },
  });
  state.map = map;
  window.mineactionMap = map; // for the browser tests and the benchmark
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  map.on("click", onClick);
  map.on("load", () => {
    state.loaded = map;
    districtLabels(districts);
    addHillshade(map);
    showRisk(map);
    const kind = record && recordKind(record.toUpperCase());
    if (kind) showRecord(kind, record.toUpperCase(), { fly: true });
  });
  map.once("idle", () => {
    window.mineactionFirstIdle = performance.now();
    // Asked for once the first view is drawn: the records' assessment and the alerts are analyses over
    // every find, and the server makes the first view's tiles sooner without them.
    addAlerts(map);
    colourRecords(map, can("read", "minefield_records") ? getJSON("/records/assessment").catch(() => null) : null);
  });
  for (const id of CLICKABLE) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  state.span = await span;
  if (state.map === map) slider.replaceWith(timeSlider());
}

/** Colour the minefield records by their measured accuracy once the assessment has come. */
async function colourRecords(map, pending) {
  const assessment = await pending;
  if (!assessment || state.map !== map) return;
  const colour = accuracyColour(assessment.records || []);
  const apply = () => {
    if (state.map !== map || !map.getLayer("minefield_records-fill")) return;
    map.setPaintProperty("minefield_records-fill", "fill-color", colour);
    map.setPaintProperty("minefield_records-line", "line-color", colour);
  };
  if (map.isStyleLoaded()) apply();
  else map.once("load", apply);
}

function featureBounds(features) {
  const coords = features.flatMap((f) => (f.geometry ? f.geometry.coordinates.flat(3) : []));
  const xs = coords.filter((_, i) => i % 2 === 0);
  const ys = coords.filter((_, i) => i % 2 === 1);
  return [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
}

export function leaveMap() {
  if (state.map) state.map.remove();
  state.map = null;
  state.risk = null;
  state.riskPanel = null;
  state.loaded = null;
  forgetRiskLayers();
  state.labels = [];
  window.mineactionMap = null;
}

export function mapFacts() {
  return { asOf: state.asOf, session };
}
