#!/usr/bin/env python3
"""An independent Qimen WMS for taobao.qimen.order.cancel, written from docs/protocol.md alone.

Standard library only. It answers in the style named by --style, so a test can show the gate
failing the styles the official Java SDK cannot read and passing the ones it reads:

  plain               the spec's answer, text/xml;charset=utf-8
  bom                 the same, after a UTF-8 byte-order mark
  quoted-charset      Content-Type: text/xml; charset="utf-8"
  spaced-flag         <flag> success </flag>
  trailing-semicolon  Content-Type: text/xml; charset=utf-8;
  dotnet              .NET XmlSerializer style: CRLF, xmlns:xsi/xsd, xsi:nil on an empty message
  state-200-failure   the state endpoint answers 200 {"success":false,...} to every setup
  store-resetting     plain answers, but every setup first empties the whole store (a common
                      practice): interactions verified side by side undo each other's states

Usage: QIMEN_APP_KEY=K QIMEN_SECRET=S wms.py --style STYLE
Listens on 127.0.0.1, a port the system chooses; prints "listening on port N" first.
Qimen calls: POST /qimen. Provider states (Pact's protocol): POST /pact/provider-states.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

STYLES = ["plain", "bom", "quoted-charset", "spaced-flag", "trailing-semicolon", "dotnet", "state-200-failure", "store-resetting"]
CANCELLABLE = {"NEW", "ACCEPT", "PRINT", "PICK", "CHECK", "PACKAGE", "WEIGHT", "READY", "CANCELED"}
METHODS = {"order.cancel", "taobao.qimen.order.cancel"}


def md5_sign(params, body, secret):
    """UPPER(HEX(MD5(secret + k1v1 + k2v2 ... + body + secret))), keys sorted, sign left out."""
    joined = "".join(key + value for key, value in sorted(params.items()) if key != "sign")
    return hashlib.md5((secret + joined + body + secret).encode("utf-8")).hexdigest().upper()


class Wms:
    def __init__(self, style, app_key, secret):
        self.style = style
        self.app_key = app_key
        self.secret = secret
        self.orders = {}
        self.lock = threading.Lock()

    def change_state(self, change):
        state, params = change.get("state"), change.get("params") or {}
        action = change.get("action", "setup")
        if self.style == "state-200-failure" and action == "setup":
            return 200, {"success": False, "message": "cannot seed the order"}
        code = params.get("orderCode")
        with self.lock:
            if self.style == "store-resetting" and action == "setup":
                self.orders.clear()
            if state == "an order exists" and action == "setup":
                self.orders[code] = params.get("status")
            elif state in ("an order exists", "no order exists"):
                self.orders.pop(code, None)
            elif state:
                return 400, {"error": "unknown state " + str(state)}
        return 200, {}

    def cancel(self, query, body):
        params = dict(parse_qsl(query, keep_blank_values=True))
        given = params.get("sign", "")
        expected = md5_sign(params, body, self.secret)
        if params.get("app_key") != self.app_key or not hmac.compare_digest(given, expected):
            return "failure", "sign-check-failure", "Illegal request"
        if params.get("method") not in METHODS:
            return "failure", "-99", "unknown method"
        try:
            order_code = ET.fromstring(body).findtext("orderCode")
        except ET.ParseError:
            return "failure", "-1", "malformed XML"
        with self.lock:
            status = self.orders.get(order_code)
        if status is None:
            return "failure", "order-not-found", "no order " + str(order_code)
        if status in CANCELLABLE:
            with self.lock:
                self.orders[order_code] = "CANCELED"
            return "success", "0", "cancelled"
        return "failure", "order-shipped", "order " + order_code + " is " + status + ": too late to cancel"

    def answer(self, flag, code, message):
        """The <response> bytes and Content-Type in this WMS's style."""
        content_type = "text/xml;charset=utf-8"
        shown_flag = " success " if self.style == "spaced-flag" and flag == "success" else flag
        if self.style == "dotnet":
            message_element = "<message>" + message + "</message>" if flag == "failure" else '<message xsi:nil="true" />'
            xml = (
                '<?xml version="1.0" encoding="utf-8"?>\r\n'
                '<response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\r\n'
                "  <flag>" + flag + "</flag>\r\n  <code>" + code + "</code>\r\n  " + message_element + "\r\n</response>"
            )
        else:
            xml = (
                '<?xml version="1.0" encoding="utf-8"?><response><flag>' + shown_flag + "</flag><code>" + code
                + "</code><message>" + message + "</message></response>"
            )
        body = xml.encode("utf-8")
        if self.style == "bom":
            body = b"\xef\xbb\xbf" + body
        if self.style == "quoted-charset":
            content_type = 'text/xml; charset="utf-8"'
        if self.style == "trailing-semicolon":
            content_type = "text/xml; charset=utf-8;"
        return content_type, body


def handler_for(wms):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def send(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            url = urlsplit(self.path)
            if url.path == "/pact/provider-states":
                try:
                    status, value = wms.change_state(json.loads(raw.decode("utf-8") or "{}"))
                except ValueError:
                    status, value = 400, {"error": "the body is no JSON"}
                self.send(status, "application/json", json.dumps(value).encode("utf-8"))
            elif url.path == "/qimen":
                content_type, body = wms.answer(*wms.cancel(url.query, raw.decode("utf-8", "replace")))
                self.send(200, content_type, body)
            else:
                self.send(404, "text/plain", b"not found")

    return Handler


def main():
    parser = argparse.ArgumentParser(description="An independent Qimen order.cancel WMS for gate tests.")
    parser.add_argument("--style", choices=STYLES, default="plain")
    args = parser.parse_args()
    wms = Wms(args.style, os.environ.get("QIMEN_APP_KEY", ""), os.environ.get("QIMEN_SECRET", ""))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(wms))
    server.daemon_threads = True
    print("listening on port %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
