/*
 * `qimen-pact/verify`: the provider gate as a library, as README documents it. It builds on the
 * public API of `qimen-pact` (src/index.ts). test/package.test.ts pins the list.
 */
export {
  DEFAULT_TIMEOUT_MS,
  PASSED_ALONE_NOTE,
  VERIFIED_ALONE_NOTE,
  verifyProvider,
  type VerifyProgress,
  type VerifyProviderOptions,
} from "./verify-provider.js";
export { loadContracts, type Contract, type ContractInteraction, type ProviderState } from "./contracts.js";
export type {
  FailureKind,
  FailureReason,
  InteractionResult,
  ResponseSummary,
  VerificationReport,
  Verdict,
} from "./results.js";
export { consoleReport, jsonReport, junitReport } from "./reports.js";
export { mergeReports, parseJsonReport } from "./report-merge.js";
export { parsePart, type Part } from "./partition.js";
