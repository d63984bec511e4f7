// The dashboard's views other than the map: each reads the server's JSON (the same as the command line's
// --json) and shows its figures with units, intervals where the results carry them, and charts with tables.
import { can, getJSON, send, session } from "./api.js";
import { barChart } from "./charts.js";
import { card, el, section, table } from "./dom.js";
import { date, district, has, moment, number, percent, share, t, vocab } from "./i18n.js";

const ha = (m2) => (typeof m2 === "number" ? m2 / 10000 : m2);
const haText = (m2) => t("unit.ha", { value: number(ha(m2)) });
const usd = (v) => t("unit.usd", { value: number(v) });
const sum = (values) => (values || []).reduce((a, b) => a + b, 0);
const intro = (key, params) => el("p", { class: "intro" }, t(key, params));
const scenario = (plan) => {
  const name = plan.scenario?.name;
  if (!name) return t("plan.base_case");
  return has(`scenario.${name}`) ? t(`scenario.${name}`) : name;
};

function interval(entry) {
  if (!entry || entry.share === null || entry.share === undefined) return null;
  return t("share.interval_short", { low: percent(entry.low), high: percent(entry.high), n: number(entry.n) });
}

/** "2025: 993 ha, -56 % on 2024": the latest year of `rows` beside the one before (null when fewer than two). */
function trend(rows, value, shown) {
  const known = rows.filter((r) => typeof value(r) === "number");
  if (known.length < 2) return null;
  const [before, last] = known.slice(-2);
  const params = { year: last.year, value: shown(value(last)), previous_year: before.year, previous: shown(value(before)) };
  if (!value(before)) return t("briefing.trend_note", params);
  const change = (value(last) - value(before)) / value(before);
  return t("briefing.trend_change", { ...params, change: `${change > 0 ? "+" : ""}${percent(change)}` });
}

async function briefing(main) {
  const [stats, release, assessment, alerts, funding, casualties, plans] = await Promise.all([
    can("read", "accidents") ? getJSON("/stats").catch(() => null) : null,
    getJSON("/land-release"),
    can("read", "minefield_records") ? getJSON("/records/assessment").catch(() => null) : null,
    can("read", "finds") ? getJSON("/alerts").catch(() => null) : null,
    getJSON("/funding").catch(() => null),
    getJSON("/casualties"),
    can("read", "activities") ? getJSON("/plans?latest=1").catch(() => null) : null,
  ]);
  const years = release.by.year;
  const cards = [card(t("briefing.released"), haText(release.totals.released_m2), usd(release.totals.cost_usd), trend(years, (r) => ha(r.released_m2), (v) => t("unit.ha", { value: number(v) })))];
  if (assessment) {
    cards.push(card(t("briefing.record_accuracy"), percent(assessment.record_accuracy), interval(assessment.intervals.record_accuracy)));
    cards.push(card(t("briefing.outside"), percent(assessment.outside_share_known_hazards), interval(assessment.intervals.outside_share_known_hazards)));
  }
  const people = (v) => t("unit.people", { value: number(v) });
  const since = casualties.since?.since ? `${t("briefing.victims_since", { year: casualties.since.since })}: ${people(casualties.since.total)}` : null;
  cards.push(card(t("briefing.casualties"), people(casualties.totals.total), since, trend(casualties.by.year, (r) => r.casualties, people)));
  if (funding) {
    cards.push(card(t("briefing.foreign_share"), percent(funding.totals.foreign_share, 1), interval(funding.foreign_share_interval), t("briefing.funding_total", { value: usd(funding.totals.total_usd) })));
  }
  if (alerts) cards.push(card(t("briefing.alerts"), t("unit.alerts", { value: number(alerts.n_alerts) })));
  if (stats) cards.push(card(t("briefing.finds"), t("unit.finds", { value: number(stats.records.finds) })));
  const plan = plans?.plans?.at(-1);
  if (plan) {
    const last = (plan.years || []).length - 1;
    cards.push(card(t("briefing.plan", { year: plan.years[last] }), t("unit.families", { value: number(plan.families_returned_by_year?.[last]) }),
      t("unit.km2", { value: number(sum(plan.area_released_km2_by_year), 1) })));
  }
  main.append(
    intro("briefing.intro"),
    el("div", { class: "cards" }, cards),
    section(t("briefing.trend"),
      barChart(t("briefing.trend_label"), years.map((r) => String(r.year)), [{ name: t("field.released_ha"), values: years.map((r) => ha(r.released_m2)) }], { unit: t("unit.ha", { value: "" }).trim() }),
      releaseTable(t("briefing.trend"), years, "year")),
  );
}

