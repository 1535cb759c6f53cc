// adjoint/np's WebAssembly SIMD kernels (runtime/np/backend/wasm.ts loads them). Built with
// `--runtime stub`: nothing here allocates; every kernel takes byte addresses into this
// module's memory, which the JavaScript side lays out and grows.
export * from "./gemm";
export * from "./elementwise";
export * from "./reduce";
export * from "./argreduce";
export * from "./math";
export * from "./softmax";
export * from "./softmax-vjp";
export * from "./fused";

/** The first byte after the module's static data: where the JavaScript side's scratch starts. */
export function heapBase(): usize {
  return __heap_base;
}
