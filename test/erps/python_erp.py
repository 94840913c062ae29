#!/usr/bin/env python3
"""A stand-in ERP in Python 3 (standard library only), sharing no code with qimen-pact: it signs
from the Qimen spec, seeds documents through QIMEN_STATE_CHANGE_URL and cancels them through
QIMEN_URL, as an ERP's integration tests would under `qimen-pact record`.

ERP_BREAK=<mode> makes every call broken one way (utc, lower-sign, body-changed, gbk,
missing-order-code, hmac); its own checks are then off, so only record's judgement fails the run.
It reads answers as the official SDK does (an XML parser, the flag alone decides a success);
ERP_PARSER=strict is a twin stricter than the SDK: it cuts the answer apart as text and wants
<code>0</code> on a success. ERP_ORDERS=N cancels N new orders (default 3). Gateway faults
(TOP15, HTTP errors, a cut connection): ERP_RETRY=1 repeats the cancel (a repeat is safe), up
to 3 times; without it the ERP gives up on that order and goes on."""
import datetime, hashlib, hmac, http.client, json, os, sys, urllib.error, urllib.parse, urllib.request
import xml.etree.ElementTree as ElementTree

URL, STATES = os.environ["QIMEN_URL"], os.environ["QIMEN_STATE_CHANGE_URL"]
APP_KEY, SECRET, CUSTOMER = os.environ["QIMEN_APP_KEY"], os.environ["QIMEN_SECRET"], os.environ["QIMEN_CUSTOMER_ID"]
BREAK = os.environ.get("ERP_BREAK", "")
ORDER_TYPE = os.environ.get("ERP_ORDER_TYPE", "JYCK")  # PTRK: no spec code, which record warns about
SEEDED = os.environ.get("ERP_SEEDED", "") != ""  # the shipped order is held already (record --seed)
STRICT_PARSER = os.environ.get("ERP_PARSER", "") == "strict"
ORDERS = int(os.environ.get("ERP_ORDERS", "3"))
RETRY = os.environ.get("ERP_RETRY", "") != ""


def post(url, body, content_type):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read().decode("utf-8")


def seed(state, **params):
    post(STATES, json.dumps({"state": state, "params": params, "action": "setup"}).encode(), "application/json")


def sign(params, body):
    signed = "".join(k + v for k, v in sorted(params.items())).encode("utf-8") + body
    if BREAK == "hmac":
        digest = hmac.new(SECRET.encode(), signed, hashlib.md5).hexdigest()
    else:
        digest = hashlib.md5(SECRET.encode() + signed + SECRET.encode()).hexdigest()
    return digest if BREAK == "lower-sign" else digest.upper()


def cancel(fields):
    xml = "<request>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</request>"
    body = xml.encode("utf-8")
    clock = datetime.datetime.now(datetime.timezone.utc)
    if BREAK != "utc":
        clock += datetime.timedelta(hours=8)
    params = {"method": "taobao.qimen.order.cancel", "timestamp": clock.strftime("%Y-%m-%d %H:%M:%S"), "format": "xml",
              "app_key": APP_KEY, "v": "2.0", "sign_method": "hmac" if BREAK == "hmac" else "md5", "customerId": CUSTOMER}
    params["sign"] = sign(params, body)
    if BREAK == "body-changed":
        body = b'<?xml version="1.0" encoding="utf-8"?>' + body
    if BREAK == "gbk":
        body = xml.encode("gbk")
    try:
        return read_answer(post(URL + "?" + urllib.parse.urlencode(params), body, "text/xml;charset=utf-8"))
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError) as fault:
        return "fault", type(fault).__name__


def read_answer(answer):
    if STRICT_PARSER:
        flag = answer.split("<flag>")[1].split("</flag>")[0]
        return flag, answer.split("<code>")[1].split("</code>")[0] if "<code>" in answer else ""
    fields = {element.tag.split("}")[-1]: element.text or "" for element in ElementTree.fromstring(answer.encode("utf-8"))}
    if fields.get("code", "").startswith("TOP"):
        return "fault", fields["code"]
    # The flag alone decides a success (its code may be 0, 0000 or absent); a failure says why in its code.
    return (fields["flag"], "0") if fields["flag"] == "success" else (fields["flag"], fields.get("code", ""))


def cancel_with_retries(fields):
    got = cancel(fields)
    for _ in range(3 if RETRY else 0):
        if got[0] != "fault":
            break
        got = cancel(fields)
    return got


def check(expected, got, what):
    if got[0] == "fault" and not RETRY:
        print(f"gave up {what}: gateway fault {got[1]}")
        return
    if BREAK == "" and got != expected:
        print(f"FAILED {what}: expected {expected}, got {got}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {what}")


W = "WH-PY-01"
for n in range(1, ORDERS + 1):  # cancels made the same way: one behaviour in the contract
    code = f"PY-SO-{n}"
    seed("an order exists", warehouseCode=W, orderCode=code, status="NEW", orderType=ORDER_TYPE)
    fields = {"warehouseCode": W, "orderCode": code, "orderType": ORDER_TYPE, "cancelReason": "客户取消"}
    if BREAK == "missing-order-code":
        del fields["orderCode"]
    check(("success", "0"), cancel_with_retries(fields), f"cancel {code}")
if BREAK == "":
    if not SEEDED:
        seed("an order exists", warehouseCode=W, orderCode="PY-SO-9", status="DELIVERED", orderType="JYCK")
    check(("failure", "order-shipped"), cancel_with_retries({"warehouseCode": W, "orderCode": "PY-SO-9", "orderType": "JYCK"}), "shipped")
    seed("no order exists", orderCode="PY-SO-0", warehouseCode=W)
    check(("failure", "order-not-found"), cancel_with_retries({"warehouseCode": W, "orderCode": "PY-SO-0"}), "unknown order")
