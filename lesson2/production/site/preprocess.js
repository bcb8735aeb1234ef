// The learner's validation preprocessing in the browser: lesson2_app/preprocess.py step for step.
//
//   import { decode, toInput } from "./preprocess.js";
//   const picture = await decode(blob);          // {rgb: Uint8Array, width, height}, upright
//   const x = toInput(picture, recipe);          // Float32Array (1, 3, h, w), normalised
//
// The browser decodes the file (createImageBitmap, drawn on a canvas over white, as Pillow's
// to_rgb puts transparency on white). Everything after that is Pillow's and NumPy's arithmetic
// redone exactly: the crop and pad boxes with the same integer rounding, Pillow's resampling
// (a separable filter with 22-bit fixed-point weights and an 8-bit intermediate picture,
// libImaging/Resample.c), and the float32 normalisation. From the same RGB pixels the model's
// input is the very same float32 numbers. Where the two can still differ is the decoding: the
// browser's JPEG decoder, colour profiles and alpha blending (see lesson2/production/web.py).

const PRECISION_BITS = 32 - 8 - 2; // Pillow's fixed-point weights
const MAX_PIXELS = 40_000_000; // lesson2_app.pictures.MAX_PIXELS

// Pillow's filters: [support, weight(x)]; NEAREST takes another path in Pillow and is refused
// when the page is built.
const FILTERS = {
  box: [0.5, (x) => (x > -0.5 && x <= 0.5 ? 1 : 0)],
  bilinear: [1, (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0)],
  hamming: [1, (x) => {
    x = Math.abs(x);
    if (x === 0) return 1;
    if (x >= 1) return 0;
    x *= Math.PI;
    return (Math.sin(x) / x) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(x));
  }],
  bicubic: [2, (x) => {
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  }],
  lanczos: [3, (x) => (-3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0)],
};

function sinc(x) {
  if (x === 0) return 1;
  x *= Math.PI;
  return Math.sin(x) / x;
}

export class PictureError extends Error {}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc: for each output pixel, the first input
 * pixel, how many it reads, and their integer weights. */
function coefficients(inSize, outSize, filterName) {
  const [baseSupport, filter] = FILTERS[filterName];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      w[x] = filter((x + xmin - center + 0.5) * ss);
      total += w[x];
    }
    for (let x = 0; x < count; x++) {
      const k = total !== 0 ? w[x] / total : w[x];
      weights[xx * ksize + x] = Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { bounds, weights, ksize };
}

function clip8(sum) {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** One pass of Pillow's resampling: `lines` lines of `src`, each read at `srcStep` between
 * pixels and written at `dstStep`, line k starting at k * srcLine (+ srcOffset) and k * dstLine.
 * Along x a line is a row; along y it is a column. */
function pass(src, dst, lines, srcLine, dstLine, srcStep, dstStep, srcOffset, coeffs, outSize) {
  const { bounds, weights, ksize } = coeffs;
  const half = 1 << (PRECISION_BITS - 1);
  for (let line = 0; line < lines; line++) {
    const from = srcOffset + line * srcLine, to = line * dstLine;
    for (let o = 0; o < outSize; o++) {
      const count = bounds[o * 2 + 1], k = o * ksize;
      let at = from + bounds[o * 2] * srcStep, r = half, g = half, b = half;
      for (let i = 0; i < count; i++, at += srcStep) {
        const weight = weights[k + i];
        r += src[at] * weight;
        g += src[at + 1] * weight;
        b += src[at + 2] * weight;
      }
      const out = to + o * dstStep;
      dst[out] = clip8(r);
      dst[out + 1] = clip8(g);
      dst[out + 2] = clip8(b);
    }
  }
}

/** Pillow's Image.resize((outW, outH), filter) of an RGB picture: ImagingResampleInner. */
export function resize(pic, outW, outH, filterName) {
  const { rgb, width: w, height: h } = pic;
  if (!(filterName in FILTERS)) throw new PictureError(`unsupported resampling filter ${filterName}`);
  const vertical = coefficients(h, outH, filterName);
  const first = vertical.bounds[0];
  const last = vertical.bounds[outH * 2 - 2] + vertical.bounds[outH * 2 - 1];
  let cur = { rgb, width: w, height: h };
  if (outW !== w) {
    // only the rows the vertical pass reads, as Pillow does
    const rows = last - first;
    const tmp = new Uint8Array(outW * rows * 3);
    pass(rgb, tmp, rows, w * 3, outW * 3, 3, 3, first * w * 3, coefficients(w, outW, filterName), outW);
    for (let o = 0; o < outH; o++) vertical.bounds[o * 2] -= first;
    cur = { rgb: tmp, width: outW, height: rows };
  }
  if (outH !== h) {
    const out = new Uint8Array(cur.width * outH * 3);
    const row = cur.width * 3;
    pass(cur.rgb, out, cur.width, 3, 3, row, row, 0, vertical, outH);
    cur = { rgb: out, width: cur.width, height: outH };
  }
  return cur;
}

// NumPy's pad modes, as an index into [0, n): lesson2_app.preprocess.PAD_MODES
const PAD = {
  zeros: (i, n) => (i >= 0 && i < n ? i : -1),
  border: (i, n) => Math.min(Math.max(i, 0), n - 1),
  reflection: (i, n) => {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    i = ((i % period) + period) % period;
    return i < n ? i : period - i;
  },
};

/** lesson2_app.preprocess.crop_pad: the box `size` at top-left `tl`, padded where it sticks out,
 * then resized to `resizeTo` (or not). */
export function cropPad(pic, [sw, sh], [left, top], padMode = "zeros", resizeTo = null, filterName = "bilinear") {
  const { rgb, width: w, height: h } = pic;
  const at = PAD[padMode];
  if (at === undefined) throw new PictureError(`unknown pad mode ${padMode}`);
  // Pillow crops to the part inside the picture, NumPy pads the rest: index by index, the same
  const x0 = Math.max(left, 0), y0 = Math.max(top, 0);
  const cw = Math.min(left + sw, w) - x0, ch = Math.min(top + sh, h) - y0;
  const padL = Math.max(-left, 0), padT = Math.max(-top, 0);
  const outW = padL + cw + Math.max(left + sw - w, 0), outH = padT + ch + Math.max(top + sh - h, 0);
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const sy = at(y - padT, ch);
    for (let x = 0; x < outW; x++) {
      const sx = at(x - padL, cw);
      if (sx < 0 || sy < 0) continue; // zeros
      const from = ((sy + y0) * w + sx + x0) * 3, to = (y * outW + x) * 3;
      out[to] = rgb[from];
      out[to + 1] = rgb[from + 1];
      out[to + 2] = rgb[from + 2];
    }
  }
  const cropped = { rgb: out, width: outW, height: outH };
  return resizeTo ? resize(cropped, resizeTo[0], resizeTo[1], filterName) : cropped;
}

