/** CSS imports are bundled by esbuild into dist/console/app.css. */
declare module '*.css';
