// The status page: one server-sent event stream (status/stream) keeps it current, no reloads.
'use strict';

const MAX_ROWS = 200;
const state = { health: null, board: { hubs: [], unattached: [], others: [] }, bridges: [], events: [] };

function $(id) {
  return document.getElementById(id);
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}

const OK = new Set(['connected', 'running', 'ok']);
const BAD = new Set(['failed', 'offline', 'closed', 'unhealthy', 'stopped', 'disconnected']);

function badge(text, tone) {
  const t = tone || (OK.has(text) ? 'ok' : BAD.has(text) ? 'bad' : 'warn');
  return el('span', { class: `badge ${t}` }, text);
}

const CONDITION = { alarm: ['IN ALARM', 'bad'], silenced: ['SILENCED', 'warn'], problem: ['PROBLEM', 'warn'], ok: ['OK', 'ok'] };

function conditionBadge(condition) {
  const [text, tone] = CONDITION[condition] || [condition, 'warn'];
  return badge(text, tone);
}

/** An alert's status is red while its device is in alarm and it is not silenced. */
function statusTone(status, condition) {
  return status === 'CANCEL' || condition !== 'alarm' ? 'warn' : 'bad';
}

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
}

function renderHealth() {
  const h = state.health;
  if (!h) return;
  $('version').textContent = `v${h.version}`;
  $('phase').replaceWith(Object.assign(badge(h.phase === 'running' && h.status !== 'ok' ? 'unhealthy' : h.phase), { id: 'phase' }));
  const problems = $('problems');
  problems.hidden = h.problems.length === 0;
  problems.textContent = h.problems.join(' · ');
  const conns = $('connections').tBodies[0];
  conns.replaceChildren(
    ...Object.entries(h.connections).map(([name, c]) =>
      el('tr', { 'data-connection': name }, el('td', {}, name), el('td', { class: 'mono' }, c.url), el('td', {}, badge(c.state), c.lastError ? el('div', { class: 'muted small' }, c.lastError) : null), el('td', { class: 'muted' }, time(c.since))),
    ),
  );
  const plugins = $('plugins').tBodies[0];
  plugins.replaceChildren(
    ...Object.entries(h.plugins).map(([name, p]) =>
      el(
        'tr',
        { 'data-plugin': name },
        el('td', {}, name, el('div', { class: 'muted small' }, p.version)),
        el('td', {}, badge(p.state), p.error ? el('div', { class: 'muted small' }, p.error) : null),
        el('td', { class: 'mono' }, p.subscribes.length ? p.subscribes.join('\n') : el('span', { class: 'muted' }, 'nothing')),
      ),
    ),
  );
}

function alertLine(alert, condition) {
  const statuses = Array.isArray(alert.alertstatus) ? alert.alertstatus : [alert.alertstatus];
  const what = [alert.eventtype, alert.description, alert.room, alert.location, alert.count !== undefined ? `${alert.count} alert(s)` : undefined]
    .filter((x) => typeof x === 'string' || typeof x === 'number')
    .filter((x, i, all) => all.indexOf(x) === i && !statuses.includes(x));
  const when = alert.raiseddate ? ` · ${time(alert.raiseddate)}` : '';
  return el(
    'li',
    { 'data-alert': alert.alertid ?? alert.device ?? '' },
    ...statuses.map((s) => el('span', { class: `badge ${statusTone(s, condition)}`, 'data-alertstatus': s }, String(s))),
    el('span', {}, what.join(' · ') + when),
  );
}

function deviceView(d) {
  return el(
    'div',
    { class: 'device', 'data-device': d.id, 'data-condition': d.condition },
    el('div', { class: 'device-head' }, el('span', {}, d.name, d.area ? el('span', { class: 'muted' }, ` · ${d.area}`) : null), conditionBadge(d.condition)),
    d.model ? el('div', { class: 'muted small' }, d.model) : null,
    d.alerts.length ? el('ul', { class: 'alerts' }, d.alerts.map((a) => alertLine(a, d.condition))) : null,
  );
}

