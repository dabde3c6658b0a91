/** Checks what the webview sends as a chart image before the host writes it to disk. */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a `data:image/png;base64,` URL and checks the PNG signature. */
export function pngBytes(dataUrl: string): Uint8Array {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((byte, index) => bytes[index] !== byte)) {
    throw new Error('the chart image from the dashboard is not a PNG; try the export again');
  }
  return bytes;
}
