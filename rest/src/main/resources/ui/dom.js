// Builds the page from data. Text always goes in as text (textContent), never as markup, so nothing an API answer
// holds can become script; the Content-Security-Policy forbids inline script besides.

/** An element: attributes (on* keys become listeners, boolean true an empty attribute) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Says {@code text} to screen readers through the page's live region. */
export function announce(text) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  // A change the next frame, so the same message twice is read twice.
  requestAnimationFrame(() => { announcer.textContent = text; });
}

/** A date and time as the reader's locale writes it, and the ISO text for machines. */
export function time(iso) {
  if (!iso) {
    return '—';
  }
  return h('time', { datetime: iso }, new Date(iso).toLocaleString());
}

/** A state in words and a shape, never by colour alone. */
export function stateBadge(label, tone) {
  return h('span', { class: `badge badge-${tone}` }, h('span', { class: 'badge-mark', 'aria-hidden': 'true' }),
    label);
}

/** A message beside a form field; the field points at it (aria-describedby) and is marked invalid. */
export function fieldError(field, message) {
  const id = `${field.id}-error`;
  let error = document.getElementById(id);
  if (!error) {
    error = h('p', { id, class: 'field-error' });
    field.insertAdjacentElement('afterend', error);
  }
  error.textContent = message || '';
  error.hidden = !message;
  if (message) {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', id);
  } else {
    field.removeAttribute('aria-invalid');
  }
}

/** A panel of its own message: an error the reader can act on, or a notice. */
export function notice(message, kind = 'error') {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
}

/** Focuses a view's heading, so keyboard and screen-reader users start at the top of what changed. */
export function focusHeading(container) {
  const heading = container.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}
