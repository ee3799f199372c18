// The app: storefront, configurator pages, shared designs, account area and back office.
import { html, nothing, render, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import './configurator';
import { myPieces, piecePage } from './piece';
import { Api, ApiError } from './api';
import type { BaseView, CatalogInfo, CatalogVersion, Diagnostic } from './api';
import { getLang, money, setLang, status, t } from './i18n';
import css from './style.css?inline';

const api = new Api();
const app = document.getElementById('app')!;
document.head.insertAdjacentHTML('beforeend', `<style>${css}
  header.top { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; justify-content: space-between; padding: .5rem .75rem; border-bottom: 1px solid var(--line); background: #fff; }
  header.top nav { display: flex; gap: .75rem; flex-wrap: wrap; }
  header.top a { color: var(--ink); }
  main { padding: .75rem; max-width: 1000px; margin: 0 auto; }
  .grid { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: .75rem; }
  .grid a { display: grid; gap: .3rem; padding: .75rem; background: #fff; border: 1px solid var(--line); border-radius: 12px; color: inherit; text-decoration: none; }
  .grid img { width: 100%; height: 120px; object-fit: contain; }
  form.auth { display: grid; gap: .5rem; max-width: 360px; }
  table.orders, table.versions { width: 100%; border-collapse: collapse; }
  table.orders td, table.orders th, table.versions td, table.versions th { text-align: left; padding: .3rem; border-bottom: 1px solid var(--line); }
  .table-wrap { overflow-x: auto; }
  ol.diagnostics { font-family: ui-monospace, monospace; font-size: .85rem; padding-left: 1.2rem; }
  ol.diagnostics .error { color: #a40000; } ol.diagnostics .warning { color: #6b4e00; }
  form.metals { display: grid; gap: .4rem; max-width: 420px; } form.metals label { display: flex; justify-content: space-between; gap: .5rem; }
  form.metals input { width: 8rem; }
  ul.vault { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: .75rem; }
  ul.vault li { display: grid; gap: .3rem; } ul.vault img, ul.vault video { width: 100%; border-radius: 8px; } ul.vault audio { width: 100%; }
  .certificate .qr { float: right; } .revoked { color: #a40000; font-weight: bold; } .notice { background: #fff6d6; padding: .5rem; }
  form.sharing, form.gift, form.add-memory, form.claim, form.pin { display: grid; gap: .4rem; max-width: 420px; }
  @media print { header.top, form, button, section[aria-labelledby=h-vault], section[aria-labelledby=h-share] { display: none !important; } }
</style>`);

async function session(): Promise<{ email: string; role: string; csrf_token: string } | null> {
  try {
    const s = await api.get<{ email: string; role: string; csrf_token: string }>('/api/v1/session');
    api.csrf = s.csrf_token;
    return s;
  } catch { return null; }
}

/** The page frame around `body` (lit templates: every value escaped). */
function shell(body: TemplateResult, title: string) {
  document.title = `${title} — Orfèvre`;
  const lang = (e: Event) => { setLang((e.target as HTMLSelectElement).value as 'en' | 'fr'); void route(); };
  render(html`<header class="top"><strong>Maison Lumen</strong>
    <nav><a href="/">${t('shop')}</a><a href="/account">${t('account')}</a><a href="/admin">${t('backoffice')}</a>
    <label>${t('language')} <select id="lang" @change=${lang}><option value="en" ?selected=${getLang() === 'en'}>English</option>
      <option value="fr" ?selected=${getLang() === 'fr'}>Français</option></select></label></nav></header>
    <main id="main">${body}</main>`, app);
}

/** A message for `box`, as text. */
function alertIn(box: HTMLElement, message: string) {
  box.append(Object.assign(document.createElement('p'), { role: 'alert', textContent: message }));
}

async function storefront() {
  const bases = await api.get<BaseView[]>('/api/v1/catalog/bases');
  shell(html`<h1>${t('shop')}</h1><ul class="grid">${bases.map((b) => html`<li><a href="/b/${encodeURIComponent(b.id)}">
    ${b.art ? html`<img src=${api.art(b.art)} alt="">` : nothing}<strong>${b.name}</strong>
    <span>${t('from')} ${money(b.price)}</span><span>${t('customise')} →</span></a></li>`)}</ul>`, t('shop'));
}

function configurator(attrs: { base?: string; design?: string }) {
  shell(html`<orfevre-configurator base=${ifDefined(attrs.base)} design=${ifDefined(attrs.design)}></orfevre-configurator>
    <section id="order" aria-live="polite"></section>`, t('customise'));
  const el = document.querySelector('orfevre-configurator')!;
  el.addEventListener('orfevre-add-to-cart', (e) => {
    const q = (e as CustomEvent).detail as { quote: string; claims: { total: string; currency: string } };
    const box = document.getElementById('order')!;
    const place = async () => {
      try {
        const o = await api.post<{ id: string; status: string }>('/api/v1/orders', { quote: q.quote },
          { 'idempotency-key': crypto.randomUUID() });
        render(html`<p role="status">${t('ordered')}: <strong data-order>${o.id}</strong> (${status('st', o.status)})</p>`, box);
      } catch (err) { alertIn(box, (err as Error).message); }
    };
    render(html`<p>${t('demo')}</p>${authForm()}<button id="place" class="primary" @click=${place}>${t('placeOrder')}</button>`, box);
  });
}

/** Sign-in and registration; `after` runs once signed in. */
function authForm(after?: () => void) {
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const submitter = e.submitter as HTMLButtonElement | null;
    const body = { email: (f.elements.namedItem('email') as HTMLInputElement).value, password: (f.elements.namedItem('password') as HTMLInputElement).value };
    try {
      const s = await api.post<{ csrf_token: string }>(submitter?.name === 'register' ? '/api/v1/accounts' : '/api/v1/session', body);
      api.csrf = s.csrf_token;
      f.replaceWith(Object.assign(document.createElement('p'), { textContent: body.email }));
      after?.();
    } catch (err) {
      f.querySelector('.err')!.textContent = err instanceof ApiError ? err.message : String(err);
    }
  };
  return html`<form class="auth" @submit=${submit}><label>${t('email')} <input name="email" type="email" autocomplete="email" required></label>
    <label>${t('password')} <input name="password" type="password" autocomplete="current-password" minlength="10" required></label>
    <div><button name="login">${t('signIn')}</button> <button name="register">${t('register')}</button></div><p class="err" role="alert"></p></form>`;
}

