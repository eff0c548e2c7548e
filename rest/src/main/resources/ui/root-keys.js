import { KEY_TYPE, api, envelope } from './api.js';
import { ROOT_KEY_STATES } from './adapter-details.js';
import { sidePanel } from './adapters.js';
import { announce, fieldError, focusHeading, h, notice, stateBadge, time } from './dom.js';

const REWRAP_POLL_MS = 500;

/**
 * Root keys: create, list with state and last rotation, rotate (with the re-seal of the KMIP keys under the new
 * version shown as it goes), disable and enable, delete with a confirmation that names what it stops.
 */
export async function showRootKeys(main) {
  const create = h('button', { type: 'button', onclick: () => openCreatePanel(main, create) }, 'Create root key');
  const region = h('div', { 'aria-busy': 'true' }, 'Loading root keys…');
  const problem = h('div', {});
  main.replaceChildren(h('h1', {}, 'Root keys'),
    h('p', { class: 'hint' }, 'Root keys live in the HSM and never leave it; each protects the KMIP keys of the ',
      'adapters bound to it. A rotation makes a new version and re-seals every KMIP key under it. A disabled key ',
      'can be enabled again 30 seconds later at the earliest (the appliance\'s policy, as Key Protect\'s), and a ',
      'key rotates at most once an hour unless the operator changed that.'),
    h('div', { class: 'toolbar' }, create), problem, region);
  focusHeading(main);
  await loadKeys(main, region, problem);
}

async function loadKeys(main, region, problem) {
  let keys;
  try {
    keys = (await api('GET', '/api/v2/keys?state=1,2,3,5&limit=200')).resources ?? [];
  } catch (failure) {
    region.replaceChildren(notice(`The root keys could not be listed: ${failure.message}`));
    region.removeAttribute('aria-busy');
    return;
  }
  const reload = () => loadKeys(main, region, problem);
  region.replaceChildren(keys.length === 0
    ? h('div', { class: 'empty-state' }, h('h2', {}, 'No root keys yet'),
      h('p', {}, 'Create one: every adapter needs an Active root key.'))
    : h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Root keys'),
      h('thead', {}, h('tr', {}, ['Name', 'State', 'Created', 'Last rotation', 'Actions']
        .map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, keys.map((key) => keyRow(key, problem, reload)))));
  region.removeAttribute('aria-busy');
}

function keyRow(key, problem, reload) {
  const [label, tone] = ROOT_KEY_STATES[key.state] ?? [`State ${key.state}`, 'neutral'];
  const progress = h('div', { class: 'rewrap', role: 'status' });
  const act = (text, action) => h('button', { type: 'button', class: 'secondary',
    'aria-label': `${text} ${key.name}`, onclick: action }, text);
  const actions = [];
  if (key.state === 1 || key.state === 3) {
    actions.push(act('Rotate', () => rotate(key, progress, problem, reload)));
  }
  if (key.state === 1) {
    actions.push(act('Disable', () => change(key, 'disable', problem, reload)));
  }
  if (key.state === 2) {
    actions.push(act('Enable', () => change(key, 'enable', problem, reload)));
  }
  if (key.state !== 5) {
    actions.push(h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${key.name}`,
      onclick: () => remove(key, problem, reload) }, 'Delete'));
  }
  return h('tr', {},
    h('th', { scope: 'row' }, key.name, key.imported ? h('span', { class: 'tag' }, 'imported') : null),
    h('td', {}, stateBadge(label, tone)),
    h('td', {}, time(key.creationDate)),
    h('td', {}, key.lastRotateDate ? time(key.lastRotateDate) : 'Never'),
    h('td', {}, h('div', { class: 'row-actions' }, actions), progress));
}

async function rotate(key, progress, problem, reload) {
  problem.replaceChildren();
  try {
    await api('POST', `/api/v2/keys/${key.id}/actions/rotate`);
  } catch (failure) {
    problem.replaceChildren(notice(`${key.name} was not rotated: ${failure.message}`));
    return;
  }
  const bar = h('progress', { max: 1, value: 0, 'aria-label': `Re-sealing the KMIP keys of ${key.name}` });
  const text = h('span', {}, 'Re-sealing KMIP keys under the new version…');
  progress.replaceChildren(bar, text);
  for (;;) {
    const job = (await api('GET', `/api/v2/keys/${key.id}/rewrap`)).resources?.[0];
    if (job) {
      bar.max = Math.max(1, job.total);
      bar.value = job.done + job.failed;
      text.textContent = ` ${job.done} of ${job.total} KMIP keys re-sealed under version ${job.toVersion}`
        + (job.failed ? `, ${job.failed} failed` : '');
      if (job.state !== 'running') {
        text.textContent = `Rotation finished: ${job.done} of ${job.total} KMIP keys re-sealed under version `
          + `${job.toVersion}${job.failed ? `, ${job.failed} failed` : ''}.`;
        announce(text.textContent);
        setTimeout(reload, 2000);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, REWRAP_POLL_MS));
  }
}

async function change(key, action, problem, reload) {
  problem.replaceChildren();
  try {
    await api('POST', `/api/v2/keys/${key.id}/actions/${action}`);
    announce(`${key.name} ${action}d`);
    reload();
  } catch (failure) {
    problem.replaceChildren(notice(`${key.name} was not ${action}d: ${failure.message}`));
  }
}

async function remove(key, problem, reload) {
  problem.replaceChildren();
  let adapters = [];
  try {
    adapters = (await api('GET', `/api/v2/kmip_adapters?crk_id=${encodeURIComponent(key.id)}&limit=200`))
      .resources ?? [];
  } catch {
    // A role without KMIP management cannot list them; the API still refuses a key in use.
  }
  const consequence = adapters.length
    ? `Adapters ${adapters.map((adapter) => adapter.name).join(', ')} use it: the appliance refuses the deletion `
      + 'while they do.'
    : 'No adapter uses it.';
  if (!confirm(`Delete root key ${key.name}? ${consequence} It can be restored for 30 days; after that, or when `
    + 'it is purged, its HSM versions are destroyed and everything ever sealed under it can never be opened '
    + 'again.')) {
    return;
  }
  try {
    await api('DELETE', `/api/v2/keys/${key.id}`);
    announce(`${key.name} deleted`);
    reload();
  } catch (failure) {
    problem.replaceChildren(notice(`${key.name} was not deleted: ${failure.message}`));
  }
}

function openCreatePanel(main, opener) {
  const name = h('input', { id: 'key-name', type: 'text', autocomplete: 'off', required: true, maxlength: 90 });
  const description = h('textarea', { id: 'key-description', rows: 3, maxlength: 240 });
  const problem = h('div', {});
  const form = h('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    if (name.value.trim().length < 2) {
      fieldError(name, 'A root key\'s name is 2 to 90 characters');
      name.focus();
      return;
    }
    const resource = { type: KEY_TYPE, name: name.value.trim(), extractable: false };
    if (description.value.trim()) {
      resource.description = description.value.trim();
    }
    try {
      await api('POST', '/api/v2/keys', { body: envelope(KEY_TYPE, resource) });
      close();
      announce(`Root key ${resource.name} created`);
      showRootKeys(main);
    } catch (failure) {
      const field = { name, description }[failure.field];
      if (field) {
        fieldError(field, failure.message);
        field.focus();
      } else {
        problem.replaceChildren(notice(failure.message));
      }
    }
  } },
  h('label', { for: 'key-name' }, 'Name'), name,
  h('label', { for: 'key-description' }, 'Description (optional)'), description,
  problem, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create root key')));
  const { close } = sidePanel('Create root key', opener, form);
  name.focus();
}