function releaseTable(caption, rows, key) {
  const label = { year: t("field.year"), district: t("field.district"), operator: t("field.operator"), method: t("field.method") }[key];
  const first = { year: (r) => String(r.year), district: (r) => district(r.district), operator: (r) => (r.operator === "unknown" ? t("value.unknown") : (r.operator ?? t("value.none"))), method: (r) => vocab("clearance_method", r.method) }[key];
  return table(caption, [
    { key, label, render: first },
    { key: "cancelled_m2", label: t("field.cancelled_ha"), numeric: true, render: (r) => number(ha(r.cancelled_m2)) },
    { key: "reduced_m2", label: t("field.reduced_ha"), numeric: true, render: (r) => number(ha(r.reduced_m2)) },
    { key: "cleared_m2", label: t("field.cleared_ha"), numeric: true, render: (r) => number(ha(r.cleared_m2)) },
    { key: "released_m2", label: t("field.released_ha"), numeric: true, render: (r) => number(ha(r.released_m2)) },
    { key: "cost_usd", label: t("field.cost_usd"), numeric: true, render: (r) => number(r.cost_usd) },
    { key: "cost_per_m2_usd", label: t("field.cost_per_m2_usd"), numeric: true, render: (r) => number(r.cost_per_m2_usd, 3) },
    { key: "finds_per_ha", label: t("field.finds_per_ha"), numeric: true, render: (r) => number(r.finds_per_ha, 2) },
  ], rows);
}

async function accuracy(main) {
  const a = await getJSON("/records/assessment");
  const parts = ["confirmed", "complete", "positioned", "record_accuracy"];
  const names = parts.map((p) => t(p === "record_accuracy" ? "field.accurate" : `field.${p}`));
  main.append(
    intro("accuracy.intro"),
    el("div", { class: "cards" },
      card(t("briefing.record_accuracy"), percent(a.record_accuracy), interval(a.intervals.record_accuracy)),
      card(t("accuracy.recall"), percent(a.record_recall), interval(a.intervals.record_recall))),
    section(t("accuracy.parts"),
      barChart(t("accuracy.parts_label"), names, [{ name: t("accuracy.parts"), values: parts.map((p) => (a.intervals[p]?.share ?? 0) * 100) }], { unit: "%" }),
      table(t("accuracy.parts"), [
        { key: "part", label: t("field.check") },
        { key: "value", label: t("field.value") },
      ], parts.map((p, i) => ({ part: names[i], value: share(a.intervals[p]) })))),
    section(t("accuracy.records"), table(t("accuracy.records"), [
      { key: "id", label: t("field.id") },
      { key: "district", label: t("field.district"), render: (r) => district(r.district) },
      { key: "claimed_total", label: t("field.claimed_total"), numeric: true, render: (r) => number(r.claimed_total) },
      { key: "n_finds", label: t("field.n_finds"), numeric: true, render: (r) => number(r.n_finds) },
      { key: "found_ratio", label: t("field.found_ratio"), numeric: true, render: (r) => number(r.found_ratio, 2) },
      { key: "median_offset_m", label: t("field.median_offset_m"), numeric: true, render: (r) => number(r.median_offset_m, 1) },
      { key: "processed", label: t("field.processed"), render: (r) => t(r.processed ? "value.yes" : "value.no") },
      { key: "accurate", label: t("field.accurate"), render: (r) => (r.processed ? t(r.accurate ? "value.yes" : "value.no") : t("value.none")) },
    ], a.records)),
  );
}

