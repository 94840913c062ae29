export * from "./protocol/index.js";
export * from "./client/index.js";
export * from "./wms/index.js";
export * from "../provider-verify/index.js";