async function account() {
  const s = await session();
  if (!s) { shell(html`<h1>${t('account')}</h1>${authForm(() => void route())}`, t('account')); return; }
  const mine = await myPieces(api, () => void route());
  const [designs, orders] = await Promise.all([
    api.get<{ hash: string; base: string; share_url: string }[]>('/api/v1/me/designs'),
    api.get<{ id: string; status: string; total: string; currency: string }[]>('/api/v1/orders').catch(() => []),
  ]);
  const out = async () => { await api.call('DELETE', '/api/v1/session'); void route(); };
  shell(html`<h1>${t('account')}</h1><p>${s.email} (${s.role}) <button id="out" @click=${out}>${t('signOut')}</button></p>
    <h2>${t('myDesigns')}</h2><ul>${designs.map((d) => html`<li><a href="/d/${d.hash}">${d.base} · ${d.hash.slice(0, 10)}</a></li>`)}</ul>
    <h2>${t('myOrders')}</h2><ul>${orders.map((o) => html`<li>${o.id} — ${status('st', o.status)} — ${money({ amount: o.total, currency: o.currency })}</li>`)}</ul>
    ${mine}`, t('account'));
}

type OrderRow = { id: string; status: string; total: string; currency: string; next_statuses: string[]; created_at: string };

async function admin() {
  const s = await session();
  if (!s || s.role === 'shopper') { shell(html`<h1>${t('backoffice')}</h1>${authForm(() => void route())}`, t('backoffice')); return; }
  const catalogStaff = s.role === 'admin' || s.role === 'merchandiser';
  const orderStaff = s.role === 'admin' || s.role === 'workshop';
  const [orders, versions, info] = await Promise.all([
    orderStaff ? api.get<OrderRow[]>('/api/v1/orders').catch(() => []) : Promise.resolve([]),
    catalogStaff ? api.get<CatalogVersion[]>('/api/v1/catalog/versions').catch(() => []) : Promise.resolve([]),
    api.get<CatalogInfo>('/api/v1/catalog'),
  ]);
  const moveTo = async (id: string, to: string) => { await api.post(`/api/v1/orders/${id}/status`, { status: to }); void route(); };
  const make = async (id: string) => {
    const m = await api.post<{ serial: string; claim_code?: string }>(`/api/v1/orders/${id}/pieces`, {});
    render(html`<a href="/p/${m.serial}" data-piece=${m.serial}>${m.serial}</a>${m.claim_code ? ` — ${m.claim_code}` : ''}`, document.getElementById('made')!);
  };
  const publish = async (version: string) => { await api.post(`/api/v1/catalog/versions/${encodeURIComponent(version)}/publish`); void route(); };
  const ordersHtml = orderStaff ? html`<section aria-labelledby="h-orders"><h2 id="h-orders">${t('orders')}</h2><p>${t('demo')}</p>
    <div class="table-wrap"><table class="orders"><tr><th>#</th><th>${t('status')}</th><th>${t('total')}</th><th></th></tr>
    ${orders.map((o) => html`<tr data-order=${o.id}><td>${o.id}</td><td data-status=${o.status}>${status('st', o.status)}</td><td>${money({ amount: o.total, currency: o.currency })}</td>
    <td>${o.next_statuses.filter((n) => n !== 'placed' || s.role === 'admin')
      .map((n) => html`<button data-id=${o.id} data-to=${n} @click=${() => moveTo(o.id, n)}>${status('to', n)}</button> `)}
      ${o.status === 'in_production' ? html`<button data-make=${o.id} @click=${() => make(o.id)}>${t('recordPiece')}</button>` : nothing}
      ${hasJob(o.status) ? html`<a data-job=${o.id} href="/workshop/jobs/${encodeURIComponent(o.id)}-1">${t('job')}</a>` : nothing}</td></tr>`)}</table></div>
    <p id="made" role="status"></p></section>` : nothing;
  const active = versions.find((v) => v.active)?.version ?? info.version;
  const upload = async (e: SubmitEvent) => {
    e.preventDefault();
    const file = ((e.target as HTMLFormElement).elements.namedItem('archive') as HTMLInputElement).files?.[0];
    if (!file) return;
    const type = /\.(tgz|gz)$/i.test(file.name) ? 'application/gzip' : 'application/x-tar';
    await report(document.getElementById('report')!, () => api.upload('/api/v1/catalog/versions', file, type));
  };
  const reprice = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const prices: Record<string, string> = {};
    for (const m of info.metals) {
      const v = String(data.get(m.id) ?? '').replace(',', '.').trim();
      if (v !== m.price_per_gram) prices[m.id] = v;
    }
    await report(document.getElementById('metal-report')!, () => api.post(`/api/v1/catalog/versions/${encodeURIComponent(active)}/metal-prices`,
      { version: String(data.get('__version') ?? ''), prices }));
  };
  const catalogHtml = catalogStaff ? html`<section aria-labelledby="h-catalog"><h2 id="h-catalog">${t('catalog')}</h2>
    <div class="table-wrap"><table class="versions"><tr><th>${t('version')}</th><th></th><th></th></tr>
    ${versions.map((v) => html`<tr data-version=${v.version}><td>${v.version}</td><td>${v.active ? t('published')
      : html`<button data-publish=${v.version} @click=${() => publish(v.version)}>${t('publish')}</button>`}</td>
      <td><a href="/api/v1/catalog/versions/${encodeURIComponent(v.version)}/sources" download="${v.version}.json">${t('download')}</a></td></tr>`)}</table></div>
    <form class="upload" @submit=${upload}><label>${t('uploadCatalog')} <input name="archive" type="file" accept=".tar,.tgz,.gz,application/gzip,application/x-tar" required></label>
      <button>${t('upload')}</button></form>
    <div id="report" aria-live="polite"></div>
    <h3>${t('metalPrices')} (${info.currencies[0] ?? ''})</h3>
    <form class="metals" @submit=${reprice}>${info.metals.map((m) => html`<label>${m.name} <input name=${m.id} inputmode="decimal" .value=${m.price_per_gram} required pattern="[0-9]+([.,][0-9]{1,4})?"></label>`)}
      <label>${t('newVersion')} <input name="__version" .value=${nextVersion(active)} required maxlength="64"></label>
      <button>${t('makeVersion')}</button></form>
    <div id="metal-report" aria-live="polite"></div></section>` : nothing;
  shell(html`<h1>${t('backoffice')}</h1>${ordersHtml}${catalogHtml}`, t('backoffice'));
}

