// Everyday JavaScript idioms (test/everyday-idioms.test.ts), untyped: defaults read from earlier
// parameters, copies sorted or reversed, closures writing outer variables, recursion, JSDoc,
// rounding, optional configuration; and idioms refused, each located with its reason.
import type { Program } from "./everyday.js";

const XS = [0.5, -1.2, 2.0, 0.3, 1.1];

export const IDIOMS: Record<string, Program> = {
  recursionPower: { source: `function pw(x, n) { return n === 0 ? 1 : x * pw(x, n - 1); }
function f(x) { return pw(x, 5) + pw(x, 2); }`, points: [[0.7]], jvp: true },
  entriesLoop: { source: `function f(x) { let s = 0; for (const [i, v] of x.entries()) s += (i + 1) * v * v; return s; }`, points: [[XS]], jvp: true },
  argmaxIndex: { source: `function f(x) { const i = x.indexOf(Math.max(...x)); return x[i] * 2 + Math.min(...x); }`, points: [[XS]] },
  fillMap: { source: `function f(x) { const n = x.length; return Array(n).fill(0).map((_, i) => x[i] * 2).reduce((a, b) => a + b * b, 0); }`, points: [[XS]] },
  differences: { source: `function f(x) { return x.slice(1).map((v, i) => v - x[i]).reduce((s, d) => s + d * d, 0); }`, points: [[XS]], jvp: true },
  atLast: { source: `function f(x) { return x.at(-1) * x.at(0) + x[x.length - 2]; }`, points: [[XS]] },
  arrayOfPoints: { source: `function f(w, pts) { let s = 0; for (const { x, y } of pts) s += (w[0] * x + w[1] - y) ** 2; return s; }`, points: [[[0.5, 1], [{ x: 1, y: 2 }, { x: -1, y: 0.5 }]]] },
  pointsMap: { source: `function f(w, pts) { return pts.map((p) => (w * p.x - p.y) ** 2).reduce((a, b) => a + b, 0); }`, points: [[0.7, [{ x: 1, y: 2 }, { x: -1, y: 0.5 }]]] },
  stepTwo: { source: `function f(x) { let s = 0; for (let i = 0; i < x.length; i += 2) s += x[i] * x[i + 1 < x.length ? i + 1 : 0]; return s; }`, points: [[XS]] },
  powAssign: { source: `function f(x) { let y = x; y **= 3; y /= 2; y -= x; return y; }`, points: [[0.7]], jvp: true },
  jsdocTyped: { source: `/** @param {number[]} x @param {number} c */
function f(x, c) { let s = 0; for (let i = 0; i < x.length; i++) s += Math.exp(c * x[i]); return Math.log(s); }`, wrt: [0, 1], points: [[XS, 0.5]], jvp: true },
  innerClosures: { source: `function f(x) { const sq = (t) => t * t; const cube = (t) => sq(t) * t; return cube(x) + sq(x); }`, points: [[0.7]], jvp: true },
  nullishLocal: { source: `function f(x, y) { const z = y ?? x; return z * x; }`, points: [[0.7, undefined], [0.7, 2]] },
  findLoss: { source: `function f(x) { const v = x.find((t) => t > 1); return v === undefined ? 0 : v * v; }`, points: [[XS]] },
  nestedRecordHelper: { source: `function dense(layer, x) { let s = layer.b; for (let i = 0; i < x.length; i++) s += layer.w[i] * x[i]; return Math.tanh(s); }
function f(params, x) { return dense(params.l1, x) * params.scale + dense(params.l2, x); }`, points: [[{ l1: { w: [0.1, 0.2], b: 0.3 }, l2: { w: [-0.3, 0.5], b: -0.1 }, scale: 2 }, [1, 2]]] },
  arrayPatternCallback: { source: `function f(w, pairs) { return pairs.reduce((s, [x, y]) => s + (w * x - y) ** 2, 0); }`, points: [[0.7, [[1, 2], [-1, 0.5]]]] },
  roundingMix: { source: `function f(x) { return Math.round(x * 10) / 10 + Math.floor(x) * x + Math.sign(x) * Math.abs(x) ** 0.5; }`, points: [[0.74]] },
  whileDataDependent: { source: `function f(x) { let y = x; let n = 0; while (y > 0.01 && n < 100) { y *= 0.5; n++; } return y * n; }`, points: [[0.77]] },
  defaultFromEarlier: { source: `function g(x, y = x * 2) { return x * y; }
function f(x) { return g(x) + g(x, 1); }`, points: [[0.7]], jvp: true },
  defaultFromEarlierTop: { source: `function f(x, y = x * 2) { return x * y + Math.sin(y); }`, points: [[0.7]], jvp: true },
  sortCopyInPlace: { source: `function f(x) { const y = [...x]; y.sort((a, b) => b - a); return y[0] * 3 + y[1]; }`, points: [[XS]] },
  reverseCopy: { source: `function f(x) { const y = x.slice().reverse(); return y[0] * 2 + y[1] * x[0]; }`, points: [[XS]] },
  moduloDeriv: { source: `function f(x) { return (x % 1) * 3 + (x | 0) * x; }`, points: [[2.3], [0.7]] },
  closureWritesOuter: { source: `function f(x) { let total = 0; const add = (v) => { total += v * v; }; x.forEach(add); add(x[0]); return total; }`, points: [[XS]], jvp: true },
  closureCapturesLoopVar: { source: `function f(x) { let s = 0; for (let i = 0; i < x.length; i++) { const w = i + 1; const term = () => w * x[i] ** 2; s += term(); } return s; }`, points: [[XS]] },
  writesInputThenReads: { source: `function f(x) { const y = x.slice(); for (let i = 0; i < y.length; i++) y[i] = Math.sin(y[i]) * y[i]; let s = 0; for (const v of y) s += v; return s; }`, points: [[XS]], jvp: true },
  aliasWrite: { source: `function f(x) { const a = x.slice(); const b = a; b[0] = a[0] * a[1]; return a[0] + b[1]; }`, points: [[XS]] },
  maxTieFree: { source: `function f(x, y) { return Math.max(x, y) * Math.min(x, 2 * y); }`, wrt: [0, 1], points: [[0.7, 0.2], [0.1, 0.9]], jvp: true },
  hypotMany: { source: `function f(x) { return Math.hypot(...x); }`, points: [[XS]] },
  mathMaxSpreadMap: { source: `function f(x) { return Math.max(...x.map((v) => v * v)); }`, points: [[XS]] },
  conditionalAssign: { source: `function f(x) { let y; if (x > 0) y = x * x; else y = -x; return y * 3; }`, points: [[0.7], [-0.4]], jvp: true },
  counterWhileArray: { source: `function f(x) { let i = 0, s = 0; while (i < x.length) { s = s * 0.9 + x[i]; i++; } return s * s; }`, points: [[XS]], jvp: true },
  nestedLoopsMatrix: { source: `function f(A, v) { const n = v.length; let s = 0; for (let i = 0; i < n; i++) { let r = 0; for (let j = 0; j < n; j++) r += A[i * n + j] * v[j]; s += r * r; } return s; }`, wrt: [0, 1], points: [[[1, 2, 3, 4], [0.5, -1]]], jvp: true },
  pushThenReduce: { source: `function f(x) { const out = []; for (const v of x) if (v > 0) out.push(Math.log(v)); return out.reduce((a, b) => a + b, 0); }`, points: [[XS]], jvp: true },
  spreadConcat: { source: `function f(x, y) { const z = [...x, ...y, 1]; return z.reduce((s, v, i) => s + v * (i + 1), 0); }`, wrt: [0, 1], points: [[[1, 2], [3, 4]]] },
  labeledBreak: { source: `function f(x) { let s = 0; outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (i * j > 2) break outer; s += x * (i + j); } } return s * x; }`, points: [[0.7]] },
  ternaryChain: { source: `function f(x) { const y = x < 0 ? -x : x < 1 ? x * x : Math.sqrt(x); return y * 2; }`, points: [[-0.5], [0.5], [2]], jvp: true },
  numberIsFinite: { source: `function f(x) { const y = Math.log(x); return Number.isFinite(y) ? y * x : 0; }`, points: [[0.7]] },
  typeofGuard: { source: `function f(x, opt) { const k = typeof opt === "number" ? opt : 2; return Math.pow(x, k); }`, points: [[0.7, 3], [0.7, undefined]] },
  optionalCallArray: { source: `function f(x, cfg) { const w = cfg?.weights ?? [1, 1, 1, 1, 1]; return x.reduce((s, v, i) => s + v * w[i], 0); }`, points: [[XS, { weights: [1, 2, 3, 4, 5] }], [XS, undefined]] },
  stringKeys: { source: `function f(p) { return p["w"] * p.b + p["w"] ** 2; }`, points: [[{ w: 0.5, b: 2 }]] },
  lengthFromConfig: { source: `function f(x, cfg) { let s = 0; for (let i = 0; i < cfg.n; i++) s += x[i] ** 2; return s; }`, points: [[XS, { n: 3 }]] },
  numberCall: { source: `function f(x, cfg) { return Number(x) * 2 + Number(cfg.k) * x + Number("1.5") * x * x; }`, points: [[0.7, { k: "3" }]], jvp: true },
  reverseCopy2: { source: `function f(x) { const y = [...x].reverse(); const z = x.map((v) => v * v).fill(1, 2); return y[0] * 2 + y[1] * x[0] + z[0] + z[3]; }`, points: [[[0.5, -1.2, 2.0, 0.3, 1.1]]], jvp: true },
  inputMutatedInPlace: { source: `function f(x) { for (let i = 0; i < x.length; i++) x[i] = x[i] * x[i]; return x.reduce((a, b) => a + b, 0); }`, points: [[XS]] },
  sortInputInPlace: { source: `function f(x) { x.sort((a, b) => a - b); return x[0] * 3 + x[x.length - 1]; }`, points: [[XS]] },
  outerArrayClosure: { source: `function f(x) { const acc = []; x.forEach((v) => acc.push(v * v)); return acc[0] + acc[acc.length - 1] * 2; }`, points: [[XS]], jvp: true },
  reassignParam: { source: `function f(x, k) { if (k === undefined) k = 2; x = x * k; return x * x; }`, points: [[0.7, undefined], [0.7, 3]], jvp: true },
  reassignArrayParam: { source: `function f(x) { x = x.map((v) => v * 2); return x[0] * x[1]; }`, points: [[XS]] },
  sharedArrayTwoNames: { source: `function f(x) { const a = [x, 2 * x]; const b = a; b[1] = a[0] * 3; return a[1] + b[0]; }`, points: [[0.7]] },
  earlyReturnInLoop: { source: `function f(x) { let s = 0; for (let i = 0; i < x.length; i++) { if (x[i] > 1.5) return s * x[i]; s += x[i] * x[i]; } return s; }`, points: [[XS], [[0.1, 0.2]]], jvp: true },
  continueInLoop: { source: `function f(x) { let s = 0; for (const v of x) { if (v < 0) continue; s += Math.sqrt(v); } return s; }`, points: [[XS]], jvp: true },
  nestedHelperRecords: { source: `function add(a, b) { return { x: a.x + b.x, y: a.y + b.y }; }
function scale(a, k) { return { x: a.x * k, y: a.y * k }; }
function f(p, q) { const r = add(scale(p, 2), q); return r.x * r.y; }`, wrt: [0, 1], points: [[{ x: 1, y: 2 }, { x: 0.5, y: -1 }]] },
  vectorHelpersArrays: { source: `function add(a, b) { return a.map((v, i) => v + b[i]); }
function f(p, q) { const r = add(p, q); const s = add(r, p); return s[0] * s[1] + r[1]; }`, wrt: [0, 1], points: [[[1, 2], [0.5, -1]]], jvp: true },
  matrixRows: { source: `function f(w, rows) { let s = 0; for (const row of rows) { let d = 0; for (let j = 0; j < row.length; j++) d += row[j] * w[j]; s += Math.log(1 + Math.exp(d)); } return s; }`, points: [[[0.1, -0.2, 0.3], [[1, 2, 3], [0.5, -1, 0.2]]]] },
  gradientOfNestedArrayOut: { source: `function f(M, v) { return M[0][0] * v[0] + M[1][1] * v[1]; }`, wrt: [1], points: [[[[1, 2], [3, 4]], [0.5, 2]]] },
  accumulateIntoArray: { source: `function f(x) { const h = new Array(3).fill(0); for (let i = 0; i < x.length; i++) h[i % 3] += x[i] * x[i]; return h[0] * h[1] + h[2]; }`, points: [[XS]], jvp: true },
  typedArrayOps: { source: `function f(x) { const y = new Float64Array(x.length); y.set(x); for (let i = 0; i < y.length; i++) y[i] = Math.exp(-y[i]); return y.reduce((a, b) => a + b, 0); }`, points: [[XS]] },
  stringBranch: { source: `function f(x, kind) { return kind === "l1" ? Math.abs(x) : kind === "l2" ? x * x : 0; }`, points: [[0.7, "l1"], [0.7, "l2"]] },
  bigLoopNest: { source: `function f(x) { let s = 0; for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) s += Math.sin(x * (a + 1) + b) * (c + 1); return s; }`, points: [[0.7]], jvp: true },
  globalMathConst: { source: `const TAU = 2 * Math.PI; function f(x) { return Math.sin(TAU * x) + Math.cos(Math.PI * x) * Math.SQRT2; }`, points: [[0.3]], jvp: true },
  arrowBody: { source: `const f = (x, y) => Math.exp(x) * y + x / y;`, wrt: [0, 1], points: [[0.5, 2]], jvp: true },
  functionExpr: { source: `const f = function (x) { return x ** 3 - 2 * x; };`, points: [[0.5]], jvp: true },
};

