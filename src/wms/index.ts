export * from "./failure-codes.js";
export * from "./order-store.js";
export * from "./provider-states.js";
export * from "./qimen-call.js";
export * from "./sandbox.js";
export * from "./observed-call.js";