/** Whether the workshop has a job for an order in this status: paid and not cancelled. */
function hasJob(status: string): boolean {
  return status !== 'awaiting_payment' && status !== 'cancelled';
}

/** A job as the workshop opens it, by scanning the QR code of its assembly sheet: the order's
 *  status and moves, and its job bag. */
async function workshopJob(job: string) {
  const s = await session();
  if (!s || (s.role !== 'admin' && s.role !== 'workshop')) {
    shell(html`<h1>${t('job')} ${job}</h1>${authForm(() => void route())}`, `${t('job')} ${job}`);
    return;
  }
  const id = job.replace(/-1$/, '');
  const o = await api.get<OrderRow>(`/api/v1/orders/${encodeURIComponent(id)}`);
  const moveTo = async (to: string) => { await api.post(`/api/v1/orders/${encodeURIComponent(id)}/status`, { status: to }); void route(); };
  const bag = `/api/v1/orders/${encodeURIComponent(id)}/job.zip`;
  shell(html`<h1>${t('job')} <span class="job-id">${job}</span></h1>
    <p>${t('status')}: <strong data-status=${o.status}>${status('st', o.status)}</strong></p>
    ${hasJob(o.status) ? html`<p><a class="button" data-bag href=${bag} download="job-${job}.zip">${t('jobBag')}</a>
      · <a data-bag-letter href="${bag}?paper=letter" download="job-${job}-letter.zip">${t('jobBagLetter')}</a></p>`
      : html`<p role="status">${t('noJob')}</p>`}
    <p>${o.next_statuses.filter((n) => n !== 'placed' || s.role === 'admin')
      .map((n) => html`<button data-to=${n} @click=${() => moveTo(n)}>${status('to', n)}</button> `)}</p>`, `${t('job')} ${job}`);
}

