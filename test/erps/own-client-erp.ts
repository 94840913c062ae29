/*
 * The project's own ERP client as an ERP's test suite under `qimen-pact record`: each interaction of
 * the shipped contract, seeded through QIMEN_STATE_CHANGE_URL and cancelled through QIMEN_URL with
 * the credentials record gives. The wrong-secret row is left out: a call signed wrong does not
 * conform, so record refuses to put it in a contract.
 */
import { deepStrictEqual } from "node:assert/strict";
import { INTERACTIONS, stateParams } from "../../consumer-tests/interactions.js";
import { expectedResult } from "../../consumer-tests/record-interaction.js";
import { createQimenClient } from "../../src/index.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set: run under qimen-pact record`);
  return value;
};

const client = createQimenClient({
  endpoint: env("QIMEN_URL"),
  appKey: env("QIMEN_APP_KEY"),
  secret: env("QIMEN_SECRET"),
  customerId: env("QIMEN_CUSTOMER_ID"),
});
try {
  for (const spec of INTERACTIONS.filter((row) => row.signedWithWrongSecret !== true)) {
    const seeded = await fetch(env("QIMEN_STATE_CHANGE_URL"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state: spec.state.name, params: stateParams(spec), action: "setup" }),
    });
    if (!seeded.ok) throw new Error(`seeding "${spec.description}" answered ${seeded.status}`);
    const result = await client.cancelOrder(spec.request);
    const expected = expectedResult(spec.answer);
    deepStrictEqual(result.ok, expected.ok, spec.description);
    process.stdout.write(`ok ${spec.description}\n`);
  }
} finally {
  await client.close();
}
