/**
 * A chart as a PNG data URL for the host to save: the canvas drawn on the theme's background (a bare canvas is
 * transparent and unreadable on the other theme) under the chart's title.
 */
import type { Theme } from './theme';

export function chartPng(canvas: HTMLCanvasElement, title: string, theme: Theme): string {
  const scale = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const titleHeight = Math.round(28 * scale);
  const padding = Math.round(8 * scale);
  const output = document.createElement('canvas');
  output.width = canvas.width + 2 * padding;
  output.height = canvas.height + titleHeight + 2 * padding;
  const context = output.getContext('2d');
  if (context === null) return canvas.toDataURL('image/png');
  context.fillStyle = theme.background;
  context.fillRect(0, 0, output.width, output.height);
  context.fillStyle = theme.foreground;
  context.font = `600 ${Math.round(14 * scale)}px ${theme.fontFamily}`;
  context.textBaseline = 'middle';
  context.fillText(title, padding, padding + titleHeight / 2);
  context.drawImage(canvas, padding, padding + titleHeight);
  return output.toDataURL('image/png');
}
