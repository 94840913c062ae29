export * from "./client-view.js";
export * from "./contracts.js";
export * from "./gateway-call.js";
export * from "./reports.js";
export * from "./results.js";
export * from "./verify-provider.js";