function outsideTable(caption, rows, key) {
  return table(caption, [
    { key, label: t(`field.${key}`), render: (r) => (key === "district" ? district(r.district) : String(r.year)) },
    { key: "n_accidents", label: t("field.n_accidents"), numeric: true, render: (r) => number(r.n_accidents) },
    { key: "outside_records", label: t("field.outside_records"), render: (r) => `${percent(r.outside_records)} (${percent(r.outside_records_low)}–${percent(r.outside_records_high)})` },
    { key: "outside_known_hazards", label: t("field.outside_known_hazards"), render: (r) => `${percent(r.outside_known_hazards)} (${percent(r.outside_known_hazards_low)}–${percent(r.outside_known_hazards_high)})` },
  ], rows);
}

async function outside(main) {
  const a = await getJSON("/records/assessment");
  const years = a.outside_by_year;
  main.append(
    intro("outside.intro"),
    el("div", { class: "cards" },
      card(t("field.outside_records"), percent(a.outside_share_records), interval(a.intervals.outside_share_records)),
      card(t("field.outside_known_hazards"), percent(a.outside_share_known_hazards), interval(a.intervals.outside_share_known_hazards))),
    section(t("outside.by_year"),
      barChart(t("outside.by_year_label"), years.map((r) => String(r.year)), [
        { name: t("field.outside_records"), values: years.map((r) => (r.outside_records ?? 0) * 100) },
        { name: t("field.outside_known_hazards"), values: years.map((r) => (r.outside_known_hazards ?? 0) * 100) },
      ], { unit: "%" }),
      outsideTable(t("outside.by_year"), years, "year")),
    section(t("outside.by_district"), outsideTable(t("outside.by_district"), a.outside_by_district, "district")),
  );
}

async function alerts(main) {
  const a = await getJSON("/alerts");
  main.append(intro("alerts.intro", { date: date(a.ceasefire) }));
  if (!a.alerts.length) {
    main.append(el("p", { class: "empty" }, t("alerts.none")));
    return;
  }
  main.append(table(t("view.alerts"), [
    { key: "alert", label: t("field.id") },
    { key: "district", label: t("field.district"), render: (r) => district(r.district) },
    { key: "n_finds", label: t("field.n_finds"), numeric: true, render: (r) => number(r.n_finds) },
    { key: "n_post_conflict", label: t("field.n_post_conflict"), numeric: true, render: (r) => number(r.n_post_conflict) },
    { key: "n_in_released_land", label: t("field.n_in_released"), numeric: true, render: (r) => number(r.n_in_released_land) },
    { key: "models", label: t("field.models") },
    { key: "first_found", label: t("field.first_found"), render: (r) => date(r.first_found) },
    { key: "last_found", label: t("field.last_found"), render: (r) => date(r.last_found) },
  ], a.alerts));
}

async function release(main) {
  const r = await getJSON("/land-release");
  const years = r.by.year;
  main.append(
    intro("release.intro"),
    el("div", { class: "cards" },
      card(t("field.released_ha"), haText(r.totals.released_m2)),
      card(t("field.cost_usd"), usd(r.totals.cost_usd), t("unit.usd_per_m2", { value: number(r.totals.cost_per_m2_usd, 3) })),
      card(t("field.finds_per_ha"), t("unit.per_ha", { value: number(r.totals.finds_per_ha, 2) }))),
    section(t("outside.by_year"),
      barChart(t("release.by_year_label"), years.map((y) => String(y.year)), [
        { name: t("release.cancelled"), values: years.map((y) => ha(y.cancelled_m2)) },
        { name: t("release.reduced"), values: years.map((y) => ha(y.reduced_m2)) },
        { name: t("release.cleared"), values: years.map((y) => ha(y.cleared_m2)) },
      ], { unit: t("unit.ha", { value: "" }).trim(), stacked: true }),
      releaseTable(t("outside.by_year"), years, "year")),
    section(t("release.by_district"), releaseTable(t("release.by_district"), r.by.district, "district")),
    section(t("release.by_operator"), releaseTable(t("release.by_operator"), r.by.operator, "operator")),
    section(t("release.by_method"), releaseTable(t("release.by_method"), r.by.method, "method")),
  );
}

