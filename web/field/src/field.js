// The field page: fill mineaction's XForms with ODK Web Forms, keep each filled form in the browser
// (IndexedDB) until the server has it, and send what waits whenever the connection is back. Everything is
// served by the mineaction server itself; nothing is fetched from elsewhere.
import { webFormsPlugin, OdkWebForm } from "@getodk/web-forms";
import { createApp, h, reactive } from "vue";

const DB = "mineaction-field";
const OUTBOX = "outbox";
const state = reactive({ user: null, csrf: null, forms: [], formId: null, xml: null, waiting: 0,
  online: navigator.onLine, message: "" });

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(OUTBOX, { keyPath: "key", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function outbox(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(OUTBOX, mode);
    const result = work(tx.objectStore(OUTBOX));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

async function countWaiting() {
  state.waiting = await outbox("readonly", (store) => store.count());
}

/** Keep a filled form (its parts: the instance XML and attachments, as Blobs) until the server has it. */
async function keep(formData) {
  const parts = [];
  for (const [name, value] of formData.entries()) {
    parts.push({ name, blob: value, filename: value instanceof File ? value.name : name });
  }
  await outbox("readwrite", (store) => store.add({ savedAt: new Date().toISOString(), parts }));
  await countWaiting();
}

async function session() {
  const answer = await fetch("/dashboard/session", { credentials: "same-origin" });
  const view = await answer.json();
  state.user = view.user;
  state.csrf = view.csrf;
}

/** Send every waiting form, oldest first; stop at the first that cannot reach the server. */
async function flush() {
  state.online = navigator.onLine;
  if (!state.online || !state.user) return;
  const items = await outbox("readonly", (store) => store.getAll());
  for (const item of items.result ?? items) {
    const body = new FormData();
    for (const part of item.parts) body.append(part.name, part.blob, part.filename);
    let answer;
    try {
      answer = await fetch("/submission", { method: "POST", body, credentials: "same-origin",
        headers: { "X-OpenRosa-Version": "1.0", "X-CSRF-Token": state.csrf ?? "" } });
    } catch {
      return; // no connection after all: keep it for later
    }
    const text = await answer.text();
    if (answer.status === 201 || answer.status === 202) {
      await outbox("readwrite", (store) => store.delete(item.key));
      state.message = "Sent: received for approval.";
    } else {
      state.message = `Not accepted (${answer.status}): ${new DOMParser().parseFromString(text, "text/xml")
        .documentElement.textContent}`;
      return;
    }
  }
  await countWaiting();
}

const CACHE = "mineaction-field:";

/** The forms the user may submit, each XForm fetched now and kept in localStorage for offline use. */
async function loadForms() {
  let listed;
  try {
    const answer = await fetch("/formList", { credentials: "same-origin" });
    listed = await answer.text();
    localStorage.setItem(`${CACHE}formList`, listed);
  } catch {
    listed = localStorage.getItem(`${CACHE}formList`) ?? "<xforms/>";
  }
  const list = new DOMParser().parseFromString(listed, "text/xml");
  state.forms = [...list.getElementsByTagName("xform")].map((x) => ({
    id: x.getElementsByTagName("formID")[0].textContent,
    name: x.getElementsByTagName("name")[0].textContent,
    version: x.getElementsByTagName("version")[0].textContent,
  }));
  for (const form of state.forms) {
    try {
      const answer = await fetch(`/forms/${encodeURIComponent(form.id)}.xml`, { credentials: "same-origin" });
      if (answer.ok) localStorage.setItem(`${CACHE}form:${form.id}`, await answer.text());
    } catch {
      // offline: the copy kept last time serves
    }
  }
}

function choose(formId) {
  state.formId = formId;
  state.xml = localStorage.getItem(`${CACHE}form:${formId}`);
  state.message = state.xml ? "" : "This form was never loaded on this device; connect once to get it.";
}

async function signIn(event) {
  event.preventDefault();
  const data = new FormData(event.target);
  const answer = await fetch("/dashboard/session", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: data.get("name"), password: data.get("password") }) });
  if (!answer.ok) {
    state.message = "Sign-in refused.";
    return;
  }
  await start();
}

async function onSubmit(payload, callback) {
  await keep(payload.data[0]);
  state.message = navigator.onLine ? "Sending..." : "Kept on this device; it is sent when the connection is back.";
  callback({ status: "success" });
  await flush();
}

function view() {
  const bar = h("header", { class: "field-bar" }, [
    h("h1", "Field forms"),
    h("span", { class: "field-status", role: "status", "data-testid": "status" },
      `${state.online ? "online" : "offline"}; ${state.waiting} waiting to be sent`),
  ]);
  if (!state.user) {
    return h("div", [bar, h("form", { class: "field-signin", onSubmit: signIn }, [
      h("label", ["Account ", h("input", { name: "name", autocomplete: "username" })]),
      h("label", ["Password ", h("input", { name: "password", type: "password", autocomplete: "current-password" })]),
      h("button", { type: "submit" }, "Sign in"),
      h("p", state.message),
    ])]);
  }
  const forms = h("nav", { class: "field-forms", "aria-label": "forms" }, state.forms.map((f) =>
    h("button", { type: "button", "aria-pressed": String(state.formId === f.id), "data-form": f.id,
      onClick: () => choose(f.id) }, f.name)));
  const note = h("p", { class: "field-note", "data-testid": "message" }, state.message);
  const form = state.xml
    ? h(OdkWebForm, { key: state.formId, formXml: state.xml, fetchFormAttachment: () => fetch("data:,"),
      onSubmit })
    : null;
  return h("div", [bar, forms, note, form]);
}

async function start() {
  await session();
  if (state.user) await loadForms();
  await countWaiting();
  await flush();
}

const app = createApp({ render: view });
app.use(webFormsPlugin);
app.mount("#field");
window.addEventListener("online", () => flush());
window.addEventListener("offline", () => { state.online = false; });
setInterval(() => flush(), 5000);
start();
