import { XMLBuilder } from "fast-xml-parser";
import { QimenError } from "./errors.js";
import type { OrderCancelRequest, SubSourceOrder } from "./model.js";
import { isKnownOrderType } from "./order-types.js";
import { DEFAULT_XML_LIMITS, parseXml, RESERVED_ELEMENT_NAMES, type XmlElement, type XmlLimits } from "./xml.js";

export const REQUEST_ROOT = "request";
const TEXT_FIELDS = ["warehouseCode", "ownerCode", "orderCode", "orderId", "orderType", "cancelReason"] as const;
const REQUIRED_FIELDS = ["warehouseCode", "orderCode"] as const;
const SUB_SOURCE_ORDER_ITEMS = new Set(["subSourceOrder", "sub_source_order"]);
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export interface DecodedCancelRequest {
  readonly request: OrderCancelRequest;
  /** Things a careful receiver should log but not reject: unknown order types, unknown elements. */
  readonly warnings: readonly string[];
}

const builder = new XMLBuilder({
  format: false,
  ignoreAttributes: true,
  suppressEmptyNode: false,
  processEntities: true,
});

/**
 * Encodes a request as the XML body an ERP sends, fields in the spec's order. Throws TypeError for
 * a request no WMS could accept (missing required field, extendProps key that is no XML name).
 */
export function encodeCancelRequest(request: OrderCancelRequest): string {
  for (const field of REQUIRED_FIELDS) {
    if (typeof request[field] !== "string" || request[field].trim() === "") {
      throw new TypeError(`order.cancel request needs a non-empty ${field}`);
    }
  }
  const body: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    if (request[field] !== undefined) body[field] = request[field];
  }
  if (request.extendProps !== undefined) {
    for (const key of Object.keys(request.extendProps)) {
      if (!XML_NAME.test(key)) {
        throw new TypeError(
          `extendProps key ${JSON.stringify(key)} is not a valid XML element name: use letters, digits, "_", "-" or "."`,
        );
      }
      if (RESERVED_ELEMENT_NAMES.has(key)) {
        throw new TypeError(`extendProps key ${JSON.stringify(key)} is reserved: decoders reject it, use another name`);
      }
    }
    body["extendProps"] = { ...request.extendProps };
  }
  if (request.subSourceOrders !== undefined) {
    body["subSourceOrders"] = {
      subSourceOrder: request.subSourceOrders.map((item) =>
        item.subSourceOrderCode === undefined ? {} : { subSourceOrderCode: item.subSourceOrderCode },
      ),
    };
  }
  if (request.remark !== undefined) body["remark"] = request.remark;
  return XML_DECLARATION + String(builder.build({ [REQUEST_ROOT]: body }));
}

/**
 * Decodes an untrusted order.cancel body. Rejects with a QimenError naming the field for anything a
 * WMS must not act on: malformed XML, a wrong root, a duplicated single-valued field, a missing
 * required field, a field with unexpected structure.
 */
export function decodeCancelRequest(
  body: string | Uint8Array,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
): DecodedCancelRequest {
  const root = parseXml(body, limits);
  if (root.name !== REQUEST_ROOT) {
    throw new QimenError(
      "QIMEN_XML_WRONG_ROOT",
      `order.cancel body must have root <${REQUEST_ROOT}>, got <${root.name}>`,
      {
        context: { expected: REQUEST_ROOT, actual: root.name },
      },
    );
  }
  const warnings: string[] = [];
  const fields = uniqueChildren(root);
  const request: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    const element = fields.get(field);
    if (element !== undefined) request[field] = leafText(element, REQUEST_ROOT);
  }
  for (const field of REQUIRED_FIELDS) {
    if (request[field] === undefined || request[field] === "") {
      throw new QimenError("QIMEN_FIELD_MISSING", `order.cancel request is missing the required field <${field}>`, {
        context: { field },
      });
    }
  }
  const extendProps = fields.get("extendProps");
  if (extendProps !== undefined) request["extendProps"] = decodeExtendProps(extendProps);
  const subSourceOrders = fields.get("subSourceOrders");
  if (subSourceOrders !== undefined) request["subSourceOrders"] = decodeSubSourceOrders(subSourceOrders);
  const remark = fields.get("remark");
  if (remark !== undefined) request["remark"] = leafText(remark, REQUEST_ROOT);

  const orderType = request["orderType"];
  if (typeof orderType === "string" && orderType !== "" && !isKnownOrderType(orderType)) {
    warnings.push(`orderType "${orderType}" is not one of the 19 codes of the order.cancel spec; kept as sent`);
  }
  const known = new Set<string>([...TEXT_FIELDS, "extendProps", "subSourceOrders", "remark"]);
  for (const name of fields.keys()) {
    if (!known.has(name)) warnings.push(`unknown element <${name}> in <${REQUEST_ROOT}> ignored`);
  }
  return { request: request as unknown as OrderCancelRequest, warnings };
}

function uniqueChildren(parent: XmlElement): Map<string, XmlElement> {
  const byName = new Map<string, XmlElement>();
  for (const child of parent.children) {
    if (byName.has(child.name)) {
      throw new QimenError(
        "QIMEN_FIELD_DUPLICATE",
        `<${parent.name}> contains <${child.name}> more than once; it is single-valued, send it once`,
        { context: { field: `${parent.name}.${child.name}` } },
      );
    }
    byName.set(child.name, child);
  }
  return byName;
}

function leafText(element: XmlElement, parentPath: string): string {
  if (element.children.length > 0) {
    throw new QimenError(
      "QIMEN_FIELD_INVALID",
      `<${element.name}> must hold text, but contains <${element.children[0]?.name}>`,
      { context: { field: `${parentPath}.${element.name}` } },
    );
  }
  return element.text;
}

function decodeExtendProps(element: XmlElement): Record<string, string> {
  const props: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, child] of uniqueChildren(element)) {
    props[key] = leafText(child, `${REQUEST_ROOT}.extendProps`);
  }
  // A plain object again, so callers can compare and serialise it normally.
  return { ...props };
}

function decodeSubSourceOrders(element: XmlElement): SubSourceOrder[] {
  const path = `${REQUEST_ROOT}.subSourceOrders`;
  return element.children.map((item) => {
    if (!SUB_SOURCE_ORDER_ITEMS.has(item.name)) {
      throw new QimenError(
        "QIMEN_FIELD_INVALID",
        `<subSourceOrders> may only contain <subSourceOrder> (or <sub_source_order>) items, got <${item.name}>`,
        { context: { field: `${path}.${item.name}` } },
      );
    }
    const code = uniqueChildren(item).get("subSourceOrderCode");
    return code === undefined ? {} : { subSourceOrderCode: leafText(code, `${path}.${item.name}`) };
  });
}
