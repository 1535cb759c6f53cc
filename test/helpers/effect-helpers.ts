// The module functions effect programs call: readers, out-parameter writers, a helper pushing
// onto the caller's stack, one returning a different kind by branch, one writing a record's field.
import type { HelperName, Parts, RowHelperName } from "./effect-parts.js";

export const HELPERS: Record<Exclude<HelperName, RowHelperName>, (p: Parts) => string> = {
  weigh: ({ A, t }) =>
    `function weigh(v${t(`: ${A}`)}, k${t(": number")})${t(": number")} {
  let total = 0;
  for (let i = 0; i < v.length; i++) total += Math.sin(v[i] * k) * (i + 1);
  return total * 0.25;
}`,
  dot: ({ A, t }) =>
    `function dot(u${t(`: ${A}`)}, v${t(`: ${A}`)})${t(": number")} {
  let total = 0;
  for (let i = 0; i < u.length; i++) total += u[i] * v[i];
  return total;
}`,
  axpy: ({ A, t }) =>
    `function axpy(y${t(`: ${A}`)}, a${t(": number")}, v${t(`: ${A}`)})${t(": void")} {
  for (let i = 0; i < y.length; i++) y[i] += a * v[i];
}`,
  matvec: ({ A, t }) =>
    `function matvec(out${t(`: ${A}`)}, m${t(`: ${A}`)}, v${t(`: ${A}`)}, size${t(": number")})${t(": void")} {
  for (let i = 0; i < size; i++) {
    let total = 0;
    for (let j = 0; j < size; j++) total += m[i * size + j] * v[j];
    out[i] = total;
  }
}`,
  square0: ({ A, t }) =>
    `function square0(v${t(`: ${A}`)})${t(": void")} {
  v[0] = v[0] * v[0];
}`,
  // a writer that calls writers
  relax: ({ A, t }) =>
    `function relax(y${t(`: ${A}`)}, v${t(`: ${A}`)})${t(": void")} {
  for (let q = 0; q < 2; q++) axpy(y, 0.5, v);
  square0(y);
}`,
  // a helper pushing onto the caller's stack
  pushAll: ({ A, t }) =>
    `function pushAll(st${t(": number[]")}, v${t(`: ${A}`)}, k${t(": number")})${t(": void")} {
  for (let i = 0; i < v.length; i++) st.push(v[i] * k);
}`,
  scaleInto: ({ A, t }) =>
    `function scaleInto(out${t(`: ${A}`)}, v${t(`: ${A}`)}, k${t(": number")})${t(": number")} {
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = v[i] * k;
    total += out[i];
  }
  return total;
}`,
  addSin: ({ A, t }) =>
    `function addSin(out${t(`: ${A}`)}, v${t(`: ${A}`)})${t(`: ${A}`)} {
  for (let i = 0; i < out.length; i++) out[i] += Math.sin(v[i]);
  return out;
}`,
  checkLength: ({ A, t }) =>
    `function checkLength(v${t(`: ${A}`)}, size${t(": number")})${t(": number")} {
  if (!Number.isInteger(size) || v.length !== size) throw new Error("checkLength: bad length");
  return v[0];
}`,
  recordDot: ({ A, t }) =>
    `function recordDot(m${t(`: { w: ${A}; g: number }`)}, v${t(`: ${A}`)})${t(": number")} {
  let total = 0;
  for (let i = 0; i < v.length; i++) total += m.w[i] * v[i];
  m.w[0] = total * 0.5;
  return total * m.g;
}`,
  pick: ({ A, t }) =>
    `function pick(v${t(`: ${A}`)}, k${t(": number")})${t(`: ${A} | number`)} {
  if (k > 0) return v;
  return v[0] * k;
}`,
};
