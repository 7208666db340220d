// The page script of the report (plain browser JavaScript, inlined after uPlot): reads the chart payloads from
// the JSON block, builds one uPlot per chart, keeps the charts as wide as their boxes and narrows them for print.
// Chart logic that can run in Node (alignment, colours, cleaning) lives in chart-payload.ts, not here.
// A chart that fails to build says so in its box and on the console, so the browser test sees it.

export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var AXIS = { stroke: '#333', grid: { stroke: '#e4e4e4', width: 1 }, ticks: { stroke: '#c8c8c8', width: 1 } };
  var FONT = '12px system-ui, sans-serif';

  function fmt(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }

  function axis(extra) {
    var out = { stroke: AXIS.stroke, grid: AXIS.grid, ticks: AXIS.ticks, font: FONT, labelFont: 'bold ' + FONT };
    for (var k in extra) out[k] = extra[k];
    return out;
  }

  function scale(log, range) {
    var s = { time: false, distr: log ? 3 : 1, log: 10 };
    if (range) s.range = [range[0], range[1]];
    return s;
  }

  function diagonalHook(p) {
    return function (u) {
      var sx = u.scales.x, sy = u.scales.y;
      var lo = Math.max(sx.min, sy.min), hi = Math.min(sx.max, sy.max);
      if (!(hi > lo)) return;
      var ctx = u.ctx, b = u.bbox, steps = 64;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      ctx.beginPath();
      ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.strokeStyle = '#8a8a8a';
      ctx.lineWidth = devicePixelRatio;
      for (var i = 0; i <= steps; i++) {
        var t = i / steps;
        var v = (p.xLog || p.yLog) && lo > 0 ? lo * Math.pow(hi / lo, t) : lo + (hi - lo) * t;
        var px = u.valToPos(v, 'x', true), py = u.valToPos(v, 'y', true);
        if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      }
      ctx.stroke();
      ctx.restore();
    };
  }

  function lineOptions(p) {
    var data = [p.x];
    var series = [{ label: p.xLabel, value: function (u, v) { return fmt(v); } }];
    p.series.forEach(function (s) {
      var ys = Array.from({ length: p.x.length });
      for (var i = 0; i < s.slots.length; i++) ys[s.slots[i]] = s.y[i];
      data.push(ys);
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.width,
        dash: s.dash || [],
        points: s.points ? { show: true, size: 7, fill: s.color, stroke: s.color } : { show: false },
        value: function (u, v) { return fmt(v); },
      });
    });
    var hooks = { setSeries: [function (u, i, opts) {
      if (opts.show == null || i == null) return;
      p.series.forEach(function (s, j) { if (s.bandEdgeOf === i - 1) u.setSeries(j + 1, { show: opts.show }, false); });
    }] };
    if (p.diagonal) hooks.drawAxes = [diagonalHook(p)];
    return {
      data: data,
      opts: {
        series: series,
        bands: p.bands.map(function (b) { return { series: [b.upper + 1, b.lower + 1], fill: b.fill }; }),
        scales: { x: scale(p.xLog, p.xRange), y: scale(p.yLog, p.yRange) },
        axes: [axis({ label: p.xLabel }), axis({ label: p.yLabel })],
        hooks: hooks,
      },
    };
  }

  function textWidth(texts) {
    var ctx = document.createElement('canvas').getContext('2d');
    ctx.font = FONT;
    return texts.reduce(function (w, t) { return Math.max(w, ctx.measureText(t).width); }, 0);
  }

  // bars grow from 0: the range holds 0 and the data, with a little room at the open end(s)
  function barRange(u, lo, hi) {
    var min = Math.min(0, lo) * 1.08, max = Math.max(0, hi) * 1.08;
    return min === max ? [0, 1] : [min, max];
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + '…' : text;
  }

  function barOptions(p) {
    var n = p.categories.length, groupWidth = 0.8, barWidth = groupWidth / p.series.length;
    var x = p.categories.map(function (_, i) { return i; });
    var series = [{ label: 'category', value: function (u, v) { return v == null ? '–' : p.categories[v]; } }];
    p.series.forEach(function (s, j) {
      var x0 = x.map(function (i) { return i - groupWidth / 2 + j * barWidth; });
      series.push({
        label: s.label,
        stroke: s.color,
        fill: s.color,
        width: 0,
        points: { show: false },
        value: function (u, v) { return fmt(v); },
        paths: uPlot.paths.bars({
          disp: {
            x0: { unit: 1, values: function () { return x0; } },
            size: { unit: 1, values: function () { return x.map(function () { return barWidth * 0.92; }); } },
          },
        }),
      });
    });
    var labelSize = Math.min(260, Math.ceil(textWidth(p.categories)) + 18);
    var categoryAxis = axis({
      splits: function () { return x; },
      values: function (u, splits) { return splits.map(function (i) { return p.categories[i] == null ? '' : p.categories[i]; }); },
      grid: { show: false },
      side: p.horizontal ? 3 : 2,
    });
    // long category names: to the side when horizontal, slanted under vertical bars
    if (p.horizontal) categoryAxis.size = labelSize;
    else if (labelSize > 90) {
      // slanted down to the left so each name ends at its group (the y axis leaves room on that side), shortened (the legend shows the whole name)
      categoryAxis.values = function (u, splits) { return splits.map(function (i) { return p.categories[i] == null ? '' : shorten(p.categories[i], 28); }); };
      categoryAxis.rotate = 30;
      categoryAxis.size = Math.ceil(Math.min(labelSize, textWidth(p.categories.map(function (c) { return shorten(c, 28); }))) * 0.5) + 24;
    }
    return {
      data: [x].concat(p.series.map(function (s) { return s.values; })),
      opts: {
        series: series,
        scales: {
          x: { time: false, ori: p.horizontal ? 1 : 0, dir: p.horizontal ? -1 : 1, range: [-0.5, n - 0.5] },
          y: { ori: p.horizontal ? 0 : 1, range: barRange },
        },
        axes: [categoryAxis, axis({ label: p.yLabel, side: p.horizontal ? 2 : 3 })],
        cursor: { points: { show: false } },
      },
    };
  }

  function heightOf(p) {
    return p.kind === 'bar' && p.horizontal ? Math.max(180, 70 + p.categories.length * 22 * Math.max(1, p.series.length * 0.6)) : 300;
  }

  function build(p) {
    var box = document.getElementById('chart-' + p.id);
    var plot = box.querySelector('.chart-plot');
    var built = p.kind === 'line' ? lineOptions(p) : barOptions(p);
    var opts = built.opts;
    opts.width = Math.max(240, plot.clientWidth);
    opts.height = heightOf(p);
    opts.legend = { live: true, markers: { dash: function (u, i) { var d = u.series[i].dash; return d && d.length ? 'dashed' : 'solid'; } } };
    var u = new uPlot(opts, built.data, plot);
    if (p.kind === 'line') {
      var rows = u.root.querySelectorAll('.u-legend .u-series');
      p.series.forEach(function (s, j) { if (s.bandEdgeOf !== null && rows[j + 1]) rows[j + 1].style.display = 'none'; });
    }
    box.setAttribute('data-chart-ready', 'true');
    return { u: u, plot: plot, height: opts.height };
  }

  function fail(p, e) {
    var box = document.getElementById('chart-' + p.id);
    if (box) {
      var msg = document.createElement('p');
      msg.className = 'chart-error';
      msg.textContent = 'This chart could not be drawn: ' + (e && e.message ? e.message : String(e));
      box.appendChild(msg);
    }
    console.error('chart ' + p.id + ' failed: ' + (e && e.stack ? e.stack : e));
  }

  var payloads = JSON.parse(document.getElementById('report-charts').textContent);
  var charts = [];
  payloads.forEach(function (p) {
    try { charts.push(build(p)); } catch (e) { fail(p, e); }
  });

  function fit(width) {
    charts.forEach(function (c) {
      var w = Math.max(240, Math.floor(width == null ? c.plot.clientWidth : Math.min(width, c.plot.clientWidth)));
      if (w !== c.u.width) c.u.setSize({ width: w, height: c.height });
    });
  }
  if (typeof ResizeObserver === 'function') {
    var pending = false;
    var observer = new ResizeObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; fit(null); });
    });
    charts.forEach(function (c) { observer.observe(c.plot); });
  }
  window.addEventListener('beforeprint', function () { fit(640); });
  window.addEventListener('afterprint', function () { fit(null); });
  document.body.setAttribute('data-charts-ready', String(charts.length));
})();
`;
