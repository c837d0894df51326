// gigacampus dashboard: asks the API for a run and draws what it returns. It computes nothing:
// charts, headline, bounds and defaults all come from the server (POST /api/report).
"use strict";

(function () {
  var PLOT_CONFIG = { responsive: true, displaylogo: false, showLink: false, showSendToCloud: false };
  var state = {
    base: null,        // {scenario_id} or {toml, name}: the scenario before the form's changes
    initial: {},       // control path -> value as the scenario gives it
    controls: [],
    summary: null,
    seq: 0,            // answers to older requests are dropped
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showProblems(title, problems) {
    var box = $("message");
    box.replaceChildren(el("strong", {}, title.charAt(0).toUpperCase() + title.slice(1)));
    var list = el("ul");
    (problems || []).forEach(function (p) {
      list.appendChild(el("li", {}, p.text || p.message || String(p)));
    });
    if (list.children.length) box.appendChild(list);
    box.hidden = false;
    document.querySelectorAll(".control").forEach(function (c) { c.classList.remove("invalid"); });
    (problems || []).forEach(function (p) {
      var control = document.querySelector('.control[data-path="' + CSS.escape(p.path || "") + '"]');
      if (control) control.classList.add("invalid");
    });
  }

  function clearProblems() {
    $("message").hidden = true;
    $("message").replaceChildren();
    document.querySelectorAll(".control.invalid").forEach(function (c) { c.classList.remove("invalid"); });
  }

  function status(text) { $("status").textContent = text; }

  async function api(method, path, body) {
    var options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      return { ok: false, status: 0, data: { detail: "cannot reach the gigacampus server",
        problems: [{ text: "The server did not answer (" + err.message + "). Is gigacampus serve still running?" }] } };
    }
    var type = response.headers.get("content-type") || "";
    var data = type.indexOf("application/json") >= 0 ? await response.json() : await response.text();
    return { ok: response.ok, status: response.status, data: data };
  }

  // --- the form ------------------------------------------------------------------------

  function tomlValue(control, raw) {
    if (control.kind === "select") return JSON.stringify(raw);  // a TOML basic string
    return String(raw).trim();
  }

  function overrides() {
    var out = [];
    state.controls.forEach(function (c) {
      var input = $("ctl-" + c.path);
      if (!input) return;
      var changed = input.value !== state.initial[c.path];
      input.parentElement.classList.toggle("changed", changed);
      if (changed) out.push(c.path + "=" + tomlValue(c, input.value));
    });
    return out;
  }

  function hint(c) {
    var parts = [];
    if (c.kind !== "select") {
      var grouping = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });
      var num = { format: function (v) { return c.unit === "year" ? String(v) : grouping.format(v); } };
      var lo = c.minimum === null || c.minimum === undefined ? null : (c.exclusive_minimum ? "> " : ">= ") + num.format(c.minimum);
      var hi = c.maximum === null || c.maximum === undefined ? null : (c.exclusive_maximum ? "< " : "<= ") + num.format(c.maximum);
      var range = [lo, hi].filter(Boolean).join(" and ");
      if (range) parts.push(range);
    }
    if (c.unit && c.unit !== "year") parts.push(c.unit);
    if (c.origin && c.origin !== "scenario") parts.push("from " + c.origin);
    return parts.join(" · ");
  }

  function buildControls(controls) {
    var form = $("controls");
    form.replaceChildren();
    state.controls = controls;
    state.initial = {};
    var group = null;
    controls.forEach(function (c) {
      if (c.group && c.group !== group) {  // a heading per analysis: Campus, Phases, Holders, Finance, ...
        group = c.group;
        form.appendChild(el("h3", { class: "control-group" }, group));
      }
      var box = el("div", { class: "control", "data-path": c.path, "data-group": c.group || "" });
      box.appendChild(el("label", { for: "ctl-" + c.path, title: c.help || "" }, c.label));
      var input;
      if (c.kind === "select") {
        input = el("select", { id: "ctl-" + c.path, name: c.path });
        c.options.forEach(function (o) { input.appendChild(el("option", { value: o.value }, o.label)); });
      } else {
        input = el("input", { id: "ctl-" + c.path, name: c.path, type: "number", step: c.kind === "integer" ? 1 : "any" });
        if (c.minimum !== null && c.minimum !== undefined) input.setAttribute("min", c.minimum);
        if (c.maximum !== null && c.maximum !== undefined) input.setAttribute("max", c.maximum);
        input.setAttribute("placeholder", "not given");
      }
      input.value = c.value === null || c.value === undefined ? "" : String(c.value);
      input.title = c.help || "";
      state.initial[c.path] = input.value;
      input.addEventListener("change", function () {
        // a control of the scenario being replaced (its blur after a new pick) changes nothing
        if (!state.loadingBase && input.isConnected) runCurrent(false);
      });
      box.appendChild(input);
      box.appendChild(el("div", { class: "hint" }, hint(c)));
      form.appendChild(box);
    });
  }

  // --- drawing -----------------------------------------------------------------------------

  function kpi(value, label) {
    var box = el("div", { class: "kpi" });
    box.appendChild(el("div", { class: "value" }, value));
    box.appendChild(el("div", { class: "label" }, label));
    return box;
  }

  function drawCharts(charts) {
    var holder = $("charts");
    var keep = {};
    charts.forEach(function (chart) {
      var id = "chart-" + chart.id;
      keep[id] = true;
      var div = $(id);
      if (!div) {
        var box = el("div", { class: "chart-box", "data-box": id });
        box.appendChild(el("h3", {}, chart.title));
        box.appendChild(el("p", { class: "caption" }, chart.caption));
        div = el("div", { class: "chart", id: id });
        box.appendChild(div);
        holder.appendChild(box);
      }
      Plotly.react(div, chart.data, chart.layout, PLOT_CONFIG);
      div.dataset.revision = String(state.seq);
    });
    holder.querySelectorAll(".chart-box").forEach(function (box) {
      if (!keep[box.dataset.box]) { Plotly.purge($(box.dataset.box)); box.remove(); }
    });
  }

  function draw(report) {
    var s = report.summary;
    state.summary = s;
    var years = s.years;
    var last = years[years.length - 1];
    $("title").textContent = s.scenario.name + " (" + years[0].year + "-" + last.year + ")";
    $("headline").replaceChildren.apply($("headline"), report.headline.map(function (t) { return el("p", {}, t); }));
    // the cards as the server formats them (thousands separators, units), the report's own
    $("kpis").replaceChildren.apply($("kpis"), (report.kpis || []).map(function (k) { return kpi(k.value, k.label); }));
    drawCharts(report.charts);
    $("explanations").replaceChildren.apply($("explanations"),
      s.explanations.map(function (t) { return el("li", {}, t); }));
  }

  // --- running -------------------------------------------------------------------------------

  function currentRequest() {
    var req = Object.assign({}, state.base);
    req.overrides = overrides();
    return req;
  }

  async function runCurrent(newBase) {
    var seq = ++state.seq;
    var req = newBase ? Object.assign({}, state.base) : currentRequest();
    state.loadingBase = newBase;
    status("Running...");
    var answer = await api("POST", "/api/report", req);
    if (seq !== state.seq) return;  // a newer request is on its way
    if (!answer.ok) {
      state.loadingBase = false;
      var data = answer.data || {};
      showProblems((data.detail || "The server refused the request") + ":", data.problems);
      status(state.summary ? "Charts show the last valid inputs." : "Nothing to show yet: fix the scenario above.");
      return;
    }
    clearProblems();
    // the old form's inputs fire "change" as they are removed: ignored until the new form is built
    if (newBase) buildControls(answer.data.controls);
    state.loadingBase = false;
    draw(answer.data);
    var changes = req.overrides && req.overrides.length ? req.overrides.join(", ") : "the scenario's own values";
    status("Showing " + answer.data.summary.scenario.name + " with " + changes + ".");
  }

  function download(name, type, content) {
    var a = el("a", { download: name });
    a.href = URL.createObjectURL(new Blob([content], { type: type }));
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  async function start() {
    if (typeof Plotly === "undefined") {
      showProblems("The chart library did not load.", [{ text: "Reload the page; if this persists, restart gigacampus serve." }]);
      status("");
      return;
    }
    var list = await api("GET", "/api/scenarios");
    if (!list.ok) { showProblems("Cannot list the shipped scenarios:", list.data.problems); return; }
    var select = $("scenario-select");
    select.replaceChildren();
    list.data.forEach(function (s) {
      select.appendChild(el("option", { value: s.id }, s.name + " (" + s.start_year + "-" + s.end_year + ")"));
    });
    select.appendChild(el("option", { value: "" , disabled: "" }, "your own (paste or upload below)"));
    select.addEventListener("change", function () {
      if (!select.value) return;
      state.base = { scenario_id: select.value };
      runCurrent(true);
    });
    $("run-pasted").addEventListener("click", function () {
      var text = $("toml-input").value;
      if (!text.trim()) { showProblems("Nothing to run:", [{ text: "paste a scenario (TOML) or upload a file first" }]); return; }
      state.base = { toml: text, name: state.uploadName || "pasted scenario" };
      select.value = "";
      runCurrent(true);
    });
    $("toml-input").addEventListener("input", function () { state.uploadName = null; });
    $("file-input").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) return;
      file.text().then(function (text) {
        $("toml-input").value = text;
        state.uploadName = file.name;
        state.base = { toml: text, name: file.name };
        select.value = "";
        runCurrent(true);
      });
    });
    $("reset").addEventListener("click", function () {
      state.controls.forEach(function (c) { var i = $("ctl-" + c.path); if (i) i.value = state.initial[c.path]; });
      runCurrent(false);
    });
    $("download-report").addEventListener("click", async function () {
      var answer = await api("POST", "/api/report.html", currentRequest());
      if (!answer.ok) { showProblems("Cannot make the report:", answer.data.problems); return; }
      download("report.html", "text/html", answer.data);
    });
    $("download-summary").addEventListener("click", function () {
      if (state.summary) download("summary.json", "application/json", JSON.stringify(state.summary, null, 2));
    });
    var first = list.data.find(function (s) { return s.id === "stargate-uae"; }) || list.data[0];
    select.value = first.id;
    state.base = { scenario_id: first.id };
    await runCurrent(true);
  }

  window.addEventListener("error", function (event) {
    showProblems("Something went wrong in the page:", [{ text: String(event.message) }]);
  });
  document.addEventListener("DOMContentLoaded", function () {
    start().catch(function (err) { showProblems("Something went wrong:", [{ text: String(err) }]); });
  });
})();
