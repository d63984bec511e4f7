// The patterns view: the mine-laying pattern of each hazardous area fitted from its finds and records
// (GET /patterns), and one area in full (GET /patterns/{id}?grid=true): the residual mines with their
// interval, the fit's quality, the record's measured offset and rotation, the release check with its reasons,
// the clearance order against lane-by-lane and the record's own order, and the residual map (probability of a
// mine per square metre) drawn on a map over the area and its finds.
import * as maplibregl from "maplibre-gl";
import { getJSON } from "./api.js";
import { card, el, section, table } from "./dom.js";
import { has, language, locale, number, percent, t, vocab } from "./i18n.js";

// Probability of a mine per m2, as shares of the area's highest cell: light to dark.
const RESIDUAL_COLOURS = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
const map = { current: null };
// densities of a few mines per hectare are 0.000x per m2: two significant digits, never rounded to 0
const density = (value) => new Intl.NumberFormat(locale(), { maximumSignificantDigits: 2 }).format(value);

const interval = (pair) => (pair ? t("patterns.interval", { low: number(pair[0], 1), high: number(pair[1], 1) }) : t("value.none"));
const source = (code) => (has(`patterns.source.${code}`) ? t(`patterns.source.${code}`) : code);
const flag = (row) => (row.flagged ? t("patterns.flagged", { reason: row.reason ? source(row.reason) : t("value.none") }) : t("patterns.not_flagged"));

function areaTable(areas) {
  return table(t("patterns.areas"), [
    { key: "area", label: t("field.area"), render: (r) => el("a", { href: `#/patterns/${encodeURIComponent(r.area)}`, "data-flagged": r.flagged ? "true" : null }, r.area) },
    { key: "status", label: t("field.status"), render: (r) => vocab("hazard_status", r.status) },
    { key: "mine_finds", label: t("patterns.mine_finds"), numeric: true, render: (r) => number(r.mine_finds) },
    { key: "rows", label: t("patterns.rows"), numeric: true, render: (r) => number(r.rows) },
    { key: "record", label: t("patterns.record"), render: (r) => r.record ?? t("value.none") },
    { key: "record_offset_m", label: t("patterns.offset_m"), numeric: true, render: (r) => number(r.record_offset_m, 1) },
    { key: "record_rotation_deg", label: t("patterns.rotation_deg"), numeric: true, render: (r) => number(r.record_rotation_deg, 1) },
    { key: "expected_mines", label: t("patterns.expected"), numeric: true, render: (r) => number(r.expected_mines, 1) },
    { key: "interval", label: t("patterns.interval_label"), render: (r) => interval(r.interval) },
    { key: "flagged", label: t("patterns.release_check"), render: flag },
  ], areas);
}

async function patternList(main) {
  const found = await getJSON("/patterns");
  const records = found.records || {};
  main.append(
    el("p", { class: "intro" }, t("patterns.intro")),
    el("div", { class: "cards" },
      card(t("patterns.n_areas"), number(found.n_areas)),
      card(t("patterns.n_flagged"), number(found.n_flagged)),
      card(t("patterns.expected_total"), t("unit.mines", { value: number(found.expected_mines, 1) })),
      card(t("patterns.records"), Object.entries(records).map(([k, v]) => `${t(`patterns.record_status.${k}`)}: ${number(v)}`).join(" · ") || t("value.none"))),
    section(t("patterns.areas"), areaTable(found.areas || [])),
  );
}

function recordTable(records) {
  return table(t("patterns.records"), [
    { key: "record", label: t("patterns.record") },
    { key: "status", label: t("field.status"), render: (r) => t(`patterns.record_status.${r.status}`) },
    { key: "offset_m", label: t("patterns.offset_m"), numeric: true, render: (r) => number(r.offset_m, 1) },
    { key: "across_m", label: t("patterns.across_m"), numeric: true, render: (r) => number(r.across_m, 1) },
    { key: "along_m", label: t("patterns.along_m"), numeric: true, render: (r) => number(r.along_m, 1) },
    { key: "rotation_deg", label: t("patterns.rotation_deg"), numeric: true, render: (r) => number(r.rotation_deg, 1) },
    { key: "matched_rows", label: t("patterns.matched_rows"), render: (r) => t("patterns.of", { k: number(r.matched_rows), n: number(r.record_rows) }) },
  ], records);
}

