// The dashboard's shell: header (simulated-data banner, language switch, sign-in), the list of views, and
// the router that draws the view named in the address (#/map, #/briefing, ...). The views other than the map
// and their charts (ECharts) are a separate file loaded when one is first opened: the map does not wait
// for them.
import { ApiError, loadSession, session, signIn, signOut } from "./api.js";
import { el } from "./dom.js";
import { LANGUAGES, initialLanguage, language, setLanguage, t } from "./i18n.js";
import { leaveMap, prepareMap, renderMap } from "./map.js";
import { leavePatterns, patterns } from "./patterns.js"; // in the first file: it draws with MapLibre too

const ORDER = ["map", "briefing", "accuracy", "patterns", "outside", "alerts", "release", "casualties", "funding", "plan", "quality", "approvals"];

/** The view named in the address (#/briefing) and what follows it (#/map/HA-000012: the record to show). */
function currentView() {
  const [name, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  return ORDER.includes(name) ? [name, decodeURIComponent(rest.join("/"))] : ["map", ""];
}

function languageSwitch() {
  const select = el("select", {
    id: "language",
    onchange: (event) => {
      setLanguage(event.target.value);
      render();
    },
  }, LANGUAGES.map((l) => el("option", { value: l.code, lang: l.code, selected: l.code === language() }, l.name)));
  return el("div", { class: "language" }, el("label", { for: "language" }, t("app.language")), select);
}

function signInDialog() {
  const message = el("p", { role: "alert", class: "error" });
  const field = (id, label, type, autocomplete) => el("p", {}, el("label", { for: id }, label), el("input", { id, name: id, type, autocomplete, required: id !== "signin-code" }));
  const dialog = el("dialog", { id: "signin-dialog", "aria-labelledby": "signin-title" });
  const form = el("form", {
    method: "dialog",
    onsubmit: async (event) => {
      event.preventDefault();
      const value = (id) => form.querySelector(`#${id}`).value;
      try {
        await signIn(value("signin-name"), value("signin-password"), value("signin-code").trim());
        dialog.close();
        render();
      } catch (error) {
        message.textContent = error instanceof ApiError && error.status === 429 ? t("auth.locked") : t("auth.failed");
      }
    },
  },
  el("h2", { id: "signin-title" }, t("auth.signin")),
  field("signin-name", t("auth.name"), "text", "username"),
  field("signin-password", t("auth.password"), "password", "current-password"),
  field("signin-code", t("auth.code"), "text", "one-time-code"),
  message,
  el("p", { class: "buttons" },
    el("button", { type: "submit", id: "signin-submit" }, t("auth.submit")),
    el("button", { type: "button", onclick: () => dialog.close() }, t("auth.cancel"))));
  dialog.append(form);
  return dialog;
}

function account() {
  if (session.user) {
    return el("div", { class: "account" },
      el("span", {}, t("auth.signed_as", { name: session.user.name, role: t(`role.${session.user.role}`) })),
      el("button", { type: "button", id: "signout", onclick: async () => { await signOut(); render(); } }, t("auth.signout")));
  }
  return el("div", { class: "account" },
    el("span", {}, t("auth.public")),
    el("button", { type: "button", id: "signin", onclick: () => document.getElementById("signin-dialog").showModal() }, t("auth.signin")));
}

function header() {
  return el("header", { class: "top" },
    el("a", { href: "#main", class: "skip" }, t("app.skip")),
    el("p", { class: "title" }, t("app.title")),
    session.simulated ? el("p", { class: "simulated", role: "note" }, t("app.simulated")) : null,
    languageSwitch(),
    account());
}

function navigation(active) {
  const views = ORDER.map((name) =>
    el("li", {}, el("a", { href: `#/${name}`, "aria-current": name === active ? "page" : null }, t(`view.${name}`))));
  // the field forms are their own page on this server (they work offline and send when online)
  const field = el("li", { class: "nav-other" }, el("a", { href: "/field/", id: "field-link" }, t("nav.field")));
  return el("nav", { "aria-label": t("app.nav") }, el("ul", {}, views, field));
}

let drawing = 0;
let charts = null; // the charts module, once a view with charts has been opened

async function render() {
  const ticket = ++drawing;
  document.body.dataset.ready = "false";
  const [name, detail] = currentView();
  document.title = `${t(`view.${name}`)} · ${t("app.title")}`;
  leaveMap();
  leavePatterns();
  charts?.disposeCharts();
  const main = el("main", { id: "main", tabindex: "-1" }, el("h1", {}, t(`view.${name}`)));
  if (session.simulated) main.append(el("p", { class: "simulated-view" }, t("app.simulated")));
  const footer = el("footer", {}, el("p", {}, t("app.footer", { version: session.version })), el("p", {}, t("app.source")));
  document.body.replaceChildren(header(), el("div", { class: "layout" }, navigation(name), main), footer, signInDialog());
  const status = el("p", { class: "loading", role: "status" }, t("app.loading"));
  main.append(status);
  try {
    if (name === "map") await renderMap(main, detail);
    else {
      const { NEEDS, VIEWS } = await import("./views.js");
      charts = await import("./charts.js");
      if (NEEDS[name] && !session.user) throw new ApiError(401);
      if (name === "patterns") await patterns(main, detail);
      else await VIEWS[name](main);
    }
  } catch (error) {
    if (ticket !== drawing) return;
    const denied = error instanceof ApiError && (error.status === 401 || error.status === 403);
    main.append(el("p", { role: "alert", class: "empty" }, denied ? t("app.forbidden") : t("app.error", { status: error.status ?? "" })));
    if (!(error instanceof ApiError)) console.warn(error);
  }
  if (ticket !== drawing) return;
  status.remove();
  charts?.mountCharts();
  document.body.dataset.view = name;
  document.body.dataset.ready = "true";
}

async function start() {
  setLanguage(initialLanguage());
  if (currentView()[0] === "map") prepareMap(); // while the session comes
  await loadSession();
  window.addEventListener("hashchange", () => {
    render().then(() => document.getElementById("main")?.focus());
  });
  await render();
}

start();
