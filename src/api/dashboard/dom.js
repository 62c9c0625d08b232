// The page is built from elements and text nodes, never from markup strings: every string from the
// API is operator input (router names, rules, error texts) and only ever becomes a text node or an
// attribute value, so it cannot become markup.

/**
 * h('td', { class: 'num', title: 'x' }, 'text', child, [more]) → an element. Children that are
 * strings or numbers become text nodes; null, undefined and false are skipped; arrays are flattened.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const STATUS_CLASS = { enabled: 's-ok', warning: 's-warn', disabled: 's-bad', UP: 's-ok', DOWN: 's-bad' };

export function statusBadge(status) {
  return h('span', { class: `status ${STATUS_CLASS[status] ?? 's-none'}` }, status ?? 'unknown');
}

/** One of our `errors` ({code, key, message}) with the key at fault first. */
export function problem(p) {
  return h('div', { class: 'problem' },
    p.key ? [h('span', { class: 'key' }, p.key), ': '] : null,
    h('span', { class: 'message' }, p.message),
    p.code ? h('span', { class: 'code' }, p.code) : null);
}

/** An object's problems: our structured `errors` when present, else Traefik's `error` strings. */
export function problemsOf(item) {
  if (Array.isArray(item.errors) && item.errors.length > 0) return item.errors.map(problem);
  if (Array.isArray(item.error) && item.error.length > 0) return item.error.map((text) => h('div', { class: 'problem' }, h('span', { class: 'message' }, text)));
  return [];
}

export function tags(values, empty = '—') {
  if (!Array.isArray(values) || values.length === 0) return h('span', { class: 'muted' }, empty);
  return h('div', { class: 'tags' }, values.map((v) => h('span', { class: 'tag' }, v)));
}

export function formatRate(perSecond) {
  if (perSecond === undefined) return '—';
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(2);
  if (perSecond < 1000) return perSecond.toFixed(1);
  return Math.round(perSecond).toLocaleString('en');
}

export function formatAge(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const seconds = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export function formatDate(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso ?? '—';
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