function orderTable(order) {
  const names = Object.keys(order.expected_share_found || {});
  const steps = (order.expected_share_found[names[0]] || []).map((s, i) => ({ area_share: s.area_share, i }));
  return table(t("patterns.order"), [
    { key: "area_share", label: t("patterns.area_worked"), render: (r) => percent(r.area_share) },
    ...names.map((name) => ({
      key: name,
      label: has(`patterns.ordering.${name}`) ? t(`patterns.ordering.${name}`) : name,
      numeric: true,
      render: (r) => percent(order.expected_share_found[name][r.i]?.mines_share),
    })),
  ], steps);
}

/** The analysis's notes are English sentences: shown in English, pointed to in the other languages. */
function notes(release) {
  const found = release.notes || [];
  if (!found.length) return null;
  if (language() === "en") return found.map((note) => el("p", { class: "note" }, note));
  return el("p", { class: "note" }, t("patterns.notes_elsewhere", { n: number(found.length), id: release.area }));
}

function releaseSection(release) {
  const reasons = release.reasons || [];
  return section(t("patterns.release_check"),
    el("p", { class: release.flagged ? "flag" : "note", role: "status" },
      release.flagged ? t("patterns.release_flagged", { mines: number(release.evidence_mines, 1), threshold: number(release.threshold_mines, 1) }) : t("patterns.release_clear", { mines: number(release.evidence_mines, 1) })),
    reasons.length ? table(t("patterns.reasons"), [
      { key: "code", label: t("patterns.reason"), render: (r) => source(r.code) },
      { key: "mines", label: t("patterns.expected"), numeric: true, render: (r) => number(r.mines, 1) },
    ], reasons) : null,
    notes(release));
}

/** The residual map drawn into a canvas (one pixel a cell, rows from the north; transparent outside). */
function residualCanvas(residual) {
  const grid = residual.density_per_m2;
  const rows = grid.length;
  const cols = rows ? grid[0].length : 0;
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(cols, 1);
  canvas.height = Math.max(rows, 1);
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  const top = residual.max_per_m2 || 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = grid[r][c];
      if (value === null) continue;
      const colour = RESIDUAL_COLOURS[Math.min(4, Math.floor((value / top) * 5))];
      const at = (r * cols + c) * 4;
      image.data.set([parseInt(colour.slice(1, 3), 16), parseInt(colour.slice(3, 5), 16), parseInt(colour.slice(5, 7), 16), 200], at);
    }
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

function residualLegend(residual) {
  const top = residual.max_per_m2 || 0;
  const items = RESIDUAL_COLOURS.map((colour, i) => {
    const box = el("span", { class: "swatch", "aria-hidden": "true" });
    box.style.background = colour;
    return el("li", {}, box, t("patterns.density_class", { from: density((top * i) / 5), to: density((top * (i + 1)) / 5) }));
  });
  return el("div", { class: "legend" }, el("h3", {}, t("patterns.map_title")), el("p", { class: "note" }, t("patterns.map_unit", { cell: number(residual.cell_m, 1) })), el("ul", { class: "legend-list" }, items));
}