/** Recipe.resize: the picture at the recipe's size, cropped, squished or padded. */
export function resizeAsRecipe(pic, recipe) {
  const { width: w, height: h } = pic;
  const [sw, sh] = recipe.size;
  const filter = recipe.interpolation;
  if (recipe.method === "squish") return cropPad(pic, [w, h], [0, 0], recipe.pad_mode, [sw, sh], filter);
  if (recipe.method === "random_resized_crop") {
    const xtra = Math.ceil((Math.max(sw, sh) * recipe.val_xtra) / 8) * 8;
    const big = cropPad(pic, [w, h], [0, 0], "zeros", [sw + xtra, sh + xtra], filter);
    return cropPad(big, [sw, sh], [Math.floor((big.width - sw) / 2), Math.floor((big.height - sh) / 2)]);
  }
  if (recipe.method !== "crop" && recipe.method !== "pad") throw new PictureError(`unknown resize method ${recipe.method}`);
  const shrink = recipe.method === "crop" ? w / sw < h / sh : w / sw > h / sh;
  const m = shrink ? w / sw : h / sh;
  const box = [Math.trunc(m * sw), Math.trunc(m * sh)];
  const tl = [Math.trunc(0.5 * (w - box[0])), Math.trunc(0.5 * (h - box[1]))];
  return cropPad(pic, box, tl, recipe.pad_mode, [sw, sh], filter);
}

/** Recipe.array: float32 (3, h, w), scaled to 0..1 and normalised, in NumPy's float32 steps. */
export function normalise(pic, mean, std) {
  const { rgb, width: w, height: h } = pic;
  const plane = w * h;
  const x = new Float32Array(3 * plane);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c]), s = f(std[c]);
    for (let i = 0; i < plane; i++) x[c * plane + i] = f(f(f(rgb[i * 3 + c] / 255) - m) / s);
  }
  return x;
}

/** The model's input for a decoded picture: Float32Array (1, 3, h, w). */
export function toInput(pic, recipe) {
  return normalise(resizeAsRecipe(pic, recipe), recipe.mean, recipe.std);
}

/** The picture in `blob` as upright 8-bit RGB, transparency on white; a PictureError says why
 * not. */
export async function decode(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      imageOrientation: "from-image", // the EXIF orientation, as lesson2_app.pictures.upright
      colorSpaceConversion: "none", // the file's own numbers, as Pillow reads them
      premultiplyAlpha: "none",
    });
  } catch {
    throw new PictureError("not an image: no JPEG, PNG, GIF, WebP or BMP could be read from it");
  }
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS) {
    bitmap.close();
    throw new PictureError(
      `the image is ${width}x${height} pixels, more than the ${MAX_PIXELS.toLocaleString("en")} allowed: use a smaller picture`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { rgb, width, height };
}
