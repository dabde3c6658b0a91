/**
 * A legend in the DOM rather than on the canvas: each entry shows the line's dash and marker (series differ by more
 * than colour), is a toggle button screen readers can reach, and wraps like text.
 */
import type { Dash, Marker } from '../model/types';
import { DASH_PATTERNS } from './theme';
import { element } from './elements';

export interface LegendEntry {
  key: string;
  label: string;
  color: string;
  dash: Dash;
  marker: Marker | 'bar' | 'hatched-bar';
  hidden: boolean;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** A 28 × 12 swatch: the line with its dash pattern and the marker in the middle. */
export function swatch(entry: Pick<LegendEntry, 'color' | 'dash' | 'marker'>): SVGSVGElement {
  const root = svg('svg', { width: 28, height: 12, viewBox: '0 0 28 12', 'aria-hidden': 'true', class: 'swatch' });
  if (entry.marker === 'bar' || entry.marker === 'hatched-bar') {
    root.append(
      svg('rect', {
        x: 8,
        y: 1,
        width: 12,
        height: 10,
        fill: entry.color,
        'fill-opacity': entry.marker === 'bar' ? 0.75 : 0.3,
        stroke: entry.color,
      }),
    );
    if (entry.marker === 'hatched-bar') {
      for (const offset of [0, 4, 8])
        root.append(svg('line', { x1: 8 + offset, y1: 11, x2: 12 + offset, y2: 1, stroke: entry.color, 'stroke-width': 1.5 }));
    }
    return root;
  }
  root.append(
    svg('line', {
      x1: 1,
      y1: 6,
      x2: 27,
      y2: 6,
      stroke: entry.color,
      'stroke-width': 2,
      'stroke-dasharray': DASH_PATTERNS[entry.dash].join(' ') || 'none',
    }),
  );
  root.append(markerShape(entry.marker, entry.color));
  return root;
}

function markerShape(marker: Marker, color: string): SVGElement {
  const common = { fill: color, stroke: color, 'stroke-width': 1.5 };
  switch (marker) {
    case 'circle':
      return svg('circle', { cx: 14, cy: 6, r: 3, ...common });
    case 'triangle':
      return svg('polygon', { points: '14,2.5 17.5,9 10.5,9', ...common });
    case 'rect':
      return svg('rect', { x: 11, y: 3, width: 6, height: 6, ...common });
    case 'rectRounded':
      return svg('rect', { x: 11, y: 3, width: 6, height: 6, rx: 2, ...common });
    case 'rectRot':
      return svg('polygon', { points: '14,2 18,6 14,10 10,6', ...common });
    case 'star':
      return svg('polygon', { points: '14,2 15.2,5 18.5,5.2 16,7.3 16.8,10.5 14,8.7 11.2,10.5 12,7.3 9.5,5.2 12.8,5', ...common });
    case 'crossRot':
      return svg('path', { d: 'M11 3 L17 9 M17 3 L11 9', ...common, fill: 'none' });
    case 'cross':
      return svg('path', { d: 'M14 2.5 L14 9.5 M10.5 6 L17.5 6', ...common, fill: 'none' });
  }
}

/** Rebuilds the legend when its entries changed; clicking an entry calls `onToggle` with its key. */
export function renderLegend(list: HTMLUListElement, entries: readonly LegendEntry[], onToggle?: (key: string) => void): void {
  const signature = JSON.stringify(entries);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...entries.map((entry) => {
      const content = [swatch(entry), element('span', { text: entry.label })];
      if (onToggle === undefined) return element('li', { className: 'legend-item' }, content);
      const button = element(
        'button',
        {
          className: 'legend-toggle',
          attributes: { type: 'button', 'aria-pressed': String(!entry.hidden), title: `Show or hide ${entry.label}` },
        },
        content,
      );
      button.addEventListener('click', () => onToggle(entry.key));
      return element('li', { className: `legend-item${entry.hidden ? ' is-hidden' : ''}` }, [button]);
    }),
  );
}