function residualMap(holder, residual) {
  const corners = residual.corners_lonlat;
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const tiles = (kind) => ({ type: "vector", tiles: [`${window.location.origin}/collections/${kind}/tiles/WebMercatorQuad/{z}/{y}/{x}`], minzoom: 0, maxzoom: 16 });
  const created = new maplibregl.Map({
    container: holder,
    style: {
      version: 8,
      sources: {
        areas: tiles("hazardous_areas"),
        finds: tiles("finds"),
        residual: { type: "canvas", canvas: residualCanvas(residual), coordinates: corners, animate: false },
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#eef1ec" } },
        { id: "residual-raster", type: "raster", source: "residual", paint: { "raster-opacity": 0.85, "raster-resampling": "nearest" } },
        { id: "areas-line", type: "line", source: "areas", "source-layer": "hazardous_areas", paint: { "line-color": "#1a1a1a", "line-width": 2 } },
        { id: "finds-circle", type: "circle", source: "finds", "source-layer": "finds", paint: { "circle-radius": 3, "circle-color": "#1565c0", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
      ],
    },
    bounds: [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]],
    fitBoundsOptions: { padding: 30 },
    attributionControl: false,
    locale: { "NavigationControl.ZoomIn": t("map.zoom_in"), "NavigationControl.ZoomOut": t("map.zoom_out"), "NavigationControl.ResetBearing": t("map.reset_north"), "Map.Title": t("patterns.map_title") },
  });
  created.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  created.once("idle", () => {
    holder.dataset.drawn = "true";
  });
  map.current = created;
}

async function patternArea(main, id) {
  const found = await getJSON(`/patterns/${encodeURIComponent(id)}?grid=true`);
  const area = found.areas[0];
  const residual = area.residual;
  const quality = area.quality || {};
  const record = (area.records || [])[0];
  main.append(
    el("p", {}, el("a", { href: "#/patterns" }, t("patterns.back"))),
    el("h2", { id: "pattern-title" }, t("patterns.area_title", { id: area.area, status: vocab("hazard_status", area.status) })),
    el("div", { class: "cards" },
      card(t("patterns.expected"), t("unit.mines", { value: number(residual.expected_mines, 1) }),
        t("patterns.interval_share", { interval: interval(residual.interval), share: percent(residual.interval_share) }),
        t("patterns.p_any", { p: percent(residual.p_any) })),
      card(t("patterns.fit"), t("patterns.on_rows", { share: percent(quality.on_rows) }),
        t("patterns.rms_across", { m: number(quality.rms_across_m, 2) }), t("patterns.regularity", { value: number(quality.regularity, 2) }),
        t("patterns.fit_counts", { finds: number(area.mine_finds), rows: number(area.rows.length), clusters: number(area.clusters), scattered: number(area.scattered_finds) })),
      card(t("patterns.record_fit"), record ? t("patterns.offset_value", { m: number(record.offset_m, 1) }) : t("patterns.no_record"),
        record ? t("patterns.rotation_value", { deg: number(record.rotation_deg, 1) }) : null,
        record ? `${record.record}: ${t(`patterns.record_status.${record.status}`)}` : null),
      card(t("patterns.release_check"), area.release.flagged ? t("patterns.flag_yes") : t("patterns.flag_no"),
        ...(area.release.reasons || []).slice(0, 2).map((r) => source(r.code)))),
  );
  const holder = el("div", { id: "pattern-map", class: "map pattern-map", role: "region", "aria-label": t("patterns.map_title") });
  main.append(section(t("patterns.map_title"), el("div", { class: "pattern-map-layout" }, holder, residualLegend(residual.map))));
  residualMap(holder, residual.map);
  main.append(releaseSection(area.release));
  main.append(section(t("patterns.sources"), table(t("patterns.sources"), [
    { key: "code", label: t("patterns.reason"), render: (r) => source(r.code) },
    { key: "mines", label: t("patterns.expected"), numeric: true, render: (r) => number(r.mines, 2) },
  ], Object.entries(residual.by_source || {}).map(([code, mines]) => ({ code, mines })))));
  if (area.records?.length) main.append(section(t("patterns.records"), recordTable(area.records)));
  if (area.order) {
    main.append(section(t("patterns.order"),
      el("p", { class: "note" }, t("patterns.order_note", { cells: number(area.order.cells_to_work), cell: number(area.order.cell_m), mines: number(area.order.expected_mines, 1) })),
      orderTable(area.order)));
  } else {
    main.append(section(t("patterns.order"), el("p", { class: "note" }, t("patterns.order_none"))));
  }
}

export async function patterns(main, detail = "") {
  if (detail) await patternArea(main, detail.toUpperCase());
  else await patternList(main);
}

export function leavePatterns() {
  if (map.current) map.current.remove();
  map.current = null;
}
