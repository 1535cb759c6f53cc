// adjoint/esbuild: the esbuild plugin (see unplugin.ts). Usage: plugins: [adjoint()].
import { adjoint } from "./unplugin.js";

export default adjoint.esbuild;
