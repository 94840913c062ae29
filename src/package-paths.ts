import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "qimen-pact";

/**
 * The root of the qimen-pact package this module belongs to, whether it runs from source
 * (src/) or built (dist/src/), in this repository or installed elsewhere.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    const manifest = join(directory, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === PACKAGE_NAME
    ) {
      return directory;
    }
    if (dirname(directory) === directory) throw new Error(`no ${PACKAGE_NAME} package.json above ${from}`);
  }
}

/** The contracts shipped with the package: what a WMS verifies against unless told otherwise. */
export function shippedContractsDir(): string {
  return join(packageRoot(), "contracts");
}
