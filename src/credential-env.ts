/** Environment variables qimen-pact takes credentials from when no flag gives them: the CLI reads them, reports name them. */
export const APP_KEY_ENV = "QIMEN_APP_KEY";
export const SECRET_ENV = "QIMEN_SECRET";
export const CUSTOMER_ID_ENV = "QIMEN_CUSTOMER_ID";
