// What the browser check reads from each chart's canvas: how many pixels are painted at all (axes, grid, text,
// series) and, per visible series, how many opaque pixels are nearest to that series' colour. A series that was
// not drawn leaves none: axes and grid are grey, band fills are translucent, and the colours are far apart.

export interface ChartCheck {
  id: string;
  kind: 'line' | 'bar';
  /** canvas pixels with any paint */
  paintedPixels: number;
  /** per series shown in the legend (band edges excluded) */
  series: { label: string; color: string; pixels: number }[];
  /** every series left pixels of its colour */
  drawn: boolean;
  /** the message the page script put in the chart's box, if it could not build the chart */
  error: string | null;
}

/** Evaluated in the page (a plain browser expression); reads the payloads from the report's JSON block. */
export const CHART_CHECK_SCRIPT = `(() => {
  const MIN_ALPHA = 64, MAX_DISTANCE = 60;
  const rgb = (hex) => { const n = parseInt(hex.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
  const payloads = JSON.parse(document.getElementById('report-charts').textContent);
  return payloads.map((p) => {
    const box = document.getElementById('chart-' + p.id);
    const errorBox = box ? box.querySelector('.chart-error') : null;
    const shown = p.kind === 'line' ? p.series.filter((s) => s.bandEdgeOf === null) : p.series;
    const series = shown.map((s) => ({ label: s.label, color: s.color, pixels: 0 }));
    const canvas = box ? box.querySelector('canvas') : null;
    let painted = 0;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const colours = series.map((s) => rgb(s.color));
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        const a = px[i + 3];
        if (a === 0) continue;
        painted++;
        if (a < MIN_ALPHA) continue;
        let best = -1, bestDistance = MAX_DISTANCE + 1;
        for (let k = 0; k < colours.length; k++) {
          const c = colours[k];
          const d = Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]);
          if (d < bestDistance) { best = k; bestDistance = d; }
        }
        if (best >= 0) series[best].pixels++;
      }
    }
    return {
      id: p.id,
      kind: p.kind,
      paintedPixels: painted,
      series,
      drawn: series.length > 0 && series.every((s) => s.pixels > 0),
      error: errorBox ? errorBox.textContent : null,
    };
  });
})()`;
