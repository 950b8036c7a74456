// The peermesh topology page (issue #14). Plain JavaScript and inline SVG, no library: the page is
// served by the node itself and must work without any network beyond it. One EventSource on
// /mesh/stream gives the whole view (see MeshView.java) whenever it changes; everything is drawn
// from that object. Above AGGREGATE members the graph and the matrix show zones instead of nodes.
'use strict';

const AGGREGATE = 150;
const SVG = 'http://www.w3.org/2000/svg';
const REASONS = { refused: 'refused', timeout: 'timeout', tls: 'tls', full: 'full', one_way: 'one way',
  no_hello: 'no hello', backoff: 'backoff', dialing: 'dialing', rejected: 'rejected' };
let view = null;
let receivedAt = 0;
let tab = 'graph';
let detail = null; // {from, to, label} of the link whose history is shown
let detailTimer = null;
let stream = null; // the EventSource (a test closes it to draw a synthetic view)

const $ = (id) => document.getElementById(id);
const short = (id) => (id ? id.slice(0, 8) : '?');
const zoneOf = (m) => (m.metadata && m.metadata.zone) || '(no zone)';

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function ago(ms) {
  if (ms == null) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  return Math.round(s / 3600) + ' h ago';
}

function fmtMs(v) {
  if (v == null) return 'no RTT yet';
  return v < 10 ? v.toFixed(2) + ' ms' : v.toFixed(1) + ' ms';
}

function rttClass(v) {
  if (v == null) return 'rttn';
  if (v < 1) return 'rtt0';
  if (v < 5) return 'rtt1';
  if (v < 20) return 'rtt2';
  return 'rtt3';
}

function heat(v) {
  if (v == null) return '#f8f9fa';
  // green (0 ms) to red (>= 20 ms) on a log scale: loopback and WAN both stay readable
  const t = Math.min(1, Math.log10(1 + v) / Math.log10(21));
  return 'hsl(' + Math.round(130 - 130 * t) + ',70%,' + Math.round(80 - 25 * t) + '%)';
}

// One undirected link per pair: up if either end reports it up (one end may lag by a tick), missing
// with the reporter's reason otherwise; "one way" from either end wins, as it is a real fault.
function mergeLinks(v) {
  const pairs = new Map();
  for (const l of v.links) {
    const b = l.to || ('addr:' + l.addr);
    const key = l.from < b ? l.from + '|' + b : b + '|' + l.from;
    let p = pairs.get(key);
    if (!p) {
      p = { a: l.from, b: b, ghost: !l.to, addr: l.addr, up: false, oneWay: false, reason: null, rtts: [], loss: 0, reports: [] };
      pairs.set(key, p);
    }
    p.reports.push(l);
    if (l.state === 'up') {
      p.up = true;
      if (l.rttMillis != null) p.rtts.push(l.rttMillis);
      if (l.loss != null) p.loss = Math.max(p.loss, l.loss);
    } else if (l.state === 'one_way') {
      p.oneWay = true;
      p.reason = 'one way';
    } else if (!p.reason) {
      p.reason = REASONS[l.state] || l.state;
    }
  }
  for (const p of pairs.values()) {
    p.rtt = p.rtts.length ? p.rtts.reduce((x, y) => x + y, 0) / p.rtts.length : null;
    p.state = p.oneWay ? 'one_way' : (p.up ? 'up' : 'missing');
  }
  return [...pairs.values()];
}

function sortedMembers(v, by) {
  const ms = v.members.slice();
  ms.sort((x, y) => (by === 'zone' ? zoneOf(x).localeCompare(zoneOf(y)) : 0) || x.nodeid.localeCompare(y.nodeid));
  return ms;
}

function render() {
  if (!view) return;
  const peers = view.members.filter((m) => !m.self);
  const empty = peers.length === 0;
  $('empty').hidden = !empty;
  if (empty) {
    $('empty-reason').textContent = view.reason || 'no other node has been found yet';
    const ul = $('empty-problems');
    ul.replaceChildren(...(view.problems || []).map((p) => { const li = document.createElement('li'); li.textContent = p; return li; }));
  }
  renderStatus();
  if (tab === 'graph') renderGraph(); else renderMatrix();
}

function renderStatus() {
  if (!view) return;
  const alive = view.members.filter((m) => m.state === 'alive').length;
  const s = $('status');
  s.className = 'status' + (view.ready ? '' : ' bad');
  s.textContent = 'node ' + short(view.self) + ' · ' + (view.ready ? 'ready' : 'not ready: ' + (view.reason || '')) +
    ' · ' + view.members.length + ' members (' + alive + ' alive) · updated ' + ago(Date.now() - receivedAt);
}

