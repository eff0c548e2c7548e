import { CERTIFICATE_TYPE, api, envelope } from './api.js';
import { certificateFields, sidePanel, uploadCertificate } from './adapters.js';
import { announce, focusHeading, h, notice, stateBadge, time } from './dom.js';

/** KMIP object states (KMIP 1.4, 3.22), as words and a badge tone. */
const OBJECT_STATES = {
  1: ['Pre-Active', 'neutral'], 2: ['Active', 'good'], 3: ['Deactivated', 'warning'],
  4: ['Compromised', 'bad'], 5: ['Destroyed', 'neutral'], 6: ['Destroyed Compromised', 'bad'],
};
/** KMIP Object Types (KMIP 1.4, 9.1.3.2.12), as the API numbers them. */
const OBJECT_TYPES = {
  1: 'Certificate', 2: 'Symmetric Key', 3: 'Public Key', 4: 'Private Key', 5: 'Split Key', 6: 'Template',
  7: 'Secret Data', 8: 'Opaque Object', 9: 'PGP Key',
};
export const ROOT_KEY_STATES = {
  0: ['Pre-activation', 'neutral'], 1: ['Active', 'good'], 2: ['Suspended', 'warning'],
  3: ['Deactivated', 'warning'], 5: ['Destroyed', 'bad'],
};

/**
 * An adapter's details: its root key, its KMIP keys (read only, as Key Protect's console shows them: deleting one
 * is the CLI's), its certificates (upload, delete), and onboarding a KMIP client (issue a certificate, the KMIP
 * server chain to trust).
 */
export async function showAdapterDetails(main, id) {
  main.replaceChildren(h('h1', {}, 'Adapter'), h('p', { 'aria-busy': 'true' }, 'Loading…'));
  let adapter;
  try {
    adapter = (await api('GET', `/api/v2/kmip_adapters/${encodeURIComponent(id)}`)).resources[0];
  } catch (failure) {
    main.replaceChildren(h('h1', {}, 'Adapter'), notice(failure.message),
      h('p', {}, h('a', { href: '#/adapters' }, 'Back to KMIP Adapters')));
    focusHeading(main);
    return;
  }
  const path = `/api/v2/kmip_adapters/${encodeURIComponent(adapter.id)}`;
  const rootKey = h('dd', {}, adapter.profile_data.crk_id);
  const keys = h('div', { 'aria-busy': 'true' }, 'Loading KMIP keys…');
  const certificates = h('div', { 'aria-busy': 'true' }, 'Loading certificates…');
  const problem = h('div', {});
  const upload = h('button', { type: 'button', class: 'secondary',
    onclick: () => openUploadPanel(adapter, upload, () => loadCertificates(path, certificates)) },
  'Upload certificate');
  const issue = h('button', { type: 'button', class: 'secondary',
    onclick: () => issueCertificate(path, adapter, issue, () => loadCertificates(path, certificates)) },
  'Issue a client certificate for vCenter');
  const chain = h('button', { type: 'button', class: 'secondary', onclick: () => downloadServerChain(problem) },
    'Download the KMIP server chain');
  const remove = h('button', { type: 'button', class: 'danger', onclick: () => deleteAdapter(adapter, path, problem) },
    'Delete adapter');
  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/adapters' }, 'KMIP Adapters'), ' / ', adapter.name),
    h('h1', {}, adapter.name),
    problem,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Description'), h('dd', {}, adapter.description || '—'),
      h('dt', {}, 'Root key'), rootKey,
      h('dt', {}, 'Profile'), h('dd', {}, adapter.profile),
      h('dt', {}, 'Created'), h('dd', {}, time(adapter.created_at), ` by ${adapter.created_by}`),
      h('dt', {}, 'Updated'), h('dd', {}, time(adapter.updated_at), ` by ${adapter.updated_by}`)),
    h('section', { 'aria-labelledby': 'keys-heading' }, h('h2', { id: 'keys-heading' }, 'KMIP symmetric keys'),
      h('p', { class: 'hint' }, 'Read only: KMIP keys are created by KMIP clients, and deleted with the CLI, ',
        'as in Key Protect. Only a key that is not Active can be deleted.'), keys),
    h('section', { 'aria-labelledby': 'certificates-heading' },
      h('h2', { id: 'certificates-heading' }, 'Certificates'), h('div', { class: 'toolbar' }, upload, issue, chain),
      certificates),
    h('section', { 'aria-labelledby': 'danger-heading' }, h('h2', { id: 'danger-heading' }, 'Delete'),
      h('p', { class: 'hint' }, 'An adapter with KMIP keys that are not deleted cannot be deleted.'), remove));
  focusHeading(main);
  api('GET', `/api/v2/keys/${encodeURIComponent(adapter.profile_data.crk_id)}`).then((json) => {
    const key = json.resources[0];
    const [label, tone] = ROOT_KEY_STATES[key.state] ?? [`State ${key.state}`, 'neutral'];
    rootKey.replaceChildren(h('a', { href: '#/keys' }, key.name), ' ', stateBadge(label, tone));
  }).catch(() => {});
  loadKeys(path, adapter, keys);
  loadCertificates(path, certificates);
}

