// The console is a client of the public REST API, with the operator's API token; it has no endpoint of its own.
// The token lives in sessionStorage only: gone with the tab, never in a cookie or localStorage.

const SESSION_KEY = 'kmip-appliance-console-session';

/** A refusal of the API, with Key Protect's reason code and the field it concerns. */
export class ApiFailure extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get() {
    const text = sessionStorage.getItem(SESSION_KEY);
    return text ? JSON.parse(text) : null;
  },
  set(token, instance) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, instance }));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

/**
 * Calls the API: {@code body} is sent as JSON; {@code headers} add to the token and instance. A 401 ends the
 * session (the token expired or was revoked) and tells the console why.
 */
export async function api(method, path, { body, headers = {}, credentials } = {}) {
  const current = credentials ?? session.get();
  const request = {
    method,
    headers: {
      authorization: `Bearer ${current?.token ?? ''}`,
      'bluemix-instance': current?.instance ?? '',
      accept: 'application/json',
      ...headers,
    },
  };
  if (body !== undefined) {
    request.headers['content-type'] = 'application/json';
    request.body = JSON.stringify(body);
  }
  const response = await fetch(path, request);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (response.ok) {
    return json;
  }
  const resource = json?.resources?.[0];
  const reason = resource?.reasons?.[0];
  const failure = new ApiFailure(response.status, reason?.code ?? 'UNKNOWN',
    reason?.message ?? resource?.errorMsg ?? `${response.status} ${response.statusText}`, reason?.target?.name);
  if (response.status === 401 && !credentials) {
    session.clear();
    window.dispatchEvent(new CustomEvent('signed-out', { detail: failure.message }));
  }
  throw failure;
}

/** Key Protect's request envelope around one resource. */
export function envelope(collectionType, resource) {
  return { metadata: { collectionType, collectionTotal: 1 }, resources: [resource] };
}

export const KEY_TYPE = 'application/vnd.ibm.kms.key+json';
export const ADAPTER_TYPE = 'application/vnd.ibm.kms.kmip_adapter+json';
export const CERTIFICATE_TYPE = 'application/vnd.ibm.kms.kmip_client_certificate+json';
