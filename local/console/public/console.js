// The local bridge console: plain browser JavaScript, no build step. It reads the bridge's feed of
// what the queues accepted (Server-Sent Events at /local/events/stream), so it never takes an
// event away from the events queue's real consumer.

const $ = (id) => document.getElementById(id);
const MAX_EVENTS = 1000;
const state = { commands: new Map(), failures: new Map(), types: new Set(), apps: new Set(), unannounced: 0 };

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '');
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
};
const parse = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

function summaryOf(event) {
  const d = event.data ?? {};
  if (d.content) return d.content.kind === 'text' ? `text: ${d.content.text}` : d.content.kind;
  if (event.type === 'sinch.bridge.outbound.accepted') return `id=${d.id} messageId=${d.messageId ?? ''}`;
  if (event.type === 'sinch.bridge.outbound.failed') {
    const e = d.error ?? {};
    return `id=${d.id ?? '?'} ${e.kind ?? ''} ${e.status ?? ''} ${e.message ?? ''}`;
  }
  if (d.status)
    return `${d.status}${d.reason?.code ? ` (${d.reason.code})` : ''}${d.correlationId ? ` id=${d.correlationId}` : ''}`;
  return d.messageId ? `messageId=${d.messageId}` : '';
}

// ---- events ----------------------------------------------------------------------------------
let eventSeq = 0;
function addEvent(entry, event) {
  const d = event?.data ?? {};
  const type = event?.type ?? '(not a CloudEvent)';
  const app = d.appId ?? entry.attributes.appId ?? '';
  const id = `event-${++eventSeq}`;
  const details = el('pre', { id: `${id}-json`, hidden: true, tabIndex: 0 });
  const button = el(
    'button',
    { type: 'button', class: 'event-row', 'aria-expanded': 'false', 'aria-controls': details.id },
    el('span', { class: 'time' }, time(event?.time ?? entry.sentAt)),
    el('span', { class: 'type' }, type.replace(/^sinch\./, '')),
    el('span', { class: 'subject' }, event?.subject ?? entry.groupId ?? ''),
    el('span', { class: 'summary' }, summaryOf(event ?? {})),
  );
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    if (open && !details.textContent) details.textContent = JSON.stringify(event ?? entry.body, null, 2);
    button.setAttribute('aria-expanded', String(open));
    details.hidden = !open;
  });
  const item = el('li', { class: 'fresh', 'data-type': type, 'data-app': app }, button, details);
  item.dataset.conversation = [
    event?.subject,
    entry.groupId,
    d.conversationId,
    d.contactId,
    d.channel && d.identity ? `${d.channel}:${d.identity}` : d.identity,
    d.correlationId,
    describeTo(d.command?.to),
  ]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const list = $('event-list');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  applyFilter(item);
  addOption('filter-type', state.types, type);
  addOption('filter-app', state.apps, app);
  $('events-empty').hidden = true;
  $('event-count').textContent = `(${list.children.length})`;
  state.unannounced++;
}

function addOption(selectId, seen, value) {
  if (!value || seen.has(value)) return;
  seen.add(value);
  $(selectId).append(el('option', { value }, value));
}

function applyFilter(item) {
  const type = $('filter-type').value;
  const app = $('filter-app').value;
  const conversation = $('filter-conversation').value.trim().toLowerCase();
  item.hidden =
    (type && item.dataset.type !== type) ||
    (app && item.dataset.app !== app) ||
    (conversation && !item.dataset.conversation.includes(conversation));
}

// New events are announced in one polite summary per second, not one by one.
setInterval(() => {
  if (state.unannounced === 0) return;
  $('events-live').textContent = `${state.unannounced} new event${state.unannounced === 1 ? '' : 's'}`;
  state.unannounced = 0;
}, 1000);

// ---- commands --------------------------------------------------------------------------------
const appOfCommand = (c) => c.appId ?? (typeof c.from === 'string' ? c.from.split('@')[0] : undefined);
const describeTo = (to) =>
  Array.isArray(to)
    ? to.map(describeTo).join(', ')
    : (to?.contactId ?? (to ? `${to.channel}:${to.identity}` : ''));

