import { quoteForMessage } from "./log-line.js";
import { isOrderStatus, ORDER_STATUS_NAMES, type OrderDocument, type OrderStore } from "./order-store.js";

/**
 * Pact's provider-state protocol: the verifier POSTs `{"state", "params", "action"}` before (setup)
 * and, if configured, after (teardown) each interaction. Setup and teardown touch only the order
 * code named in the params, never the whole store, so verifiers running in parallel against one
 * sandbox do not undo each other's states.
 */
export const PROVIDER_STATES_PATH = "/pact/provider-states";

export interface StateParamSpec {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
}

export interface ProviderStateSpec {
  readonly name: string;
  readonly description: string;
  readonly params: readonly StateParamSpec[];
}

/** What the state-change endpoint answers: an HTTP status and a JSON body. */
export interface StateChangeAnswer {
  readonly status: 200 | 400;
  readonly body: Readonly<Record<string, unknown>>;
  /** For the request log. */
  readonly state?: string;
  readonly action?: string;
  readonly orderCode?: string;
  /** Params the state does not know: ignored (a real WMS's own states may need more), but logged. */
  readonly ignoredParams?: readonly string[];
}

type Params = Readonly<Record<string, string>>;

interface StateHandler extends ProviderStateSpec {
  setup(params: Params, store: OrderStore): Record<string, unknown>;
  teardown(params: Params, store: OrderStore): Record<string, unknown>;
}

const ORDER_EXISTS: StateHandler = {
  name: "an order exists",
  description:
    "the WMS holds exactly this document in this status: setup replaces every document with the same warehouseCode " +
    "and orderCode, whatever its owner; teardown removes this one",
  params: [
    { name: "warehouseCode", required: true, description: "warehouse of the document" },
    { name: "orderCode", required: true, description: "the ERP's document code" },
    { name: "status", required: true, description: `one of ${ORDER_STATUS_NAMES.join(", ")}` },
    { name: "ownerCode", required: false, description: "owner (货主); a cancel naming another owner misses it" },
    { name: "orderType", required: false, description: "order type code, e.g. JYCK or CGRK" },
    { name: "orderId", required: false, description: "the WMS's own document id" },
  ],
  setup(params, store) {
    const status = params["status"] ?? "";
    if (!isOrderStatus(status)) {
      throw new StateParamError(
        `param "status" must be one of ${ORDER_STATUS_NAMES.join(", ")}, got ${quoteForMessage(status)}`,
      );
    }
    const document: OrderDocument = {
      ...identityOf(params),
      ...only(params, ["orderType", "orderId"]),
      status,
    };
    // Exactly this document afterwards: one an earlier setup left under another owner would make
    // the cancel ambiguous, and so the interaction's outcome depend on what ran before it.
    store.removeAll({ orderCode: document.orderCode, warehouseCode: document.warehouseCode });
    store.put(document);
    return { ...document };
  },
  teardown(params, store) {
    return { removed: store.delete(identityOf(params)) ? 1 : 0 };
  },
};

const NO_ORDER_EXISTS: StateHandler = {
  name: "no order exists",
  description: "the WMS holds no document with this code (in this warehouse, when given)",
  params: [
    { name: "orderCode", required: true, description: "the ERP's document code" },
    { name: "warehouseCode", required: false, description: "only this warehouse; every warehouse when absent" },
  ],
  setup(params, store) {
    const orderCode = params["orderCode"] ?? "";
    const warehouseCode = params["warehouseCode"];
    return { removed: store.removeAll(warehouseCode === undefined ? { orderCode } : { orderCode, warehouseCode }) };
  },
  // Nothing to undo: the documents it removed belonged to no one still running.
  teardown: () => ({ removed: 0 }),
};

const HANDLERS: ReadonlyMap<string, StateHandler> = new Map(
  [ORDER_EXISTS, NO_ORDER_EXISTS].map((handler) => [handler.name, handler]),
);

/** The states the sandbox knows, with their params: served at GET {PROVIDER_STATES_PATH}. */
export const PROVIDER_STATES: readonly ProviderStateSpec[] = [...HANDLERS.values()].map(
  ({ name, description, params }) => ({
    name,
    description,
    params,
  }),
);

