// Printing as NumPy does: `repr` is `array([0., 1., 2.])`, `str` is `[0. 1. 2.]`,
// with NumPy's float formatting (at most 8 fractional digits, the shortest digits
// that round-trip, a common width per array, scientific notation when the magnitudes
// call for it), its line wrapping at 75 columns and its summarising of large arrays.
import type { NDArray } from "./ndarray.js";

const PRECISION = 8;
const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** The shortest significant digits that read back as `x` (a float32 value when `f32`),
 * as a JS number string. */
function shortest(x: number, f32: boolean): string {
  if (!f32) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** The exact decimal string `exact` rounded to `digits` fractional digits, ties to even
 * (as NumPy's Dragon4 does; `toFixed` rounds ties up). */
function roundHalfEven(exact: string, digits: number): string {
  const dot = exact.indexOf(".");
  const keep = exact.slice(0, dot + 1 + digits);
  const rest = exact.slice(dot + 1 + digits);
  const last = Number(keep[keep.length - 1]);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || last % 2 === 1));
  if (!up) return keep;
  const neg = keep.startsWith("-");
  const digitsOnly = (neg ? keep.slice(1) : keep).replace(".", "");
  const bumped = (BigInt(digitsOnly) + 1n).toString().padStart(digitsOnly.length, "0");
  const intLen = bumped.length - digits;
  return (neg ? "-" : "") + bumped.slice(0, intLen) + "." + bumped.slice(intLen);
}

/** Positional digits, at most PRECISION after the point, trailing zeros trimmed: "1.", "0.5". */
function positional(x: number, f32: boolean): string {
  let s = shortest(x, f32);
  if (s.includes("e")) s = x.toFixed(20);
  const dot = s.indexOf(".");
  if (dot >= 0 && s.length - dot - 1 > PRECISION) s = roundHalfEven(x.toFixed(100), PRECISION).replace(/0+$/, "");
  if (!s.includes(".")) s += ".";
  return Object.is(x, -0) ? "-0." : s;
}

/** [mantissa, exponent] in scientific form, the mantissa's digits capped like `positional`. */
function scientific(x: number, f32: boolean): [string, number] {
  let s = Number(shortest(x, f32)).toExponential();
  let [m, e] = s.split("e");
  if ((m.split(".")[1] ?? "").length > PRECISION) {
    [m, e] = x.toExponential(100).split("e");
    m = roundHalfEven(m, PRECISION);
    if (m.replace("-", "").startsWith("10.")) [m, e] = [x.toExponential(PRECISION).split("e")[0], String(Number(e) + 1)];
    m = m.replace(/0+$/, "");
  }
  if (!m.includes(".")) m += ".";
  return [m, Number(e)];
}

type Formatter = (v: number) => string;

function floatFormatter(values: number[], f32: boolean): Formatter {
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const maxv = nonzero.length ? Math.max(...nonzero) : 0;
  const minv = nonzero.length ? Math.min(...nonzero) : 0;
  const expMode = nonzero.length > 0 && (maxv >= 1e8 || minv < 1e-4 || maxv / minv > 1000);
  const special = (v: number, width: number) => {
    const s = v !== v ? "nan" : v > 0 ? "inf" : "-inf";
    return s.padStart(width);
  };
  const widen = (padLeft: number, padRight: number) => {
    if (finite.length === values.length) return padLeft;
    const neg = values.some((v) => v === -Infinity) ? 1 : 0;
    return Math.max(padLeft, 3 - padRight - 1, 3 + neg - padRight - 1);
  };
  if (finite.length === 0) {
    return (v) => special(v, widen(0, 0) + 1);
  }
  if (expMode) {
    const parts = finite.map((v) => scientific(v, f32));
    const precision = Math.max(...parts.map(([m]) => m.split(".")[1].length));
    const expSize = Math.max(2, ...parts.map(([, e]) => String(Math.abs(e)).length));
    const padLeft = widen(Math.max(...parts.map(([m]) => m.split(".")[0].length)), expSize + 2 + precision);
    return (v) => {
      if (!Number.isFinite(v)) return special(v, padLeft + expSize + 3 + precision);
      const [m, e] = scientific(v, f32);
      const [int, frac] = m.split(".");
      return `${int.padStart(padLeft)}.${frac.padEnd(precision, "0")}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(expSize, "0")}`;
    };
  }
  const parts = finite.map((v) => positional(v, f32).split("."));
  const padRight = Math.max(...parts.map((p) => p[1].length));
  const padLeft = widen(Math.max(...parts.map((p) => p[0].length)), padRight);
  return (v) => {
    if (!Number.isFinite(v)) return special(v, padLeft + padRight + 1);
    const [int, frac] = positional(v, f32).split(".");
    return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
  };
}

function formatterFor(x: NDArray, values: number[]): Formatter {
  if (x.dtype === "bool") return (v) => (v ? (x.ndim === 0 ? "True" : " True") : "False");
  if (x.dtype === "int32") {
    const width = Math.max(0, ...values.map((v) => String(v).length));
    return (v) => String(v).padStart(width);
  }
  return floatFormatter(values, x.dtype === "float32");
}

