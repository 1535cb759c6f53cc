// @babel/plugin-transform-typescript ships no types.
declare module "@babel/plugin-transform-typescript" {
  import type { PluginObj } from "@babel/core";
  const plugin: (api: unknown, options?: Record<string, unknown>) => PluginObj;
  export default plugin;
}
