export * from "./delivery-error.js";
export * from "./qimen-client.js";
export * from "./informational-answers.js";
