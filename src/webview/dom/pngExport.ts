/**
 * A chart as a PNG data URL for the host to save: the canvas on the theme's background (a bare canvas is transparent
 * and unreadable on the other theme), under the chart's title and its legend (drawn in the DOM on the page, so
 * repeated here with each line's dash and colour).
 */
import type { LegendEntry } from './legend';
import { DASH_PATTERNS } from './theme';
import type { Theme } from './theme';

export function chartPng(canvas: HTMLCanvasElement, title: string, legend: readonly LegendEntry[], theme: Theme): string {
  const scale = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const padding = Math.round(10 * scale);
  const titleHeight = Math.round(24 * scale);
  const rowHeight = Math.round(18 * scale);
  const output = document.createElement('canvas');
  const context = output.getContext('2d');
  if (context === null) return canvas.toDataURL('image/png');
  const width = canvas.width + 2 * padding;
  const legendFont = `${Math.round(Math.max(10, theme.fontSize - 1) * scale)}px ${theme.fontFamily}`;

  // Lay the legend out in rows first: the canvas height depends on how many.
  context.font = legendFont;
  const swatch = Math.round(28 * scale);
  const gap = Math.round(14 * scale);
  const placed: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = padding;
  let row = 0;
  for (const entry of legend) {
    const itemWidth = swatch + Math.round(5 * scale) + context.measureText(entry.label).width;
    if (x > padding && x + itemWidth > width - padding) {
      row++;
      x = padding;
    }
    placed.push({ entry, x, row });
    x += itemWidth + gap;
  }
  const legendHeight = legend.length === 0 ? 0 : (row + 1) * rowHeight + Math.round(4 * scale);

  output.width = width;
  output.height = canvas.height + titleHeight + legendHeight + 2 * padding;
  context.fillStyle = theme.background;
  context.fillRect(0, 0, output.width, output.height);
  context.fillStyle = theme.foreground;
  context.font = `600 ${Math.round(14 * scale)}px ${theme.fontFamily}`;
  context.textBaseline = 'middle';
  context.fillText(title, padding, padding + titleHeight / 2);

  context.font = legendFont;
  for (const { entry, x: left, row: line } of placed) {
    const middle = padding + titleHeight + line * rowHeight + rowHeight / 2;
    context.strokeStyle = entry.color;
    context.fillStyle = entry.color;
    context.lineWidth = 2 * scale;
    if (entry.marker === 'bar' || entry.marker === 'hatched-bar') {
      context.globalAlpha = entry.marker === 'bar' ? 0.75 : 0.35;
      context.fillRect(left + swatch / 4, middle - 5 * scale, swatch / 2, 10 * scale);
      context.globalAlpha = 1;
      context.strokeRect(left + swatch / 4, middle - 5 * scale, swatch / 2, 10 * scale);
    } else {
      context.setLineDash(DASH_PATTERNS[entry.dash].map((length) => length * scale));
      context.beginPath();
      context.moveTo(left, middle);
      context.lineTo(left + swatch, middle);
      context.stroke();
      context.setLineDash([]);
      context.beginPath();
      context.arc(left + swatch / 2, middle, 3 * scale, 0, 2 * Math.PI);
      context.fill();
    }
    context.fillStyle = theme.foreground;
    context.fillText(entry.label, left + swatch + 5 * scale, middle);
  }
  context.drawImage(canvas, padding, padding + titleHeight + legendHeight);
  return output.toDataURL('image/png');
}
