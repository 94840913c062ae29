import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/fake-io.js";

// The public TOP check vector from docs/protocol.md.
const TOP_VECTOR_PARAMS = [
  "app_key=12345678",
  "fields=num_iid,title,nick,price,num",
  "format=json",
  "method=taobao.item.seller.get",
  "num_iid=11223344",
  "session=test",
  "sign_method=md5",
  "timestamp=2016-01-01 12:00:00",
  "v=2.0",
];
const TOP_VECTOR_SIGNED =
  "app_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.getnum_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0";

describe("qimen-pact sign", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qimen-sign-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the TOP vector's signature, then the signed string with the secret masked", async () => {
    const result = await runCli(["sign", "--secret", "helloworld", ...TOP_VECTOR_PARAMS]);
    expect(result).to.deep.equal({
      exitCode: 0,
      stdout: `66987CB115214E59E6EC978214934FB8\n<secret>${TOP_VECTOR_SIGNED}<secret>\n`,
      stderr: "",
    });
  });

  it("takes the secret from QIMEN_SECRET and ignores a sign param", async () => {
    const result = await runCli(["sign", ...TOP_VECTOR_PARAMS, "sign=WHATEVER"], { QIMEN_SECRET: "helloworld" });
    expect(result.stdout.split("\n")[0]).to.equal("66987CB115214E59E6EC978214934FB8");
  });

  it("signs the exact bytes of --body-file, Chinese text included", async () => {
    const bodyFile = join(dir, "body.xml");
    // Independent reference: printf 's1k1v1<request><cancelReason>已经退货</cancelReason></request>s1' | md5sum
    await writeFile(bodyFile, "<request><cancelReason>已经退货</cancelReason></request>");
    const result = await runCli(["sign", "--secret", "s1", "--body-file", bodyFile, "k1=v1"]);
    expect(result.stdout).to.equal(
      "FE379399E3C3A13B3E1F9546F91D4440\n<secret>k1v1<request><cancelReason>已经退货</cancelReason></request><secret>\n",
    );
  });

  // Independent references: printf '%s' '<signed string>' | openssl dgst -md5 -hmac helloworld (or -sha256).
  const hmacVectors: { signMethod: string; sign: string }[] = [
    { signMethod: "hmac", sign: "D56D7858309C31B6251083A874D48273" },
    { signMethod: "hmac-sha256", sign: "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8" },
  ];
  for (const { signMethod, sign } of hmacVectors) {
    it(`signs with --sign-method ${signMethod}, the secret as key and not in the signed string`, async () => {
      const params = TOP_VECTOR_PARAMS.map((param) =>
        param === "sign_method=md5" ? `sign_method=${signMethod}` : param,
      );
      const result = await runCli(["sign", "--secret", "helloworld", "--sign-method", signMethod, ...params]);
      expect(result).to.deep.equal({
        exitCode: 0,
        stdout: `${sign}\n${TOP_VECTOR_SIGNED.replace("sign_methodmd5", `sign_method${signMethod}`)}\n`,
        stderr: "",
      });
    });
  }

  const usageErrors: { argv: string[]; message: RegExp }[] = [
    { argv: ["sign", ...TOP_VECTOR_PARAMS], message: /missing --secret \(or set QIMEN_SECRET\)/ },
    {
      argv: ["sign", "--secret", "s", "--sign-method", "sha1"],
      message: /--sign-method must be one of md5, hmac, hmac-sha256/,
    },
    { argv: ["sign", "--secret", "s", "novalue"], message: /parameter "novalue" is not key=value/ },
    { argv: ["sign", "--secret", "s", "--body-file", "/nonexistent/body.xml"], message: /cannot read --body-file/ },
    { argv: ["sign", "--secret", "s", "--bogus"], message: /Unknown option '--bogus'/ },
  ];
  for (const { argv, message } of usageErrors) {
    it(`exits 2 naming the problem: ${argv.slice(1).join(" ")}`, async () => {
      const result = await runCli(argv);
      expect(result.exitCode).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.match(message).and.to.include("qimen-pact sign --help");
    });
  }
});
