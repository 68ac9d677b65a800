/** An 8-bit RGB image, row-major, 3 bytes per pixel (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An axis-aligned box `[x0, y0, x1, y1)` in pixels, exclusive end. */
export type Box = [number, number, number, number];
