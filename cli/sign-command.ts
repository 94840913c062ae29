import { readFile } from "node:fs/promises";
import { computeSign, describeSignedString, isSignMethod, SIGN_METHODS } from "../src/protocol/signing.js";
import { EXIT, parseCommandArgs, requireOption, SECRET_ENV, UsageError, type Command } from "./command.js";

const help = `Usage: qimen-pact sign --secret S [--sign-method md5|hmac|hmac-sha256] [--body-file F] key=value...

Computes the Qimen signature of a call, the way the gateway and the WMS do, to debug 验签 failures.
Prints the signature alone on the first line, then the exact string that was signed with the
secret masked as <secret>.

Options:
  --secret S          the app secret (or set ${SECRET_ENV})
  --sign-method M     md5 (default, all real traffic), hmac or hmac-sha256
  --body-file F       file holding the exact request body, byte for byte (default: no body)
  key=value...        the query parameters, URL-decoded (timestamp with its real space); sign is ignored
  -h, --help          show this help

Example:
  qimen-pact sign --secret S --body-file body.xml method=taobao.qimen.order.cancel \\
    "timestamp=2024-05-01 12:00:00" format=xml app_key=K v=2.0 sign_method=md5 customerId=C
`;

export const signCommand: Command = {
  name: "sign",
  summary: "compute the signature of a Qimen call and show what was signed",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args: [...args],
      options: { secret: { type: "string" }, "sign-method": { type: "string" }, "body-file": { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    const secret = requireOption(values.secret, "--secret", io, SECRET_ENV);
    const signMethod = values["sign-method"] ?? "md5";
    if (!isSignMethod(signMethod)) {
      throw new UsageError(`--sign-method must be one of ${SIGN_METHODS.join(", ")}, got "${signMethod}"`);
    }
    const params = positionals.map((pair): [string, string] => {
      const separator = pair.indexOf("=");
      if (separator <= 0) throw new UsageError(`parameter "${pair}" is not key=value`);
      return [pair.slice(0, separator), pair.slice(separator + 1)];
    });
    let body: Uint8Array | undefined;
    if (values["body-file"] !== undefined) {
      try {
        body = await readFile(values["body-file"]);
      } catch (cause) {
        throw new UsageError(`cannot read --body-file ${values["body-file"]}: ${(cause as Error).message}`);
      }
    }
    const input = { params, secret, signMethod, ...(body === undefined ? {} : { body }) };
    io.stdout(`${computeSign(input)}\n${describeSignedString(input)}\n`);
    return EXIT.ok;
  },
};
