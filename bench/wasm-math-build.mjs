// Compiles wasm/math.ts alone (the SIMD transcendentals, issue 19) with asc's API, in memory,
// for test/np/wasm-math.test.ts and bench/wasm-math.bench.mjs, and instantiates it with room
// for arrays placed after its static data.
import asc from "assemblyscript/asc";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const PAGE = 65536;

/** The compiled module's bytes (baseline SIMD, -O3, stub runtime). */
export async function compileMath() {
  let binary;
  const { error, stderr } = await asc.main(
    ["wasm/math.ts", "--baseDir", root, "--enable", "simd", "-O3", "--runtime", "stub", "--disableWarning", "112", "--outFile", "math.wasm"],
    {
      // Self-contained: an asconfig.json at the root (the Wasm backend's build) must not add
      // its entries or options to this one.
      readFile: (name, baseDir) => (name === "asconfig.json" ? null : readFile(resolve(baseDir, name), "utf8").catch(() => null)),
      writeFile: (name, contents) => { if (name.endsWith(".wasm")) binary = contents; },
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return binary;
}

/** An instance whose memory has `bytes` free from `base` (above everything the module placed). */
export async function instantiateMath(binary, bytes) {
  const { instance } = await WebAssembly.instantiate(binary, {});
  const memory = instance.exports.memory;
  const base = memory.buffer.byteLength;
  memory.grow(Math.ceil(bytes / PAGE));
  return { exports: instance.exports, memory, base };
}