/** Refused, located: the message says why. */
export const REFUSED: Record<string, { source: string; message: RegExp }> = {
  forInRecord: { source: `function f(p) { let s = 0; for (const k in p) s += p[k] ** 2; return s; }`, message: /for…in is not differentiable/ },
  objectValues: { source: `function f(p) { return Object.values(p).reduce((s, v) => s + v * v, 0); }`, message: /\.values\(\)/ },
  methodOfObject: { source: `const model = { predict(w, x) { return w[0] + w[1] * x; } };
function f(w, xs) { return xs.reduce((s, x) => s + model.predict(w, x) ** 2, 0); }`, message: /\.predict\(\)/ },
  polymorphicInput: { source: `function f(x) { const xs = Array.isArray(x) ? x : [x]; return xs.reduce((s, v) => s + v * v, 0); }`, message: /an array on one path and a number/ },
  recordAccumulator: { source: `function f(x) { const r = x.reduce((acc, v) => ({ s: acc.s + v, n: acc.n + 1 }), { s: 0, n: 0 }); return r.s / r.n; }`, message: /record/ },
  tryCatch: { source: `function f(x) { try { return Math.log(x) * x; } catch (e) { return 0; } }`, message: /try\/catch/ },
  closureFactory: { source: `function makeScaler(c) { return (t) => t * c; }
function f(x) { const sc = makeScaler(3); return sc(x) * x; }`, message: /'sc' is a variable/ },
  concatUnknown: { source: `function f(x, y) { const z = x.concat(y); return z[0] * z[3] + z.length; }`, message: /an argument of concat/ },
  arrayOfArraysDifferentiated: { source: `function f(M) { let s = 0; for (let i = 0; i < M.length; i++) for (let j = 0; j < M[i].length; j++) s += M[i][j] ** 2; return s; }`, message: /a row of 'M', an array of arrays that carries a gradient/ },
  wholePatternDefault: { source: `function f({ a = 1, b = 2 } = {}, x) { return a * x * x + b * x; }`, message: /an object literal here/ },
  parseFloatCall: { source: `function f(x) { return parseFloat(x) * x; }`, message: /'parseFloat'/ },
};
