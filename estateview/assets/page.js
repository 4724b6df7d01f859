// The estate page's only script (served from the binary; the page's
// Content-Security-Policy allows no other). It loads a gallery's matrices
// when the gallery is opened, and follows /api/estate/events: at each new
// generation it fetches the index and the open galleries again and swaps
// them in at once, keeping what is open and where the page is scrolled.
// Every fragment is HTML the server escaped; it is parsed inert
// (DOMParser) and moved in, never evaluated.
'use strict';
(function () {
  const main = document.getElementById('estate');
  const live = document.getElementById('live');
  if (!main) return;
  let generation = Number(main.dataset.generation || 0);
  let busy = false;
  let again = false;

  function parse(html) {
    const doc = new DOMParser().parseFromString('<!doctype html><body>' + html, 'text/html');
    // Copy the list first: adopting a node takes it out of the live list.
    return Array.from(doc.body.childNodes).map((n) => document.adoptNode(n));
  }

  async function fetchText(src) {
    const resp = await fetch(src, { headers: { Accept: 'text/html' }, cache: 'no-store' });
    if (!resp.ok) throw new Error(src + ': ' + resp.status);
    return resp.text();
  }

  function openKeys(root) {
    const keys = new Set();
    root.querySelectorAll('details[open][data-key]').forEach((d) => keys.add(d.dataset.key));
    return keys;
  }

  function reopen(nodes, keys) {
    for (const n of nodes) {
      if (n.nodeType !== Node.ELEMENT_NODE) continue;
      const all = n.matches('details[data-key]') ? [n] : [];
      all.push(...n.querySelectorAll('details[data-key]'));
      for (const d of all) d.open = keys.has(d.dataset.key);
    }
  }

  async function loadBody(body, keys) {
    const nodes = parse(await fetchText(body.dataset.src));
    reopen(nodes, keys);
    body.replaceChildren(...nodes);
    body.dataset.loaded = '1';
  }

  // A gallery's definitions are loaded when it is first opened.
  main.addEventListener('toggle', (ev) => {
    const d = ev.target;
    if (!(d instanceof HTMLDetailsElement) || !d.open || !d.classList.contains('gallery')) return;
    const body = d.querySelector(':scope > .gallery-body');
    if (body && !body.dataset.loaded) {
      loadBody(body, openKeys(main)).catch((err) => status('Could not load ' + body.dataset.src + ': ' + err.message, true));
    }
  }, true);

  function status(text, stale) {
    if (!live) return;
    live.textContent = text;
    live.classList.toggle('stale', !!stale);
  }

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const keys = openKeys(main);
        const nodes = parse(await fetchText('estate/index'));
        reopen(nodes, keys);
        const bodies = [];
        for (const n of nodes) {
          if (n.nodeType !== Node.ELEMENT_NODE) continue;
          n.querySelectorAll('details.gallery[open] > .gallery-body').forEach((b) => bodies.push(b));
        }
        await Promise.all(bodies.map((b) => loadBody(b, keys)));
        // One swap: the page's height is that of the open parts before
        // and after, so the scroll position stays.
        const x = window.scrollX, y = window.scrollY;
        main.replaceChildren(...nodes);
        window.scrollTo(x, y);
      } while (again);
      status('Live: updated ' + new Date().toLocaleTimeString() + ' (generation ' + generation + ').', false);
    } catch (err) {
      status('Live: update failed (' + err.message + '); retrying at the next change.', true);
    } finally {
      busy = false;
    }
  }

  if (typeof EventSource === 'function') {
    const events = new EventSource('api/estate/events');
    events.addEventListener('estate', (ev) => {
      const g = Number(ev.data);
      if (g > generation) {
        generation = g;
        main.dataset.generation = String(g);
        refresh();
      }
    });
    events.onerror = () => status('Live: disconnected, reconnecting…', true);
    events.onopen = () => status('Live: connected.', false);
  }
})();
