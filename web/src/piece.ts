// A piece's page (/p/{serial}): its certificate and story for anyone; its memory vault for its
// owner (upload a photo, a video, a voice message recorded here; share with a tap and a PIN; give
// it away; export) and, if the owner allows it, for whoever taps the genuine tag.
import { html, nothing, render, type TemplateResult } from 'lit';
import { Api, ApiError, CatalogInfo, ChoiceReport, ComponentView, Design } from './api';
import { t, tp } from './i18n';

export interface Item { id: string; kind: 'photo' | 'video' | 'voice'; mime: string; name: string; bytes: number; created_at: string; url: string; thumb?: string }
export interface PieceView {
  serial: string; url: string; page: string; base: string; design: string; catalog_version: string; made_at: string;
  record: { name: string; brand: string; size?: string | null; weight_g: string; materials: { sku: string; name: string; qty: number }[] };
  certificate: { issuer: { id: string; name: string }; proof?: { verificationMethod: string } };
  revoked: boolean; history: { kind: string; at: string; note?: string; module?: string }[];
  access: 'public' | 'viewer' | 'owner' | 'staff'; pin_required: boolean;
  vault?: Item[]; sharing?: { tap_access: boolean; pin: boolean }; tags?: { uid: string; counter: number; revoked: boolean }[];
}

const day = (iso: string) => new Date(iso).toLocaleDateString();

function item(i: Item, owner: boolean): TemplateResult {
  const media = i.kind === 'photo'
    ? html`<a href=${i.url}><img src=${i.thumb ?? i.url} alt=${i.name} loading="lazy"></a>`
    : i.kind === 'video'
      ? html`<video controls preload="metadata" playsinline src=${i.url} aria-label=${i.name}></video>`
      : html`<audio controls preload="metadata" src=${i.url} aria-label=${i.name}></audio>`;
  return html`<li data-item=${i.id} data-kind=${i.kind}>${media}<span>${i.name}</span>
    ${owner ? html`<button data-delete=${i.id} aria-label="${t('remove')} ${i.name}">${t('remove')}</button>` : nothing}</li>`;
}

const MODULE_KINDS = ['insert', 'station', 'slot', 'socket'];

/** The workshop's part of a piece's page: the modules on it, each to take off, and a module to
 * add or swap in, from the candidates the engine calls feasible under the catalog on sale now (the
 * server checks the alteration again on the piece as it is when it arrives). */
async function workshopPanel(api: Api, p: PieceView, rerender: () => void): Promise<{ html: TemplateResult; wire: () => void }> {
  const [saved, info, comps] = await Promise.all([
    api.get<{ design: Design }>(`/api/v1/designs/${p.design}`),
    api.get<CatalogInfo>('/api/v1/catalog'),
    api.get<{ items: ComponentView[] }>('/api/v1/catalog/components?limit=500'),
  ]);
  const d: Design = { ...saved.design, catalog: { id: info.id, version: info.version } };
  const { choices } = await api.post<{ choices: ChoiceReport[] }>('/api/v1/designs/evaluate?choices=true', d);
  const names = new Map(comps.items.map((c) => [c.sku, c.name]));
  const name = (sku: string) => names.get(sku) ?? sku;
  const places = choices.filter((c) => MODULE_KINDS.includes(c.choice.kind) && c.candidates.some((x) => x.feasible));
  const on: TemplateResult[] = [];
  for (const [mount, m] of Object.entries(d.mounts ?? {})) {
    const lists = m.sections ?? (m.items ? [m.items] : []);
    lists.forEach((list, section) => list.forEach((sku, index) => on.push(html`<li>${name(sku)}
      <button type="button" data-off=${JSON.stringify({ mount, section, index })} aria-label="${tp('takeOff')} ${name(sku)}">${tp('takeOff')}</button></li>`)));
  }
  const panel = html`<section aria-labelledby="h-workshop"><h2 id="h-workshop">${tp('workshop')}</h2>
    <ul class="modules">${on}</ul>
    ${places.length ? html`<form class="alter"><label>${tp('place')} <select name="place">${places.map((c, i) => html`<option value=${i}>${c.label}</option>`)}</select></label>
      <label>${tp('module')} <select name="sku"></select></label>
      <label>${tp('note')} <input name="note" maxlength="500"></label><button>${tp('addModule')}</button></form>` : nothing}
    <p class="err" role="alert" id="alter-err"></p></section>`;
  const wire = () => {
    const err = document.getElementById('alter-err')!;
    const send = async (alteration: unknown, note?: string) => {
      try { await api.post(`/api/v1/pieces/${p.serial}/alterations`, { alteration, note: note || null }); rerender(); }
      catch (e) { err.textContent = e instanceof ApiError ? e.message : String(e); }
    };
    document.querySelectorAll<HTMLButtonElement>('button[data-off]').forEach((b) => {
      b.onclick = () => void send({ op: 'remove', ...JSON.parse(b.dataset.off!) });
    });
    const f = document.querySelector<HTMLFormElement>('form.alter');
    if (!f) return;
    const place = f.elements.namedItem('place') as HTMLSelectElement;
    const sku = f.elements.namedItem('sku') as HTMLSelectElement;
    const fill = () => {
      render(places[Number(place.value)].candidates.filter((c) => c.feasible)
        .map((c) => html`<option value=${c.option}>${name(c.option)}</option>`), sku);
    };
    place.onchange = fill;
    fill();
    f.onsubmit = (e) => {
      e.preventDefault();
      void send({ op: 'add', choice: places[Number(place.value)].choice, sku: sku.value }, (f.elements.namedItem('note') as HTMLInputElement).value);
    };
  };
  return { html: panel, wire };
}

