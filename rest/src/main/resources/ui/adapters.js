import { ADAPTER_TYPE, CERTIFICATE_TYPE, api, envelope } from './api.js';
import { announce, fieldError, focusHeading, h, notice, time } from './dom.js';

const PAGE_SIZE = 100;
/** The API's rules for names (Names.RESOURCE_NAME), so the form says what the API would before it is asked. */
const NAME_RULE = /^[A-Za-z0-9_-]{2,40}$/;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The KMIP Adapters panel: every adapter of the instance (at most 200), 100 a page, searchable by name. */
export async function showAdapters(main) {
  const heading = h('h1', {}, 'KMIP Adapters');
  const search = h('input', { id: 'adapter-search', type: 'search', autocomplete: 'off' });
  const create = h('button', { type: 'button', onclick: () => openCreatePanel(main, create) }, 'Create adapter');
  const region = h('div', { 'aria-busy': 'true' }, 'Loading adapters…');
  main.replaceChildren(heading,
    h('div', { class: 'toolbar' },
      h('div', { class: 'search' }, h('label', { for: 'adapter-search' }, 'Search by name'), search), create),
    region);
  focusHeading(main);
  let adapters;
  let rootKeys;
  try {
    [adapters, rootKeys] = await Promise.all([
      api('GET', '/api/v2/kmip_adapters?limit=200').then((json) => json.resources ?? []),
      rootKeyNames(),
    ]);
  } catch (failure) {
    region.replaceChildren(notice(`The adapters could not be listed: ${failure.message}`));
    region.removeAttribute('aria-busy');
    return;
  }
  let page = 0;
  // Each adapter's counts are asked for once per visit, however often the search redraws the table.
  const counts = new Map();
  const draw = () => {
    const query = search.value.trim().toLowerCase();
    const found = adapters.filter((adapter) => adapter.name.toLowerCase().includes(query));
    page = Math.min(page, Math.max(0, Math.ceil(found.length / PAGE_SIZE) - 1));
    region.replaceChildren(...[adapterTable(found.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), rootKeys,
      adapters.length === 0, counts), pager(found.length, page, (next) => { page = next; draw(); })].filter(Boolean));
    region.removeAttribute('aria-busy');
    if (query) {
      announce(`${found.length} adapter${found.length === 1 ? '' : 's'} found`);
    }
  };
  search.addEventListener('input', draw);
  draw();
}

/** Root keys by id, for the table; empty when the role may not list keys. */
async function rootKeyNames() {
  try {
    const json = await api('GET', '/api/v2/keys?state=1,2,3,5&limit=5000');
    return new Map((json.resources ?? []).map((key) => [key.id, key]));
  } catch {
    return new Map();
  }
}

function adapterTable(adapters, rootKeys, none, counts) {
  if (adapters.length === 0) {
    return h('div', { class: 'empty-state' },
      h('h2', {}, none ? 'No adapters yet' : 'No adapter matches'),
      h('p', {}, none ? 'Create your first adapter: it binds KMIP clients, such as vCenter, to a root key.'
        : 'Try another part of the name.'));
  }
  const rows = adapters.map((adapter) => {
    const keys = h('td', { class: 'number' }, '…');
    const certificates = h('td', { class: 'number' }, '…');
    count(counts, `/api/v2/kmip_adapters/${adapter.id}/kmip_objects?limit=1&totalCount=true`, keys);
    count(counts, `/api/v2/kmip_adapters/${adapter.id}/certificates?limit=1&totalCount=true`, certificates);
    const rootKey = rootKeys.get(adapter.profile_data.crk_id);
    return h('tr', {},
      h('th', { scope: 'row' }, adapter.name),
      h('td', {}, adapter.description || '—'),
      h('td', {}, rootKey ? rootKey.name : adapter.profile_data.crk_id),
      keys, certificates,
      h('td', {}, time(adapter.created_at)),
      h('td', {}, h('a', { href: `#/adapters/${encodeURIComponent(adapter.id)}`, class: 'overflow',
        'aria-label': `Details of adapter ${adapter.name}` }, '⋯')));
  });
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, 'KMIP adapters'),
    h('thead', {}, h('tr', {}, ['Name', 'Description', 'Root key', 'KMIP keys', 'Certificates', 'Created',
      'Details'].map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, rows));
}

async function count(counts, path, cell) {
  if (!counts.has(path)) {
    counts.set(path, api('GET', path).then((json) => String(json.metadata.totalCount ?? json.metadata.collectionTotal))
      .catch(() => '?'));
  }
  cell.textContent = await counts.get(path);
}

