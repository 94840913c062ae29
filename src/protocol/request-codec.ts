import { QimenError } from "./errors.js";
import type { OrderCancelRequest, SubSourceOrder } from "./model.js";
import { isKnownOrderType } from "./order-types.js";
import {
  DEFAULT_XML_LIMITS,
  excerpt,
  parseXml,
  quoteName,
  RESERVED_ELEMENT_NAMES,
  singleValuedChildren,
  type XmlElement,
  type XmlLimits,
} from "./xml.js";
import { trimXmlSpace } from "./xml-space.js";
import { writeXmlDocument, type XmlContent } from "./xml-writer.js";

export const REQUEST_ROOT = "request";
const TEXT_FIELDS = ["warehouseCode", "ownerCode", "orderCode", "orderId", "orderType", "cancelReason"] as const;
const REQUIRED_FIELDS = ["warehouseCode", "orderCode"] as const;
const SUB_SOURCE_ORDER_ITEMS = new Set(["subSourceOrder", "sub_source_order"]);
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...TEXT_FIELDS, "extendProps", "subSourceOrders", "remark"]);
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface DecodedCancelRequest {
  readonly request: OrderCancelRequest;
  /** Things a careful receiver should log but not reject: unknown order types, unknown elements, stray text. */
  readonly warnings: readonly string[];
}

/**
 * Encodes a request as the XML body an ERP sends, fields in the spec's order. Throws TypeError for
 * a request no WMS could accept (missing required field, extendProps key that is no XML name,
 * text holding a character XML cannot carry).
 */
export function encodeCancelRequest(request: OrderCancelRequest): string {
  for (const field of REQUIRED_FIELDS) {
    if (typeof request[field] !== "string" || trimXmlSpace(request[field]) === "") {
      throw new TypeError(`order.cancel request needs a non-empty ${field}`);
    }
  }
  const body: Record<string, XmlContent> = {};
  for (const field of TEXT_FIELDS) {
    if (request[field] !== undefined) body[field] = request[field];
  }
  if (request.extendProps !== undefined) {
    for (const key of Object.keys(request.extendProps)) {
      if (!XML_NAME.test(key)) {
        throw new TypeError(
          `extendProps key ${JSON.stringify(excerpt(key))} is not a valid XML element name: use letters, digits, "_", "-" or "."`,
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
  return writeXmlDocument(REQUEST_ROOT, body);
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
      `order.cancel body must have root <${REQUEST_ROOT}>, got ${quoteName(root.name)}`,
      { context: { expected: REQUEST_ROOT, actual: excerpt(root.name) } },
    );
  }
  const warnings: string[] = [];
  const fields = singleValuedChildren(root);
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
  if (extendProps !== undefined) request["extendProps"] = decodeExtendProps(extendProps, warnings);
  const subSourceOrders = fields.get("subSourceOrders");
  if (subSourceOrders !== undefined) request["subSourceOrders"] = decodeSubSourceOrders(subSourceOrders, warnings);
  const remark = fields.get("remark");
  if (remark !== undefined) request["remark"] = leafText(remark, REQUEST_ROOT);

  const orderType = request["orderType"];
  if (typeof orderType === "string" && orderType !== "" && !isKnownOrderType(orderType)) {
    warnings.push(
      `orderType ${JSON.stringify(excerpt(orderType))} is not one of the 19 codes of the order.cancel spec; kept as sent`,
    );
  }
  for (const name of fields.keys()) {
    if (!KNOWN_FIELDS.has(name)) warnings.push(`unknown element ${quoteName(name)} in <${REQUEST_ROOT}> ignored`);
  }
  return { request: request as unknown as OrderCancelRequest, warnings };
}

function leafText(element: XmlElement, parentPath: string): string {
  if (element.children.length > 0) {
    throw new QimenError(
      "QIMEN_FIELD_INVALID",
      `${quoteName(element.name)} must hold text, but contains ${quoteName(element.children[0]?.name ?? "")}`,
      { context: { field: `${parentPath}.${excerpt(element.name)}` } },
    );
  }
  return element.text;
}

/** Text directly inside an element that only holds elements is dropped: say so rather than lose it silently. */
function warnAboutText(container: XmlElement, path: string, holds: string, warnings: string[]): void {
  if (container.text === "") return;
  warnings.push(
    `text ${JSON.stringify(excerpt(container.text))} directly inside ${path} ignored: it holds ${holds}, not text`,
  );
}

function decodeExtendProps(element: XmlElement, warnings: string[]): Record<string, string> {
  const path = `${REQUEST_ROOT}.extendProps`;
  warnAboutText(element, path, "one element per property", warnings);
  const props: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, child] of singleValuedChildren(element)) {
    props[key] = leafText(child, path);
  }
  // A plain object again, so callers can compare and serialise it normally.
  return { ...props };
}

function decodeSubSourceOrders(element: XmlElement, warnings: string[]): SubSourceOrder[] {
  const path = `${REQUEST_ROOT}.subSourceOrders`;
  warnAboutText(element, path, "<subSourceOrder> items", warnings);
  return element.children.map((item) => {
    if (!SUB_SOURCE_ORDER_ITEMS.has(item.name)) {
      throw new QimenError(
        "QIMEN_FIELD_INVALID",
        `<subSourceOrders> may only contain <subSourceOrder> (or <sub_source_order>) items, got ${quoteName(item.name)}`,
        { context: { field: `${path}.${excerpt(item.name)}` } },
      );
    }
    const code = singleValuedChildren(item).get("subSourceOrderCode");
    return code === undefined ? {} : { subSourceOrderCode: leafText(code, `${path}.${item.name}`) };
  });
}