function renderBoard() {
  const { hubs, unattached } = state.board;
  renderDevices();
  const box = $('alarms');
  if (hubs.length === 0 && unattached.length === 0) {
    box.replaceChildren(el('p', { class: 'muted' }, 'No alarm devices announced yet.'));
    return;
  }
  const cards = hubs.map((hub) => {
    return el(
      'div',
      { class: `hub ${hub.condition}`, 'data-hub': hub.id, 'data-condition': hub.condition },
      el(
        'div',
        { class: 'hub-head' },
        el('span', { class: 'hub-name' }, hub.name),
        el('span', {}, el('span', { class: 'muted small' }, `${hub.source} · ${hub.devices.length} device${hub.devices.length === 1 ? '' : 's'} `), conditionBadge(hub.condition)),
      ),
      hub.devices.length ? hub.devices.map(deviceView) : el('div', { class: 'muted small' }, 'No devices.'),
    );
  });
  if (unattached.length) cards.push(el('div', { class: 'hub', 'data-hub': '' }, el('div', { class: 'hub-head' }, el('span', { class: 'hub-name' }, 'Other devices')), unattached.map(deviceView)));
  box.replaceChildren(el('div', { class: 'hubs' }, cards));
}

function valueText(v) {
  if (v.value === undefined || v.value === null) return el('span', { class: 'muted' }, '—');
  const text = typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
  return v.unit ? `${text} ${v.unit}` : text;
}

/** Devices with no alarm and no hub (PlaceOS systems, say): each with its capabilities' values as published. */
function renderDevices() {
  const others = state.board.others || [];
  $('devices-section').hidden = others.length === 0;
  const cards = others.map((d) =>
    el(
      'div',
      { class: 'hub system', 'data-device': d.id },
      el('div', { class: 'hub-head' }, el('span', { class: 'hub-name' }, d.name), el('span', { class: 'muted small' }, [d.model, d.source].filter(Boolean).join(' · '))),
      d.values.length
        ? el('table', { class: 'values' }, el('tbody', {}, d.values.map((v) => el('tr', { 'data-value': v.key }, el('td', {}, v.name), el('td', { class: 'mono' }, valueText(v))))))
        : el('div', { class: 'muted small' }, 'No values yet.'),
    ),
  );
  $('devices').replaceChildren(el('div', { class: 'hubs' }, cards));
}

/** A bridge's side: its connection as the Connections table shows it (the bridge's own word until the next health report). */
function bridgeSide(side) {
  const conn = state.health && state.health.connections[side.connection];
  const text = conn ? conn.state : side.connected ? 'connected' : 'disconnected';
  return el('td', { 'data-side': side.connection }, side.connection, ' ', badge(text));
}

const DROPS = { loop: 'loops', echo: 'echoes', offline: 'other side down', refused: 'refused', no_route: 'no route' };

function renderBridges() {
  $('bridges-section').hidden = state.bridges.length === 0;
  $('bridges').tBodies[0].replaceChildren(
    ...state.bridges.map((b) => {
      const drops = ['loop', 'echo', ...Object.keys(b.dropped).filter((r) => r !== 'loop' && r !== 'echo')].map((r) =>
        el('div', { 'data-dropped': r }, `${DROPS[r] || r}: `, el('span', { class: 'mono' }, String(b.dropped[r] || 0))),
      );
      const n = b.notification;
      const notification = n
        ? el('td', {}, n.state === null ? badge('not yet', 'warn') : badge(n.state === '1' ? '1 · up' : '0 · down', n.state === '1' ? 'ok' : 'bad'), el('div', { class: 'mono small muted' }, n.topic))
        : el('td', { class: 'muted' }, 'off');
      return el(
        'tr',
        { 'data-bridge': b.name, 'data-notification': n ? String(n.state) : 'off' },
        el('td', {}, b.name, el('div', { class: 'muted small' }, b.source)),
        bridgeSide(b.local),
        bridgeSide(b.remote),
        el(
          'td',
          {},
          el('div', { 'data-forwarded': 'out' }, 'out → ', el('span', { class: 'mono' }, String(b.forwarded.out))),
          el('div', { 'data-forwarded': 'in' }, 'in ← ', el('span', { class: 'mono' }, String(b.forwarded.in))),
          b.queued ? el('div', { class: 'muted small' }, `${b.queued} awaiting acknowledgement`) : null,
        ),
        el('td', {}, drops),
        notification,
      );
    }),
  );
}