function casualtyTable(caption, rows, key, vocabulary) {
  return table(caption, [
    { key, label: t(`field.${key}`), render: (r) => (key === "district" ? district(r[key]) : key === "year" ? String(r.year) : vocab(vocabulary, r[key])) },
    { key: "casualties", label: t("field.casualties"), numeric: true, render: (r) => number(r.casualties) },
    { key: "killed", label: t("field.killed"), numeric: true, render: (r) => number(r.killed) },
    { key: "injured", label: t("field.injured"), numeric: true, render: (r) => number(r.injured) },
  ], rows);
}

async function casualties(main) {
  const c = await getJSON("/casualties");
  const years = c.by.year;
  const numeric = (v) => (typeof v === "number" ? v : null);
  main.append(
    intro("casualties.intro"),
    el("div", { class: "cards" },
      card(t("briefing.casualties"), t("unit.people", { value: number(c.totals.total) })),
      card(t("casualties.killed_share"), percent(c.intervals.killed_share?.share), interval(c.intervals.killed_share)),
      card(t("casualties.children_share"), percent(c.intervals.children_share?.share), interval(c.intervals.children_share))),
    section(t("outside.by_year"),
      barChart(t("casualties.by_year_label"), years.map((y) => String(y.year)), [
        { name: t("field.killed"), values: years.map((y) => numeric(y.killed)) },
        { name: t("field.injured"), values: years.map((y) => numeric(y.injured)) },
      ], { unit: t("unit.people", { value: "" }).trim(), stacked: true }),
      casualtyTable(t("outside.by_year"), years, "year")),
    section(t("casualties.by_setting"), casualtyTable(t("casualties.by_setting"), c.by.setting, "setting", "setting")),
    section(t("casualties.by_group"), casualtyTable(t("casualties.by_group"), c.by.victim_group, "victim_group", "victim_group")),
    section(t("casualties.by_district"), casualtyTable(t("casualties.by_district"), c.by.district, "district")),
  );
}

async function funding(main) {
  const f = await getJSON("/funding");
  const years = f.by_year;
  main.append(
    intro("funding.intro"),
    el("div", { class: "cards" },
      card(t("field.total_usd"), usd(f.totals.total_usd)),
      card(t("briefing.foreign_share"), percent(f.totals.foreign_share, 1), interval(f.foreign_share_interval))),
    section(t("outside.by_year"),
      barChart(t("funding.by_year_label"), years.map((y) => String(y.year)), [
        { name: t("funding.national"), values: years.map((y) => y.total_usd - y.foreign_usd) },
        { name: t("funding.foreign"), values: years.map((y) => y.foreign_usd) },
      ], { unit: "US$", stacked: true }),
      table(t("outside.by_year"), [
        { key: "year", label: t("field.year"), render: (r) => String(r.year) },
        { key: "total_usd", label: t("field.total_usd"), numeric: true, render: (r) => number(r.total_usd) },
        { key: "foreign_usd", label: t("field.foreign_usd"), numeric: true, render: (r) => number(r.foreign_usd) },
        { key: "foreign_share", label: t("field.foreign_share"), numeric: true, render: (r) => percent(r.foreign_share, 1) },
      ], years)),
    section(t("funding.by_source"), table(t("funding.by_source"), [
      { key: "donor_kind", label: t("field.donor_kind"), render: (r) => vocab("donor_kind", r.donor_kind) },
      { key: "amount_usd", label: t("field.amount_usd"), numeric: true, render: (r) => number(r.amount_usd) },
      { key: "released_m2", label: t("field.released_ha"), numeric: true, render: (r) => number(ha(r.released_m2)) },
      { key: "cost_per_m2_usd", label: t("field.cost_per_m2_usd"), numeric: true, render: (r) => number(r.cost_per_m2_usd, 3) },
    ], f.by_source)),
  );
}

