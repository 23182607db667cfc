// Draws the charts of the Noise and What-if pages with uPlot from the
// data-chart JSON each chart element carries (the same numbers are in a
// table on the page). Every drawn chart is kept in window.alertgateCharts.
(function () {
  "use strict";
  if (typeof uPlot === "undefined") return;
  var palette = ["#2f6fdf", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a", "#1098ad", "#f59f00", "#495057"];
  var charts = window.alertgateCharts = [];
  var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : null;

  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    if (!spec.x || !spec.x.length) return;
    // Bars stack: each series is drawn as the running total up to it,
    // the tallest first, so every band shows; the legend shows the
    // series' own value.
    var raw = spec.values || [];
    var data = [spec.x];
    var series = [{}];
    var sums = spec.x.map(function () { return 0; });
    raw.forEach(function (vals, i) {
      var color = palette[i % palette.length];
      var s = { label: spec.names[i], stroke: color, width: 2 };
      if (spec.kind === "bars") {
        sums = sums.map(function (acc, j) { return acc + (vals[j] || 0); });
        data.push(sums.slice());
        s.fill = color + "bb";
        s.paths = bars;
        s.points = { show: false };
        s.value = function (u, v, si, di) { return di == null ? "--" : (raw[si - 1][di] || 0); };
      } else {
        data.push(vals);
        s.spanGaps = true;
        s.points = { show: true, size: 6 };
      }
      series.push(s);
    });
    if (spec.kind === "bars") {
      data = [data[0]].concat(data.slice(1).reverse());
      series = [series[0]].concat(series.slice(1).reverse());
      raw = raw.slice().reverse();
    }
    var xs = spec.x;
    var pad = xs.length > 1 ? 0 : 3600;
    var width = function () { return Math.max(280, el.clientWidth || 600); };
    var opts = {
      title: "",
      width: width(),
      height: 260,
      series: series,
      scales: { x: { time: true, range: function (u, min, max) { return [min - pad, max + pad]; } } },
      axes: [{}, { label: spec.unit || "" }],
      legend: { live: true }
    };
    el.textContent = "";
    var u = new uPlot(opts, data, el);
    u.alertgateID = spec.id;
    u.alertgateRaw = spec.values;
    charts.push(u);
    window.addEventListener("resize", function () { u.setSize({ width: width(), height: 260 }); });
  });
})();
