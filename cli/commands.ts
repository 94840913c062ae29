import type { Command } from "./command.js";
import { brokerCommands } from "./broker-commands.js";
import { cancelCommand } from "./cancel-command.js";
import { demoCommand } from "./demo-command.js";
import { probeCommand } from "./probe-command.js";
import { recordCommand } from "./record-command.js";
import { reportCommand } from "./report-command.js";
import { signCommand } from "./sign-command.js";
import { verifyCommand } from "./verify-command.js";
import { wmsCommand } from "./wms-command.js";

/** Every command of the qimen-pact binary, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  signCommand,
  cancelCommand,
  wmsCommand,
  recordCommand,
  verifyCommand,
  probeCommand,
  reportCommand,
  ...brokerCommands(),
  demoCommand,
];
