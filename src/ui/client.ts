// The page's stylesheet and its inline client, as text. The client is plain ES2017 for the browser: it reads the
// report from its JSON script element, builds the runs table (filters, sort) and draws the two uPlot charts.
// It writes data into the document only through textContent and attributes, never as HTML, so labels from the
// pods cannot inject markup. The headless-Chromium tests (test/ui/page.test.ts) are what check this code.

/** Grafana-like look: neutral panels, small uppercase panel titles, one accent; light and dark by preference. */
export const PAGE_CSS = String.raw`
:root{--bg:#f4f5f5;--panel:#fff;--border:#dcdee1;--text:#24292e;--muted:#6a737d;--head:#f7f8fa;
--grid:rgba(36,41,46,.08);--accent:#3d71d9;--hover:rgba(61,113,217,.06);
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--run:#9a6700;--run-bg:#fff8c5;--other:#57606a;--other-bg:#eaeef2;
--warn:#9a6700;--warn-bg:#fff8c5}
@media (prefers-color-scheme:dark){:root{--bg:#111217;--panel:#181b1f;--border:#2c3235;--text:#d8d9da;--muted:#8e8e9e;
--head:#1f2226;--grid:rgba(204,204,220,.09);--accent:#6e9fff;--hover:rgba(110,159,255,.08);
--ok:#73bf69;--ok-bg:rgba(115,191,105,.15);--bad:#f2495c;--bad-bg:rgba(242,73,92,.15);--run:#fade2a;--run-bg:rgba(250,222,42,.13);
--other:#a0a0b0;--other-bg:rgba(204,204,220,.1);--warn:#ff9830;--warn-bg:rgba(255,152,48,.12)}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--text);font:14px/1.45 Inter,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
body{margin:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.topbar{display:flex;align-items:center;gap:16px;padding:10px 20px;background:var(--panel);border-bottom:1px solid var(--border);flex-wrap:wrap}
.brand{font-weight:600;font-size:16px;display:flex;align-items:center;gap:8px}
.logo{width:18px;height:18px;border-radius:4px;background:linear-gradient(135deg,#ff9830,#f2495c 55%,#b877d9)}
.crumb{color:var(--muted)}.crumb b{color:var(--text)}.sep{margin:0 4px}
.range{margin-left:auto;display:flex;gap:8px;flex-wrap:wrap}
.pill{border:1px solid var(--border);border-radius:4px;padding:2px 8px;font-size:12px;color:var(--muted);background:var(--head)}
.pill.link{color:var(--accent);text-decoration:none}
.filters{display:flex;gap:14px;align-items:center;flex-wrap:wrap;padding:10px 20px;border-bottom:1px solid var(--border)}
.filters label{font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.filters select,.filters input,.filters button,#runs-more{font:inherit;font-size:13px;color:var(--text);background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:3px 8px}
.filters button,#runs-more{cursor:pointer}.filters button:hover,#runs-more:hover{border-color:var(--accent)}
.filters-note{font-size:12px;color:var(--muted);margin-left:auto}
main{padding:16px 20px;display:flex;flex-direction:column;gap:16px;max-width:1680px;margin:0 auto}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:16px}
.stat{background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:12px 16px}
.stat-label{font-size:12px;color:var(--muted);font-weight:500}
.stat-value{font-size:26px;font-weight:500;text-align:left;margin-top:2px}
.stat-sub{font-size:12px;color:var(--muted)}
[data-testid=total-unattributed] .stat-value{color:#8e8e8e}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.panel{background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:10px 16px 14px;min-width:0}
.panel h2{font-size:14px;font-weight:500;margin:0 0 8px}
.count{color:var(--muted);font-weight:400;font-size:12px;margin-left:6px}
.chart{min-height:280px}
.chart .empty{height:260px;display:flex;align-items:center;justify-content:center;color:var(--muted)}
.caption{margin:4px 0 0;font-size:12px;color:var(--muted)}
.legend{border-collapse:collapse;margin-top:8px;font-size:13px;min-width:50%}
.legend th{font-weight:500;color:var(--muted);font-size:12px;text-align:left;padding:2px 12px 2px 0}
.legend th.num{text-align:right}
.legend td{padding:2px 12px 2px 0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px;vertical-align:baseline}
.table-wrap.rows{max-height:420px}.table-wrap.rows th{cursor:default}
.table-wrap{overflow:auto;max-height:640px;border:1px solid var(--border);border-radius:2px}
table.runs{border-collapse:collapse;width:100%;font-size:13px}
.runs th{position:sticky;top:0;background:var(--head);text-align:left;font-weight:500;color:var(--muted);padding:6px 10px;border-bottom:1px solid var(--border);cursor:pointer;user-select:none;white-space:nowrap}
.runs th.num{text-align:right}
.runs th[aria-sort=ascending]::after{content:" ▲";font-size:9px}.runs th[aria-sort=descending]::after{content:" ▼";font-size:9px}
.runs td{padding:5px 10px;border-bottom:1px solid var(--border);white-space:nowrap;max-width:280px;overflow:hidden;text-overflow:ellipsis}
.runs tbody tr:hover{background:var(--hover)}
.runs tfoot td{position:sticky;bottom:0;background:var(--head);font-weight:500;border-top:1px solid var(--border);border-bottom:0}
.runs td.none{color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:500;color:var(--other);background:var(--other-bg)}
.badge.success{color:var(--ok);background:var(--ok-bg)}.badge.failed{color:var(--bad);background:var(--bad-bg)}
.badge.running{color:var(--run);background:var(--run-bg)}
.variant{display:inline-flex;align-items:center;gap:6px}.variant i{width:8px;height:8px;border-radius:50%;display:inline-block}
#runs-more{margin-top:8px}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0;font-size:13px}
.kv dt{color:var(--muted)}.kv dd{margin:0;overflow-wrap:anywhere}
.notes{margin:10px 0 0;padding-left:18px;color:var(--muted);font-size:12px}
.warnings{margin:0;padding:0;list-style:none;display:flex;flex-direction:column;gap:6px}
.warnings li{padding:6px 10px;border-left:3px solid var(--warn);background:var(--warn-bg);border-radius:2px;font-size:13px;overflow-wrap:anywhere}
.warnings li.hint{border-left-color:#8e8e8e;background:var(--other-bg)}
.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;text-align:right}
.uplot{font-family:inherit}.u-legend{font-size:12px}.u-legend .u-marker{border-radius:2px}
`;

