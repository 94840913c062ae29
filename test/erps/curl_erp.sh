#!/bin/sh
# A stand-in ERP in POSIX shell with curl and openssl, sharing no code with qimen-pact: it signs
# from the Qimen spec (md5 of secret + sorted params + body + secret, upper-case hex), seeds through
# QIMEN_STATE_CHANGE_URL and cancels through QIMEN_URL. ERP_BREAK=<mode> breaks every call one way
# (utc, lower-sign, body-changed, gbk, missing-order-code, hmac) and turns its own checks off.
set -eu
W=WH-SH-01

seed() {
  curl -sSf -X POST "$QIMEN_STATE_CHANGE_URL" -H 'Content-Type: application/json' -d "$1" >/dev/null
}

md5_upper() {
  if [ "${ERP_BREAK:-}" = hmac ]; then
    digest=$(openssl dgst -md5 -hmac "$QIMEN_SECRET" -r | cut -d' ' -f1)
  else
    digest=$(openssl dgst -md5 -r | cut -d' ' -f1)
  fi
  if [ "${ERP_BREAK:-}" = lower-sign ]; then echo "$digest"; else echo "$digest" | tr 'a-f' 'A-F'; fi
}

# cancel BODY EXPECTED: signs and sends one cancel, checks the answer's flag and code.
cancel() {
  body=$1
  if [ "${ERP_BREAK:-}" = utc ]; then now=$(date -u '+%Y-%m-%d %H:%M:%S'); else now=$(date -u -d '+8 hours' '+%Y-%m-%d %H:%M:%S'); fi
  method=md5
  [ "${ERP_BREAK:-}" = hmac ] && method=hmac
  signed="app_key${QIMEN_APP_KEY}customerId${QIMEN_CUSTOMER_ID}formatxmlmethodtaobao.qimen.order.cancelsign_method${method}timestamp${now}v2.0${body}"
  if [ "$method" = hmac ]; then sign=$(printf '%s' "$signed" | md5_upper); else sign=$(printf '%s%s%s' "$QIMEN_SECRET" "$signed" "$QIMEN_SECRET" | md5_upper); fi
  case "${ERP_BREAK:-}" in
    body-changed) body="$body
" ;;
    gbk) body=$(printf '%s' "$body" | iconv -f UTF-8 -t GBK) ;;
  esac
  stamp=$(printf '%s' "$now" | sed 's/ /+/; s/:/%3A/g')
  query="method=taobao.qimen.order.cancel&timestamp=${stamp}&format=xml&app_key=${QIMEN_APP_KEY}&v=2.0&sign_method=${method}&customerId=${QIMEN_CUSTOMER_ID}&sign=${sign}"
  answer=$(printf '%s' "$body" | curl -sSf -X POST "${QIMEN_URL}?${query}" -H 'Content-Type: text/xml;charset=utf-8' --data-binary @-)
  got=$(printf '%s' "$answer" | sed -n 's:.*<flag>\([^<]*\)</flag>.*<code>\([^<]*\)</code>.*:\1 \2:p')
  if [ -z "${ERP_BREAK:-}" ] && [ "$got" != "$2" ]; then echo "FAILED: expected $2, got $got" >&2; exit 1; fi
  echo "ok $got"
}

for n in 1 2; do
  seed "{\"state\":\"an order exists\",\"params\":{\"warehouseCode\":\"$W\",\"orderCode\":\"SH-SO-$n\",\"status\":\"ACCEPT\",\"ownerCode\":\"OWNER-SH\"}}"
  code="<orderCode>SH-SO-$n</orderCode>"
  [ "${ERP_BREAK:-}" = missing-order-code ] && code=""
  cancel "<request><warehouseCode>$W</warehouseCode><ownerCode>OWNER-SH</ownerCode>${code}<orderType>PTCK</orderType><cancelReason>地址错误</cancelReason><extendProps><channel>pos</channel></extendProps></request>" "success 0"
done
if [ -z "${ERP_BREAK:-}" ]; then
  seed "{\"state\":\"an order exists\",\"params\":{\"warehouseCode\":\"$W\",\"orderCode\":\"SH-SO-7\",\"status\":\"CANCELED\"}}"
  cancel "<request><warehouseCode>$W</warehouseCode><orderCode>SH-SO-7</orderCode></request>" "success 0"
fi
