import { session } from './api.js';
import { showAdapterDetails } from './adapter-details.js';
import { showAdapters } from './adapters.js';
import { showRootKeys } from './root-keys.js';
import { showSignIn } from './signin.js';

const main = document.getElementById('main');
const navigation = document.getElementById('navigation');
const signOut = document.getElementById('sign-out');
const signedInAs = document.getElementById('signed-in-as');
let signOutReason = null;

const ROUTES = [
  [/^#\/adapters\/([^/]+)$/, (match) => showAdapterDetails(main, decodeURIComponent(match[1]))],
  [/^#\/adapters$/, () => showAdapters(main)],
  [/^#\/keys$/, () => showRootKeys(main)],
];

function render() {
  const current = session.get();
  navigation.hidden = !current;
  signOut.hidden = !current;
  signedInAs.textContent = current ? `Instance ${current.instance}` : '';
  if (!current) {
    showSignIn(main, signOutReason, () => {
      signOutReason = null;
      if (location.hash === '#/adapters') {
        render();
      } else {
        location.hash = '#/adapters';
      }
    });
    return;
  }
  for (const link of navigation.querySelectorAll('a')) {
    const here = location.hash.startsWith(link.getAttribute('href'));
    if (here) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  for (const [pattern, show] of ROUTES) {
    const match = location.hash.match(pattern);
    if (match) {
      show(match);
      return;
    }
  }
  location.hash = '#/adapters';
}

signOut.addEventListener('click', () => {
  session.clear();
  signOutReason = null;
  render();
});
window.addEventListener('signed-out', (event) => {
  signOutReason = event.detail;
  render();
});
window.addEventListener('hashchange', render);
render();
