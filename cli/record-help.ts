import { APP_KEY_ENV, CUSTOMER_ID_ENV, SECRET_ENV } from "../src/credential-env.js";
import { ORDER_STATUS_NAMES } from "../src/wms/order-store.js";
import { PROVIDER_STATES_PATH } from "../src/wms/provider-states.js";
import { ANSWER_DIALECTS } from "../src/wms/answer-dialects.js";
import { MAX_FAULT_DELAY_MS } from "../src/wms/gateway-faults.js";

const DIALECTS = ANSWER_DIALECTS.map(({ name }) => name);

export const RECORD_HELP = `Usage: qimen-pact record --consumer NAME [--out contracts] [--app-key K --secret S --customer-id C]
                         [--junit FILE] [--json FILE] [--seed FILE] [--answer-dialects] [--faults SPEC]
                         [--strict] -- <test command...>

For ERP teams: gates your ERP's taobao.qimen.order.cancel calls, in any language. Starts the
sandbox WMS on a free loopback port, runs your test command (no shell; output passed through,
SIGINT/SIGTERM passed on) with these variables in its environment:
  QIMEN_URL               where to POST Qimen calls (the gateway's path, /router/qimen/service)
  QIMEN_STATE_CHANGE_URL  where to seed documents (Pact's provider-state protocol, below)
  ${APP_KEY_ENV}, ${SECRET_ENV}, ${CUSTOMER_ID_ENV}   the credentials to sign with
When the command exits, it prints one line per call (OK, WARN or FAIL, the orderCode, the answer,
what was wrong), writes the contract OUT/NAME-qimen-wms.json (Pact V4) and the reports.

Exit codes: 0 the command exited 0 and every call conformed; 1 a call did not conform or the
command failed (the last line says which, with the command's exit code); 2 usage errors;
130 interrupted.

Per-call conformance, as a WMS built on the official SDK's receiver helper (SpiUtils) takes the call:
  fail  sign: wrong, with the likely cause when it can be seen (lower-case hex, hmac or
        hmac-sha256, empty params sent but not signed, body re-encoded (GBK…) or changed after
        signing: declaration added, re-indented, trimmed, line ends; body left out of the sign)
  fail  timestamp: missing, not yyyy-MM-dd HH:mm:ss, outside ±10 minutes of the WMS clock or over
        5 minutes old (SpiUtils); 8 hours behind is named as a UTC clock
  fail  method (order.cancel or taobao.qimen.order.cancel), format not xml, v not 2.0/1.0,
        sign_method not md5, app_key or customerId missing or not the recording's
  fail  Content-Type not one SpiUtils accepts (text/xml or application/xml, lower case,
        unquoted UTF-8 charset or none), or sent twice
  fail  body: not UTF-8, not well-formed, a DOCTYPE, root not <request>, warehouseCode or
        orderCode missing, a field duplicated or holding elements, over 1 MiB
  fail  a query param repeated, or sent with an empty value
  warn  orderType not one of the 19 spec codes; <sub_source_order> items; unknown elements;
        format, v or sign_method left out
  --strict turns every warning into a failure.

The contract: one interaction per distinct behaviour (the document the WMS held and its status,
the request fields present, orderType, the answer's flag and code), described from its content,
e.g. "a cancel of a NEW JYCK order with cancelReason and extendProps: success", in a stable
order: the same suite gives the same file byte for byte. The request body is the one your ERP
sent; sign, timestamp, app_key and customerId are matched by shape (the example sign is made with
a published example secret, never yours), the other params exactly; a failure's code and message
by shape. Provider states carry the document the sandbox held when the call arrived. Calls that
did not conform are not recorded. Verify it with qimen-pact verify, publish it with qimen-pact publish.

Robustness of the ERP (the WMS's answer is still what is judged and recorded; only how the ERP
receives it changes):
  --answer-dialects   the N-th call's answer is written in dialect (N-1) mod ${DIALECTS.length}, in this order:
                      ${DIALECTS.slice(0, 4).join(", ")},
                      ${DIALECTS.slice(4).join(", ")}
                      (same suite, same calls, same dialects). Each is one real WMSs send and the
                      official SDK reads; a success may carry code 0000 or none, a failure keeps its
                      code and message. An ERP that fails its tests under it is stricter than the SDK.
  --faults SPEC       gateway faults, decided from the call's number and orderCode only:
      SPEC  := RULE[;RULE...]       the first rule that matches a call decides
      RULE  := FAULT@WHEN
      FAULT := read-timeout         TOP15 isp.http-read-timeout, the cancel applied
             | connection-timeout   TOP15 isp.http-connection-timeout, not applied
             | refuse               TOP15 isp.http-connection-refuse, not applied
             | closed               TOP15 isp.http-closed, applied (unknown to the ERP)
             | 502                  HTTP 502 with an HTML page, applied
             | reset                the answer cut by a TCP reset halfway, applied
             | delay=MS             the real answer after MS milliseconds (1 to ${MAX_FAULT_DELAY_MS})
      WHEN  := orderCode=GLOB       the first call of each order matching GLOB (* any, ? one
                                    character); its retries go through
             | every=N              the N-th, 2N-th, ... Qimen call of the run
    e.g. --faults 'read-timeout@orderCode=SO-9*;refuse@every=5;delay=800@every=3'
    After the calls, one line per faulted call says what the ERP did next (retried and got an
    answer, retried into faults, never retried) and what a correct ERP does: retry after
    read-timeout, connection-timeout and refuse (never retrying FAILs); check the order or retry
    after closed, 502 and reset (never retrying WARNs, FAILs under --strict); nothing after a delay.
    Faulted calls are judged like any other; those whose answer the ERP never saw (every fault
    but delay) are left out of the contract.

Seeding: before a cancel, your test seeds the document it cancels:
  curl -sf -X POST "$QIMEN_STATE_CHANGE_URL" -H 'Content-Type: application/json' \\
    -d '{"state":"an order exists","params":{"warehouseCode":"W1","orderCode":"SO-1","status":"NEW","orderType":"JYCK"}}'
  ("no order exists" with orderCode removes it). Status: ${ORDER_STATUS_NAMES.join(", ")}.
  The endpoint is ${PROVIDER_STATES_PATH}; GET lists the states.

Options:
  --consumer NAME     the ERP's name in the contract (letters, digits, ".", "_", "-")
  --out DIR           where the contract goes (default contracts)
  --app-key K         app_key the ERP signs with (default qimen-pact-record-app)
  --secret S          its secret (default: a fresh random one per run, given to the command only)
  --customer-id C     customerId the ERP sends (default qimen-pact-record-customer)
  --junit FILE        JUnit XML report, one testcase per call
  --json FILE         JSON report
  --seed FILE         a JSON list of documents the sandbox holds before the command runs, each
                      {"warehouseCode", "orderCode", "status", optional "ownerCode", "orderType", "orderId"}
  --answer-dialects   rotate the answers through WMS dialects (above)
  --faults SPEC       inject gateway faults (above)
  --strict            warnings fail the call
  -h, --help          show this help

Example (a Java ERP in CI):
  npx qimen-pact record --consumer my-erp --junit record.xml -- mvn -B test
`;
