// The web console end to end, in Debian's headless Chromium driven by playwright-core, against a live appliance
// that ConsoleE2eTest started. Every step asserts what a person would see; any failure exits 1 with the step.
// Environment: BASE_URL, TOKEN, INSTANCE, CERTIFICATE_1, CERTIFICATE_2 (PEM files), PYKMIP (a JSON array: the
// command that creates and activates a KMIP key with certificate 1), SCREENSHOTS (a folder).
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const env = (name) => {
  if (!process.env[name]) {
    throw new Error(`${name} is not set`);
  }
  return process.env[name];
};
const BASE = env('BASE_URL');
const SCREENSHOTS = env('SCREENSHOTS');
mkdirSync(SCREENSHOTS, { recursive: true });

let step = 'launching Chromium';
const problems = [];
const checks = [];

function check(condition, what) {
  if (!condition) {
    throw new Error(`${step}: ${what}`);
  }
  checks.push(`${step}: ${what}`);
}

/** An axe-core scan of the page as it is now: no serious or critical violation of WCAG 2.1 A/AA. */
async function scan(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(serious.length === 0, `axe finds no serious violation on ${name}: `
    + JSON.stringify(serious.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target) }))));
}

/** A screenshot for docs/console/, once the screen shows no "null" or "undefined" where data should be. */
async function shot(page, name) {
  const text = await page.locator('body').innerText();
  check(!/\b(null|undefined|NaN)\b/.test(text), `${name} shows no null, undefined or NaN`);
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

async function api(method, path, body, token = env('TOKEN')) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'bluemix-instance': env('INSTANCE'),
      'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function signIn(page, token) {
  await page.goto(`${BASE}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByLabel('Instance ID').fill(env('INSTANCE'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'KMIP Adapters' }).waitFor();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('status of 4')) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });

  step = 'sign-in';
  await page.goto(`${BASE}/ui/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('API token').fill('kmipapp_not-a-token');
  await page.getByLabel('Instance ID').fill(env('INSTANCE'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#sign-in-token-error').waitFor();
  check((await page.locator('#sign-in-token-error').innerText()).includes('refused this token'),
    'a wrong token is refused beside the field');
  await shot(page, 'sign-in');
  await scan(page, 'the sign-in page');
  await signIn(page, env('TOKEN'));
  check(await page.evaluate(() => sessionStorage.length === 1 && localStorage.length === 0
    && document.cookie === ''), 'the token is kept in sessionStorage only');

  step = 'the empty adapters panel';
  await page.getByRole('heading', { name: 'No adapters yet' }).waitFor();
  await shot(page, 'adapters-empty');
  await scan(page, 'the empty adapters panel');

  step = 'create a root key';
  await page.getByRole('link', { name: 'Root keys' }).click();
  await page.getByRole('button', { name: 'Create root key' }).click();
  await page.getByLabel('Name', { exact: true }).fill('console-root');
  await page.getByRole('dialog').getByRole('button', { name: 'Create root key', exact: true }).click();
  const rootRow = page.getByRole('row', { name: /console-root/ });
  await rootRow.waitFor();
  check((await rootRow.innerText()).includes('Active'), 'the new root key is listed Active');

  step = 'create an adapter with a certificate';
  await page.getByRole('link', { name: 'KMIP Adapters' }).click();
  await page.getByRole('button', { name: 'Create adapter', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Create adapter' });
  await panel.getByLabel('Name', { exact: true }).fill('a');
  check((await panel.locator('#adapter-name-error').innerText()).includes('2 to 40 characters'),
    'a one-letter name is refused while typing');
  await panel.getByLabel('Name', { exact: true }).fill('console-adapter');
  check(await panel.locator('#adapter-name-error').isHidden(), 'a good name clears the message');
  await panel.getByLabel('Description (optional)').fill('Made by the console test');
  await panel.getByLabel(/Root key/).selectOption({ label: 'console-root' });
  await panel.getByRole('tab', { name: 'Add certificates (optional)' }).click();
  await panel.getByRole('button', { name: 'Upload certificate' }).click();
  await panel.getByLabel('Certificate name').fill('first-client');
  await panel.getByLabel(/Certificate \(PEM/).fill(readFileSync(env('CERTIFICATE_1'), 'utf8'));
  await shot(page, 'create-adapter');
  await scan(page, 'the Create Adapter side panel');
  await panel.getByRole('button', { name: 'Create adapter', exact: true }).click();
  await panel.waitFor({ state: 'detached' });
  const adapterRow = page.getByRole('row', { name: /console-adapter/ });
  await adapterRow.waitFor();
  await page.waitForFunction(() => !document.body.innerText.includes('…'));
  const cells = await adapterRow.getByRole('cell').allInnerTexts();
  check(cells.includes('console-root') && cells.includes('Made by the console test'),
    `the table shows the adapter's root key and description: ${cells}`);
  // The name is the row's header; the cells: description, root key, KMIP keys, certificates, created, details.
  check(cells[2] === '0' && cells[3] === '1', `no KMIP key and one certificate: ${cells}`);
  await shot(page, 'adapters');
  await scan(page, 'the adapters panel');

  step = 'a name the API refuses is shown beside the field';
  await page.getByRole('button', { name: 'Create adapter', exact: true }).click();
  const again = page.getByRole('dialog', { name: 'Create adapter' });
  await again.getByLabel('Name', { exact: true }).fill('console-adapter');
  await again.getByLabel(/Root key/).selectOption({ label: 'console-root' });
  await again.getByRole('button', { name: 'Create adapter', exact: true }).click();
  await again.locator('#adapter-name-error').filter({ hasText: /exists|taken|already/i }).waitFor();
  await page.keyboard.press('Escape');
  await again.waitFor({ state: 'detached' });
  check(await page.evaluate(() => document.activeElement.textContent === 'Create adapter'),
    'Escape closes the panel and gives the focus back to its button');

  step = 'adapter details and a second certificate';
  await page.getByRole('link', { name: 'Details of adapter console-adapter' }).click();
  await page.getByRole('heading', { level: 1, name: 'console-adapter' }).waitFor();
  await page.getByRole('row', { name: /first-client/ }).waitFor();
  await page.getByRole('button', { name: 'Upload certificate', exact: true }).click();
  const upload = page.getByRole('dialog');
  await upload.getByLabel('Certificate name').fill('second-client');
  await upload.getByLabel(/Certificate \(PEM/).fill(readFileSync(env('CERTIFICATE_2'), 'utf8'));
  await upload.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('row', { name: /second-client/ }).waitFor();
  check((await page.getByRole('row', { name: /second-client/ }).innerText()).match(/([0-9a-f]{2}:){31}[0-9a-f]{2}/),
    'the certificate shows its SHA-256 fingerprint');

  step = 'a certificate is deleted from the details';
  await page.getByRole('button', { name: 'Delete certificate second-client' }).click();
  await page.getByRole('row', { name: /second-client/ }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Upload certificate', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Certificate name').fill('second-client');
  await page.getByRole('dialog').getByLabel(/Certificate \(PEM/).fill(readFileSync(env('CERTIFICATE_2'), 'utf8'));
  await page.getByRole('dialog').getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('row', { name: /second-client/ }).waitFor();

  step = 'a KMIP key made by PyKMIP appears with its state';
  const [command, ...args] = JSON.parse(env('PYKMIP'));
  const created = JSON.parse(execFileSync(command, args, { encoding: 'utf8' }));
  await page.reload();
  const keyRow = page.getByRole('row', { name: new RegExp(created.uid) });
  await keyRow.waitFor();
  check((await keyRow.innerText()).includes('Active'), 'the key is listed Active');
  check((await keyRow.innerText()).includes('Symmetric Key'), 'with its object type in words');
  check((await keyRow.innerText()).includes(`kmipctl object-delete console-adapter ${created.uid} -f`),
    'with the CLI command that would delete it');
  await shot(page, 'adapter-details');
  await scan(page, 'the adapter details');

  step = 'a client certificate issued for vCenter, and the KMIP server chain';
  await page.getByRole('button', { name: 'Issue a client certificate for vCenter' }).click();
  const issuedPanel = page.getByRole('dialog', { name: 'Client certificate issued' });
  const keyDownload = page.waitForEvent('download');
  await issuedPanel.getByRole('link', { name: 'Download client-key.pem' }).click();
  const keyText = readFileSync(await (await keyDownload).path(), 'utf8');
  check(keyText.startsWith('-----BEGIN PRIVATE KEY-----'), 'the issued key downloads as PEM');
  await page.keyboard.press('Escape');
  await page.getByRole('row', { name: /vcenter-/ }).waitFor();
  const chainDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the KMIP server chain' }).click();
  const chainText = readFileSync(await (await chainDownload).path(), 'utf8');
  check(chainText.includes('-----BEGIN CERTIFICATE-----'), 'the KMIP server chain downloads as PEM');

  step = 'deleting an adapter with an Active key is refused';
  await page.getByRole('button', { name: 'Delete adapter' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  check((await refusal.innerText()).includes('was not deleted'), `the refusal is shown: ${await refusal.innerText()}`);

  step = 'rotate the root key and watch the re-seal finish';
  await page.getByRole('link', { name: 'Root keys' }).click();
  await page.getByRole('button', { name: 'Rotate console-root' }).click();
  const finished = page.getByRole('row', { name: /console-root/ })
    .getByText(/Rotation finished: 1 of 1 KMIP keys re-sealed under version 2/);
  await finished.waitFor({ timeout: 60_000 });
  await shot(page, 'root-keys');
  await scan(page, 'the root keys page');

  step = 'deleting a root key adapters use: the confirmation names them, the API refuses';
  await page.getByRole('button', { name: 'Delete console-root' }).click();
  await page.getByRole('alert').waitFor();
  check(dialogs.at(-1).includes('Adapters console-adapter use it') && dialogs.at(-1).includes('never be opened'),
    `the confirmation names the adapters and what a purge destroys: ${dialogs.at(-1)}`);
  check((await page.getByRole('alert').innerText()).includes('was not deleted'), 'the refusal is shown');

  step = 'the create flow, keyboard only';
  await page.getByRole('link', { name: 'KMIP Adapters' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'KMIP Adapters' }).waitFor();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement.textContent === 'Create adapter')) {
      break;
    }
  }
  check(await page.evaluate(() => document.activeElement.textContent === 'Create adapter'),
    'Tab reaches Create adapter');
  check(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'),
    'the focus is visible');
  await page.keyboard.press('Enter');
  await page.keyboard.type('keyboard-adapter');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Made without a mouse');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelectorAll('#adapter-root-key option').length > 1);
  await page.keyboard.press('ArrowDown');
  check(await page.evaluate(() => document.activeElement.id === 'adapter-root-key'
    && document.activeElement.selectedOptions[0].textContent === 'console-root'), 'the arrow key picks the root key');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.type === 'submit'), 'Tab reaches the submit button');
  await page.keyboard.press('Enter');
  await page.getByRole('row', { name: /keyboard-adapter/ }).waitFor();

  step = 'disable, and enable too soon';
  await page.getByRole('link', { name: 'Root keys' }).click();
  await page.getByRole('button', { name: 'Disable console-root' }).click();
  await page.getByRole('button', { name: 'Enable console-root' }).click();
  check((await page.getByRole('alert').innerText()).includes('was not enabled'),
    'enabling within the policy\'s delay is refused, with the reason');

  step = 'paging past 100 adapters, and searching by name';
  // console-root is suspended now: the bulk adapters get a root key of their own.
  const root = (await api('POST', '/api/v2/keys', { metadata: { collectionType: 'application/vnd.ibm.kms.key+json',
    collectionTotal: 1 }, resources: [{ name: 'bulk-root', extractable: false }] })).json.resources[0];
  for (let i = 0; i < 100; i++) {
    const made = await api('POST', '/api/v2/kmip_adapters', { metadata: { collectionType:
      'application/vnd.ibm.kms.kmip_adapter+json', collectionTotal: 1 }, resources: [{ name: `bulk-${i}`,
      profile: 'native_1.0', profile_data: { crk_id: root.id } }] });
    check(made.status === 201, `adapter bulk-${i} is made over the API: ${JSON.stringify(made.json)}`);
  }
  await page.getByRole('link', { name: 'KMIP Adapters' }).click();
  await page.getByText('Page 1 of 2 (102 adapters)').waitFor();
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText('Page 2 of 2 (102 adapters)').waitFor();
  check(await page.getByRole('row').count() === 3, 'the second page holds the last 2 adapters and the header');
  await page.getByLabel('Search by name').fill('keyboard');
  await page.getByRole('row', { name: /keyboard-adapter/ }).waitFor();
  check(await page.getByRole('row').count() === 2, 'the search finds the one adapter');
  await page.waitForFunction(() => !document.body.innerText.includes('…'));

  step = 'a narrow window, as at 200% zoom';
  await page.setViewportSize({ width: 640, height: 900 });
  check(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    'the page reflows without horizontal scrolling');
  await shot(page, 'adapters-narrow');

  step = 'a revoked token returns to sign-in with the reason';
  const issued = await api('POST', '/api/v2/appliance/api_tokens', { metadata: { collectionType:
    'application/json', collectionTotal: 1 }, resources: [{ roles: ['Manager'], description: 'console test' }] });
  check(issued.status === 201, `a second token is issued: ${JSON.stringify(issued.json)}`);
  const second = issued.json.resources[0];
  second.token = second.secret;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, second.token);
  // The panel's own requests (the counts) finish first, so the revocation is met by the next view.
  await page.waitForFunction(() => !document.body.innerText.includes('…'));
  check((await api('DELETE', `/api/v2/appliance/api_tokens/${second.id}`)).status === 204, 'it is revoked');
  await page.getByRole('link', { name: 'Root keys' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  check((await page.getByRole('alert').innerText()).startsWith('Signed out:'), 'the sign-in page says why');

  step = 'the browser reported nothing';
  check(problems.length === 0, `no script error or Content-Security-Policy violation: ${problems}`);
  console.log(JSON.stringify({ checks }));
} catch (error) {
  console.error(String(error.stack || error));
  process.exitCode = 1;
} finally {
  await browser.close();
}