function renderGraph() {
  const svg = $('graph');
  const W = 1000, H = 700, cx = W / 2, cy = H / 2;
  const members = sortedMembers(view, 'zone');
  const links = mergeLinks(view);
  const nodes = [];
  const pos = new Map();
  if (members.length > AGGREGATE) return renderZones(svg, members, links, W, H);
  const r = Math.min(W, H) / 2 - (members.length > 40 ? 70 : 90);
  members.forEach((m, i) => {
    const a = (2 * Math.PI * i) / members.length - Math.PI / 2;
    const p = { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), m: m, angle: a };
    pos.set(m.nodeid, p);
    nodes.push(p);
  });
  // Addresses that never answered with a node id: just outside their reporter.
  const ghosts = new Map();
  for (const l of links) {
    if (!l.ghost || ghosts.has(l.b)) continue;
    const from = pos.get(l.a);
    const a = from ? from.angle + 0.12 * (ghosts.size % 5 - 2) : 0;
    ghosts.set(l.b, { x: cx + (r + 60) * Math.cos(a), y: cy + (r + 60) * Math.sin(a), addr: l.addr });
  }
  const small = members.length > 40;
  const g = [];
  for (const l of links) {
    const p = pos.get(l.a), q = pos.get(l.b) || ghosts.get(l.b);
    if (!p || !q) continue;
    const cls = (l.state === 'up' ? 'link ' + rttClass(l.rtt) : 'link missing') + (small ? ' dense' : '');
    const line = el('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: cls, 'data-a': l.a, 'data-b': l.b, 'data-state': l.state });
    line.appendChild(el('title', {}, describeLink(l)));
    line.addEventListener('click', () => openDetail(l));
    g.push(line);
    if (l.state !== 'up' && !small) {
      g.push(el('text', { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 - 3, class: 'reason', 'text-anchor': 'middle',
        'data-a': l.a, 'data-b': l.b }, l.reason || 'missing'));
    }
  }
  for (const [key, q] of ghosts) {
    g.push(el('rect', { x: q.x - 6, y: q.y - 6, width: 12, height: 12, class: 'ghost', 'data-addr': q.addr }));
    g.push(el('text', { x: q.x, y: q.y + 18, class: 'ghost', 'text-anchor': 'middle' }, q.addr));
  }
  for (const p of nodes) {
    const m = p.m;
    const grp = el('g', { class: 'member', 'data-node': m.nodeid, 'data-state': m.state, 'data-short': m.id });
    const rad = small ? 7 : 14;
    grp.appendChild(el('circle', { cx: p.x, cy: p.y, r: rad, class: 'm-' + m.state + (m.self ? ' self' : '') }));
    const out = p.y >= cy ? 1 : -1;
    if (small) { // many members: labels point outwards along the radius, so neighbours never overlap
      const deg = (p.angle * 180) / Math.PI, left = Math.cos(p.angle) < 0;
      const lx = cx + (r + rad + 4) * Math.cos(p.angle), ly = cy + (r + rad + 4) * Math.sin(p.angle);
      grp.appendChild(el('text', { x: lx, y: ly + 3, class: 'id', 'text-anchor': left ? 'end' : 'start',
        transform: 'rotate(' + (left ? deg + 180 : deg) + ' ' + lx + ' ' + ly + ')' }, m.id));
    } else {
      grp.appendChild(el('text', { x: p.x, y: p.y + out * (rad + 12) + (out > 0 ? 0 : 4), class: 'id', 'text-anchor': 'middle' }, m.id));
    }
    const meta = [m.metadata && m.metadata.zone, m.metadata && m.metadata.version].filter(Boolean).join(' · ');
    if (meta && !small) grp.appendChild(el('text', { x: p.x, y: p.y + out * (rad + 24) + (out > 0 ? 0 : 4), class: 'meta', 'text-anchor': 'middle' }, meta));
    if (m.state !== 'alive' && !small) grp.appendChild(el('text', { x: p.x, y: p.y + 3, class: 'state', 'text-anchor': 'middle' }, m.state === 'reported' ? '' : m.state));
    grp.appendChild(el('title', {}, m.nodeid + '\n' + m.state + (m.addr ? ' at ' + m.addr : '') +
      (m.lastHeard ? '\nlast heard ' + ago(Date.now() - Date.parse(m.lastHeard)) : '') + (meta ? '\n' + meta : '')));
    g.push(grp);
  }
  svg.replaceChildren(...g);
}