function commandFor(appId, id) {
  const key = `${appId ?? ''}#${id}`;
  let command = state.commands.get(key);
  if (!command) {
    const timeline = el('ol', { class: 'timeline', 'aria-label': `Timeline of ${id}` });
    const title = el('h3', {}, id);
    const to = el('p', { class: 'muted' });
    const node = el('li', { class: 'command', 'data-id': id }, title, to, timeline);
    command = { id, appId, steps: new Set(), node, timeline, to };
    state.commands.set(key, command);
    $('command-list').prepend(node);
    $('commands-empty').hidden = true;
    $('command-count').textContent = `(${state.commands.size})`;
  }
  return command;
}

// Steps in the order they happened, not the order they arrived: the outcome and the delivery
// reports travel in different queue groups, so a report can reach the feed before the outcome.
function step(command, label, kind, at) {
  if (command.steps.has(label)) return;
  command.steps.add(label);
  const when = Date.parse(at);
  const item = el(
    'li',
    { class: `step ${kind}`, 'data-at': Number.isNaN(when) ? '' : String(when) },
    `${label} ${time(at)}`,
  );
  const later = Number.isNaN(when)
    ? undefined
    : [...command.timeline.children].find((li) => li.dataset.at !== '' && Number(li.dataset.at) > when);
  command.timeline.insertBefore(item, later ?? null);
}

function onCommandEnqueued(entry, body) {
  if (!body?.id) return;
  const command = commandFor(appOfCommand(body), body.id);
  const what =
    body.text !== undefined
      ? `text (${body.text.length} chars)`
      : (Object.keys(body).find((k) => ['media', 'template', 'message'].includes(k)) ?? '');
  command.to.textContent = `to ${describeTo(body.to)} ${what}`;
  step(command, 'enqueued', 'wait', entry.sentAt);
}

function onCommandEvent(event) {
  const d = event.data ?? {};
  if (event.type === 'sinch.bridge.outbound.accepted')
    return step(commandFor(d.appId, d.id), 'accepted', 'ok', event.time);
  if (event.type === 'sinch.bridge.outbound.failed' && d.id) {
    const e = d.error ?? {};
    const reason = `${e.kind ?? 'failed'}${e.status ? ` ${e.status}` : ''}${e.code ? ` ${e.code}` : ''}: ${e.message ?? ''}`;
    state.failures.set(d.id, reason);
    return step(
      commandFor(d.appId ?? appOfCommand(d.command ?? {}), d.id),
      `failed (${e.kind ?? '?'}${e.status ? ` ${e.status}` : ''})`,
      'bad',
      event.time,
    );
  }
  if (event.type === 'sinch.conversation.message_delivery' && d.correlationId) {
    const known = state.commands.get(`${d.appId ?? ''}#${d.correlationId}`);
    if (!known) return;
    const failed = d.status === 'FAILED';
    return step(
      known,
      failed ? `FAILED${d.reason?.code ? ` (${d.reason.code})` : ''}` : d.status,
      failed ? 'bad' : 'ok',
      event.time,
    );
  }
  if (event.type === 'sinch.bridge.outbound.status' && d.id) {
    const known = state.commands.get(`${d.appId ?? ''}#${d.id}`);
    if (known && !known.steps.has(String(d.status).toUpperCase()))
      step(known, String(d.status).toUpperCase(), d.status === 'failed' ? 'bad' : 'ok', event.time);
  }
}

// ---- dead letters ----------------------------------------------------------------------------
async function refreshDlq() {
  const status = $('dlq-status');
  try {
    const { outboundDlq } = await (await fetch('/local/dlq')).json();
    const list = $('dlq-list');
    list.replaceChildren(
      ...outboundDlq.map((letter) => {
        const command = parse(letter.body) ?? {};
        const a = letter.attributes ?? {};
        // The send function puts the failure on the dead letter (errorKind, errorStatus, errorCode,
        // errorMessage); a message redriven by the queue itself has none, so the outbound.failed
        // event seen for the same command stands in.
        const attributeReason = a.errorKind
          ? `${a.errorKind}${a.errorStatus ? ` ${a.errorStatus}` : ''}${a.errorCode ? ` ${a.errorCode}` : ''}: ${a.errorMessage ?? a.errorReason ?? ''}${a.receiveCount ? ` (after ${a.receiveCount} receive${a.receiveCount === '1' ? '' : 's'})` : ''}`
          : undefined;
        const reason = attributeReason ?? state.failures.get(command.id) ?? 'no reason recorded';
        const redrive = el('button', { type: 'button', class: 'secondary' }, 'Redrive');
        redrive.setAttribute('aria-label', `Redrive ${command.id ?? letter.messageId}`);
        redrive.addEventListener('click', () => redriveDlq(letter.messageId));
        return el(
          'li',
          {},
          el('strong', {}, command.id ?? letter.messageId),
          el('span', { class: 'reason' }, reason),
          el(
            'span',
            { class: 'muted' },
            `to ${describeTo(command.to)} · dead-lettered ${time(letter.sentAt)}`,
          ),
          el('div', {}, redrive),
        );
      }),
    );
    $('dlq-count').textContent = `(${outboundDlq.length})`;
  } catch (error) {
    status.textContent = `Could not read the DLQ: ${error.message}`;
  }
}

