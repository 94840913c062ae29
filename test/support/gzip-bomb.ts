import { once } from "node:events";
import { createGzip, constants } from "node:zlib";

/** What the bomb inflates to: 1 GiB of zeros. */
export const GZIP_BOMB_INFLATED_BYTES = 2 ** 30;
const CHUNK = Buffer.alloc(16 * 2 ** 20);

/**
 * One gzip member of 1 GiB of zeros, about 1 MB: one member, since some decoders (Rust's
 * GzDecoder in Pact's core among them) stop after the first. Compressed in chunks, so making it
 * never holds the gigabyte; made once per run on first use (it takes a few seconds).
 */
async function compress(): Promise<Buffer> {
  const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  for (let written = 0; written < GZIP_BOMB_INFLATED_BYTES; written += CHUNK.length) {
    if (!gzip.write(CHUNK)) await once(gzip, "drain");
  }
  gzip.end();
  await once(gzip, "end");
  return Buffer.concat(chunks);
}

let bomb: Promise<Buffer> | undefined;
export const gzipBomb = (): Promise<Buffer> => (bomb ??= compress());
