// Vite's `?raw` imports: a file's text, as the examples are read.
declare module "*?raw" {
  const text: string;
  export default text;
}

// Vite's `?worker&inline` imports: a worker built into the page's script, started from a Blob.
declare module "*?worker&inline" {
  const WorkerFactory: new () => Worker;
  export default WorkerFactory;
}
