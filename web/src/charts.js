// Charts drawn by ECharts as SVG (its text is part of the page, in the chosen language), each with a label
// for screen readers and the figures also given as a table next to it.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { el } from "./dom.js";
import { number } from "./i18n.js";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const PALETTE = ["#1f5f8b", "#b5482b", "#4d7f2a", "#7a4b94", "#8a6d00"];
const live = new Set();
let pending = [];

/** Dispose of every chart of the previous view (their resize listeners go with them). */
export function disposeCharts() {
  for (const chart of live) chart.dispose();
  live.clear();
  pending = [];
}

window.addEventListener("resize", () => {
  for (const chart of live) chart.resize();
});

/**
 * A bar (or line) chart: `categories` along the x axis, `series` [{name, values}], `unit` the y axis unit
 * (already translated); `label` says what the chart shows, for people who cannot see it.
 */
export function barChart(label, categories, series, { unit = "", stacked = false, line = false, digits = 0 } = {}) {
  const box = el("div", { class: "chart", role: "img", "aria-label": label });
  pending.push([box, {
    animation: false,
    aria: { enabled: false },
    color: PALETTE,
    textStyle: { color: "#1a1a1a", fontFamily: "system-ui, sans-serif" },
    grid: { left: 72, right: 16, top: 36, bottom: 36 },
    legend: series.length > 1 ? { top: 0, textStyle: { color: "#1a1a1a" } } : undefined,
    tooltip: { trigger: "axis", valueFormatter: (v) => number(v, digits) },
    xAxis: { type: "category", data: categories, axisLabel: { color: "#1a1a1a" } },
    yAxis: {
      type: "value",
      name: unit,
      nameTextStyle: { color: "#1a1a1a", align: "left" },
      axisLabel: { color: "#1a1a1a", formatter: (v) => number(v, digits) },
    },
    series: series.map((s) => ({
      name: s.name,
      type: line ? "line" : "bar",
      stack: stacked ? "total" : undefined,
      data: s.values.map((v) => (typeof v === "number" ? v : null)),
    })),
  }]);
  return box;
}

/** Draw the charts of a view once their boxes are in the page, so they take the page's width. */
export function mountCharts() {
  for (const [box, option] of pending) {
    if (!box.isConnected) continue;
    const chart = echarts.init(box, null, { renderer: "svg", height: 280, width: box.clientWidth || 600 });
    chart.setOption(option);
    live.add(chart);
  }
  pending = [];
}
