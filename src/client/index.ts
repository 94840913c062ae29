export * from "./delivery-error.js";
export * from "./qimen-client.js";