export async function piecePage(api: Api, serial: string, shell: (body: TemplateResult, title: string) => void, rerender: () => void) {
  const p = await api.get<PieceView>(`/api/v1/pieces/${encodeURIComponent(serial)}`);
  const owner = p.access === 'owner';
  const workshop = p.access === 'staff' && !p.revoked ? await workshopPanel(api, p, rerender) : null;
  const notice = location.hash === '#tap-replayed' ? tp('tapReplayed') : location.hash === '#tap-revoked' ? tp('tapRevoked') : '';
  const vault = p.vault === undefined ? nothing : html`<section aria-labelledby="h-vault"><h2 id="h-vault">${tp('vault')}</h2>
    ${p.vault.length ? html`<ul class="vault">${p.vault.map((i) => item(i, owner))}</ul>` : html`<p>${tp('vaultEmpty')}</p>`}
    ${owner ? html`<form class="add-memory"><label>${tp('addMemory')} <input name="file" type="file" accept="image/jpeg,image/png,video/mp4,video/quicktime,video/webm,audio/*"></label>
      <label>${tp('memoryName')} <input name="name" maxlength="120"></label><button>${t('upload')}</button></form>
      <p><button id="record" aria-pressed="false">${tp('recordVoice')}</button></p>
      <p class="err" role="alert" id="vault-err"></p>` : nothing}</section>`;
  const pin = p.pin_required ? html`<form class="pin"><label>${tp('pin')} <input name="pin" inputmode="numeric" pattern="[0-9]{4,8}" required autocomplete="off"></label>
    <button>${tp('unlock')}</button><p class="err" role="alert"></p></form>` : nothing;
  const manage = owner ? html`<section aria-labelledby="h-share"><h2 id="h-share">${tp('sharing')}</h2>
    <form class="sharing"><label><input type="checkbox" name="tap" ?checked=${p.sharing?.tap_access}> ${tp('tapAccess')}</label>
      <label>${tp('newPin')} <input name="pin" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="off" placeholder="${p.sharing?.pin ? '••••' : ''}"></label>
      <button>${tp('saveSharing')}</button><span role="status" id="share-ok"></span></form>
    <h2>${tp('gift')}</h2><form class="gift"><label><input type="radio" name="vault" value="hand_over" checked> ${tp('handOver')}</label>
      <label><input type="radio" name="vault" value="wipe"> ${tp('wipe')}</label><button>${tp('makeCode')}</button></form>
    <p id="gift-code" role="status"></p>
    <p><a href="/api/v1/pieces/${p.serial}/vault.zip" download>${tp('export')}</a></p>
    ${(p.tags ?? []).filter((g) => !g.revoked).map((g) => html`<p>${tp('tag')} ${g.uid} <button data-lost=${g.uid}>${tp('lost')}</button></p>`)}
  </section>` : nothing;
  shell(html`${notice ? html`<p role="status" class="notice">${notice}</p>` : nothing}
    ${p.revoked ? html`<p role="alert" class="revoked">${tp('revoked')}</p>` : nothing}
    <article class="certificate"><h1>${p.record.name}</h1>
      <p>${p.record.brand} · ${tp('serial')} <strong data-serial>${p.serial}</strong> · ${tp('made')} ${day(p.made_at)}</p>
      <img class="qr" src="/api/v1/pieces/${p.serial}/qr.svg" alt="${tp('qrAlt')}" width="120" height="120">
      <h2>${tp('materials')}</h2><ul>${p.record.materials.map((m) => html`<li>${m.qty} × ${m.name}</li>`)}</ul>
      <p>${t('weight')}: ${p.record.weight_g} g</p>
      <h2>${tp('story')}</h2><ol class="story">${p.history.map((h) => html`<li data-kind=${h.kind}>${day(h.at)} — ${tp(('ev_' + h.kind) as never) || h.kind}${h.module ? `: ${h.module}` : ''}${h.note ? ` (${h.note})` : ''}</li>`)}</ol>
      <p class="issuer">${tp('signedBy')} ${p.certificate.issuer.name} — <code>${p.certificate.issuer.id.slice(0, 32)}…</code>
        <a href="/api/v1/pieces/${p.serial}/certificate.json" download="certificate-${p.serial}.json">${tp('certificate')}</a>
        <button id="print">${tp('print')}</button></p>
    </article>${pin}${vault}${manage}${workshop?.html ?? nothing}`, p.record.name);
  document.getElementById('print')!.onclick = () => window.print();
  workshop?.wire();
  const fail = (el: Element | null, e: unknown) => { if (el) el.textContent = e instanceof ApiError ? e.message : String(e); };

  const pinForm = document.querySelector<HTMLFormElement>('form.pin');
  if (pinForm) pinForm.onsubmit = async (e) => {
    e.preventDefault();
    try { await api.post(`/api/v1/pieces/${p.serial}/unlock`, { pin: (pinForm.elements.namedItem('pin') as HTMLInputElement).value }); rerender(); }
    catch (err) { fail(pinForm.querySelector('.err'), err); }
  };
  if (!owner) return;
  const err = document.getElementById('vault-err');
  const send = async (blob: Blob, type: string, name: string) => {
    try {
      await api.upload(`/api/v1/pieces/${p.serial}/vault?name=${encodeURIComponent(name)}`, blob, type);
      rerender();
    } catch (e) { fail(err, e); }
  };
  const add = document.querySelector<HTMLFormElement>('form.add-memory')!;
  add.onsubmit = async (e) => {
    e.preventDefault();
    const f = (add.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!f) return;
    await send(f, f.type, (add.elements.namedItem('name') as HTMLInputElement).value || f.name);
  };
  // A voice message recorded in the browser (MediaRecorder; Opus in WebM where the browser has it).
  const rec = document.getElementById('record') as HTMLButtonElement;
  let recorder: MediaRecorder | null = null;
  rec.onclick = async () => {
    if (recorder) { recorder.stop(); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const r = new MediaRecorder(stream);
      const parts: Blob[] = [];
      r.ondataavailable = (ev) => parts.push(ev.data);
      r.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        const type = (r.mimeType || 'audio/webm').split(';')[0];
        void send(new Blob(parts, { type }), type, `${tp('voice')} ${new Date().toLocaleString()}`);
      };
      r.start();
      recorder = r;
      rec.textContent = tp('stopRecording');
      rec.setAttribute('aria-pressed', 'true');
    } catch (e) { fail(err, e); }
  };
  document.querySelectorAll<HTMLButtonElement>('button[data-delete]').forEach((b) => {
    b.onclick = async () => { await api.call('DELETE', `/api/v1/pieces/${p.serial}/vault/${b.dataset.delete}`); rerender(); };
  });
  document.querySelectorAll<HTMLButtonElement>('button[data-lost]').forEach((b) => {
    b.onclick = async () => { await api.post(`/api/v1/pieces/${p.serial}/tags/${b.dataset.lost}/revoke`); rerender(); };
  });
  const share = document.querySelector<HTMLFormElement>('form.sharing')!;
  share.onsubmit = async (e) => {
    e.preventDefault();
    const pinValue = (share.elements.namedItem('pin') as HTMLInputElement).value;
    try {
      await api.call('PUT', `/api/v1/pieces/${p.serial}/sharing`, {
        tap_access: (share.elements.namedItem('tap') as HTMLInputElement).checked, pin: pinValue || null,
      });
      document.getElementById('share-ok')!.textContent = tp('savedSharing');
    } catch (err2) { fail(document.getElementById('share-ok'), err2); }
  };
  const gift = document.querySelector<HTMLFormElement>('form.gift')!;
  gift.onsubmit = async (e) => {
    e.preventDefault();
    const mode = (gift.querySelector('input[name=vault]:checked') as HTMLInputElement).value;
    try {
      const g = await api.post<{ code: string; expires_at: string }>(`/api/v1/pieces/${p.serial}/gift`, { vault: mode });
      render(html`${tp('giftCode')} <strong data-code>${g.code}</strong> (${tp('until')} ${day(g.expires_at)})`, document.getElementById('gift-code')!);
    } catch (err2) { fail(document.getElementById('gift-code'), err2); }
  };
}

/** The account page's part: my pieces and a form to claim a gift. */
export async function myPieces(api: Api, after: () => void): Promise<TemplateResult> {
  const pieces = await api.get<PieceView[]>('/api/v1/me/pieces').catch(() => []);
  const claim = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    try {
      const p = await api.post<PieceView>('/api/v1/claims', { code: (f.elements.namedItem('code') as HTMLInputElement).value });
      history.pushState(null, '', `/p/${p.serial}`);
      after();
    } catch (err) { f.querySelector('.err')!.textContent = err instanceof ApiError ? err.message : String(err); }
  };
  return html`<h2>${tp('myPieces')}</h2><ul>${pieces.map((p) => html`<li><a href="/p/${p.serial}">${p.record.name} · ${p.serial}</a></li>`)}</ul>
    <form class="claim" @submit=${claim}><label>${tp('claimCode')} <input name="code" autocomplete="off" required maxlength="20"></label><button>${tp('claim')}</button>
    <p class="err" role="alert"></p></form>`;
}