async function plan(main) {
  const found = await getJSON("/plans?latest=5");
  const plans = found.plans || [];
  main.append(intro("plan.intro"));
  if (!plans.length) {
    main.append(el("p", { class: "empty" }, t("plan.none")));
    return;
  }
  const latest = plans[plans.length - 1];
  const years = (latest.years || []).map(String);
  const planned = Object.entries(latest.schedule || {}).map(([area, year]) => ({ area, year }));
  const schedule = planned.filter((r) => r.year !== null).sort((a, b) => a.year - b.year || a.area.localeCompare(b.area));
  const later = planned.length - schedule.length;
  main.append(
    el("div", { class: "cards" },
      card(t("plan.scenario"), scenario(latest)),
      card(t("plan.gap"), percent(latest.mip_gap, 2)),
      card(t("field.families"), t("unit.families", { value: number((latest.families_returned_by_year || []).at(-1)) })),
      card(t("plan.area_total"), t("unit.km2", { value: number(sum(latest.area_released_km2_by_year), 1) })),
      card(t("plan.money_total"), usd(sum(latest.money_spent_usd_by_year)))),
    section(t("field.families"),
      barChart(t("plan.families_label"), years, [{ name: t("field.families"), values: latest.families_returned_by_year || [] }], { line: true, unit: t("unit.families", { value: "" }).trim() }),
      table(t("field.families"), [
        { key: "year", label: t("field.year") },
        { key: "families", label: t("field.families"), numeric: true, render: (r) => number(r.families) },
        { key: "km2", label: t("field.area_km2"), numeric: true, render: (r) => number(r.km2, 1) },
        { key: "usd", label: t("field.money_usd"), numeric: true, render: (r) => number(r.usd) },
      ], years.map((year, i) => ({ year, families: latest.families_returned_by_year?.[i], km2: latest.area_released_km2_by_year?.[i], usd: latest.money_spent_usd_by_year?.[i] })))),
    section(t("plan.scenarios"), table(t("plan.scenarios"), [
      { key: "plan_id", label: t("field.id") },
      { key: "scenario", label: t("plan.scenario"), render: scenario },
      { key: "objective", label: t("plan.objective"), numeric: true, render: (r) => number(r.objective) },
      { key: "gap", label: t("plan.gap"), numeric: true, render: (r) => percent(r.mip_gap, 2) },
    ], plans)),
    section(t("plan.schedule"), table(t("plan.schedule"), [
      { key: "area", label: t("field.area") },
      { key: "year", label: t("field.planned_year"), render: (r) => String(r.year) },
    ], schedule), later ? el("p", { class: "note" }, t("plan.later", { n: number(later), year: years.at(-1) })) : null),
  );
}

function checkName(check) {
  if (check.startsWith("future date in ")) return t("quality.check_future", { field: has(`field.${check.slice(15)}`) ? t(`field.${check.slice(15)}`) : check.slice(15) });
  return vocab("check", check);
}

function checkValue(row) {
  const check = row.check.startsWith("future date") ? "future date" : row.check;
  const key = `quality.value.${check}`;
  if (!has(key)) return row.value;
  const found = String(row.value).match(/-?\d+(\.\d+)?/);
  return t(key, { number: found ? number(Number(found[0]), 1) : "" });
}

function checkFix(row) {
  const check = row.check.startsWith("future date") ? "future date" : row.check;
  return has(`quality.fix.${check}`) ? t(`quality.fix.${check}`) : row.fix;
}

async function quality(main) {
  const q = await getJSON("/quality");
  main.append(intro("quality.intro"));
  if (!q.issues.length) {
    main.append(el("p", { class: "empty" }, t("quality.none")));
    return;
  }
  main.append(
    section(t("quality.summary"), table(t("quality.summary"), [
      { key: "check", label: t("field.check"), render: (r) => checkName(r.check) },
      { key: "kind", label: t("field.kind"), render: (r) => vocab("kind", r.kind) },
      { key: "n_issues", label: t("field.n_issues"), numeric: true, render: (r) => number(r.n_issues) },
    ], q.summary)),
    section(t("quality.issues"), table(t("quality.issues"), [
      { key: "id", label: t("field.id") },
      { key: "kind", label: t("field.kind"), render: (r) => vocab("kind", r.kind) },
      { key: "check", label: t("field.check"), render: (r) => checkName(r.check) },
      { key: "value", label: t("field.value"), render: checkValue },
      { key: "fix", label: t("field.fix"), render: checkFix },
    ], q.issues)),
  );
}

