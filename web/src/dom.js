// Small DOM helpers: elements from tags and attributes, accessible tables, headline cards.
import { t } from "./i18n.js";

/** An element: el("p", {class: "x"}, "text", child, ...). Strings become text, never HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A table with a caption and column headers. `columns` are [{key, label, render}] (render(row) gives text or
 * a node); rows beyond `limit` are left out and the caption says so.
 */
export function table(caption, columns, rows, { limit = 200 } = {}) {
  const shown = rows.slice(0, limit);
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label))));
  const body = el(
    "tbody",
    {},
    shown.map((row) =>
      el(
        "tr",
        {},
        columns.map((c, i) => {
          const value = c.render ? c.render(row) : row[c.key];
          return i === 0 ? el("th", { scope: "row" }, value) : el("td", { class: c.numeric ? "num" : null }, value);
        }),
      ),
    ),
  );
  const more = rows.length > limit ? el("p", { class: "note" }, t("table.caption_more", { shown: limit, total: rows.length })) : null;
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    el("table", {}, el("caption", {}, caption), head, body), more);
}

/** A headline figure: a label, the value with its unit and optional lines under it (interval, trend). */
export function card(label, value, ...notes) {
  return el("div", { class: "card" }, el("h3", {}, label), el("p", { class: "figure" }, value),
    notes.filter(Boolean).map((note) => el("p", { class: "note" }, note)));
}

export function section(title, ...children) {
  return el("section", {}, el("h2", {}, title), ...children);
}