async function loadKeys(path, adapter, region) {
  try {
    const objects = (await api('GET', `${path}/kmip_objects?limit=200&state=1,2,3,4,5,6`)).resources ?? [];
    region.replaceChildren(objects.length === 0
      ? h('p', {}, 'No KMIP keys yet: they appear when a KMIP client creates or registers one.')
      : h('table', {},
        h('caption', { class: 'visually-hidden' }, 'KMIP keys of this adapter'),
        h('thead', {}, h('tr', {}, ['Key', 'Type', 'State', 'Created', 'Updated', 'Delete with the CLI']
          .map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, objects.map((object) => {
          const [label, tone] = OBJECT_STATES[object.state] ?? [`State ${object.state}`, 'neutral'];
          return h('tr', {}, h('th', { scope: 'row' }, h('code', {}, object.id)),
            h('td', {}, OBJECT_TYPES[object.kmip_object_type] ?? `Type ${object.kmip_object_type}`),
            h('td', {}, stateBadge(label, tone)),
            h('td', {}, time(object.created_at)), h('td', {}, time(object.updated_at)),
            h('td', {}, object.state >= 5 ? '—'
              : h('code', {}, `kmipctl object-delete ${adapter.name} ${object.id}${object.state === 2 ? ' -f' : ''}`)));
        }))));
  } catch (failure) {
    region.replaceChildren(notice(`The KMIP keys could not be listed: ${failure.message}`));
  }
  region.removeAttribute('aria-busy');
}

async function loadCertificates(path, region) {
  try {
    const list = (await api('GET', `${path}/certificates?limit=200`)).resources ?? [];
    region.replaceChildren(list.length === 0
      ? h('p', {}, 'No certificates: no KMIP client can use this adapter until one is uploaded.')
      : h('table', {},
        h('caption', { class: 'visually-hidden' }, 'Client certificates of this adapter'),
        h('thead', {}, h('tr', {}, ['Name', 'Subject', 'SHA-256 fingerprint', 'Expires', 'Added', 'Remove']
          .map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, list.map((certificate) => h('tr', {},
          h('th', { scope: 'row' }, certificate.name), h('td', {}, certificate.subject),
          h('td', {}, h('code', { class: 'fingerprint' }, certificate.fingerprint_sha256)),
          h('td', {}, time(certificate.expires_at)), h('td', {}, time(certificate.created_at)),
          h('td', {}, h('button', { type: 'button', class: 'danger',
            'aria-label': `Delete certificate ${certificate.name}`,
            onclick: async () => {
              if (!confirm(`Delete certificate ${certificate.name}? Clients presenting it lose access at once.`)) {
                return;
              }
              try {
                await api('DELETE', `${path}/certificates/${encodeURIComponent(certificate.id)}`);
                announce(`Certificate ${certificate.name} deleted`);
                loadCertificates(path, region);
              } catch (failure) {
                region.prepend(notice(failure.message));
              }
            } }, 'Delete')))))));
  } catch (failure) {
    region.replaceChildren(notice(`The certificates could not be listed: ${failure.message}`));
  }
  region.removeAttribute('aria-busy');
}

function openUploadPanel(adapter, opener, reload) {
  const entry = certificateFields(0);
  const problem = h('div', {});
  const form = h('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!entry.read()) {
      entry.pem.focus();
      return;
    }
    try {
      await uploadCertificate(adapter.id, entry);
      close();
      announce('Certificate uploaded');
      reload();
    } catch (failure) {
      if (!failure.field) {
        problem.replaceChildren(notice(failure.message));
      }
      form.querySelector('[aria-invalid="true"]')?.focus();
    }
  } }, entry.fieldset, problem, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Upload')));
  const { close } = sidePanel(`Upload a certificate to ${adapter.name}`, opener, form);
  entry.name.focus();
}

async function issueCertificate(path, adapter, opener, reload) {
  try {
    const issued = (await api('POST', `${path}/certificates/issue`,
      { body: envelope(CERTIFICATE_TYPE, { name: `vcenter-${Date.now()}` }) })).resources[0];
    reload();
    const { panel } = sidePanel('Client certificate issued', opener,
      h('p', {}, 'The appliance keeps no copy of the private key: download it now. In vCenter, choose ',
        '"Upload certificate and private key" for the key provider, and make vCenter trust the KMIP server ',
        'chain.'),
      h('ul', { class: 'downloads' },
        h('li', {}, download('client.pem', issued.certificate)),
        h('li', {}, download('client-key.pem', issued.private_key)),
        h('li', {}, download('kmip-server-chain.pem', issued.kmip_server_chain))));
    panel.querySelector('a').focus();
  } catch (failure) {
    opener.insertAdjacentElement('afterend', notice(failure.message));
  }
}

async function downloadServerChain(problem) {
  try {
    const chain = (await api('GET', '/api/v2/appliance/kmip_server_chain')).resources[0];
    download('kmip-server-chain.pem', chain.certificate_chain).click();
  } catch (failure) {
    problem.replaceChildren(notice(failure.message));
  }
}

function download(name, text) {
  return h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' })),
    download: name }, `Download ${name}`);
}

async function deleteAdapter(adapter, path, problem) {
  if (!confirm(`Delete adapter ${adapter.name} and its certificates?`)) {
    return;
  }
  try {
    await api('DELETE', path);
    announce(`Adapter ${adapter.name} deleted`);
    location.hash = '#/adapters';
  } catch (failure) {
    problem.replaceChildren(notice(`The adapter was not deleted: ${failure.message}`));
    problem.querySelector('[role="alert"]').setAttribute('tabindex', '-1');
    problem.querySelector('[role="alert"]').focus();
  }
}
