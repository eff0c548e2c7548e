import { api, session } from './api.js';
import { fieldError, focusHeading, h, notice } from './dom.js';

/**
 * Sign-in with an API token and the instance it belongs to. The token is checked by listing what it may see (root
 * keys, or adapters for a KMIP-only role) before the session starts. {@code reason}: why the last session ended.
 */
export function showSignIn(main, reason, onSignedIn) {
  const token = h('input', { id: 'sign-in-token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false' });
  const instance = h('input', { id: 'sign-in-instance', type: 'text', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'sign-in', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    fieldError(token, token.value.trim() ? '' : 'Enter an API token');
    fieldError(instance, instance.value.trim() ? '' : 'Enter the instance the token belongs to');
    if (!token.value.trim() || !instance.value.trim()) {
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    submit.disabled = true;
    const credentials = { token: token.value.trim(), instance: instance.value.trim() };
    try {
      await probe(credentials);
      session.set(credentials.token, credentials.instance);
      onSignedIn();
    } catch (failure) {
      fieldError(token, failure.status === 401
        ? `The appliance refused this token for this instance: ${failure.message}` : failure.message);
      token.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h('label', { for: 'sign-in-token' }, 'API token'), token,
  h('label', { for: 'sign-in-instance' }, 'Instance ID'), instance,
  h('p', { class: 'hint' }, 'The first token of a new appliance is in <state>/initial-admin-api-token; ',
    'issue others with kmipctl tokens create. The token is kept in this tab only.'),
  submit);
  main.replaceChildren(...[h('h1', {}, 'Sign in'), reason && notice(`Signed out: ${reason}`), form].filter(Boolean));
  focusHeading(main);
}

async function probe(credentials) {
  try {
    await api('GET', '/api/v2/keys?limit=1', { credentials });
  } catch (failure) {
    // A KmipAdapterManager may not read keys; the adapters tell whether the token is good.
    if (failure.status !== 401) {
      throw failure;
    }
    await api('GET', '/api/v2/kmip_adapters?limit=1', { credentials });
  }
}
