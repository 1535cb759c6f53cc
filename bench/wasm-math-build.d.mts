export interface MathModule {
  exports: Record<string, (src: number, dst: number, n: number) => void>;
  memory: WebAssembly.Memory;
  base: number;
}
export function compileMath(): Promise<Uint8Array<ArrayBuffer>>;
export function instantiateMath(binary: Uint8Array<ArrayBuffer>, bytes: number): Promise<MathModule>;
