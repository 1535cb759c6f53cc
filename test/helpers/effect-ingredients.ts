// The ingredients of effect programs (test/helpers/effect-programs.ts), by family: each a
// statement of f(x, c) with the categories it belongs to and the helpers it calls.
import type { Ingredient } from "./effect-parts.js";

export const INGREDIENTS: Ingredient[] = [
  // plain arithmetic
  { id: "arith-sin", categories: ["arithmetic"], code: ({ k, l }) => `s = s * ${k} + Math.sin(c * ${l});` },
  { id: "arith-div", categories: ["arithmetic"], code: ({ k }) => `s += Math.cos(s) * ${k} + c / (1 + s * s);` },
  { id: "arith-read", categories: ["arithmetic", "array-read"], code: ({ k, i, j }) => `s += x[${i}] * x[${j}] * ${k} / (2 + Math.cos(c));` },
  { id: "arith-while", categories: ["arithmetic", "loop"], code: () => `{
  let q = 0;
  while (q < 3) {
    s = s * 0.5 + Math.sin(s + c);
    q++;
  }
}` },
  // loops and array reads
  { id: "loop-tanh", categories: ["loop", "array-read"], code: ({ k }) => `for (let i = 0; i < n; i++) s += Math.tanh(x[i] * c) * ${k};` },
  { id: "loop-branch", categories: ["loop", "array-read", "branch"], code: ({ k, l }) => `for (let i = 0; i < n; i++) {
  if (x[i] > 0) s += x[i] * b[i] * ${k};
  else s -= Math.sin(b[i] + c) * ${l};
}` },
  { id: "loop-for-of", categories: ["loop", "array-read"], code: ({ k }) => `for (const v of x) s += Math.sin(v) * ${k};` },
  // element writes into the local buffer b
  { id: "local-loop", categories: ["loop", "local-write", "array-read"], code: () => `for (let i = 0; i < n; i++) b[i] = Math.sin(b[i] + x[i] * c);` },
  { id: "local-elem", categories: ["local-write", "array-read"], code: ({ k, i, j }) => `b[${i}] = b[${j}] * ${k} + c * x[${i}];` },
  { id: "local-compound", categories: ["local-write"], code: ({ k, i }) => `b[${i}] += s * ${k};` },
  { id: "local-backward", categories: ["loop", "local-write", "array-read"], code: ({ k }) => `for (let i = n - 1; i >= 1; i--) b[i - 1] += b[i] * ${k};` },
  { id: "local-copy", categories: ["local-write", "array-read"], code: ({ copy, i, j }) => `{
  const w = ${copy("x")};
  w[${i}] = w[${j}] * c;
  s += w[${i}] + w[0];
}` },
  // element writes into the caller's array
  { id: "input-elem", categories: ["input-write", "array-read"], code: ({ k, i, j }) => `x[${i}] = x[${j}] * ${k} + Math.sin(c);` },
  { id: "input-loop", categories: ["input-write", "loop", "array-read"], code: () => `for (let i = 1; i < n; i++) x[i] = x[i] * 0.5 + Math.sin(x[i - 1] * c) * 0.5;` },
  { id: "input-compound", categories: ["input-write"], code: ({ k, i }) => `x[${i}] *= ${k};` },
  // helpers that only read their arrays
  { id: "read-helper-x", categories: ["reading-helper"], helpers: ["weigh"], code: () => `s += weigh(x, c);` },
  { id: "read-helper-b", categories: ["reading-helper"], helpers: ["weigh"], code: ({ k }) => `s = s * 0.5 + weigh(b, ${k});` },
  { id: "read-helper-two", categories: ["reading-helper"], helpers: ["dot"], code: ({ k }) => `s += dot(x, b) * ${k};` },
  // void helpers writing an out-parameter
  { id: "axpy-b", categories: ["outparam-void"], helpers: ["axpy"], code: ({ k }) => `axpy(b, ${k}, x);` },
  { id: "axpy-b-c", categories: ["outparam-void"], helpers: ["axpy"], code: () => `axpy(b, c, x);` },
  { id: "axpy-b-s", categories: ["outparam-void"], helpers: ["axpy"], code: () => `axpy(b, Math.tanh(s), x);` },
  { id: "axpy-x", categories: ["outparam-void", "input-write"], helpers: ["axpy"], code: ({ k }) => `axpy(x, ${k}, b);` },
  { id: "matvec", categories: ["outparam-void"], helpers: ["matvec"], code: () => `matvec(b, x, x, 2);` },
  { id: "square0-b", categories: ["outparam-void"], helpers: ["square0"], code: () => `square0(b);` },
  { id: "square0-x", categories: ["outparam-void", "input-write"], helpers: ["square0"], code: () => `square0(x);` },
  { id: "relax-b", categories: ["outparam-void"], helpers: ["axpy", "square0", "relax"], code: () => `relax(b, x);` },
  // value-returning helpers writing an out-parameter
  { id: "scaleInto-b", categories: ["outparam-value"], helpers: ["scaleInto"], code: ({ k }) => `s += scaleInto(b, x, c) * ${k};` },
  { id: "scaleInto-x", categories: ["outparam-value", "input-write"], helpers: ["scaleInto"], code: ({ k }) => `s += scaleInto(x, b, ${k});` },
  { id: "addSin-elem", categories: ["outparam-value"], helpers: ["addSin"], code: ({ k, i }) => `s += addSin(b, x)[${i}] * ${k};` },
  { id: "addSin-alias", categories: ["outparam-value", "alias-assign"], helpers: ["addSin"], code: ({ i, j }) => `{
  const r = addSin(b, x);
  r[${i}] = r[${j}] * c;
  s += r[${i}];
}` },
  // the same array as two arguments
  { id: "alias-axpy-x", categories: ["alias-args", "outparam-void", "input-write"], helpers: ["axpy"], code: ({ k }) => `axpy(x, ${k}, x);` },
  { id: "alias-axpy-b", categories: ["alias-args", "outparam-void"], helpers: ["axpy"], code: ({ k }) => `axpy(b, ${k}, b);` },
  { id: "alias-matvec", categories: ["alias-args", "outparam-void"], helpers: ["matvec"], code: () => `matvec(b, b, b, 2);` },
  { id: "alias-scaleInto", categories: ["alias-args", "outparam-value"], helpers: ["scaleInto"], code: ({ k }) => `s += scaleInto(b, b, ${k});` },
  { id: "alias-dot", categories: ["alias-args", "reading-helper"], helpers: ["dot"], code: ({ k }) => `s += dot(x, x) * ${k};` },
  // aliases by assignment
  { id: "assign-alias-x", categories: ["alias-assign", "input-write"], code: ({ k, i, j }) => `{
  const v = x;
  v[${i}] = v[${j}] * ${k} + c;
}` },
  { id: "assign-alias-b", categories: ["alias-assign", "local-write"], code: ({ i, j }) => `{
  const v = b;
  v[${i}] += x[${j}] * c;
  s += v[${i}];
}` },
  { id: "assign-alias-axpy", categories: ["alias-assign", "outparam-void"], helpers: ["axpy"], code: ({ k, i }) => `{
  const v = b;
  axpy(v, ${k}, x);
  s += b[${i}];
}` },
  // views
  { id: "view-write-x", categories: ["view", "input-write"], typedOnly: true, code: ({ k }) => `{
  const v = x.subarray(1, 3);
  v[0] = v[1] * ${k};
}` },
  { id: "view-write-b", categories: ["view"], typedOnly: true, code: () => `{
  const v = b.subarray(2, 5);
  v[1] = Math.sin(v[0] + c);
}` },
  { id: "view-axpy", categories: ["view", "outparam-void"], typedOnly: true, helpers: ["axpy"], code: ({ k }) => `{
  const v = b.subarray(1, 4);
  axpy(v, ${k}, x);
}` },
  { id: "view-read-helper", categories: ["view", "reading-helper"], typedOnly: true, helpers: ["weigh"], code: () => `s += weigh(x.subarray(1, 4), c);` },
  { id: "view-read", categories: ["view", "array-read"], typedOnly: true, code: ({ k }) => `{
  const v = x.subarray(2);
  s += v[0] * v[1] * ${k};
}` },
  // mutating methods of a local number[] used as a stack or queue
  { id: "stack-push-pop", categories: ["stack-methods", "loop"], code: ({ k, t }) => `{
  const st${t(": number[]")} = [];
  for (let i = 0; i < n; i++) st.push(x[i] * c);
  while (st.length > 0) s += Math.sin(st.pop()) * ${k};
}` },
  { id: "stack-shift-unshift", categories: ["stack-methods"], code: ({ k, l, i, j, t }) => `{
  const st${t(": number[]")} = [c, s];
  st.unshift(x[${i}]);
  st.push(x[${j}] * ${k});
  const first = st.shift();
  s += first * ${l} + st[0] * st[2];
}` },
  { id: "stack-splice", categories: ["stack-methods"], code: ({ k, t }) => `{
  const st${t(": number[]")} = [x[0], x[1], x[2]];
  st.splice(1, 1, c * x[3]);
  s += st[0] + st[1] * st[2] * ${k};
}` },
  { id: "stack-queue", categories: ["stack-methods", "loop"], code: ({ k, t }) => `{
  const st${t(": number[]")} = [];
  for (let i = 0; i < n; i++) {
    st.push(x[i] * ${k});
    if (st.length > 2) s += st.shift() * st[0];
  }
}` },
  { id: "stack-helper", categories: ["stack-methods", "outparam-void"], helpers: ["pushAll"], code: ({ t }) => `{
  const st${t(": number[]")} = [];
  pushAll(st, x, c);
  s += st[0] * st[st.length - 1];
}` },
  { id: "stack-top", categories: ["stack-methods", "loop"], code: ({ t }) => `{
  const st${t(": number[]")} = [s];
  for (let i = 0; i < n; i++) {
    const top = st.pop();
    st.push(top * 0.5 + x[i] * c);
  }
  s = st[0];
}` },
  // mutating methods of the arrays
  { id: "set-literal", categories: ["typed-methods"], typedOnly: true, code: ({ i, j }) => `b.set([x[${i}] * c, x[${j}]], 2);` },
  { id: "set-array", categories: ["typed-methods"], typedOnly: true, code: () => `b.set(x, 0);` },
  { id: "fill-b", categories: ["typed-methods"], code: ({ k }) => `b.fill(c * ${k}, 1, 3);` },
  { id: "fill-x", categories: ["typed-methods", "input-write"], code: ({ k }) => `x.fill(s * ${k}, 4, 6);` },
  { id: "copyWithin-b", categories: ["typed-methods"], code: () => `b.copyWithin(0, 3, 5);` },
  { id: "copyWithin-x", categories: ["typed-methods", "input-write"], code: () => `x.copyWithin(1, 0, 2);` },
  { id: "reverse-b", categories: ["typed-methods"], code: () => `b.reverse();` },
  { id: "reverse-x", categories: ["typed-methods", "input-write"], code: () => `x.reverse();` },
  // buffers swapped and reused across iterations
  { id: "swap-loop", categories: ["swap-buffers", "loop", "local-write"], code: ({ k, i, j, zeros, copy }) => `{
  let cur = ${copy("x")};
  let nxt = ${zeros};
  for (let q = 0; q < 3; q++) {
    for (let i = 0; i < n; i++) nxt[i] = Math.sin(cur[i]) * 0.5 + cur[(i + 1) % n] * c * 0.25;
    const t = cur;
    cur = nxt;
    nxt = t;
  }
  s += cur[${i}] * ${k} + nxt[${j}];
}` },
  { id: "swap-input", categories: ["swap-buffers", "local-write"], noWrap: true, code: () => `{
  const t = x;
  x = b;
  b = t;
}` },
  { id: "scratch-reuse", categories: ["swap-buffers", "loop", "local-write"], code: ({ zeros }) => `{
  const tmp = ${zeros};
  for (let q = 0; q < 2; q++) {
    for (let i = 0; i < n; i++) tmp[i] = b[i] + x[i] * c;
    for (let i = 0; i < n; i++) b[i] = Math.tanh(tmp[i]);
  }
}` },
  // guards on the input, never taken for the generated inputs
  { id: "guard-typeof", categories: ["guard"], code: ({ i }) => `if (typeof x[${i}] !== "number") return NaN;` },
  { id: "guard-integer", categories: ["guard"], code: () => `if (!Number.isInteger(n)) throw new Error("n must be an integer");` },
  { id: "guard-isarray", categories: ["guard"], code: ({ kind }) =>
    kind === "number[]" ? `if (!Array.isArray(x)) throw new Error("x must be an array");` : `if (Array.isArray(x)) return NaN;` },
  { id: "guard-loop", categories: ["guard", "loop", "array-read"], code: ({ k }) => `for (let i = 0; i < n; i++) {
  if (typeof x[i] !== "number") return NaN;
  s += x[i] * ${k};
}` },
  { id: "guard-helper", categories: ["guard", "reading-helper"], helpers: ["checkLength"], code: ({ k }) => `s += checkLength(x, n) * ${k};` },
  { id: "guard-number", categories: ["guard"], code: () => `if (typeof c !== "number") throw new Error("c must be a number");` },
  // a helper returning an array on one path and a number on another
  { id: "kind-pick-x", categories: ["kind-by-branch", "branch"], helpers: ["pick"], code: ({ k, i }) => `{
  const r = pick(x, ${k});
  if (typeof r === "number") s += r;
  else s += r[${i}] * c;
}` },
  { id: "kind-pick-b", categories: ["kind-by-branch", "branch"], helpers: ["pick"], code: ({ i }) => `{
  const r = pick(b, c);
  if (typeof r === "number") s += r * 0.5;
  else s += r[${i}];
}` },
  // destructuring: swaps (every value read before any is written), rest elements, element swaps
  { id: "destructure-swap", categories: ["destructuring", "loop"], code: ({ k }) => `{
  let [u, w] = [s, c];
  for (let q = 0; q < 2; q++) [u, w] = [w, u * 0.5 + w * ${k}];
  s += u * w;
}` },
  { id: "destructure-rest", categories: ["destructuring", "array-read"], code: ({ k, i }) => `{
  const [p, q, ...rest] = x;
  rest[0] = p * q;
  s += rest[0] * ${k} + rest[${i % 4}] + x[2];
}` },
  { id: "destructure-elements", categories: ["destructuring", "local-write"], code: ({ i, j }) => `[b[${i}], b[${j}]] = [b[${j}] * c, b[${i}] + s];` },
  { id: "destructure-object", categories: ["destructuring", "record"], code: ({ k }) => `{
  const { w, g } = { w: b, g: c * ${k} };
  w[1] = w[0] * g;
  s += w[1];
}` },
  // local records: an array field is the array (writes reach b); a record passed to a helper that writes its field
  { id: "record-local", categories: ["record", "local-write"], code: ({ k, i, j }) => `{
  const r = { w: b, g: c * ${k} };
  r.w[${i}] = r.w[${j}] * r.g;
  r.g = r.g + s;
  s += r.w[${i}] + r.g * 0.25;
}` },
  { id: "record-helper", categories: ["record", "outparam-value"], helpers: ["recordDot"], code: ({ k }) => `s += recordDot({ w: b, g: c }, x) * ${k};` },
  // local functions and closures writing what they capture
  { id: "closure-write", categories: ["closure", "local-write"], code: ({ k, i, j, t }) => `{
  const bump = (v${t(": number")}) => {
    s += v * c;
    b[${i}] = v;
  };
  bump(x[${j}] * ${k});
  bump(s * 0.1);
}` },
  { id: "closure-nested", categories: ["closure"], code: ({ k, t }) => `{
  function outer(v${t(": number")})${t(": number")} {
    const inner = (u${t(": number")}) => Math.sin(u * c) + s;
    return inner(v) * ${k};
  }
  s = outer(s) + outer(x[1]);
}` },
  // callbacks: map/reduce (fused when pure), a mapper that counts its calls (not fused), forEach writing b
  { id: "callback-map-reduce", categories: ["callback", "array-read"], code: ({ k }) => `s += x.map((v, i) => Math.sin(v * c) * (i + 1)).reduce((a, e) => a + e, 0) * ${k};` },
  { id: "callback-counting", categories: ["callback", "closure"], code: ({ k }) => `{
  let calls = 0;
  s += b.map((v) => {
    calls++;
    return v * c;
  }).reduce((a, e) => a + e * calls, 0) * ${k};
}` },
  { id: "callback-forEach", categories: ["callback", "local-write"], code: () => `x.forEach((v, i) => {
  b[i] = b[i] * 0.5 + v * c;
});` },
  { id: "callback-from", categories: ["callback", "local-write"], code: ({ A, k }) => `{
  const w = ${A === "Float64Array" ? "Float64Array" : "Array"}.from(b, (v, i) => v * c + i * ${k});
  s += w[0] * w[n - 1];
}` },
  { id: "callback-filter", categories: ["callback", "local-write"], code: ({ k }) => `{
  const kept = x.filter((v, i) => v * c > 0.1 || i === 0);
  kept[0] = kept[0] * c;
  s += kept.reduce((a, e) => a + e * e, 0) * ${k} + kept.length;
}` },
  { id: "callback-find", categories: ["callback"], code: ({ k }) => `{
  const first = b.find((v) => v > s) ?? c;
  const at = x.findIndex((v) => v * c < 0);
  s = s * 0.5 + first * ${k} + (at >= 0 ? x[at] : 0);
}` },
  // methods that make a new array: writes to the copy never reach the original
  { id: "copy-slice", categories: ["copy-methods", "local-write"], code: ({ k, i }) => `{
  const w = x.slice(1, 4);
  w[0] = w[1] * c;
  s += w[0] + w[2] * ${k} + x[${i}];
}` },
  { id: "copy-spread", categories: ["copy-methods"], code: ({ k }) => `{
  const w = [...b, c];
  w[1] = w[0] * w[n];
  s += w[1] * ${k} + b[1];
}` },
  { id: "copy-at-hypot", categories: ["copy-methods", "array-read"], code: ({ k, i }) => `s += x.at(-1) * b.at(${i}) + Math.hypot(...x) * ${k};` },
];
