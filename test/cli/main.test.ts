import { expect } from "chai";
import { COMMANDS } from "../../cli/commands.js";
import { runCli } from "../support/fake-io.js";

describe("qimen-pact (top level)", () => {
  it("lists every command in --help and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.exitCode).to.equal(0);
    for (const command of COMMANDS)
      expect(result.stdout).to.match(new RegExp(`^  ${command.name} +${command.summary}`, "m"));
  });

  it("prints the help to stderr and exits 2 without a command", async () => {
    const result = await runCli([]);
    expect(result).to.include({ exitCode: 2, stdout: "" });
    expect(result.stderr).to.include("Usage: qimen-pact <command>");
  });

  it("exits 2 naming an unknown command and the known ones", async () => {
    const result = await runCli(["cancle"]);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr)
      .to.include('unknown command "cancle"')
      .and.to.include(COMMANDS.map((c) => c.name).join(", "));
  });

  for (const command of COMMANDS) {
    it(`answers ${command.name} --help with its own usage`, async () => {
      const result = await runCli([command.name, "--help"]);
      expect(result).to.deep.equal({ exitCode: 0, stdout: command.help, stderr: "" });
      expect(command.help).to.match(new RegExp(`^Usage: qimen-pact ${command.name}`));
    });
  }
});