function eventRow(e) {
  const data = JSON.stringify(e.data);
  return el('tr', { 'data-event': e.type }, el('td', { class: 'muted' }, time(e.time)), el('td', { class: 'mono' }, e.type), el('td', {}, e.source), el('td', { class: 'data' }, data && data.length > 400 ? `${data.slice(0, 400)}…` : data));
}

function matches(e) {
  const q = $('filter').value.trim().toLowerCase();
  return !q || e.type.toLowerCase().includes(q) || JSON.stringify(e.data).toLowerCase().includes(q);
}

function renderEvents() {
  const rows = [];
  for (let i = state.events.length - 1; i >= 0 && rows.length < MAX_ROWS; i--) if (matches(state.events[i])) rows.push(eventRow(state.events[i]));
  $('events').tBodies[0].replaceChildren(...rows);
}

function addEvent(e) {
  state.events.push(e);
  if (state.events.length > MAX_ROWS) state.events.shift();
  if (!matches(e)) return;
  const body = $('events').tBodies[0];
  body.prepend(eventRow(e));
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

/** One message of the stream: the whole state at (re)connection, then what changed. */
function receive(name, data) {
  const m = JSON.parse(data);
  if (name === 'snapshot') {
    state.health = m.health;
    state.board = m.board;
    state.bridges = m.bridges;
    state.events = m.events;
    renderHealth();
    renderBoard();
    renderBridges();
  } else if (name === 'health') {
    state.health = m;
    renderHealth();
    renderBridges();
  } else if (name === 'bridges') {
    state.bridges = m;
    renderBridges();
  } else if (name === 'board') {
    state.board = m;
    renderBoard();
  } else if (name === 'event') addEvent(m);
}

function live(on) {
  $('live').className = on ? 'on' : 'off';
}

/** No credential, or basic (which the browser sends by itself): the browser's own EventSource, which reconnects by itself. */
function connect() {
  const stream = new EventSource('status/stream');
  stream.onopen = () => live(true);
  stream.onerror = () => live(false);
  for (const name of ['snapshot', 'health', 'bridges', 'board', 'event']) stream.addEventListener(name, (m) => receive(name, m.data));
}

// An API key or bearer token: kept for this tab only (never in the address, which ends up in logs), sent in its header.
const CREDENTIAL = 'switchboard-credential';

function headersOf(auth, secret) {
  return auth.type === 'bearer' ? { authorization: `Bearer ${secret}` } : { [auth.header]: secret };
}

function askCredential(auth, refused) {
  const form = $('signin');
  $('signin-what').textContent = auth.type === 'bearer' ? 'bearer token' : `API key (sent as ${auth.header})`;
  $('signin-refused').hidden = !refused;
  form.hidden = false;
  $('signin-secret').focus();
  form.onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(CREDENTIAL, $('signin-secret').value);
    $('signin-secret').value = '';
    form.hidden = true;
    connectWith(auth);
  };
}

/** The same stream read with fetch, which can send the credential's header; reconnects after a drop. */
async function connectWith(auth) {
  const secret = sessionStorage.getItem(CREDENTIAL);
  if (!secret) return askCredential(auth, false);
  const again = () => {
    live(false);
    setTimeout(() => connectWith(auth), 2000);
  };
  let res;
  try {
    res = await fetch('status/stream', { headers: headersOf(auth, secret), cache: 'no-store' });
  } catch {
    return again();
  }
  if (res.status === 401) {
    sessionStorage.removeItem(CREDENTIAL);
    return askCredential(auth, true);
  }
  if (!res.ok || !res.body) return again();
  live(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) receive(name, data.join('\n'));
      }
    }
  } catch {
    // The connection dropped: try again below.
  }
  again();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('filter').addEventListener('input', renderEvents);
  let auth = { type: 'none' };
  try {
    auth = await (await fetch('status/auth', { cache: 'no-store' })).json();
  } catch {
    // An older runtime or a proxy in the way: the browser's own stream.
  }
  if (auth.type === 'apiKey' || auth.type === 'bearer') connectWith(auth);
  else connect();
});