/** "2026.12.0" → "2026.12.1": a suggestion for the next version's name. */
function nextVersion(v: string): string {
  const m = /^(.*?)(\d+)$/.exec(v);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${v}.1`;
}

/** Runs a catalog change and shows the checker's report: every diagnostic at file:line:column. */
async function report(box: HTMLElement, run: () => Promise<unknown>) {
  const list = (ds: Diagnostic[]) => ds.length === 0 ? html`<p>${t('noProblems')}</p>` : html`<ol class="diagnostics">${ds.map((d) =>
    html`<li class=${d.severity}><code>${d.file}:${d.line}:${d.col}</code> ${d.severity}[${d.code}]: ${d.message}${d.hint ? ` — ${d.hint}` : ''}</li>`)}</ol>`;
  try {
    const r = await run() as { version: string; diagnostics: Diagnostic[] };
    const publish = async () => { await api.post(`/api/v1/catalog/versions/${encodeURIComponent(r.version)}/publish`); void route(); };
    render(html`<p role="status">${t('stored')} <strong data-stored>${r.version}</strong></p><h3>${t('diagnostics')}</h3>${list(r.diagnostics)}
      <p><button data-publish-new=${r.version} @click=${publish}>${t('publish')} ${r.version}</button></p>`, box);
  } catch (err) {
    const p = err instanceof ApiError ? err.problem : null;
    const ds: Diagnostic[] = p?.diagnostics ?? [];
    const fields = (p?.errors ?? []).filter((e: { pointer: string }) => !e.pointer.startsWith('/files/'));
    render(html`<p role="alert">${(err as Error).message}</p>${fields.length ? html`<ul>${fields.map((e: { pointer: string; detail: string }) =>
      html`<li><code>${e.pointer}</code> ${e.detail}</li>`)}</ul>` : nothing}${ds.length ? html`<h3>${t('diagnostics')}</h3>${list(ds)}` : nothing}`, box);
  }
}

async function route() {
  document.documentElement.lang = getLang();
  const p = location.pathname;
  try {
    if (p.startsWith('/b/')) configurator({ base: decodeURIComponent(p.slice(3)) });
    else if (p.startsWith('/d/')) configurator({ design: p.slice(3) });
    else if (p.startsWith('/p/')) { await session(); await piecePage(api, decodeURIComponent(p.slice(3)), shell, () => void route()); }
    else if (p === '/account') await account();
    else if (p === '/admin') await admin();
    else if (p.startsWith('/workshop/jobs/')) await workshopJob(decodeURIComponent(p.slice('/workshop/jobs/'.length)));
    else await storefront();
  } catch (e) {
    shell(html`<p role="alert">${(e as Error).message}</p>`, 'Orfèvre');
  }
}

void session().then(route);