async function redriveDlq(messageId) {
  const answer = await post('/local/dlq/redrive', {
    queue: 'outboundDlq',
    ...(messageId ? { messageId } : {}),
  });
  $('dlq-status').textContent = answer.ok
    ? `Redrove ${answer.body.moved.length} to the outbound queue.`
    : `Redrive failed: ${answer.body.error}`;
  setTimeout(refreshDlq, 300);
}

let dlqTimer;
const refreshDlqSoon = () => {
  clearTimeout(dlqTimer);
  dlqTimer = setTimeout(refreshDlq, 500);
};

// ---- simulate --------------------------------------------------------------------------------
async function post(path, body) {
  const answer = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { ok: answer.ok, body: await answer.json() };
}

function showTriggerFields() {
  const trigger = $('sim-trigger').value;
  for (const node of document.querySelectorAll('[data-for]')) node.hidden = node.dataset.for !== trigger;
}

async function submitSimulate(event) {
  event.preventDefault();
  const form = new FormData($('simulate'));
  const input = Object.fromEntries([...form.entries()].filter(([, v]) => v !== ''));
  input.unsigned = form.has('unsigned');
  $('sim-result').textContent = 'Posting...';
  const answer = await post('/local/simulate', input);
  $('sim-result').textContent = answer.ok
    ? `The webhook answered ${answer.body.status}${answer.body.status === 200 ? '' : `: ${answer.body.answer}`}`
    : `Not posted: ${answer.body.error}`;
}

// ---- wiring ----------------------------------------------------------------------------------
function setConnection(kind, text) {
  const node = $('connection');
  node.className = `connection ${kind}`;
  node.textContent = text;
}

function onEntry(entry) {
  const body = parse(entry.body);
  if (entry.queue === 'events') {
    addEvent(entry, body);
    if (body?.type) onCommandEvent(body);
    if (body?.type === 'sinch.bridge.outbound.failed') refreshDlqSoon();
  } else if (entry.queue === 'outbound') {
    onCommandEnqueued(entry, body);
  } else if (entry.queue === 'outboundDlq') {
    refreshDlqSoon();
  }
}

async function start() {
  try {
    const info = await (await fetch('/local/info')).json();
    $('bridge-info').textContent =
      `project ${info.projectId} · region ${info.sinchRegion} · Sinch: ${info.sinchMode === 'stand-in' ? 'built-in stand-in' : 'real'}`;
    for (const app of info.apps) $('sim-app').append(el('option', { value: app }, app));
  } catch {
    $('bridge-info').textContent = 'The local bridge does not answer: is npm start running?';
  }
  const source = new EventSource('/local/events/stream?queue=all');
  source.addEventListener('open', () => setConnection('live', 'live'));
  source.addEventListener('error', () => setConnection('down', 'disconnected, retrying'));
  source.addEventListener('entry', (message) => onEntry(JSON.parse(message.data)));

  $('filters').addEventListener('input', () => {
    for (const item of $('event-list').children) applyFilter(item);
  });
  $('filters').addEventListener('submit', (event) => event.preventDefault());
  $('sim-trigger').addEventListener('change', showTriggerFields);
  $('simulate').addEventListener('submit', submitSimulate);
  $('dlq-refresh').addEventListener('click', refreshDlq);
  $('dlq-redrive-all').addEventListener('click', () => redriveDlq());
  showTriggerFields();
  refreshDlq();
}

start();
