// tsserver loads plugins with require() and its own (node10) resolution, which reads no
// "exports": this CommonJS file is where "adjoint/tsserver" resolves for it. The plugin
// itself is ES module code, loaded with require() of ESM (Node 20.19 and later).
"use strict";
module.exports = require("../dist/compiler/frontends/tsserver.js").default;
