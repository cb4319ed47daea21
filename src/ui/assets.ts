// The chart library's files, inlined into every page so the page is one self-contained file (no CDN, no second
// request). Read from the installed `uplot` package at call time: nothing is copied into the repository, and the
// bundled CLI finds the package the same way the sources do.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** The text of uPlot's minified browser build and its stylesheet. */
export interface ChartAssets {
  js: string;
  css: string;
}

export function loadChartAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  return {
    js: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}
