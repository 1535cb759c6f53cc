// Vite's `?raw` imports: a file's text, as the examples are read.
declare module "*?raw" {
  const text: string;
  export default text;
}