const ACTIONS = ["setup", "teardown"] as const;

class StateParamError extends Error {}

/**
 * Applies one state change. `action` defaults to setup (older verifiers send none); an absent or
 * empty `state` is a no-op. Anything else the sandbox cannot honour exactly is a 400 that says what
 * is known, so the verifier can report it.
 */
export function applyStateChange(payload: unknown, store: OrderStore): StateChangeAnswer {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return badRequest('state change must be a JSON object {"state", "params", "action"}');
  }
  const { state, params = {}, action = "setup" } = payload as Record<string, unknown>;
  const about = { ...(typeof state === "string" ? { state } : {}), ...(typeof action === "string" ? { action } : {}) };
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) {
    return badRequest(`"action" must be ${ACTIONS.join(" or ")}, got ${describeJson(action)}`, about);
  }
  // Pact's verifier core also calls for interactions that have no provider state: nothing to set.
  if (state === undefined || state === "") return { status: 200, body: {}, ...about };
  const handler = typeof state === "string" ? HANDLERS.get(state) : undefined;
  if (handler === undefined) {
    const known = `known states are ${[...HANDLERS.keys()].map((name) => JSON.stringify(name)).join(", ")}`;
    return badRequest(
      typeof state === "string"
        ? `unknown provider state ${quoteForMessage(state)}: ${known}`
        : `"state" must be a string naming a provider state, got ${describeJson(state)}: ${known}`,
      about,
    );
  }
  try {
    const checked = checkParams(handler, params);
    const orderCode = checked["orderCode"];
    const ignoredParams = Object.keys(params as object).filter(
      (name) => !handler.params.some((spec) => spec.name === name),
    );
    const result = action === "setup" ? handler.setup(checked, store) : handler.teardown(checked, store);
    return {
      status: 200,
      body: result,
      ...about,
      ...(orderCode === undefined ? {} : { orderCode }),
      ...(ignoredParams.length === 0 ? {} : { ignoredParams }),
    };
  } catch (error) {
    if (!(error instanceof StateParamError)) throw error;
    return badRequest(`state ${JSON.stringify(handler.name)}: ${error.message}`, about, handler);
  }
}

function checkParams(handler: StateHandler, params: unknown): Params {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new StateParamError('"params" must be a JSON object');
  }
  const checked: Record<string, string> = {};
  for (const spec of handler.params) {
    const value = (params as Record<string, unknown>)[spec.name];
    if (value === undefined || value === null) {
      if (spec.required) throw new StateParamError(`param "${spec.name}" is required (${spec.description})`);
      continue;
    }
    if (typeof value !== "string" || value === "") {
      throw new StateParamError(`param "${spec.name}" must be a non-empty string, got ${describeJson(value)}`);
    }
    checked[spec.name] = value;
  }
  return checked;
}

/**
 * A caller's JSON value as an error message shows it: scalars as written (strings cut short),
 * arrays and objects by kind only. Serialising them whole would echo 64 KiB back, and a few
 * thousand levels of nesting overflow JSON.stringify's stack.
 */
function describeJson(value: unknown): string {
  if (typeof value === "string") return quoteForMessage(value);
  if (Array.isArray(value)) return "a JSON array";
  if (typeof value === "object" && value !== null) return "a JSON object";
  return String(value);
}

/** The params given among `names`; checkParams has already insisted on the required ones. */
function only<K extends string>(params: Params, names: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(
    names.flatMap((name) => (params[name] === undefined ? [] : [[name, params[name]]])),
  ) as Partial<Record<K, string>>;
}

function identityOf(params: Params): Pick<OrderDocument, "warehouseCode" | "orderCode" | "ownerCode"> {
  return {
    warehouseCode: params["warehouseCode"] ?? "",
    orderCode: params["orderCode"] ?? "",
    ...only(params, ["ownerCode"]),
  };
}

function badRequest(error: string, about: Partial<StateChangeAnswer> = {}, handler?: StateHandler): StateChangeAnswer {
  return {
    status: 400,
    body: handler === undefined ? { error, knownStates: PROVIDER_STATES } : { error, params: handler.params },
    ...about,
  };
}
