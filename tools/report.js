// The script of the HTML report (tools/report.py copies it next to index.html). It reads the data that
// report.py embedded (#nnsimd-data), draws the history and cross-machine charts for the picked machine,
// kernel and dtype with Chart.js, lists what the report holds (#summary), and then writes what Chart.js
// holds (Chart.instances) into #chart-state, for tests/tools/test_report.py.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("nnsimd-data").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const pct = (v) => (v === null || v === undefined ? "-" : (100 * v).toFixed(v < 0.1 ? 1 : 0) + "%");
  const times = (v) => (v === null || v === undefined ? "-" : v.toFixed(v < 10 ? 2 : 1) + "×");
  // a log axis labelled at 1, 2 and 5 of each decade only (Chart.js labels every tick it places)
  const logTick = (fmt) => (v) => {
    const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt(v) : "";
  };
  const parseName = (n) => {
    const p = n.split("/");
    return { kernel: p[0], dtype: p[1], impl: p[2], shape: p.slice(3).join("/") };
  };
  const ISAS = data.isas;
  // scalar, autovec_<isa>, <isa>, <isa>_t<N>, peers: the order of tools/nnsimd_results.py impl_order
  const implKey = (impl) => {
    const m = /^([a-z0-9]+?)(?:_t(\d+))?$/.exec(impl);
    if (impl === "scalar") return [0, 0, 0, impl];
    if (impl.startsWith("autovec_")) return [1, ISAS.indexOf(impl.slice(8)), 1, impl];
    if (impl.startsWith("peer_")) return [3, 9, 1, impl];
    if (m && ISAS.includes(m[1])) return [2, ISAS.indexOf(m[1]), Number(m[2] || 1), impl];
    return [4, 9, 1, impl];
  };
  const cmpKey = (a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
  };
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];

  // --- selection ------------------------------------------------------------------------------------
  const state = {};
  const fromHash = () => {
    const out = {};
    for (const kv of location.hash.slice(1).split("&")) {
      const i = kv.indexOf("=");
      if (i > 0) out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    }
    return out;
  };
  const machineById = (id) => data.machines.find((m) => m.machine === id);
  const kernelsOf = (m) => {
    const seen = new Set(Object.keys(m.series).map((n) => parseName(n).kernel));
    return data.kernels.filter((k) => seen.has(k)).concat([...seen].filter((k) => !data.kernels.includes(k)).sort());
  };
  const dtypesOf = (m, kernel) =>
    [...new Set(Object.keys(m.series).map(parseName).filter((p) => p.kernel === kernel).map((p) => p.dtype))].sort();
  const fill = (sel, options, value) => {
    sel.replaceChildren(...options.map((o) => el("option", { value: o }, o)));
    sel.value = options.includes(value) ? value : options[0];
    return sel.value;
  };
  const choose = (wanted) => {
    state.machine = fill($("pick-machine"), data.machines.map((m) => m.machine), wanted.machine);
    const m = machineById(state.machine);
    state.kernel = fill($("pick-kernel"), kernelsOf(m), wanted.kernel);
    state.dtype = fill($("pick-dtype"), dtypesOf(m, state.kernel), wanted.dtype);
  };

  // --- charts ---------------------------------------------------------------------------------------
  // Marks the detected steps: a dashed vertical line at each step's run (options.plugins.steps.indices).
  const stepLines = {
    id: "steps",
    afterDatasetsDraw(chart, _args, opts) {
      const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      for (const i of (opts && opts.indices) || []) {
        const px = x.getPixelForValue(i);
        ctx.save();
        ctx.strokeStyle = "#b00";
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillStyle = "#b00";
        ctx.font = "10px sans-serif";
        ctx.fillText("step", px + 3, area.top + 10);
        ctx.restore();
      }
    },
  };
  Chart.register(stepLines);

  const destroyAll = () => Object.values(Chart.instances).forEach((c) => c.destroy());

  const card = (parent, title, id) => {
    const c = el("div", { class: "card" });
    c.appendChild(el("h3", {}, title));
    const canvas = el("canvas", { id: id, height: "230" });
    c.appendChild(canvas);
    parent.appendChild(c);
    return [c, canvas];
  };

  const renderHistory = (m) => {
    const box = $("history");
    box.replaceChildren();
    $("history-title").textContent = `History: ${m.machine}, ${state.kernel} ${state.dtype}`;
    const pts = m.points;
    const few = pts.length < data.min_points;
    $("history-note").textContent =
      `${pts.length} run${pts.length === 1 ? "" : "s"}; ceiling model ${m.model}; run-to-run noise ` +
      `${m.noise === null ? "not measured" : pct(m.noise)}. ` +
      (few ? `Too few points to decide on steps (${data.min_points} runs needed).` : "Steps marked where found.");
    const byShape = new Map();
    for (const [name, s] of Object.entries(m.series)) {
      const p = parseName(name);
      if (p.kernel !== state.kernel || p.dtype !== state.dtype) continue;
      if (!byShape.has(p.shape)) byShape.set(p.shape, []);
      byShape.get(p.shape).push([p.impl, s]);
    }
    let n = 0;
    for (const [shape, rows] of byShape) {
      rows.sort((a, b) => cmpKey(implKey(a[0]), implKey(b[0])));
      const [c, canvas] = card(box, `${state.kernel} ${state.dtype} ${shape}`, `history-${n++}`);
      const stepAt = new Set();
      const datasets = rows.map(([impl, s], i) => {
        const at = new Set(s.steps.map((st) => st.index));
        at.forEach((i2) => stepAt.add(i2));
        return {
          label: impl, data: s.values, borderColor: COLORS[i % COLORS.length],
          backgroundColor: COLORS[i % COLORS.length], spanGaps: true, borderWidth: 1.5,
          pointStyle: s.values.map((_, j) => (at.has(j) ? "triangle" : "circle")),
          pointRadius: s.values.map((_, j) => (at.has(j) ? 7 : 3)),
        };
      });
      new Chart(canvas, {
        type: "line",
        data: { labels: pts.map((p) => p.commit), datasets },
        options: {
          animation: false, responsive: true, interaction: { mode: "nearest", intersect: false },
          scales: { y: { type: "logarithmic", title: { display: true, text: "fraction of own roof" },
                         ticks: { callback: logTick(pct) } } },
          plugins: {
            title: { display: false, text: `${state.kernel} ${state.dtype} ${shape}` },
            steps: { indices: [...stepAt] },
            legend: { labels: { boxWidth: 10, font: { size: 10 } } },
            tooltip: { callbacks: {
              title: (items) => {
                const p = pts[items[0].dataIndex];
                return `${p.commit}  ${p.date}  host ${p.host || "-"}  (${p.mode || "-"})`;
              },
              label: (it) => `${it.dataset.label}: ${pct(it.raw)} of roof`,
            } },
          },
        },
      });
      const stepped = rows.filter(([, s]) => s.steps.length);
      if (stepped.length) {
        const ul = el("ul", { class: "steps" });
        for (const [impl, s] of stepped)
          for (const st of s.steps)
            ul.appendChild(el("li", {}, `${impl}: step at ${st.commit} (after ${st.after_commit}): ` +
                                           `${pct(st.before)} → ${pct(st.after)} (×${st.ratio})`));
        c.appendChild(ul);
      }
    }
    if (!n) box.appendChild(el("p", { class: "note" }, "No benchmark of this kernel and dtype on this machine."));
  };

  const renderSteps = (m) => {
    const box = $("steps");
    box.replaceChildren();
    const rows = [];
    for (const [name, s] of Object.entries(m.series)) for (const st of s.steps) rows.push([st.index, name, st]);
    rows.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    if (!rows.length) {
      box.appendChild(el("p", { class: "note" }, m.points.length < data.min_points
        ? `${m.machine}: too few points to decide (${m.points.length} run${m.points.length === 1 ? "" : "s"}, ${data.min_points} needed).`
        : `${m.machine}: no step found.`));
      return;
    }
    const det = el("details");
    det.appendChild(el("summary", {}, `${m.machine}: ${rows.length} steps at ${new Set(rows.map((r) => r[2].commit)).size} commits`));
    const t = el("table", { id: "steps-table" });
    t.appendChild(el("tr")).append(...["commit", "after", "benchmark", "before", "after", "ratio"].map((h) => el("th", {}, h)));
    for (const [, name, st] of rows)
      t.appendChild(el("tr")).append(...[st.commit, st.after_commit, name, pct(st.before), pct(st.after), "×" + st.ratio]
        .map((v) => el("td", {}, v)));
    det.appendChild(t);
    box.appendChild(det);
  };

  const renderCross = () => {
    const box = $("cross");
    box.replaceChildren();
    const x = data.cross;
    $("cross-title").textContent = `Across machines: ${state.kernel} ${state.dtype}`;
    if (!x) {
      $("cross-note").textContent = "No runs to compare.";
      return;
    }
    const rows = x.rows.filter((r) => r.kernel === state.kernel && r.dtype === state.dtype);
    $("cross-note").textContent =
      `Each machine's latest full run (${x.machines.map((m) => `${m.label}: ${m.commit}`).join(", ")}); one thread, ` +
      `our code per ISA, geometric mean over the shapes the machines share; ceiling model ${x.model} (${x.model_doc}).`;
    if (!rows.length) {
      box.appendChild(el("p", { class: "note" }, "No machine ran this kernel and dtype in its latest full run."));
      return;
    }
    x.metrics.forEach(([metric, short, long], k) => {
      const [c, canvas] = card(box, long, `cross-${metric}`);
      const unmeasured = x.machines.filter((m) => !m.measured).map((m) => m.label);
      if (metric === "roof" && unmeasured.length)
        c.appendChild(el("p", { class: "note" },
          `${unmeasured.join(", ")}: not measured under the ${x.model} model (its run predates those ceilings).`));
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map((r) => r.isa),
          datasets: x.machines.map((m, i) => ({
            label: m.label, data: rows.map((r) => r[metric][i]), backgroundColor: COLORS[i % COLORS.length],
          })),
        },
        options: {
          animation: false, responsive: true,
          scales: { y: { type: metric === "roof" ? "linear" : "logarithmic",
                         ticks: { callback: metric === "roof" ? pct : logTick((v) => v + "×") } } },
          plugins: {
            title: { display: false, text: long },
            tooltip: { callbacks: { label: (it) => {
              const m = x.machines[it.datasetIndex];
              const v = it.raw === null ? (metric === "roof" && !m.measured ? "not measured" : "-")
                : (metric === "roof" ? pct(it.raw) : times(it.raw));
              return `${m.label} (${m.id}, ${m.commit}): ${v}`;
            } } },
          },
        },
      });
    });
  };

  const renderSummary = () => {
    const box = $("summary");
    box.replaceChildren();
    const t = el("table", { id: "machines" });
    t.appendChild(el("tr")).append(...["machine", "CPU", "runs", "ceiling model", "noise", "benchmarks", "steps"]
      .map((h) => el("th", {}, h)));
    for (const m of data.machines) {
      const steps = Object.values(m.series).reduce((a, s) => a + s.steps.length, 0);
      const cpu = m.points.length ? `${m.points[m.points.length - 1].cpu} ${m.points[m.points.length - 1].uarch}` : "";
      const tr = t.appendChild(el("tr", { class: "machine", "data-machine": m.machine }));
      tr.append(...[m.machine, cpu, m.points.length, m.model, pct(m.noise), Object.keys(m.series).length,
        m.points.length < data.min_points ? "too few points" : steps].map((v) => el("td", {}, String(v))));
    }
    box.appendChild(t);
    for (const m of data.machines) {
      box.appendChild(el("h3", {}, m.machine));
      const ul = el("ul", { class: "runs", "data-machine": m.machine });
      for (const p of m.points)
        ul.appendChild(el("li", { class: "run", "data-commit": p.commit, "data-date": p.date, "data-host": p.host, "data-run": p.run },
          `${p.commit} ${p.date} host ${p.host || "-"} ${p.mode || ""}: ${p.run}`));
      box.appendChild(ul);
      const det = el("details");
      det.appendChild(el("summary", {}, `${Object.keys(m.series).length} benchmarks`));
      const bl = el("ul", { class: "benchmarks", "data-machine": m.machine });
      for (const [name, s] of Object.entries(m.series)) bl.appendChild(el("li", { "data-status": s.status }, name));
      det.appendChild(bl);
      box.appendChild(det);
    }
  };

  const writeState = () => {
    const charts = Object.values(Chart.instances).map((c) => ({
      id: c.canvas.id, type: c.config.type, title: (c.options.plugins.title || {}).text || "",
      labels: c.data.labels.slice(), datasets: c.data.datasets.map((d) => d.label),
    }));
    $("chart-state").textContent = JSON.stringify({ machine: state.machine, kernel: state.kernel, dtype: state.dtype, charts });
    $("status").textContent = `${charts.length} charts`;
    document.body.setAttribute("data-rendered", "yes");
  };

  const render = () => {
    destroyAll();
    const m = machineById(state.machine);
    renderHistory(m);
    renderSteps(m);
    renderCross();
    writeState();
    const h = "#" + ["machine", "kernel", "dtype"].map((k) => `${k}=${encodeURIComponent(state[k])}`).join("&");
    if (location.hash !== h) history.replaceState(null, "", h);
  };

  choose(fromHash());
  renderSummary();
  render();
  $("pick-machine").addEventListener("change", () => {
    choose({ machine: $("pick-machine").value, kernel: state.kernel, dtype: state.dtype });
    render();
  });
  $("pick-kernel").addEventListener("change", () => {
    choose({ machine: state.machine, kernel: $("pick-kernel").value, dtype: state.dtype });
    render();
  });
  $("pick-dtype").addEventListener("change", () => { state.dtype = $("pick-dtype").value; render(); });
})();
