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
    rangesSeq: 0,      // the same for sweeps
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
    if ($("ranges-panel").open) runRanges();  // the ranges follow the scenario and its inputs
  }

  // --- ranges: a small sweep (POST /api/sweep) drawn as fan charts ---------------------------

  // used when the scenario has no [uncertainty] section: two of the flagship's ranges (scenarios/stargate-uae.toml)
  var DEFAULT_VARY = ["site.pue=triangular(1.1,1.3,1.58)", "site.electricity_usd_per_mwh=uniform(46.3,77.9)"];
  var FAN_COLUMNS = [
    { column: "accelerators", title: "Accelerators", color: "31,119,180", unit: "" },
    { column: "h100e", title: "H100-equivalents (H100e)", color: "44,160,44", unit: "" },
    { column: "capex_usd", title: "Capex", color: "214,39,40", scale: 1e9, unit: "billion USD" },
  ];
  var compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 });

  function fanFigure(spec, raw) {
    var scale = spec.scale || 1;
    var out = { year: raw.year };
    ["p5", "p50", "p95"].forEach(function (k) {
      out[k] = raw[k].map(function (v) { return v === null ? null : v / scale; });
    });
    var x = out.year;
    var rgb = spec.color;
    var data = [
      { x: x, y: out.p5, type: "scatter", mode: "lines", name: "p5", line: { width: 1, color: "rgba(" + rgb + ",0.6)" } },
      { x: x, y: out.p95, type: "scatter", mode: "lines", name: "p5 to p95", fill: "tonexty",
        fillcolor: "rgba(" + rgb + ",0.2)", line: { width: 1, color: "rgba(" + rgb + ",0.6)" } },
      { x: x, y: out.p50, type: "scatter", mode: "lines+markers", name: "median (p50)",
        line: { width: 3, color: "rgb(" + rgb + ")" } },
    ];
    var last = x.length - 1;
    var annotations = [["p95", out.p95], ["median", out.p50], ["p5", out.p5]].filter(function (a) {
      return a[1][last] !== null && a[1][last] !== undefined;
    }).map(function (a, i) {  // the end values written beside the lines: readable without hovering
      return { x: x[last], y: a[1][last], xanchor: "left", yanchor: "middle", showarrow: false, xshift: 6, yshift: (1 - i) * 10,
        text: a[0] + " " + compact.format(a[1][last]), font: { size: 12 } };
    });
    // the column's unit as the server gives it (capex: USD per year, shown in billions)
    var shownUnit = spec.unit + (raw.unit && raw.unit.indexOf("/") >= 0 ? raw.unit.slice(raw.unit.indexOf("/")) : "");
    var unit = shownUnit ? " [" + shownUnit + "]" : "";
    var layout = {
      title: { text: spec.title + unit },
      xaxis: { title: { text: "year" }, dtick: 1 },
      yaxis: { title: { text: spec.title + unit }, rangemode: "tozero", tickformat: "~s" },
      margin: { l: 70, r: 110, t: 50, b: 50 },
      height: 340,
      legend: { orientation: "h", y: -0.25 },
      annotations: annotations,
    };
    return { data: data, layout: layout };
  }

  function sweepRequest(vary) {
    var base = state.base || {};
    if (!base.scenario_id) return null;
    return { scenario_id: base.scenario_id, overrides: overrides(), vary: vary,
      samples: Number($("ranges-samples").value) };
  }

  async function runRanges() {
    var seq = ++state.rangesSeq;
    var rangeStatus = function (t) { $("ranges-status").textContent = t; };
    var req = sweepRequest([]);
    if (!req) { rangeStatus("Ranges are available for the shipped scenarios only."); return; }
    rangeStatus("Running a sweep of " + req.samples + " samples...");
    var answer = await api("POST", "/api/sweep", req);
    var defaults = false;
    if (!answer.ok && (answer.data.problems || []).some(function (p) { return p.path === "uncertainty.inputs"; })) {
      defaults = true;  // the scenario has nothing to vary: the flagship's ranges, stated below
      req.vary = DEFAULT_VARY;
      answer = await api("POST", "/api/sweep", req);
    }
    if (seq !== state.rangesSeq) return;
    if (!answer.ok) {
      showProblems((answer.data.detail || "The server refused the sweep") + ":", answer.data.problems);
      rangeStatus("No ranges: see the message above.");
      return;
    }
    drawRanges(answer.data, defaults);
    rangeStatus((defaults ? "This scenario has no [uncertainty] section: the ranges vary the flagship's PUE and " +
      "electricity price. " : "") + answer.data.variants + " variants, " + answer.data.method + " sample, seed " +
      answer.data.seed + ".");
  }

  function drawRanges(doc, defaults) {
    $("ranges-inputs").replaceChildren.apply($("ranges-inputs"), doc.inputs.map(function (u) {
      return el("li", {}, u.path + " ~ " + u.written + (u.unit && u.unit !== "-" ? " " + u.unit : "") +
        " (from " + u.origin + ")");
    }));
    var holder = $("ranges-charts");
    FAN_COLUMNS.forEach(function (spec) {
      var id = "fan-" + spec.column;
      var out = doc.outputs[spec.column];
      var box = holder.querySelector('[data-box="' + id + '"]');
      if (!out) { if (box) { Plotly.purge($(id)); box.remove(); } return; }
      if (!box) {
        box = el("div", { class: "chart-box", "data-box": id });
        box.appendChild(el("div", { class: "chart fan", id: id }));
        holder.appendChild(box);
      }
      var fig = fanFigure(spec, out);
      Plotly.react($(id), fig.data, fig.layout, PLOT_CONFIG);
      $(id).dataset.drawn = "true";
    });
    var probs = doc.probabilities || {};
    var items = Object.keys(probs).map(function (k) {
      var p = probs[k];
      var shown = p.probability === null ? "n/a" : Math.round(p.probability * 100) + "%";
      return el("li", { "data-event": k }, shown + " " + p.over + ": " + p.description);
    });
    if (!items.length) items = [el("li", {}, "No named events apply to this scenario.")];
    $("ranges-probabilities").replaceChildren.apply($("ranges-probabilities"), items);
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
    $("ranges-panel").addEventListener("toggle", function () { if ($("ranges-panel").open) runRanges(); });
    $("ranges-run").addEventListener("click", runRanges);
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
