// The JS backend: the kernels each operation runs by itself (kernels.ts' templated loops,
// gemm.ts), so it declines every elementwise and reduction call and only supplies gemm.
import { gemm } from "../gemm.js";
import type { Backend } from "./index.js";

export const jsBackend: Backend = {
  name: "js",
  minSize: Infinity,
  gemm,
  has: () => false,
  unary: () => false,
  binary: () => false,
  reduce: () => false,
  argReduce: () => false,
  softmax: () => false,
  softmaxVjp: () => false,
};
