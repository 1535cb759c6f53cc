export interface MathModule {
  exports: Record<string, (src: number, dst: number, n: number) => void>;
  memory: WebAssembly.Memory;
  base: number;
}
export function compileMath(): Promise<Uint8Array>;
export function instantiateMath(binary: Uint8Array, bytes: number): Promise<MathModule>;