function pager(total, page, go) {
  const pages = Math.ceil(total / PAGE_SIZE);
  if (pages <= 1) {
    return null;
  }
  return h('nav', { class: 'pager', 'aria-label': 'Pages of adapters' },
    h('button', { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => go(page - 1) },
      'Previous page'),
    h('span', {}, `Page ${page + 1} of ${pages} (${total} adapters)`),
    h('button', { type: 'button', class: 'secondary', disabled: page >= pages - 1, onclick: () => go(page + 1) },
      'Next page'));
}

/**
 * The fields of one certificate to upload: a name and the PEM, pasted or read from a file. Returns the fieldset
 * and a function that reads it ({name, certificate}, or null when left empty).
 */
export function certificateFields(index) {
  const name = h('input', { id: `certificate-name-${index}`, type: 'text', autocomplete: 'off' });
  const pem = h('textarea', { id: `certificate-pem-${index}`, rows: 6, spellcheck: 'false',
    placeholder: '-----BEGIN CERTIFICATE-----' });
  const file = h('input', { id: `certificate-file-${index}`, type: 'file', accept: '.pem,.crt,.cer' });
  file.addEventListener('change', async () => {
    if (file.files.length) {
      pem.value = await file.files[0].text();
      if (!name.value) {
        name.value = file.files[0].name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
      }
    }
  });
  const fieldset = h('fieldset', { class: 'certificate' },
    h('legend', {}, `Certificate ${index + 1}`),
    h('label', { for: name.id }, 'Certificate name'), name,
    h('label', { for: pem.id }, 'Certificate (PEM, with the BEGIN CERTIFICATE and END CERTIFICATE lines)'), pem,
    h('label', { for: file.id }, 'Or read it from a file'), file);
  return {
    fieldset,
    name,
    pem,
    read: () => (pem.value.trim() ? { name: name.value.trim() || undefined, certificate: pem.value.trim() } : null),
  };
}

/** Uploads a certificate to an adapter; an API refusal is shown beside the field it names. */
export async function uploadCertificate(adapterId, entry) {
  const value = entry.read();
  if (!value) {
    return false;
  }
  try {
    await api('POST', `/api/v2/kmip_adapters/${encodeURIComponent(adapterId)}/certificates`,
      { body: envelope(CERTIFICATE_TYPE, value) });
    fieldError(entry.pem, '');
    fieldError(entry.name, '');
    return true;
  } catch (failure) {
    fieldError(failure.field === 'name' ? entry.name : entry.pem, failure.message);
    throw failure;
  }
}

