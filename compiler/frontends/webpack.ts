// adjoint/webpack: the webpack plugin (see unplugin.ts). Usage: plugins: [adjoint()].
import { adjoint } from "./unplugin.js";

export default adjoint.webpack;
