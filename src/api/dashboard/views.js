// The dashboard's views. Each takes the data app.js keeps (state) and returns elements; none fetches.
import { formatAge, formatDate, formatRate, h, problemsOf, statusBadge, tags } from './dom.js';

const DAY_MS = 86_400_000;
/** Days left under which a certificate is shown as a warning (the ACME leader renews at 30). */
const EXPIRY_WARNING_DAYS = 14;

const byName = new Intl.Collator('en', { numeric: true });

/** An object's entries in natural name order (r2 before r10). */
function entries(record) {
  return Object.entries(record ?? {}).sort(([a], [b]) => byName.compare(a, b));
}

function matches(name, item, filter) {
  if (filter.status && item.status !== filter.status) return false;
  if (!filter.search) return true;
  const needle = filter.search.toLowerCase();
  return name.toLowerCase().includes(needle) || (typeof item.rule === 'string' && item.rule.toLowerCase().includes(needle));
}

function table(head, rows, empty) {
  if (rows.length === 0) return h('div', { class: 'panel' }, h('div', { class: 'empty' }, empty));
  return h('div', { class: 'panel flush' },
    h('table', null,
      h('thead', null, h('tr', null, head.map(([label, cls]) => h('th', { class: cls }, label)))),
      h('tbody', null, rows)));
}

/** A data row, followed by a row with the object's errors when it has any. */
function withProblems(row, item, columns) {
  const problems = problemsOf(item);
  if (problems.length === 0) return [row];
  row.classList.add('has-error');
  return [row, h('tr', { class: 'error-row' }, h('td', { colspan: columns }, h('ul', { class: `problems` }, problems.map((p) => h('li', { class: item.status === 'warning' ? 'warning' : undefined }, p)))))];
}

function splitName(name) {
  const at = name.lastIndexOf('@');
  return at <= 0 ? [name, ''] : [name.slice(0, at), name.slice(at)];
}

function nameCell(name) {
  const [base, provider] = splitName(name);
  return h('td', { class: 'name' }, base, provider ? h('span', { class: 'provider' }, provider) : null);
}

export function overview(state) {
  const { overview: o, raw } = state;
  const card = (label, counts, href) =>
    h('a', { class: 'card', href },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, counts.total),
      h('div', { class: 'split' },
        h('span', { class: counts.warnings > 0 ? 'warn' : 'muted' }, `${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}`),
        h('span', { class: counts.errors > 0 ? 'bad' : 'muted' }, `${counts.errors} error${counts.errors === 1 ? '' : 's'}`)));
  const totalRate = state.rates === undefined ? undefined : [...state.rates.values()].reduce((a, b) => a + b, 0);
  const cards = h('div', { class: 'cards' },
    card('Routers', o.http.routers, '#/routers'),
    card('Services', o.http.services, '#/services'),
    card('Middlewares', o.http.middlewares, '#/middlewares'),
    h('div', { class: 'card' },
      h('div', { class: 'label' }, 'Requests / s'),
      h('div', { class: 'value', id: 'total-rate' }, formatRate(totalRate)),
      h('div', { class: 'split muted' }, 'all routers, this node')),
    certificatesCard(state.certificates ?? []),
    h('div', { class: 'card' },
      h('div', { class: 'label' }, 'Configuration'),
      h('div', { class: 'value' }, `r${raw.revision}`),
      h('div', { class: 'split muted' }, `providers: ${o.providers.join(', ') || 'none'}`)));

  const problems = [];
  for (const [kind, record] of [['router', raw.routers], ['service', raw.services], ['middleware', raw.middlewares]]) {
    for (const [name, item] of entries(record)) {
      if (item.status === 'enabled') continue;
      for (const p of problemsOf(item)) problems.push(h('li', { class: item.status === 'warning' ? 'warning' : undefined }, h('b', null, `${kind} ${name}`), p));
    }
  }
  for (const p of raw.problems ?? []) problems.push(h('li', { class: 'warning' }, problemsOf({ errors: [p] })));
  const problemsPanel = h('div', { class: 'panel' },
    h('h2', null, 'Errors and warnings'),
    problems.length === 0 ? h('div', { class: 'muted' }, 'None: every router, service and middleware is enabled.') : h('ul', { class: 'problems' }, problems));

  const busiest = [...(state.rates ?? new Map())].filter(([, r]) => r > 0).sort((a, b) => b[1] - a[1]).slice(0, 10);
  const top = busiest[0]?.[1] ?? 0;
  const traffic = h('div', { class: 'panel' },
    h('h2', null, 'Busiest routers'),
    busiest.length === 0
      ? h('div', { class: 'muted' }, state.rates === undefined ? 'Measuring…' : 'No requests in the last interval.')
      : h('table', null, h('tbody', null, busiest.map(([name, rate]) => {
        const bar = h('span');
        bar.style.width = `${Math.max(2, Math.round((rate / top) * 100))}%`;
        return h('tr', null, nameCell(name), h('td', { class: 'num' }, `${formatRate(rate)} /s`), h('td', null, h('div', { class: 'bar' }, bar)));
      }))));

  const ep = h('div', { class: 'panel' },
    h('h2', null, 'Entry points'),
    h('table', null, h('tbody', null, (state.entryPoints ?? []).map((e) => h('tr', null, h('td', { class: 'name' }, e.name), h('td', { class: 'mono' }, e.address))))));

  const features = Object.entries(o.features ?? {}).map(([k, v]) => `${k}: ${v === '' || v === false ? 'off' : v === true ? 'on' : v}`);
  const node = h('div', { class: 'panel' },
    h('h2', null, 'This node'),
    h('dl', { class: 'facts' },
      h('dt', null, 'Node'), h('dd', null, state.cluster?.nodeId ?? '—'),
      h('dt', null, 'Version'), h('dd', null, state.version ?? '—'),
      h('dt', null, 'Store'), h('dd', null, storeText(state.cluster)),
      h('dt', null, 'Features'), h('dd', null, features.join(', '))));

  return [cards, h('div', { class: 'grid2' }, problemsPanel, traffic, ep, node)];
}