function renderZones(svg, members, links, W, H) {
  const zones = new Map();
  for (const m of members) {
    const z = zoneOf(m);
    if (!zones.has(z)) zones.set(z, { name: z, count: 0, bad: 0 });
    const zz = zones.get(z);
    zz.count++;
    if (m.state !== 'alive') zz.bad++;
  }
  const zoneOfId = new Map(members.map((m) => [m.nodeid, zoneOf(m)]));
  const names = [...zones.keys()];
  const cx = W / 2, cy = H / 2, r = Math.min(W, H) / 2 - 110;
  const pos = new Map(names.map((n, i) => {
    const a = (2 * Math.PI * i) / names.length - Math.PI / 2;
    return [n, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) }];
  }));
  const edges = new Map();
  for (const l of links) {
    const za = zoneOfId.get(l.a), zb = zoneOfId.get(l.b);
    if (!za || !zb || za === zb) continue;
    const k = za < zb ? za + '|' + zb : zb + '|' + za;
    if (!edges.has(k)) edges.set(k, { a: za, b: zb, rtts: [], missing: 0 });
    const e = edges.get(k);
    if (l.state === 'up' && l.rtt != null) e.rtts.push(l.rtt); else if (l.state !== 'up') e.missing++;
  }
  const g = [];
  for (const e of edges.values()) {
    e.rtts.sort((x, y) => x - y);
    const med = e.rtts.length ? e.rtts[Math.floor(e.rtts.length / 2)] : null;
    const p = pos.get(e.a), q = pos.get(e.b);
    const what = e.a + ' — ' + e.b + ': median ' + fmtMs(med) + ' · ' + e.rtts.length + ' links' + (e.missing ? ' · ' + e.missing + ' missing' : '');
    const line = el('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: 'link ' + rttClass(med), 'stroke-width': 1 + Math.log2(1 + e.rtts.length) / 2 });
    line.appendChild(el('title', {}, what));
    g.push(line);
    if (names.length <= 6) { // beyond, the labels would overlap: the numbers are in each line's tooltip
      g.push(el('text', { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2, class: e.missing ? 'reason' : 'meta', 'text-anchor': 'middle' }, what.slice(what.indexOf(':') + 2)));
    }
  }
  for (const [n, p] of pos) {
    const z = zones.get(n);
    // A zone is marked only when over a tenth of it is not alive: one suspect in a hundred is noise at this scale.
    g.push(el('circle', { cx: p.x, cy: p.y, r: 10 + 4 * Math.sqrt(z.count), class: z.bad * 10 > z.count ? 'm-suspect' : 'm-alive' }));
    g.push(el('text', { x: p.x, y: p.y + 4, class: 'id', 'text-anchor': 'middle' }, n));
    g.push(el('text', { x: p.x, y: p.y + 18, class: 'meta', 'text-anchor': 'middle' }, z.count + ' members' + (z.bad ? ', ' + z.bad + ' not alive' : '')));
  }
  g.push(el('text', { x: 10, y: 20, class: 'meta' }, members.length + ' members in ' + names.length +
    ' zones: one circle per zone, one line per pair of zones (median RTT; hover for the numbers)'));
  svg.replaceChildren(...g);
}

function describeLink(l) {
  const b = l.ghost ? l.addr : short(l.b);
  if (l.state !== 'up') return short(l.a) + ' — ' + b + ': ' + (l.reason || 'missing');
  return short(l.a) + ' — ' + b + ': ' + fmtMs(l.rtt) + ', loss ' + Math.round(100 * l.loss) + ' %';
}