/** A side panel (a modal dialog): Escape or Cancel closes it and focus returns to what opened it. */
export function sidePanel(title, opener, ...content) {
  const close = () => {
    panel.remove();
    backdrop.remove();
    opener?.focus();
  };
  const headingId = `panel-${Date.now()}`;
  const panel = h('aside', { class: 'side-panel', role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': headingId, onkeydown: (event) => { if (event.key === 'Escape') { close(); } } },
  h('div', { class: 'side-panel-header' }, h('h2', { id: headingId }, title),
    h('button', { type: 'button', class: 'secondary', onclick: close, 'aria-label': `Close ${title}` }, 'Close')),
  ...content);
  const backdrop = h('div', { class: 'backdrop', onclick: close });
  document.body.append(backdrop, panel);
  return { panel, close };
}

async function openCreatePanel(main, opener) {
  const name = h('input', { id: 'adapter-name', type: 'text', autocomplete: 'off', required: true,
    maxlength: 40 });
  const description = h('textarea', { id: 'adapter-description', rows: 3, maxlength: 240 });
  const rootKey = h('select', { id: 'adapter-root-key', required: true },
    h('option', { value: '' }, 'Loading root keys…'));
  const certificates = [];
  const certificateList = h('div', {});
  const addCertificate = () => {
    const entry = certificateFields(certificates.length);
    certificates.push(entry);
    certificateList.append(entry.fieldset);
    entry.name.focus();
  };
  const details = h('section', { id: 'create-details', role: 'tabpanel', 'aria-labelledby': 'tab-details' },
    h('label', { for: 'adapter-name' }, 'Name'), name,
    h('p', { class: 'hint', id: 'adapter-name-hint' }, '2 to 40 letters, digits, - and _'),
    h('label', { for: 'adapter-description' }, 'Description (optional)'), description,
    h('label', { for: 'adapter-root-key' }, 'Root key (only Active keys can protect an adapter)'), rootKey);
  const certificatesSection = h('section', { id: 'create-certificates', role: 'tabpanel',
    'aria-labelledby': 'tab-certificates', hidden: true },
  h('p', { class: 'hint' }, 'Only clients holding the private key of a certificate uploaded here may use the ',
    'adapter over KMIP. You can also add certificates later, from the adapter\'s details.'),
  certificateList,
  h('button', { type: 'button', class: 'secondary', onclick: addCertificate }, 'Upload certificate'));
  const tab = (id, label, section, other, otherTab) => h('button', { type: 'button', id, role: 'tab',
    class: 'tab', onclick: (event) => {
      section.hidden = false;
      other.hidden = true;
      event.currentTarget.setAttribute('aria-selected', 'true');
      document.getElementById(otherTab).setAttribute('aria-selected', 'false');
    } }, label);
  const tabs = h('div', { role: 'tablist', 'aria-label': 'Create adapter steps' },
    tab('tab-details', 'Details', details, certificatesSection, 'tab-certificates'),
    tab('tab-certificates', 'Add certificates (optional)', certificatesSection, details, 'tab-details'));
  tabs.firstChild.setAttribute('aria-selected', 'true');
  tabs.lastChild.setAttribute('aria-selected', 'false');
  const problem = h('div', {});
  const submit = h('button', { type: 'submit' }, 'Create adapter');
  const form = h('form', { novalidate: true }, tabs, details, certificatesSection, problem,
    h('div', { class: 'actions' }, submit));
  const { panel, close } = sidePanel('Create adapter', opener, form);
  name.setAttribute('aria-describedby', 'adapter-name-hint');
  name.addEventListener('input', () => fieldError(name, nameProblem(name.value)));
  description.addEventListener('input', () => fieldError(description, descriptionProblem(description.value)));
  name.focus();

  api('GET', '/api/v2/keys?state=1&limit=5000').then((json) => {
    const active = json.resources ?? [];
    rootKey.replaceChildren(h('option', { value: '' }, active.length ? 'Choose a root key' : 'No Active root key'),
      ...active.map((key) => h('option', { value: key.id }, key.name)));
  }).catch((failure) => {
    rootKey.replaceChildren(h('option', { value: '' }, 'Root keys cannot be listed'));
    fieldError(rootKey, failure.message);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    fieldError(name, nameProblem(name.value));
    fieldError(description, descriptionProblem(description.value));
    fieldError(rootKey, rootKey.value ? '' : 'Choose the root key that protects this adapter\'s KMIP keys');
    const invalid = details.querySelector('[aria-invalid="true"]');
    if (invalid) {
      document.getElementById('tab-details').click();
      invalid.focus();
      return;
    }
    submit.disabled = true;
    let adapter;
    try {
      const resource = { name: name.value.trim(), profile: 'native_1.0',
        profile_data: { crk_id: rootKey.value } };
      if (description.value.trim()) {
        resource.description = description.value.trim();
      }
      adapter = (await api('POST', '/api/v2/kmip_adapters', { body: envelope(ADAPTER_TYPE, resource) }))
        .resources[0];
    } catch (failure) {
      const field = { name, description, 'profile_data.crk_id': rootKey }[failure.field];
      if (field) {
        fieldError(field, failure.message);
        field.focus();
      } else {
        problem.replaceChildren(notice(failure.message));
      }
      submit.disabled = false;
      return;
    }
    let failed = 0;
    for (const entry of certificates) {
      try {
        await uploadCertificate(adapter.id, entry);
      } catch {
        failed++;
      }
    }
    if (failed) {
      document.getElementById('tab-certificates').click();
      problem.replaceChildren(notice(`Adapter ${adapter.name} was created, but ${failed} certificate(s) were `
        + 'refused; see the messages beside them. Fix them and upload them from the adapter\'s details.'));
      submit.disabled = true;
      panel.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    close();
    announce(`Adapter ${adapter.name} created`);
    showAdapters(main);
  });
}

/** The API's own rules and words (Names.resourceName, Names.description), checked as the operator types. */
function nameProblem(value) {
  const name = value.trim();
  if (!name) {
    return 'Give the adapter a name';
  }
  if (!NAME_RULE.test(name)) {
    return 'the name must be 2 to 40 characters of letters, digits, \'-\' and \'_\'';
  }
  return UUID_SHAPE.test(name) ? 'the name cannot be a UUID' : '';
}

function descriptionProblem(value) {
  return value.trim().length > 240 ? 'the description must be at most 240 characters' : '';
}