/** The client. Plain browser JavaScript: no template literals, so it can live in this String.raw. */
export const CLIENT_JS = String.raw`
(function () {
  "use strict";
  window.__startAt = performance.now();
  var R = JSON.parse(document.getElementById("report-data").textContent);
  var O = JSON.parse(document.getElementById("page-options").textContent);
  var CUR = R.assumptions.currency;
  var ROW_LIMIT = 500;
  var VARIANT_COLORS = { standard: "#FF9830", "pre-baked": "#5794F2" };
  var OTHER_COLORS = ["#B877D9", "#73BF69", "#FADE2A", "#F2495C"];
  var NO_VARIANT = "(no variant)";

  var fmt = {};
  function money(v) {
    var digits = v !== 0 && Math.abs(v) < 1 ? 4 : 2;
    if (!fmt[digits]) {
      try {
        fmt[digits] = new Intl.NumberFormat("en-US", { style: "currency", currency: CUR, minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch (e) {
        fmt[digits] = { format: function (x) { return x.toFixed(digits) + " " + CUR; } };
      }
    }
    return fmt[digits].format(v);
  }
  function seconds(v) {
    if (v == null) return "—";
    if (v < 60) return v.toFixed(1) + " s";
    var m = Math.floor(v / 60), s = Math.round(v - 60 * m);
    if (s === 60) { m += 1; s = 0; }
    return m + " min " + (s < 10 ? "0" : "") + s + " s";
  }
  function day(iso) { return iso.slice(0, 10); }
  function status(r) {
    if (r.outcome === "completed") return "success";
    if (r.outcome === "failed") return "failed";
    return (r.state || "unknown").toLowerCase();
  }
  function variantOf(r) { return r.variant == null ? NO_VARIANT : r.variant; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  var runs = R.runs.map(function (r) {
    return { r: r, t: Date.parse(r.createdAt), day: day(r.createdAt), status: status(r), variant: variantOf(r) };
  });
  var variants = [];
  runs.forEach(function (x) { if (variants.indexOf(x.variant) < 0) variants.push(x.variant); });
  variants.sort(function (a, b) {
    var k = function (v) { return v === "standard" ? 0 : v === "pre-baked" ? 1 : v === NO_VARIANT ? 3 : 2; };
    return k(a) - k(b) || (a < b ? -1 : a > b ? 1 : 0);
  });
  var variantColor = {};
  variants.forEach(function (v, i) {
    variantColor[v] = VARIANT_COLORS[v] || (v === NO_VARIANT ? "#8E8E8E" : OTHER_COLORS[i % OTHER_COLORS.length]);
  });

  // Filters
  var fDag = document.getElementById("f-dag"), fMod = document.getElementById("f-module");
  var fFrom = document.getElementById("f-from"), fTo = document.getElementById("f-to");
  function fillSelect(sel, values, noneLabel) {
    values.forEach(function (v) {
      var o = el("option", null, v === null ? noneLabel : v);
      o.value = v === null ? "\u0000none" : v;
      sel.appendChild(o);
    });
  }
  function distinct(key) {
    var seen = {}, out = [], none = false;
    R.runs.forEach(function (r) {
      var v = r[key];
      if (v == null) none = true;
      else if (!Object.prototype.hasOwnProperty.call(seen, v)) { seen[v] = 1; out.push(v); }
    });
    out.sort();
    if (none) out.push(null);
    return out;
  }
  fillSelect(fDag, distinct("dag"), "(no DAG label)");
  fillSelect(fMod, distinct("module"), "(no module label)");
  var f0 = O.filters || {};
  function setSel(sel, v) {
    if (v == null) return;
    for (var i = 0; i < sel.options.length; i++) if (sel.options[i].value === v) sel.value = v;
  }
  setSel(fDag, f0.dag); setSel(fMod, f0.module);
  if (f0.from) fFrom.value = f0.from;
  if (f0.to) fTo.value = f0.to;
  var wStart = day(R.window.start), wEnd = day(new Date(Date.parse(R.window.end) - 1).toISOString());
  [fFrom, fTo].forEach(function (i) { i.min = wStart; i.max = wEnd; });

  function keep(sel, v) { return sel.value === "" || (sel.value === "\u0000none" ? v == null : v === sel.value); }
  function matching() {
    return runs.filter(function (x) {
      return keep(fDag, x.r.dag) && keep(fMod, x.r.module) &&
        (!fFrom.value || x.day >= fFrom.value) && (!fTo.value || x.day <= fTo.value);
    });
  }

  // Runs table
  var sortKey = "createdAt", sortDir = -1, showAll = false;
  var tbody = document.getElementById("runs-body");
  var heads = document.querySelectorAll("table.runs th[data-key]");
  function sortValue(x, key) {
    if (key === "createdAt") return x.t;
    if (key === "status") return x.status;
    if (key === "variant") return x.variant;
    var v = x.r[key];
    return v == null ? null : v;
  }
  function cell(tr, text, cls, testid) {
    var td = el("td", cls, text);
    if (testid) td.setAttribute("data-testid", testid);
    tr.appendChild(td);
    return td;
  }
  function renderTable(list) {
    var total = 0;
    list.forEach(function (x) { total += x.r.cost; });
    list = list.slice().sort(function (a, b) {
      var va = sortValue(a, sortKey), vb = sortValue(b, sortKey);
      if (va === vb) return b.t - a.t;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * sortDir;
    });
    heads.forEach(function (h) {
      if (h.getAttribute("data-key") === sortKey) h.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      else h.removeAttribute("aria-sort");
    });
    var shown = showAll ? list : list.slice(0, ROW_LIMIT);
    var frag = document.createDocumentFragment();
    shown.forEach(function (x) {
      var r = x.r, tr = el("tr");
      tr.setAttribute("data-testid", "run-row");
      tr.setAttribute("data-uid", r.uid);
      cell(tr, r.createdAt.slice(0, 16).replace("T", " "), null, "run-created");
      cell(tr, r.dag == null ? "—" : r.dag, r.dag == null ? "none" : null, "run-dag");
      cell(tr, r.task == null ? "—" : r.task, r.task == null ? "none" : null, "run-task");
      cell(tr, r.module == null ? "—" : r.module, r.module == null ? "none" : null, "run-module");
      var vt = cell(tr, null, null, "run-variant");
      var vs = el("span", "variant"), dot = el("i");
      dot.style.background = variantColor[x.variant];
      vs.appendChild(dot); vs.appendChild(document.createTextNode(x.variant));
      vt.appendChild(vs);
      var nt = cell(tr, r.name, null, "run-name");
      nt.title = r.namespace + "/" + r.name;
      var st = cell(tr, null, null, "run-status");
      st.appendChild(el("span", "badge " + x.status, x.status));
      var lt = cell(tr, seconds(r.startLatencySeconds), "num", "run-latency");
      if (r.startLatencySeconds != null) lt.setAttribute("data-value", String(r.startLatencySeconds));
      cell(tr, money(r.bootstrapCost), "num", "run-bootstrap").setAttribute("data-value", String(r.bootstrapCost));
      cell(tr, money(r.cost), "num", "run-cost").setAttribute("data-value", String(r.cost));
      frag.appendChild(tr);
    });
    if (!shown.length) {
      var tr = el("tr"), td = el("td", "none", runs.length ? "No run matches the filters." : "No runs in this window.");
      td.colSpan = 10;
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
    document.getElementById("runs-count").textContent =
      list.length === runs.length ? runs.length.toLocaleString("en-US") : list.length.toLocaleString("en-US") + " of " + runs.length.toLocaleString("en-US");
    document.getElementById("runs-foot").textContent =
      (shown.length < list.length ? "Showing " + shown.length.toLocaleString("en-US") + " of " : "") +
      list.length.toLocaleString("en-US") + (list.length === 1 ? " run" : " runs") + (list.length === runs.length ? "" : " matching the filters") + " · cost";
    var fc = document.getElementById("runs-filtered-cost");
    fc.textContent = money(total);
    fc.setAttribute("data-value", String(total));
    var more = document.getElementById("runs-more");
    more.hidden = shown.length >= list.length;
    more.textContent = "Show all " + list.length.toLocaleString("en-US") + " runs";
  }
  heads.forEach(function (h) {
    h.addEventListener("click", function () {
      var k = h.getAttribute("data-key");
      if (k === sortKey) sortDir = -sortDir;
      else { sortKey = k; sortDir = k === "createdAt" || h.classList.contains("num") ? -1 : 1; }
      update(false);
    });
  });
  document.getElementById("runs-more").addEventListener("click", function () { showAll = true; update(false); });

  // Charts
  var charts = {};
  function width(node) { return Math.max(300, node.clientWidth); }
  function axis(extra) {
    var a = {
      stroke: css("--muted"),
      grid: { stroke: css("--grid"), width: 1 },
      ticks: { stroke: css("--grid"), width: 1 },
      font: "12px " + getComputedStyle(document.body).fontFamily,
    };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function empty(node, text) {
    node.replaceChildren(el("div", "empty", text));
  }
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function shortDay(ts) { var d = new Date(ts * 1000); return MONTHS[d.getUTCMonth()] + " " + d.getUTCDate(); }
  function utcDate(ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }
  var axisFmt = {};
  // Axis ticks: whole units from 10 up, k and M for large ones, 2 decimals below 10.
  function compactMoney(v) {
    var a = Math.abs(v), unit = "", digits = 2;
    if (a >= 1e6) { v /= 1e6; unit = "M"; digits = 1; }
    else if (a >= 1e4) { v /= 1e3; unit = "k"; digits = 1; }
    else if (a >= 10) digits = 0;
    if (!axisFmt[digits]) {
      try {
        axisFmt[digits] = new Intl.NumberFormat("en-US", { style: "currency", currency: CUR, minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch (e) {
        axisFmt[digits] = { format: function (x) { return x.toFixed(digits) + " " + CUR; } };
      }
    }
    return axisFmt[digits].format(v) + unit;
  }

  function drawCost() {
    var node = document.getElementById("chart-cost");
    if (charts.cost) { charts.cost.destroy(); charts.cost = null; }
    if (!R.daily.length) return empty(node, "No cost in this window.");
    var days = [];
    var first = Date.parse(R.daily.reduce(function (m, d) { return d.day < m ? d.day : m; }, R.daily[0].day) + "T00:00:00Z");
    var last = Date.parse(R.daily.reduce(function (m, d) { return d.day > m ? d.day : m; }, R.daily[0].day) + "T00:00:00Z");
    for (var t = first, n = 0; t <= last && n < 1000; t += 86400000, n++) days.push(t / 1000);
    var index = {};
    days.forEach(function (d, i) { index[new Date(d * 1000).toISOString().slice(0, 10)] = i; });
    var raw = O.series.map(function () { return days.map(function () { return 0; }); });
    var pos = {};
    O.series.forEach(function (s, i) { pos[s.module === null ? "\u0000" : s.module] = i; });
    R.daily.forEach(function (d) {
      var si = pos[d.module == null ? "\u0000" : d.module];
      raw[si][index[d.day]] += d.cost;
    });
    var acc = days.map(function () { return 0; });
    var stacked = raw.map(function (vals) { return vals.map(function (v, i) { return (acc[i] += v); }); });
    var bands = [];
    for (var i = 1; i < stacked.length; i++) bands.push({ series: [i + 1, i] });
    var bars = uPlot.paths.bars({ size: [0.7, 56], gap: 1 });
    node.replaceChildren();
    charts.cost = new uPlot({
      width: width(node), height: 260,
      tzDate: utcDate,
      scales: { x: { time: true, range: function () { return [days[0] - 43200, days[days.length - 1] + 43200]; } }, y: { range: function (u, min, max) { return [0, uPlot.rangeNum(0, max || 1, 0.1, true)[1]]; } } },
      axes: [axis({ values: function (u, vals) { return vals.map(shortDay); } }),
             axis({ values: function (u, vals) { return vals.map(compactMoney); }, size: 70 })],
      legend: { live: true },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      bands: bands,
      series: [{ label: "Day", value: function (u, v) { return v == null ? "—" : new Date(v * 1000).toISOString().slice(0, 10); } }].concat(O.series.map(function (s, si) {
        return {
          label: s.label, stroke: s.color, fill: s.color + "CC", width: 0, paths: bars, points: { show: false },
          value: function (u, v, sidx, idx) { return idx == null ? "—" : money(raw[si][idx]); },
        };
      })),
    }, [days].concat(stacked), node);
  }

  function drawLatency(list) {
    var node = document.getElementById("chart-latency");
    if (charts.latency) { charts.latency.destroy(); charts.latency = null; }
    var pts = list.filter(function (x) { return x.r.startLatencySeconds != null; });
    if (!pts.length) return empty(node, runs.length ? "No start latency among the matching runs." : "No runs in this window.");
    pts.sort(function (a, b) { return a.t - b.t; });
    var xs = [], cols = {};
    var vs = variants.filter(function (v) { return pts.some(function (x) { return x.variant === v; }); });
    vs.forEach(function (v) { cols[v] = []; });
    pts.forEach(function (x) {
      xs.push(x.t / 1000);
      vs.forEach(function (v) { cols[v].push(v === x.variant ? x.r.startLatencySeconds : null); });
    });
    node.replaceChildren();
    charts.latency = new uPlot({
      width: width(node), height: 260,
      tzDate: utcDate,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, uPlot.rangeNum(0, max || 1, 0.1, true)[1]]; } } },
      axes: [axis({ values: function (u, vals) {
        var span = u.scales.x.max - u.scales.x.min;
        return vals.map(function (v) { return span > 2 * 86400 ? shortDay(v) : new Date(v * 1000).toISOString().slice(11, 16); });
      } }), axis({ values: function (u, vals) { return vals.map(function (v) { return v + " s"; }); }, size: 60 })],
      cursor: { drag: { x: true, y: false } },
      series: [{ label: "Created", value: function (u, v) { return v == null ? "—" : new Date(v * 1000).toISOString().slice(0, 16).replace("T", " "); } }].concat(vs.map(function (v) {
        return {
          label: v, stroke: variantColor[v], fill: variantColor[v], width: 0, paths: function () { return null; },
          points: { show: true, size: 5, width: 1, fill: variantColor[v] + "B0", stroke: variantColor[v] },
          value: function (u, y) { return y == null ? "—" : seconds(y); },
        };
      })),
    }, [xs].concat(vs.map(function (v) { return cols[v]; })), node);
  }

  function quantile(sorted, q) { return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]; }
  function latencySummary(list) {
    var body = document.getElementById("latency-summary"), frag = document.createDocumentFragment();
    variants.forEach(function (v) {
      var xs = list.filter(function (x) { return x.variant === v && x.r.startLatencySeconds != null; })
        .map(function (x) { return x.r.startLatencySeconds; }).sort(function (a, b) { return a - b; });
      if (!xs.length) return;
      var tr = el("tr");
      tr.setAttribute("data-variant", v);
      var name = cell(tr, null, null, null), dot = el("span", "swatch");
      dot.style.background = variantColor[v];
      name.appendChild(dot); name.appendChild(document.createTextNode(v));
      cell(tr, xs.length.toLocaleString("en-US"), "num", null);
      cell(tr, seconds(quantile(xs, 0.5)), "num", null);
      cell(tr, seconds(quantile(xs, 0.9)), "num", null);
      cell(tr, seconds(xs[xs.length - 1]), "num", null);
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
  }

  function update(redrawLatency) {
    var list = matching();
    // The chart reads its width (a layout) before the table changes, so a big table is laid out once, not
    // once for the read and again for the paint.
    if (redrawLatency !== false) { drawLatency(list); latencySummary(list); }
    renderTable(list);
  }
  [fDag, fMod, fFrom, fTo].forEach(function (i) { i.addEventListener("change", function () { showAll = false; update(); }); });
  document.getElementById("f-reset").addEventListener("click", function () {
    fDag.value = ""; fMod.value = ""; fFrom.value = ""; fTo.value = ""; showAll = false; update();
  });

  function drawAll() { drawCost(); update(); }
  drawAll();
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      ["cost", "latency"].forEach(function (k) {
        var c = charts[k];
        if (c) c.setSize({ width: width(c.root.parentNode), height: 260 });
      });
    }, 100);
  });
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", drawAll);
  }
  // Marks the page as drawn once the charts' first frame is painted: tests and bench/ui.ts wait for it.
  requestAnimationFrame(function () {
    window.__readyAt = performance.now();
    window.__ready = true;
    document.documentElement.setAttribute("data-ready", "true");
  });
})();
`;