/** Element of `x` at a multi-index, with negative indices from the end. */
function at(x: NDArray, index: number[]): number {
  let off = x.offset;
  index.forEach((i, d) => (off += (i < 0 ? i + x.shape[d] : i) * x.strides[d]));
  return x.data[off];
}

/** The elements NumPy looks at to choose a format (only the edges when summarising). */
function shownValues(x: NDArray, summarise: boolean): number[] {
  const out: number[] = [];
  const walk = (index: number[]) => {
    const d = index.length;
    if (d === x.ndim) return void out.push(at(x, index));
    const n = x.shape[d];
    const cut = summarise && n > 2 * EDGE_ITEMS;
    for (let i = 0; i < n; i++) {
      if (cut && i === EDGE_ITEMS) i = n - EDGE_ITEMS;
      walk([...index, i]);
    }
  };
  walk([]);
  return out;
}

/** NumPy's `_formatArray`: nested brackets, wrapping rows at `lineWidth`. */
function formatArray(x: NDArray, format: Formatter, lineWidth: number, nextLinePrefix: string, separator: string, summarise: boolean): string {
  const extend = (s: string, line: string, word: string, width: number, indent: string): [string, string] => {
    if (line.length + word.length > width && line.length > indent.length) {
      s += line.trimEnd() + "\n";
      line = indent;
    }
    return [s, line + word];
  };
  const recurse = (index: number[], indent: string, width: number): string => {
    const axis = index.length;
    const left = x.ndim - axis;
    if (left === 0) return format(at(x, index));
    const nextIndent = indent + " ";
    const nextWidth = width - 1;
    const n = x.shape[axis];
    const cut = summarise && 2 * EDGE_ITEMS < n;
    const leading = cut ? EDGE_ITEMS : 0;
    const trailing = cut ? EDGE_ITEMS : n;
    let s = "";
    if (left === 1) {
      const elemWidth = width - Math.max(separator.trimEnd().length, 1);
      let line = indent;
      for (let i = 0; i < leading; i++) {
        [s, line] = extend(s, line, recurse([...index, i], nextIndent, nextWidth), elemWidth, indent);
        line += separator;
      }
      if (cut) {
        [s, line] = extend(s, line, "...", elemWidth, indent);
        line += separator;
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extend(s, line, recurse([...index, n - i], nextIndent, nextWidth), elemWidth, indent);
        line += separator;
      }
      [s, line] = extend(s, line, recurse([...index, n - 1], nextIndent, nextWidth), elemWidth, indent);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + "\n".repeat(left - 1);
      for (let i = 0; i < leading; i++) s += indent + recurse([...index, i], nextIndent, nextWidth) + lineSep;
      if (cut) s += indent + "..." + lineSep;
      for (let i = trailing; i > 1; i--) s += indent + recurse([...index, n - i], nextIndent, nextWidth) + lineSep;
      s += indent + recurse([...index, n - 1], nextIndent, nextWidth);
    }
    return "[" + s.slice(indent.length) + "]";
  };
  return recurse([], nextLinePrefix, lineWidth);
}

function array2string(x: NDArray, separator: string, prefix: string, lineWidth: number): string {
  const summarise = x.size > THRESHOLD;
  const format = formatterFor(x, shownValues(x, summarise));
  return formatArray(x, format, lineWidth, " ".repeat(prefix.length + 1), separator, summarise);
}

const pyShape = (shape: readonly number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`);

/** NumPy's `repr(x)`: `array([0., 1.])`; float32 arrays add `dtype=float32`, large
 * (summarised) ones their shape. */
export function repr(x: NDArray): string {
  const prefix = "array(";
  const body = x.size > 0 ? array2string(x, ", ", prefix, LINE_WIDTH - 1) : "[]";
  const extras: string[] = [];
  if ((x.size === 0 && !(x.ndim === 1)) || x.size > THRESHOLD) extras.push(`shape=${pyShape(x.shape)}`);
  if (x.dtype === "float32" || x.size === 0) extras.push(`dtype=${x.dtype}`);
  if (extras.length === 0) return prefix + body + ")";
  const text = prefix + body + ",";
  const extra = extras.join(", ") + ")";
  const lastLine = text.length - (text.lastIndexOf("\n") + 1);
  return text + (lastLine + extra.length + 1 > LINE_WIDTH ? "\n" + " ".repeat(prefix.length) : " ") + extra;
}

/** Python's `repr` of a float: `28.0`, `0.1`, `1e-05`, `nan`. */
function pyFloat(v: number, f32: boolean): string {
  if (v !== v) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const [m, e] = Number(shortest(v, f32)).toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const s = Object.is(v, -0) ? "-0" : String(Number(shortest(v, f32)));
  return s.includes(".") ? s : s + ".0";
}

/** NumPy's `str(x)`, what `print(x)` shows: `[0. 1. 2.]`, `[ True  True]`, `28.0`. */
export function str(x: NDArray): string {
  if (x.ndim === 0) {
    const v = x.data[x.offset];
    if (x.dtype === "bool") return v ? "True" : "False";
    if (x.dtype === "int32") return String(v);
    return pyFloat(v, x.dtype === "float32");
  }
  if (x.size === 0) return "[]";
  return array2string(x, " ", "", LINE_WIDTH);
}
