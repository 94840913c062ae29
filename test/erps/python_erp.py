#!/usr/bin/env python3
"""A stand-in ERP in Python 3 (standard library only), sharing no code with qimen-pact: it signs
from the Qimen spec, seeds documents through QIMEN_STATE_CHANGE_URL and cancels them through
QIMEN_URL, as an ERP's integration tests would under `qimen-pact record`.

ERP_BREAK=<mode> makes every call broken one way (utc, lower-sign, body-changed, gbk,
missing-order-code, hmac); its own checks are then off, so only record's judgement fails the run."""
import datetime, hashlib, hmac, json, os, sys, urllib.parse, urllib.request

URL, STATES = os.environ["QIMEN_URL"], os.environ["QIMEN_STATE_CHANGE_URL"]
APP_KEY, SECRET, CUSTOMER = os.environ["QIMEN_APP_KEY"], os.environ["QIMEN_SECRET"], os.environ["QIMEN_CUSTOMER_ID"]
BREAK = os.environ.get("ERP_BREAK", "")
ORDER_TYPE = os.environ.get("ERP_ORDER_TYPE", "JYCK")  # PTRK: no spec code, which record warns about
SEEDED = os.environ.get("ERP_SEEDED", "") != ""  # the shipped order is held already (record --seed)


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
    answer = post(URL + "?" + urllib.parse.urlencode(params), body, "text/xml;charset=utf-8")
    flag = answer.split("<flag>")[1].split("</flag>")[0]
    code = answer.split("<code>")[1].split("</code>")[0] if "<code>" in answer else ""
    return flag, code


def check(expected, got, what):
    if BREAK == "" and got != expected:
        print(f"FAILED {what}: expected {expected}, got {got}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {what}")


W = "WH-PY-01"
for n in range(1, 4):  # three cancels made the same way: one behaviour in the contract
    code = f"PY-SO-{n}"
    seed("an order exists", warehouseCode=W, orderCode=code, status="NEW", orderType=ORDER_TYPE)
    fields = {"warehouseCode": W, "orderCode": code, "orderType": ORDER_TYPE, "cancelReason": "客户取消"}
    if BREAK == "missing-order-code":
        del fields["orderCode"]
    check(("success", "0"), cancel(fields), f"cancel {code}")
if BREAK == "":
    if not SEEDED:
        seed("an order exists", warehouseCode=W, orderCode="PY-SO-9", status="DELIVERED", orderType="JYCK")
    check(("failure", "order-shipped"), cancel({"warehouseCode": W, "orderCode": "PY-SO-9", "orderType": "JYCK"}), "shipped")
    seed("no order exists", orderCode="PY-SO-0", warehouseCode=W)
    check(("failure", "order-not-found"), cancel({"warehouseCode": W, "orderCode": "PY-SO-0"}), "unknown order")
