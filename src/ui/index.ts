// The web view: the page of a cost report (`cost --output html`) and the server of `sparklane ui`.
export { renderPage, escapeHtml, jsonForScript, formatMoney, formatShare, moduleSeries } from "./page.js";
export type { PageOptions, PageFilters, ModuleSeries } from "./page.js";
export { loadChartAssets, type ChartAssets } from "./assets.js";
export { startUiServer, isLoopback, checkHost } from "./server.js";
export type { UiServer, UiServerOptions, ReportSource } from "./server.js";
export { fileReportSource } from "./source.js";