function reportRow(report, decide) {
  const reason = `reason-${report.id}`;
  const button = (decision) => el("button", { type: "button", "data-decision": decision, "data-report": report.id, onclick: () => decide(report, decision) }, t(`approvals.${decision}`));
  return el("div", { class: "actions" },
    button("approve"),
    el("label", { for: reason }, t("approvals.reason")),
    el("input", { id: reason, type: "text", maxlength: 500 }),
    button("return"),
    button("flag"));
}

async function approvalList(holder, status) {
  const [waiting, flagged] = await Promise.all([getJSON("/reports?status=submitted"), getJSON("/reports?status=flagged")]);
  const rows = [...waiting.reports, ...flagged.reports];
  if (!rows.length) {
    holder.replaceChildren(el("p", { class: "empty" }, t("approvals.none")));
    return;
  }
  const decide = async (report, decision) => {
    const reason = document.getElementById(`reason-${report.id}`)?.value.trim() || "";
    if (decision !== "approve" && !reason) {
      status.textContent = t("approvals.reason_needed");
      document.getElementById(`reason-${report.id}`)?.focus();
      return;
    }
    try {
      const done = await send("POST", `/reports/${encodeURIComponent(report.id)}/${decision}`, reason ? { reason } : {});
      const inserted = [...(done.inserted || []), ...(done.updated || [])];
      status.replaceChildren(t("approvals.done", { id: report.id, status: vocab("report_status", done.status) }),
        ...inserted.slice(0, 20).flatMap((id) => [" ", el("a", { href: `#/map/${id}` }, t("approvals.show", { id }))]));
    } catch (error) {
      status.textContent = t("app.error", { status: error.status ?? "" });
    }
    await approvalList(holder, status);
  };
  holder.replaceChildren(table(t("view.approvals"), [
    { key: "id", label: t("field.id") },
    { key: "kind", label: t("field.kind"), render: (r) => vocab("kind", r.kind) },
    { key: "author", label: t("field.author") },
    { key: "organisation", label: t("field.organisation") },
    { key: "submitted_at", label: t("field.submitted_at"), render: (r) => moment(r.submitted_at) },
    { key: "n_records", label: t("field.n_records"), numeric: true, render: (r) => number(r.n_records) },
    { key: "n_findings", label: t("field.n_findings"), numeric: true, render: (r) => number(r.n_findings) },
    { key: "status", label: t("field.status"), render: (r) => vocab("report_status", r.status) },
    { key: "actions", label: t("approvals.decision"), render: (r) => reportRow(r, decide) },
  ], rows));
}

async function approvals(main) {
  main.append(intro("approvals.intro"));
  if (!session.user) {
    main.append(el("p", { class: "empty" }, t("approvals.signin")));
    return;
  }
  if (!session.approvals) {
    main.append(el("p", { class: "empty" }, t("approvals.unavailable")));
    return;
  }
  if (!session.user.permissions?.approve) {
    main.append(el("p", { class: "empty" }, t("approvals.verifiers")));
    return;
  }
  const status = el("p", { role: "status", id: "approval-status" });
  const holder = el("div", { id: "approval-list" });
  main.append(status, holder);
  await approvalList(holder, status);
}

export const VIEWS = {
  briefing,
  accuracy,
  outside,
  alerts,
  release,
  casualties,
  funding,
  plan,
  quality,
  approvals,
};
// Views whose data need a signed-in reader of these kinds (the server answers 401 or 403 otherwise).
export const NEEDS = {
  accuracy: "minefield_records",
  outside: "minefield_records",
  alerts: "finds",
  patterns: "finds",
  quality: "finds",
  plan: "activities",
};