function certificatesCard(served) {
  const expiries = served.map((c) => Date.parse(c.notAfter)).filter((t) => !Number.isNaN(t));
  const soonest = expiries.length === 0 ? undefined : Math.floor((Math.min(...expiries) - Date.now()) / DAY_MS);
  const unreadable = served.filter((c) => c.error).length;
  return h('a', { class: 'card', href: '#/certificates' },
    h('div', { class: 'label' }, 'Certificates'),
    h('div', { class: 'value' }, served.length),
    h('div', { class: 'split' },
      soonest === undefined
        ? h('span', { class: 'muted' }, 'none served')
        : h('span', { class: soonest < 0 ? 'bad' : soonest < EXPIRY_WARNING_DAYS ? 'warn' : 'muted' }, soonest < 0 ? 'one has expired' : `next expiry in ${soonest} day${soonest === 1 ? '' : 's'}`),
      unreadable > 0 ? h('span', { class: 'bad' }, `${unreadable} unreadable`) : null));
}

function storeText(cluster) {
  if (cluster === undefined) return '—';
  if (cluster.store === null) return 'none (file provider)';
  return `${cluster.store.kind}, ${cluster.store.state}, serving from ${cluster.store.source}`;
}

export function routers(state, filter) {
  const rows = [];
  for (const [name, r] of entries(state.raw.routers)) {
    if (!matches(name, r, filter)) continue;
    const rate = state.rates?.get(name);
    const tls = r.tls === undefined ? null : h('span', { class: 'tag', title: JSON.stringify(r.tls) }, r.tls.certResolver ? `TLS · ${r.tls.certResolver}` : 'TLS');
    const row = h('tr', { dataset: { router: name } },
      h('td', null, statusBadge(r.status)),
      nameCell(name),
      h('td', { class: 'rule' }, r.rule ?? ''),
      h('td', null, tags(r.entryPoints ?? r.using)),
      h('td', null, r.service ?? '—'),
      h('td', null, tags(r.middlewares)),
      h('td', null, tls ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num rate', dataset: { rate: rate === undefined ? '' : String(rate) } }, formatRate(rate)));
    rows.push(...withProblems(row, r, 8));
  }
  return table([['Status'], ['Name'], ['Rule'], ['Entry points'], ['Service'], ['Middlewares'], ['TLS'], ['Req/s', 'num']], rows, 'No router matches.');
}

function serviceType(s) {
  for (const type of ['loadBalancer', 'weighted', 'mirroring', 'failover']) if (s[type] !== undefined) return type;
  return '—';
}

function serviceTargets(s) {
  if (s.loadBalancer !== undefined) {
    const servers = s.loadBalancer.servers ?? [];
    if (servers.length === 0) return h('span', { class: 'muted' }, 'no servers');
    return h('div', null, servers.map((server) => {
      const health = s.serverStatus?.[server.url];
      return h('div', null, h('span', { class: 'mono' }, server.url ?? ''), ' ', health === undefined ? null : statusBadge(health));
    }));
  }
  if (s.weighted !== undefined) return tags((s.weighted.services ?? []).map((w) => `${w.name} × ${w.weight ?? 1}`));
  if (s.mirroring !== undefined) return tags([s.mirroring.service, ...(s.mirroring.mirrors ?? []).map((m) => `mirror ${m.name} ${m.percent ?? 0}%`)]);
  if (s.failover !== undefined) return tags([s.failover.service, `fallback ${s.failover.fallback}`]);
  return h('span', { class: 'muted' }, '—');
}

export function services(state, filter) {
  const rows = [];
  for (const [name, s] of entries(state.raw.services)) {
    if (!matches(name, s, filter)) continue;
    const row = h('tr', { dataset: { service: name } },
      h('td', null, statusBadge(s.status)),
      nameCell(name),
      h('td', null, serviceType(s)),
      h('td', null, serviceTargets(s)),
      h('td', null, tags(s.usedBy, 'unused')));
    rows.push(...withProblems(row, s, 5));
  }
  return table([['Status'], ['Name'], ['Type'], ['Servers'], ['Used by']], rows, 'No service matches.');
}

const NOT_SETTINGS = new Set(['status', 'usedBy', 'error', 'errors', 'using', 'serverStatus', 'type', 'name', 'provider']);

export function middlewares(state, filter) {
  const rows = [];
  for (const [name, m] of entries(state.raw.middlewares)) {
    if (!matches(name, m, filter)) continue;
    const settings = Object.entries(m).filter(([k]) => !NOT_SETTINGS.has(k));
    const [type, options] = settings[0] ?? ['—', undefined];
    const row = h('tr', { dataset: { middleware: name } },
      h('td', null, statusBadge(m.status)),
      nameCell(name),
      h('td', null, type),
      h('td', { class: 'rule' }, options === undefined ? '' : JSON.stringify(options)),
      h('td', null, tags(m.usedBy, 'unused')));
    rows.push(...withProblems(row, m, 5));
  }
  return table([['Status'], ['Name'], ['Type'], ['Settings'], ['Used by']], rows, 'No middleware matches.');
}

export function cluster(state) {
  const c = state.cluster;
  if (c === undefined) return h('p', { class: 'muted' }, 'Loading…');
  if (c.store === null) {
    return h('div', { class: 'panel', id: 'no-cluster' },
      h('h2', null, 'No cluster'),
      h('p', null, 'This node reads its configuration from the file provider and has no store, so it has no cluster: no other nodes, no shared revision, no ACME leader.'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Node'), h('dd', null, c.nodeId),
        h('dt', null, 'Applied configuration'), h('dd', null, `r${c.appliedRevision}`)));
  }
  const facts = h('div', { class: 'panel' },
    h('dl', { class: 'facts' },
      h('dt', null, 'This node'), h('dd', null, c.nodeId),
      h('dt', null, 'Store'), h('dd', null, storeText(c), c.store.since ? h('span', { class: 'muted' }, ` since ${formatDate(c.store.since)}`) : null),
      h('dt', null, 'Store revision (routes)'), h('dd', null, c.routesRevision ?? '—'),
      h('dt', null, 'ACME leader'), h('dd', null, c.leader ?? h('span', { class: 'warn' }, 'none')),
      c.error ? [h('dt', null, 'Error'), h('dd', { class: 'bad' }, c.error)] : null));
  const rows = (c.nodes ?? []).map((n) => {
    const lag = Number(n.lag ?? 0);
    return h('tr', { dataset: { node: n.id } },
      h('td', { class: 'name' }, n.id, ' ', n.id === c.nodeId ? h('span', { class: 'tag' }, 'this node') : null, ' ', n.id === c.leader ? h('span', { class: 'tag' }, 'ACME leader') : null),
      h('td', null, n.version ?? '—'),
      h('td', null, tags(Object.entries(n.addresses ?? {}).map(([ep, a]) => `${ep} ${a}`))),
      h('td', { class: 'num' }, n.appliedRevision ?? '—'),
      h('td', { class: 'num' }, c.routesRevision ?? '—'),
      h('td', { class: `num ${lag > 0 ? 'warn' : 'ok'}` }, lag > 0 ? `${lag} behind` : 'current'),
      h('td', null, n.source === 'snapshot' ? h('span', { class: 'warn' }, 'snapshot') : (n.source ?? '—')),
      h('td', { title: n.startedAt ?? '' }, n.startedAt ? formatAge(n.startedAt) : '—'),
      h('td', { class: 'num' }, (n.certificates ?? []).length));
  });
  return [facts, table([['Node'], ['Version'], ['Addresses'], ['Applied revision', 'num'], ['Store revision', 'num'], ['Lag', 'num'], ['Source'], ['Started'], ['Certificates', 'num']], rows, 'No node is registered.')];
}

function daysLeft(notAfter, now) {
  const days = Math.floor((Date.parse(notAfter) - now) / DAY_MS);
  const cls = Number.isNaN(days) || days < 0 ? 'bad' : days < EXPIRY_WARNING_DAYS ? 'warn' : 'ok';
  return h('td', { class: `num days ${cls}` }, Number.isNaN(days) ? '—' : days < 0 ? 'expired' : `${days} day${days === 1 ? '' : 's'}`);
}

/** What this node serves: certificates from the configuration's keys and from the cluster's ACME state. */
function servedCertificates(state, now) {
  const rows = (state.certificates ?? []).map((cert) => h('tr', { dataset: { certificate: cert.id } },
    h('td', null, cert.error ? h('span', { class: 'bad' }, 'unreadable') : tags(cert.domains)),
    h('td', null, cert.issuer || '—'),
    h('td', { class: 'num' }, cert.notAfter ? formatDate(cert.notAfter) : '—'),
    cert.notAfter ? daysLeft(cert.notAfter, now) : h('td', { class: 'num bad' }, '—'),
    h('td', null, cert.source === 'acme' ? 'ACME (cluster)' : h('span', { class: 'mono' }, cert.id)),
    h('td', null, cert.error ? h('span', { class: 'bad' }, cert.error) : h('span', { class: 'muted' }, '—'))));
  return [h('h2', null, 'Served by this node'),
    table([['Domains'], ['Issuer'], ['Not after', 'num'], ['Left', 'num'], ['Source'], ['Problem']], rows, 'This node serves no certificate of its own (only its generated default one).')];
}

/** The cluster's ACME certificates as the store holds them, with the nodes serving each and the last ACME error. */
function clusterCertificates(c, now) {
  if (c.store === null) {
    return h('div', { class: 'panel', id: 'no-cluster-certificates' }, h('p', { class: 'muted' }, 'No cluster certificates: ACME certificates live in the store, and this node has none (file provider).'));
  }
  // Never-issued certificates (notAfter null) first: they are the ones failing.
  const expiry = (cert) => (cert.notAfter ? Date.parse(cert.notAfter) : -Infinity);
  const rows = [...(c.certificates ?? [])].sort((a, b) => expiry(a) - expiry(b)).map((cert) =>
    h('tr', { dataset: { clusterCertificate: cert.id } },
      h('td', null, tags(cert.domains)),
      h('td', null, cert.issuer || '—', h('div', { class: 'muted' }, `resolver ${cert.resolver ?? '—'}`)),
      h('td', { class: 'num' }, cert.notAfter ? formatDate(cert.notAfter) : 'never issued'),
      cert.notAfter ? daysLeft(cert.notAfter, now) : h('td', { class: 'num bad' }, '—'),
      h('td', null, tags(cert.servedBy, 'no node')),
      h('td', null, cert.lastError ? h('span', { class: 'bad' }, cert.lastError) : h('span', { class: 'muted' }, '—'))));
  return table([['Domains'], ['Issuer'], ['Not after', 'num'], ['Left', 'num'], ['Served by'], ['Last ACME error']], rows, 'No certificate has been issued yet.');
}

export function certificates(state) {
  const c = state.cluster;
  if (c === undefined) return h('p', { class: 'muted' }, 'Loading…');
  const now = Date.now();
  return [servedCertificates(state, now), h('h2', null, 'Cluster (ACME)'), clusterCertificates(c, now)];
}