function renderMatrix() {
  const by = $('matrix-sort').value;
  let ms = sortedMembers(view, by).filter((m) => m.state !== 'left');
  const table = document.createElement('table');
  let rows = ms.map((m) => ({ key: m.nodeid, label: m.id, zone: zoneOf(m), ids: [m.nodeid] }));
  if (ms.length > AGGREGATE) { // zone x zone medians
    const z = new Map();
    for (const m of ms) { if (!z.has(zoneOf(m))) z.set(zoneOf(m), []); z.get(zoneOf(m)).push(m.nodeid); }
    rows = [...z.entries()].map(([name, ids]) => ({ key: name, label: name + ' (' + ids.length + ')', zone: name, ids: ids }));
  }
  // One pass over the links: the values of each cell (a pair of nodes, or of zones when aggregated).
  const rowOf = new Map();
  for (const r of rows) for (const id of r.ids) rowOf.set(id, r.key);
  const cells = new Map();
  for (const l of view.links) {
    if (!l.to || l.state !== 'up' || l.rttMillis == null) continue;
    const a = rowOf.get(l.from), b = rowOf.get(l.to);
    if (a === undefined || b === undefined) continue;
    const k = a + '|' + b;
    if (!cells.has(k)) cells.set(k, []);
    cells.get(k).push(l.rttMillis);
  }
  const head = document.createElement('tr');
  head.appendChild(document.createElement('th'));
  for (const c of rows) { const th = document.createElement('th'); th.className = 'col'; th.textContent = c.label; head.appendChild(th); }
  table.appendChild(head);
  for (const r of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.textContent = r.label; th.title = r.zone; tr.appendChild(th);
    for (const c of rows) {
      const td = document.createElement('td');
      const vals = (cells.get(r.key + '|' + c.key) || []).sort((x, y) => x - y);
      const v = vals.length ? vals[Math.floor(vals.length / 2)] : null;
      if (r.key === c.key && r.ids.length === 1) { td.className = 'self'; }
      else if (v == null) { td.className = 'none'; td.textContent = '–'; td.title = 'no link reported'; }
      else {
        td.style.background = heat(v);
        td.textContent = v < 10 ? v.toFixed(1) : Math.round(v);
        td.title = r.label + ' → ' + c.label + ': ' + fmtMs(v) + (vals.length > 1 ? ' (median of ' + vals.length + ')' : '');
        if (r.ids.length === 1) td.addEventListener('click', () => openDetail({ a: r.key, b: c.key, ghost: false }));
      }
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent = 'Row: the node that measured; column: its peer. Smoothed RTT in ms; – : no link reported.';
  $('matrix').replaceChildren(table, note);
}

async function openDetail(l) {
  detail = { from: l.a, to: l.ghost ? l.addr : l.b, label: short(l.a) + ' — ' + (l.ghost ? l.addr : short(l.b)) };
  $('detail').hidden = false;
  $('detail-title').textContent = detail.label;
  $('detail-now').textContent = l.state ? describeLink(l) : '';
  clearInterval(detailTimer);
  detailTimer = setInterval(loadHistory, 10000); // the buckets are 10 s wide
  loadHistory();
}

async function loadHistory() {
  if (!detail) return;
  const q = '/mesh/history?from=' + encodeURIComponent(detail.from) + '&to=' + encodeURIComponent(detail.to);
  const res = await fetch(q);
  drawHistory(res.ok ? await res.json() : []);
}

function drawHistory(buckets) {
  const svg = $('detail-chart');
  const W = 360, H = 150, L = 36, B = 20, T = 8;
  const g = [];
  const now = Date.now(), span = 15 * 60 * 1000;
  const x = (t) => L + ((t - (now - span)) / span) * (W - L - 6);
  const maxRtt = Math.max(1, ...buckets.map((b) => b.rttMillis || 0));
  const y = (v) => H - B - (v / maxRtt) * (H - B - T);
  g.push(el('line', { x1: L, y1: H - B, x2: W - 6, y2: H - B, stroke: '#adb5bd' }));
  g.push(el('text', { x: 2, y: T + 8, class: 'meta' }, maxRtt.toFixed(maxRtt < 10 ? 2 : 0) + ' ms'));
  g.push(el('text', { x: 2, y: H - B, class: 'meta' }, '0 ms'));
  g.push(el('text', { x: L, y: H - 4, class: 'meta' }, '15 min ago'));
  g.push(el('text', { x: W - 40, y: H - 4, class: 'meta' }, 'now'));
  let path = '';
  for (const b of buckets) {
    const t = Date.parse(b.at), bx = x(t);
    if (b.loss > 0) g.push(el('rect', { x: bx, y: y(0) - b.loss * (H - B - T), width: 3, height: b.loss * (H - B - T), fill: '#c92a2a', opacity: 0.5 }));
    if (b.reconnects > 0) g.push(el('text', { x: bx, y: T + 10, fill: '#f08c00', class: 'meta' }, '↻' + b.reconnects));
    if (b.rttMillis != null) path += (path ? 'L' : 'M') + bx.toFixed(1) + ' ' + y(b.rttMillis).toFixed(1);
  }
  if (path) g.push(el('path', { d: path, fill: 'none', stroke: '#1971c2', 'stroke-width': 1.5 }));
  if (!buckets.length) g.push(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'meta' }, 'no samples yet (one every 2 s)'));
  svg.replaceChildren(...g);
}

function setTab(t) {
  tab = t;
  $('tab-graph').classList.toggle('active', t === 'graph');
  $('tab-matrix').classList.toggle('active', t === 'matrix');
  $('graph-view').hidden = t !== 'graph';
  $('matrix-view').hidden = t !== 'matrix';
  render();
}

function connect() {
  const es = new EventSource('/mesh/stream');
  stream = es;
  es.addEventListener('mesh', (e) => {
    view = JSON.parse(e.data);
    receivedAt = Date.now();
    render();
  });
  es.onerror = () => { $('status').textContent = 'connection to the node lost, reconnecting…'; $('status').className = 'status bad'; };
}

$('tab-graph').addEventListener('click', () => setTab('graph'));
$('tab-matrix').addEventListener('click', () => setTab('matrix'));
$('matrix-sort').addEventListener('change', () => render());
$('detail-close').addEventListener('click', () => { detail = null; clearInterval(detailTimer); $('detail').hidden = true; });
setInterval(renderStatus, 1000); // relative times move on between updates
connect();
