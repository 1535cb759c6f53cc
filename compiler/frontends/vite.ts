// adjoint/vite: the vite plugin (see unplugin.ts). Usage: plugins: [adjoint()].
import { adjoint } from "./unplugin.js";

export default adjoint.vite;
