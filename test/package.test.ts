import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const projectRoot = new URL("..", import.meta.url).pathname;

/*
 * What another repo gets: pack the package as npm would publish it, install the tarball into a
 * fresh project and run the bin from there. Catches a missing build step, a file left out of
 * "files", or a runtime import of a dev dependency.
 */
describe("packed package", function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-pack-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("installs from its tarball and runs `npx qimen-pact --help` and its library API", async () => {
    const { stdout: packed } = await exec("npm", ["pack", "--json", "--pack-destination", dir], {
      cwd: projectRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(packed.slice(packed.indexOf("["))) as [{ filename: string }];
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "consumer-of-qimen-pact", private: true, type: "module" }),
    );
    await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, filename)], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });

    const help = await exec("npx", ["--no-install", "qimen-pact", "--help"], { cwd: dir });
    expect(help.stdout)
      .to.match(/^Usage: qimen-pact <command>/m)
      .and.to.match(/^ {2}sign +/m);

    await writeFile(
      join(dir, "use-library.mjs"),
      'import { computeSign } from "qimen-pact";\nimport { verifyProvider } from "qimen-pact/verify";\n' +
        'console.log(computeSign({ secret: "helloworld", params: { a: "1" } }), typeof verifyProvider);\n',
    );
    const library = await exec("node", ["use-library.mjs"], { cwd: dir });
    // Independent reference: printf 'helloworlda1helloworld' | md5sum
    expect(library.stdout.trim()).to.equal("711A7BC01EEE0BAD3FC55F77D377B26B function");
    const installed = JSON.parse(await readFile(join(dir, "node_modules/qimen-pact/package.json"), "utf8")) as {
      types: string;
    };
    await readFile(join(dir, "node_modules/qimen-pact", installed.types), "utf8");
  });
});
