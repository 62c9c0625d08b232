// The dashboard's shell: hash navigation, polling the node's API (relative URLs, so it also works
// behind a path prefix), and request rates from two polls of the cumulative per-router totals.
import { formatRate, h, replace } from './dom.js';
import * as views from './views.js';

const RATE_INTERVAL_MS = 2_000;
const DATA_INTERVAL_MS = 5_000;

const VIEWS = {
  overview: { title: 'Overview', render: views.overview },
  routers: { title: 'Routers', render: views.routers, filter: true },
  services: { title: 'Services', render: views.services, filter: true },
  middlewares: { title: 'Middlewares', render: views.middlewares, filter: true },
  cluster: { title: 'Cluster', render: views.cluster },
  certificates: { title: 'Certificates', render: views.certificates },
};

const state = { raw: undefined, overview: undefined, cluster: undefined, certificates: undefined, version: undefined, entryPoints: undefined, rates: undefined, updatedAt: undefined };
const filters = Object.fromEntries(Object.keys(VIEWS).map((k) => [k, { search: '', status: '' }]));
let current = 'overview';
let content;
/** The previous poll of /api/http/requests: {timestamp, routers}. */
let lastTotals;

async function getJson(path) {
  const res = await fetch(`../api/${path}`, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /api/${path} answered ${res.status}`);
  return res.json();
}

function showError(error) {
  const banner = document.getElementById('banner');
  if (error === undefined) {
    banner.hidden = true;
    return;
  }
  replace(banner, `Cannot read the node's API: ${error.message}. Showing the last data received.`);
  banner.hidden = false;
}

async function refreshData() {
  const [raw, overview, cluster, certificates, entryPoints, version] = await Promise.all([
    getJson('rawdata'),
    getJson('overview'),
    getJson('cluster'),
    getJson('tls/certificates'),
    getJson('entrypoints'),
    state.version === undefined ? getJson('version') : Promise.resolve({ Version: state.version }),
  ]);
  Object.assign(state, { raw, overview, cluster, certificates, entryPoints, version: version.Version, updatedAt: new Date() });
}

/** Requests per second of each router between the last two polls (a counter that went back is read as restarted). */
async function refreshRates() {
  const totals = await getJson('http/requests');
  if (lastTotals !== undefined && totals.timestamp > lastTotals.timestamp) {
    const seconds = (totals.timestamp - lastTotals.timestamp) / 1000;
    const rates = new Map();
    for (const name of Object.keys(state.raw?.routers ?? {})) rates.set(name, 0);
    for (const [name, count] of Object.entries(totals.routers)) {
      const before = lastTotals.routers[name] ?? 0;
      rates.set(name, (count >= before ? count - before : count) / seconds);
    }
    state.rates = rates;
  }
  lastTotals = totals;
}

function renderHeader() {
  const node = document.getElementById('node-info');
  const c = state.cluster;
  replace(node,
    'node ', h('b', null, c?.nodeId ?? '—'),
    state.version ? ` · v${state.version}` : '',
    c === undefined ? '' : c.store === null ? ' · file provider' : ` · ${c.store.kind} ${c.store.state}`);
  const revision = state.raw === undefined ? '' : ` · configuration r${state.raw.revision}`;
  replace(document.getElementById('updated'),
    state.updatedAt === undefined ? '' : `Updated ${state.updatedAt.toLocaleTimeString('en-GB')}${revision} · rates every ${RATE_INTERVAL_MS / 1000} s`);
}

function renderContent() {
  if (content === undefined) return;
  if (state.raw === undefined) {
    replace(content, h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  replace(content, VIEWS[current].render(state, filters[current]));
}

/** Only the rate cells change between data polls: the routers table is updated in place, not rebuilt. */
function renderRates() {
  if (current === 'overview') return renderContent();
  if (current !== 'routers' || content === undefined) return;
  for (const cell of content.querySelectorAll('tr[data-router] td.rate')) {
    const rate = state.rates?.get(cell.parentElement.dataset.router);
    cell.dataset.rate = rate === undefined ? '' : String(rate);
    cell.textContent = formatRate(rate);
  }
}

function toolbar(name) {
  const view = VIEWS[name];
  const items = [h('h1', null, view.title)];
  if (view.filter) {
    const filter = filters[name];
    const search = h('input', { type: 'search', placeholder: 'Filter by name or rule', value: filter.search, 'aria-label': 'Filter', id: 'filter' });
    search.addEventListener('input', () => {
      filter.search = search.value;
      renderContent();
    });
    const status = h('select', { 'aria-label': 'Status', id: 'status-filter' },
      ['', 'enabled', 'warning', 'disabled'].map((s) => h('option', { value: s, selected: filter.status === s ? 'selected' : undefined }, s === '' ? 'All statuses' : s)));
    status.addEventListener('change', () => {
      filter.status = status.value;
      renderContent();
    });
    items.push(search, status);
  }
  return h('div', { class: 'toolbar' }, items);
}

function navigate() {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0] || 'overview';
  current = Object.hasOwn(VIEWS, name) ? name : 'overview';
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.view === current);
  document.title = `${VIEWS[current].title} · Switchyard`;
  content = h('div', { id: `view-${current}` });
  replace(document.getElementById('view'), toolbar(current), content);
  renderContent();
}

async function pollData() {
  try {
    await refreshData();
    showError(undefined);
    renderHeader();
    renderContent();
  } catch (error) {
    showError(error);
  }
}

async function pollRates() {
  try {
    await refreshRates();
    renderRates();
  } catch (error) {
    showError(error);
  }
}

/** Now, then `ms` after each poll ends (setTimeout, not setInterval: a slow node never gets polls piling up). */
function every(ms, poll) {
  const run = async () => {
    // A hidden tab asks nothing of the node; the first poll after it shows again catches up.
    if (!document.hidden) await poll();
    setTimeout(run, ms);
  };
  void run();
}

window.addEventListener('hashchange', navigate);
navigate();
every(DATA_INTERVAL_MS, pollData);
every(RATE_INTERVAL_MS, pollRates);
// A rate needs two polls: one extra a second after loading shows the first rates sooner.
setTimeout(() => void pollRates(), 1_000);
