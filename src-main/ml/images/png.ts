// Pictures researchers look at, as PNG files: image grids (reconstructions,
// manifolds) and latent scatter plots.
import { PNG } from 'pngjs';

/** Grayscale images (values in [0, 1], `rows*cols` each) in a grid with 1-px gaps. */
export function imageGrid(images: Float32Array[] | number[][], rows: number, cols: number, perRow: number, scale = 2): Buffer {
  const n = images.length;
  const gridRows = Math.ceil(n / perRow);
  const cellW = cols * scale + 1;
  const cellH = rows * scale + 1;
  const png = new PNG({ width: perRow * cellW + 1, height: gridRows * cellH + 1 });
  png.data.fill(255);
  images.forEach((img, i) => {
    const ox = (i % perRow) * cellW + 1;
    const oy = Math.floor(i / perRow) * cellH + 1;
    for (let y = 0; y < rows * scale; y++) {
      for (let x = 0; x < cols * scale; x++) {
        const v = Math.round(Math.min(1, Math.max(0, img[Math.floor(y / scale) * cols + Math.floor(x / scale)])) * 255);
        const p = ((oy + y) * png.width + ox + x) * 4;
        png.data[p] = png.data[p + 1] = png.data[p + 2] = 255 - v; // dark digits on white
        png.data[p + 3] = 255;
      }
    }
  });
  return PNG.sync.write(png);
}

/** Ten well-separated colours for the digit classes. */
export const CLASS_COLOURS: [number, number, number][] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** 2-D points coloured by label, auto-scaled with a margin. */
export function scatter(points: [number, number][], labels: ArrayLike<number>, size = 512): Buffer {
  const png = new PNG({ width: size, height: size });
  png.data.fill(255);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const m = 12;
  const sx = (v: number) => m + ((v - x0) / (x1 - x0 || 1)) * (size - 2 * m);
  const sy = (v: number) => size - m - ((v - y0) / (y1 - y0 || 1)) * (size - 2 * m);
  points.forEach(([x, y], i) => {
    const [r, g, b] = CLASS_COLOURS[labels[i] % 10];
    const cx = Math.round(sx(x));
    const cy = Math.round(sy(y));
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const px = cx + dx;
        const py = cy + dy;
        if (px < 0 || py < 0 || px >= size || py >= size) continue;
        const p = (py * size + px) * 4;
        png.data[p] = r;
        png.data[p + 1] = g;
        png.data[p + 2] = b;
      }
    }
  });
  return PNG.sync.write(png);
}
