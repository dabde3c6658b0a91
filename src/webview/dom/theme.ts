/**
 * Colours and fonts from the VS Code theme: the `--vscode-*` CSS variables the webview host sets on <html>, with the
 * `charts.*` tokens for series. Read again whenever the theme changes (body class or <html> style).
 */
import type { ColorToken, Dash } from '../model/types';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  colors: Record<ColorToken, string>;
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  fontFamily: string;
  fontSize: number;
  /** Thicker lines and no transitions in high contrast. */
  lineWidth: number;
}

const FALLBACK_DARK: Record<ColorToken, string> = {
  blue: '#3794ff',
  red: '#f14c4c',
  yellow: '#cca700',
  orange: '#d18616',
  green: '#89d185',
  purple: '#b180d7',
  foreground: '#cccccc',
  lines: 'rgba(128, 128, 128, 0.5)',
};

export function themeKind(body: HTMLElement): ThemeKind {
  if (body.classList.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (body.classList.contains('vscode-high-contrast')) return 'high-contrast';
  if (body.classList.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const variable = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const kind = themeKind(document.body);
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const foreground = variable('--vscode-charts-foreground', variable('--vscode-foreground', FALLBACK_DARK.foreground));
  // Series colours are made opaque: some themes define them translucent (Dark Modern's charts.orange is
  // rgba(234, 92, 0, 0.33)), which leaves a thin line nearly invisible. The hue stays the theme's.
  const series = (name: string, fallback: string) => opaque(variable(name, fallback));
  const colors: Record<ColorToken, string> = {
    blue: series('--vscode-charts-blue', FALLBACK_DARK.blue),
    red: series('--vscode-charts-red', FALLBACK_DARK.red),
    yellow: series('--vscode-charts-yellow', FALLBACK_DARK.yellow),
    orange: series('--vscode-charts-orange', FALLBACK_DARK.orange),
    green: series('--vscode-charts-green', FALLBACK_DARK.green),
    purple: series('--vscode-charts-purple', FALLBACK_DARK.purple),
    foreground: opaque(foreground),
    lines: variable('--vscode-charts-lines', FALLBACK_DARK.lines),
  };
  return {
    kind,
    colors,
    foreground,
    muted: variable('--vscode-descriptionForeground', foreground),
    background: variable('--vscode-editor-background', kind === 'light' ? '#ffffff' : '#1e1e1e'),
    grid: highContrast ? variable('--vscode-contrastBorder', colors.lines) : withAlpha(colors.lines, 0.35),
    fontFamily: variable('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(variable('--vscode-font-size', '13')) || 13,
    lineWidth: highContrast ? 2.5 : 1.75,
  };
}

export const DASH_PATTERNS: Record<Dash, number[]> = {
  solid: [],
  dashed: [6, 4],
  dotted: [1.5, 3],
  dashdot: [8, 3, 2, 3],
};

let probe: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour as [r, g, b, a] (0–255, alpha 0–1), via the canvas's own colour parser. */
export function parseColor(color: string): [number, number, number, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128, 1];
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const normalised = String(probe.fillStyle);
  if (normalised.startsWith('#')) {
    const hex = normalised.slice(1);
    return [Number.parseInt(hex.slice(0, 2), 16), Number.parseInt(hex.slice(2, 4), 16), Number.parseInt(hex.slice(4, 6), 16), 1];
  }
  const parts = normalised.match(/[\d.]+/g)?.map(Number) ?? [];
  return [parts[0] ?? 128, parts[1] ?? 128, parts[2] ?? 128, parts[3] ?? 1];
}

export function opaque(color: string): string {
  const [r, g, b] = parseColor(color);
  return `rgb(${r}, ${g}, ${b})`;
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${(a * alpha).toFixed(3)})`;
}
