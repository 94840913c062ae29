import { expect } from "chai";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * The layers' arrows run one way: protocol <- client, sandbox <- provider-verify <- cli; the
 * consumer tests use src only; tests share helpers through test/support, never bench/. A layer
 * that imports one above it is refused here, whatever compiles.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Each layer, and the folders its files may import from (besides its own and node's or npm's modules). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  "src/protocol": [],
  "src/client": ["src/protocol", "src/text.ts", "src/redaction.ts"],
  "src/wms": ["src/protocol", "src/text.ts"],
  src: ["src/protocol", "src/client", "src/wms"],
  "provider-verify": ["src"],
  cli: ["src", "provider-verify"],
  "consumer-tests": ["src"],
  test: ["src", "provider-verify", "cli", "consumer-tests"],
  bench: ["src", "provider-verify", "consumer-tests", "test/support"],
};

/** The most specific layer a file belongs to. */
function layerOf(file: string): string | undefined {
  return Object.keys(MAY_IMPORT)
    .filter((layer) => file === layer || file.startsWith(`${layer}/`))
    .sort((a, b) => b.length - a.length)[0];
}

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, directory), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

const IMPORT = /^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gm;

describe("architecture: the arrows run one way", () => {
  it("no file imports from a layer above its own", async () => {
    const offences: string[] = [];
    for (const top of Object.keys(MAY_IMPORT).filter((layer) => !layer.includes("/"))) {
      for (const file of await sourceFiles(top)) {
        const layer = layerOf(file) ?? top;
        const text = await readFile(join(ROOT, file), "utf8");
        for (const [, specifier] of text.matchAll(IMPORT)) {
          const target = relative(ROOT, resolve(ROOT, dirname(file), specifier ?? "")).replace(/\.js$/, ".ts");
          const allowed = [layer, ...(MAY_IMPORT[layer] ?? [])];
          if (!allowed.some((place) => target === place || target.startsWith(`${place}/`))) {
            offences.push(`${file} (${layer}) imports ${target}`);
          }
        }
      }
    }
    expect(offences).to.deep.equal([]);
  });

  // The protocol core is pure: a function of its arguments, so every reader and writer of the wire can trust it.
  it("the protocol core imports no network, file, process or clock, and reads no environment", async () => {
    const ALLOWED_MODULES = new Set(["node:crypto", "fast-xml-parser"]);
    const offences: string[] = [];
    for (const file of await sourceFiles("src/protocol")) {
      const text = await readFile(join(ROOT, file), "utf8");
      for (const [, specifier] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^".][^"]*)"/gm)) {
        if (!ALLOWED_MODULES.has(specifier ?? "")) offences.push(`${file} imports ${specifier}`);
      }
      for (const [impure] of text.matchAll(/process\.\w+|Date\.now\(\)|new Date\(\)|performance\.now\(\)/g)) {
        offences.push(`${file} uses ${impure}`);
      }
    }
    expect(offences).to.deep.equal([]);
  });
});
