// <orfevre-configurator base="…" api="…" design="…">: the customization bar, as a web component a
// brand can drop into its own shop page. Shadow DOM keeps the shop's styles out.
//
// Rendered with lit-html templates: every value is escaped by the template (no HTML is built from
// strings), events are bound where the elements are declared, and a re-render updates only what
// changed — the search box keeps its focus and caret, the 3D viewer and the engraving previews
// stay in place.
import { html, nothing, render, svg, type TemplateResult } from 'lit';
import { Api, ApiError, postForBytes } from './api';
import type { BaseView, Candidate, Choice, ChoiceReport, ComponentView, Design, Evaluation, Spelling } from './api';
import { applyEdit, applyRepair, clone, History, move } from './design';
import { grams, money, setLang, t } from './i18n';
import css from './style.css?inline';

const mm = (s: string | null | undefined) => Number(s ?? 0);

export class Configurator extends HTMLElement {
  api = new Api();
  base!: BaseView;
  comps = new Map<string, ComponentView>();
  history!: History;
  ev?: Evaluation;
  place: Choice = { kind: 'size' };
  report?: ChoiceReport;
  selected?: { mount: string; section: number; index: number };
  catalog = { id: '', version: '' };
  currency?: string;
  message: TemplateResult | string = '';
  spellIssues: Spelling['issues'] = [];
  spellProblems: Spelling['problems'] = [];
  private seq = 0;
  /** Engraving previews by request (the server's production layout as SVG, or why it fails). */
  private previews = new Map<string, string>();
  private previewTimer = 0;
  /** The candidate list's search text and "available only" switch (kept across re-renders). */
  private filter = { text: '', feasibleOnly: false };
  /** Where lit renders, below the shadow root's one style sheet. */
  private view!: HTMLElement;
  /** The 3D viewer, for pieces the geometry crate builds (rings); kept across re-renders. */
  viewer?: import('./viewer').Viewer;
  private modelSeq = 0;

  static get observedAttributes() { return ['base', 'design']; }

  async connectedCallback() {
    this.api = new Api(this.getAttribute('api') ?? '');
    // A host page may fix the language (`lang="fr"`); otherwise the shopper's choice holds.
    const lang = this.getAttribute('lang');
    if (lang === 'en' || lang === 'fr') setLang(lang, false);
    if (!this.shadowRoot) {
      const root = this.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = css;
      this.view = document.createElement('div');
      root.append(style, this.view);
    }
    render(html`<p>${t('loading')}</p>`, this.view);
    try {
      await this.load();
    } catch (e) {
      render(html`<p role="alert">${String((e as Error).message)}</p>`, this.view);
    }
  }

  private async load() {
    const info = await this.api.get<{ id: string; version: string; currencies: string[] }>('/api/v1/catalog');
    this.catalog = { id: info.id, version: info.version };
    let design: Design | undefined;
    const hash = this.getAttribute('design');
    if (hash) design = (await this.api.get<{ design: Design }>(`/api/v1/designs/${hash}`)).design;
    const baseId = design?.base ?? this.getAttribute('base') ?? '';
    this.base = await this.api.get<BaseView>(`/api/v1/catalog/bases/${encodeURIComponent(baseId)}`);
    for (const m of this.base.mounts.filter((m) => m.kind !== 'parametric')) {
      const page = await this.api.get<{ items: ComponentView[] }>(
        `/api/v1/catalog/components?base=${encodeURIComponent(this.base.id)}&mount=${encodeURIComponent(m.id)}&limit=500`);
      for (const c of page.items) this.comps.set(c.sku, c);
    }
    // A ring built from a band gets the 3D viewer, loaded only then (three.js is not in the
    // initial bundle).
    if (this.base.mounts.some((m) => m.kind === 'parametric' && m.params.includes('profile'))) {
      const { Viewer } = await import('./viewer');
      this.viewer = new Viewer({ turntable: t('turntable'), worn: t('worn'), unavailable: t('viewerUnavailable'), label: t('viewer3d') });
    }
    design ??= this.emptyDesign();
    design.mounts ??= {};
    design.fields ??= {};
    this.history = new History(design);
    const strand = this.base.mounts.find((m) => m.kind === 'strand');
    this.place = strand ? { kind: 'insert', mount: strand.id, section: 0 } : this.places()[0] ?? { kind: 'size' };
    await this.refresh();
  }

  private emptyDesign(): Design {
    const d: Design = { catalog: this.catalog, base: this.base.id, size: this.base.default_size ?? undefined, mounts: {}, fields: {} };
    for (const m of this.base.mounts) {
      if (m.kind === 'strand') d.mounts[m.id] = { sections: Array.from({ length: m.sections ?? 1 }, () => []) };
      if (m.kind === 'container') d.mounts[m.id] = { items: [] };
    }
    return d;
  }

  /** Every place the shopper can choose at, for the place picker. */
  places(): Choice[] {
    const out: Choice[] = [];
    for (const m of this.base.mounts) {
      if (m.kind === 'strand') for (let s = 0; s < (m.sections ?? 1); s++) out.push({ kind: 'insert', mount: m.id, section: s });
      if (m.kind === 'container') out.push({ kind: 'insert', mount: m.id, section: 0 });
      if (m.kind === 'slots') out.push({ kind: 'slot', mount: m.id, index: 0 });
      if (m.kind === 'socket') out.push({ kind: 'socket', mount: m.id });
      if (m.kind === 'parametric') for (const p of m.params) out.push({ kind: 'param', mount: m.id, param: p });
    }
    for (const f of this.base.fields) if (f.kind === 'choice' || f.kind === 'colour') out.push({ kind: 'field', field: f.id });
    return out;
  }

  private placeLabel(c: Choice): string {
    switch (c.kind) {
      case 'insert': return this.base.mounts.find((m) => m.id === c.mount)?.kind === 'strand' ? `${t('section')} ${c.section + 1}` : c.mount;
      case 'station': return `${t('station')} ${c.index + 1}`;
      case 'slot': return `${c.mount} ${c.index + 1}`;
      case 'socket': return c.mount;
      case 'param': return c.param.replace('_mm', ' (mm)');
      case 'field': return this.base.fields.find((f) => f.id === c.field)?.label ?? c.field;
      case 'size': return t('size');
    }
  }

  /** Re-evaluates the design and the candidates of the current place (stale answers dropped). */
  async refresh() {
    const seq = ++this.seq;
    const d = this.history.current;
    const cur = this.currency ? `?currency=${this.currency}` : '';
    const [ev, report] = await Promise.all([
      this.api.post<{ evaluation: Evaluation }>(`/api/v1/designs/evaluate${cur}`, d),
      this.api.post<ChoiceReport>('/api/v1/designs/choice', { design: d, choice: this.place }),
    ]);
    if (seq !== this.seq) return;
    this.ev = ev.evaluation;
    this.report = report;
    this.render();
    void this.showModel(d);
    this.dispatchEvent(new CustomEvent('orfevre-change', { detail: { design: d, evaluation: this.ev }, bubbles: true, composed: true }));
  }

  /** Loads the design's 3D model into the viewer (only the latest request's answer is shown). */
  private async showModel(d: Design) {
    if (!this.viewer?.available) return;
    const seq = ++this.modelSeq;
    try {
      const glb = await postForBytes(this.api, '/api/v1/designs/model', d);
      if (seq !== this.modelSeq) return;
      const size = this.base.sizes.find((s) => s.id === (d.size ?? this.base.default_size));
      await this.viewer.show(glb, mm(size?.circumference) / (2 * Math.PI) || 8.7);
    } catch (e) {
      // A design the geometry cannot build keeps the last model; the evaluation says why.
      console.warn('3D model', e);
    }
  }

  private change(f: (d: Design) => void) {
    const next = clone(this.history.current);
    f(next);
    this.history.push(next);
    this.message = '';
    void this.refresh();
  }

  /** Makes the current place's choice with `option` (after `repair`'s edits), where the engine
   * placed it: its report names the index an insert goes to (before a strand's closing spacer). */
  choose(option: string, repair?: Candidate['repair']) {
    const r = this.report?.choice as Record<string, unknown> | undefined;
    const p = this.place as Record<string, unknown>;
    const same = r && r.kind === p.kind && r.mount === p.mount && r.section === p.section;
    const choice = same ? this.report!.choice : this.place;
    this.change((d) => applyRepair(d, repair?.edits ?? [], choice, option));
  }

  /** The strand drawn to scale, its sections drop targets, its beads focusable. */
  private strandSvg(): TemplateResult | typeof nothing {
    const strand = this.base.mounts.find((m) => m.kind === 'strand');
    if (!strand) return nothing;
    const md = this.history.current.mounts[strand.id] ?? {};
    const size = this.base.sizes.find((s) => s.id === (this.history.current.size ?? this.base.default_size));
    const length = mm(size?.length) || 180;
    const sections = md.sections ?? [];
    const per = length / Math.max(1, sections.length);
    const h = 24;
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const k = Number(e.dataTransfer?.getData('text/plain'));
      const opt = this.report?.candidates[k];
      if (opt?.feasible) this.choose(opt.option);
    };
    const parts = sections.map((skus, s) => {
      const start = s * per;
      let x = start + 1;
      const active = this.place.kind === 'insert' && this.place.section === s;
      const beads = skus.map((sku, i) => {
        const c = this.comps.get(sku);
        const w = mm(c?.width) || 8;
        const sel = this.selected && this.selected.section === s && this.selected.index === i;
        const at = x;
        x += w;
        return svg`<g class="item${sel ? ' selected' : ''}" tabindex="0" role="button" data-section=${s} data-index=${i}
          aria-label=${`${c?.name ?? sku}, ${t('section')} ${s + 1}, ${i + 1}`} @keydown=${(e: KeyboardEvent) => this.beadKey(e, strand.id, s, i)}>
          <rect x=${at} y=${(h - w) / 2} width=${w} height=${w} rx="2" class="bead"/>
          ${c?.art ? svg`<image href=${this.api.art(c.art)} x=${at} y=${(h - w) / 2} width=${w} height=${w}/>` : nothing}
          ${c?.glyph ? svg`<text x=${at + w / 2} y=${h / 2 + 2} text-anchor="middle" font-size=${w * 0.6}>${c.glyph}</text>` : nothing}</g>`;
      });
      return svg`<rect class="section${active ? ' active' : ''}" x=${start} y="1" width=${per} height=${h - 2} rx="3" data-section=${s}
          @dragover=${(e: DragEvent) => e.preventDefault()} @drop=${drop}/>
        ${beads}
        ${s < sections.length - 1 ? svg`<circle class="station" cx=${start + per} cy=${h / 2} r="2"/>` : nothing}`;
    });
    return html`<figure class="preview"><svg viewBox=${`-2 -2 ${length + 4} ${h + 4}`} role="img" aria-label=${`${t('preview')}: ${length} mm`}>
        <line x1="0" y1=${h / 2} x2=${length} y2=${h / 2} class="cord"/>${parts}</svg>
      <figcaption>${t('preview')} — ${length} mm</figcaption></figure>`;
  }

  /** A bead's keys: Delete removes it, the arrows move it along its section. */
  private beadKey(e: KeyboardEvent, strand: string, s: number, i: number) {
    if (e.key === 'Delete' || e.key === 'Backspace') this.change((d) => applyEdit(d, { op: 'remove', mount: strand, section: s, index: i }));
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const step = e.key === 'ArrowLeft' ? -1 : 1;
      this.selected = { mount: strand, section: s, index: i + step };
      this.change((d) => { move(d, strand, s, i, step); });
    }
  }

  private placedList(): TemplateResult | typeof nothing {
    const strand = this.base.mounts.find((m) => m.kind === 'strand');
    if (!strand) return nothing;
    const sections = this.history.current.mounts[strand.id]?.sections ?? [];
    const items = sections.flatMap((skus, s) => skus.map((sku, i) => ({ sku, s, i })));
    if (!items.length) return html`<p class="empty">${t('empty')}</p>`;
    const remove = (s: number, i: number) => this.change((d) => applyEdit(d, { op: 'remove', mount: strand.id, section: s, index: i }));
    const shift = (s: number, i: number, by: number) => this.change((d) => { move(d, strand.id, s, i, by); });
    return html`<ol class="placed" aria-label=${t('placed')}>${items.map(({ sku, s, i }) => {
      const name = this.comps.get(sku)?.name ?? sku;
      return html`<li>${name} <small>${t('section')} ${s + 1}</small>
        <button data-act="left" aria-label=${`${t('moveLeft')}: ${name}`} @click=${() => shift(s, i, -1)}>◀</button>
        <button data-act="right" aria-label=${`${t('moveRight')}: ${name}`} @click=${() => shift(s, i, 1)}>▶</button>
        <button data-act="remove" aria-label=${`${t('remove')}: ${name}`} @click=${() => remove(s, i)}>✕</button></li>`;
    })}</ol>`;
  }

  private candidates(): TemplateResult | typeof nothing {
    const r = this.report;
    if (!r) return nothing;
    const label = (opt: string) => this.comps.get(opt)?.name ?? this.base.sizes.find((s) => s.id === opt)?.label ?? opt;
    const search = r.candidates.length > 8 ? html`<div class="filter" role="search">
      <label>${t('search')} <input type="search" data-filter .value=${this.filter.text} autocomplete="off"
        @input=${(e: Event) => { this.filter.text = (e.target as HTMLInputElement).value; this.render(); }}></label>
      <label><input type="checkbox" data-feasible .checked=${this.filter.feasibleOnly}
        @change=${(e: Event) => { this.filter.feasibleOnly = (e.target as HTMLInputElement).checked; this.render(); }}> ${t('availableOnly')}</label></div>` : nothing;
    return html`${search}<ul class="candidates" aria-label=${`${t('candidates')}: ${r.label}`}>${r.candidates.map((c, k) => {
      const comp = this.comps.get(c.option);
      const hay = [label(c.option), ...(comp?.tags ?? []), comp?.kind ?? ''].join(' ').toLowerCase();
      const hidden = this.hides(hay, c.feasible);
      const img = comp?.art ? html`<img src=${this.api.art(comp.art)} alt="" width="48" height="48" loading="lazy">` : nothing;
      const price = comp ? html`<span class="price">${money(comp.price)}</span>` : nothing;
      if (c.feasible) {
        return html`<li data-text=${hay} ?hidden=${hidden}><button class="cand" draggable="true" @click=${() => this.choose(c.option)}
          @dragstart=${(e: DragEvent) => e.dataTransfer?.setData('text/plain', String(k))}>${img}<span>${label(c.option)}</span>${price}</button></li>`;
      }
      const fix = c.repair
        ? html`<button class="fix" @click=${() => this.choose(c.option, c.repair)}>${t('fix')}: ${c.repair.description}</button>` : nothing;
      return html`<li class="infeasible" data-text=${hay} data-infeasible ?hidden=${hidden}>${img}<span>${label(c.option)}</span>${price}
        <small>${t('notAvailable')}: ${c.reasons?.[0] ?? ''}</small>${fix}</li>`;
    })}</ul>`;
  }

  /** Shows the engraving of `text` in field `id` as the workshop will make it. */
  private async preview(id: string, text: string) {
    const div = this.view.querySelector<HTMLElement>(`[data-preview="${id}"]`);
    if (!div) return;
    const font = this.history.current.fields[id]?.font;
    const key = JSON.stringify([this.base.id, id, text, font ?? '']);
    let html = this.previews.get(key);
    if (html === undefined) {
      if (!text.trim()) html = '';
      else {
        try {
          html = await this.api.postForText('/api/v1/engraving/preview', { base: this.base.id, field: id, text, ...(font ? { font } : {}) });
        } catch (e) {
          const p = document.createElement('p');
          p.className = 'warn';
          p.textContent = e instanceof ApiError ? e.message : String(e);
          html = p.outerHTML;
        }
      }
      if (this.previews.size > 200) this.previews.clear();
      this.previews.set(key, html);
    }
    // The server's own SVG (its engraving layout), or a message escaped as text above.
    div.innerHTML = html;
    div.querySelector('svg')?.setAttribute('aria-label', `${t('engraving')}: ${text}`);
    const f = this.base.fields.find((x) => x.id === id);
    const table = this.base.mounts.find((m) => m.top_thickness)?.top_thickness;
    if (this.viewer && f) void this.viewer.engrave(html.startsWith('<svg') ? html : null, mm(f.width), mm(f.height), table ? mm(table) : undefined);
  }

  /** Whether the filter hides a candidate whose search text is `hay` (lower case). */
  private hides(hay: string, feasible: boolean): boolean {
    const words = this.filter.text.toLowerCase().split(/\s+/).filter(Boolean);
    return (this.filter.feasibleOnly && !feasible) || !words.every((w) => hay.includes(w));
  }

  private summary(): TemplateResult | typeof nothing {
    const ev = this.ev;
    if (!ev) return nothing;
    const problems = ev.valid ? html`<p class="ok">✓ ${t('valid')}</p>` :
      html`<div role="alert" class="problems"><strong>${t('problems')}</strong><ul>${ev.violations.map((v) => html`<li>${v.message}</li>`)}</ul></div>`;
    return html`<section class="summary" aria-live="polite"><h3>${t('price')}</h3>
      <table>${ev.price.lines.map((l) => html`<tr><td>${l.qty} × ${l.label}</td><td>${money(l.amount)}</td></tr>`)}</table>
      <p class="total"><span>${t('total')}</span> <output data-testid="total">${money(ev.price.total)}</output></p>
      <p>${t('weight')}: ${grams(ev.weight)} · ${t('leadTime')} ${ev.lead_time_days} ${t('days')}</p>${problems}</section>`;
  }

  private fields(): TemplateResult[] {
    const d = this.history.current;
    return this.base.fields.filter((f) => f.kind === 'engraving' || f.kind === 'text').map((f) => {
      const fonts = f.fonts.length ? html`<select data-font=${f.id} aria-label=${`${f.label} font`}
          @change=${(e: Event) => this.change((d) => { (d.fields[f.id] ??= {}).font = (e.target as HTMLSelectElement).value; })}>${f.fonts.map((x) =>
        html`<option ?selected=${d.fields[f.id]?.font === x}>${x}</option>`)}</select>` : nothing;
      const typed = (e: Event) => {
        // The engraving preview follows each keystroke (debounced); the design changes on commit.
        const text = (e.target as HTMLInputElement).value;
        window.clearTimeout(this.previewTimer);
        this.previewTimer = window.setTimeout(() => this.preview(f.id, text), 120);
      };
      return html`<label class="field">${f.label} <input data-field=${f.id} .value=${d.fields[f.id]?.text ?? ''} maxlength=${f.max_length ?? 100}
          @change=${(e: Event) => this.change((d) => { (d.fields[f.id] ??= {}).text = (e.target as HTMLInputElement).value; })}
          @input=${typed}>${fonts}</label>
        ${f.kind === 'engraving' ? html`<div class="engrave-preview" data-preview=${f.id} aria-live="polite"></div>` : nothing}`;
    });
  }

  private speller(): TemplateResult | typeof nothing {
    const letters = [...this.comps.values()].some((c) => c.kind === 'letter-bead');
    if (!letters) return nothing;
    const submit = async (e: SubmitEvent) => {
      e.preventDefault();
      const word = ((e.target as HTMLFormElement).elements.namedItem('word') as HTMLInputElement).value;
      const size = this.history.current.size ?? undefined;
      const sp = await this.api.post<Spelling>('/api/v1/designs/spell', { base: this.base.id, size, text: word });
      this.spellIssues = sp.issues;
      this.spellProblems = sp.problems;
      if (sp.design) this.change((d) => { d.mounts = sp.design!.mounts; });
      else this.render();
    };
    const issue = (i: Spelling['issues'][number]) => html`<li>“${i.character}”: ${i.problem === 'missing' ? t('missing') : t('outOfStock')}${
      i.alternatives.length ? ` — ${t('useFallback')} ${i.alternatives.join(', ')}` : ''}</li>`;
    return html`<form class="spell" @submit=${submit}><label>${t('spellLabel')} <input name="word" autocomplete="off" maxlength="100"></label>
      <button>${t('spell')}</button></form><div class="spell-issues" aria-live="polite">${this.spellIssues.length
        ? html`<strong>${t('lettersToResolve')}</strong><ul>${this.spellIssues.map(issue)}</ul>` : nothing}${
        this.spellProblems.map((p) => html`<p class="spell-problem">${this.wordProblem(p)}</p>`)}</div>`;
  }

  /** A word problem of the speller in the shopper's language. */
  private wordProblem(p: Spelling['problems'][number]): string {
    const n = p.max ?? p.min ?? 0;
    const m = p.beads ?? 0;
    switch (p.problem) {
      case 'empty': return t('spellEmpty');
      case 'too-many': return t('spellTooMany').replace('{n}', String(n)).replace('{m}', String(m));
      case 'too-few': return t('spellTooFew').replace('{n}', String(n));
      case 'needs-size': return t('spellNeedsSize').replace('{size}', p.label ?? '');
      case 'too-long': return t('spellTooLong');
      default: return p.message;
    }
  }

  private sizes(): TemplateResult | typeof nothing {
    if (this.base.sizes.length <= 1) return nothing;
    const d = this.history.current;
    const wrist = (e: Event) => {
      // Bracelet length = wrist + 1.5–2 cm (domain.md): the smallest size at least wrist + 1.5 cm.
      const want = Number((e.target as HTMLInputElement).value) * 10 + 15;
      const fit = this.base.sizes.filter((s) => mm(s.length) >= want).sort((a, b) => mm(a.length) - mm(b.length))[0];
      if (fit) this.change((d) => { d.size = fit.id; });
    };
    return html`<label>${t('size')} <select data-size @change=${(e: Event) => this.change((d) => { d.size = (e.target as HTMLSelectElement).value; })}>${
      this.base.sizes.map((s) => html`<option value=${s.id} ?selected=${s.id === (d.size ?? this.base.default_size)}>${s.label}</option>`)}</select></label>
      ${this.base.piece === 'bracelet' ? html`<label class="wrist">${t('wristHelper')} <input data-wrist type="number" min="12" max="25" step="0.5" inputmode="decimal" @change=${wrist}></label>
      <small>${t('wristHint')}</small>` : nothing}`;
  }

  private async save() {
    const saved = await this.api.post<{ hash: string; share_url: string }>('/api/v1/designs', this.history.current);
    this.message = html`${t('saved')} <a href=${saved.share_url} data-share>${saved.share_url}</a>`;
    this.render();
  }

  private async addToCart() {
    try {
      const saved = await this.api.post<{ hash: string }>('/api/v1/designs', this.history.current);
      const q = await this.api.post<{ quote: string; claims: { total: string; currency: string } }>('/api/v1/quotes',
        { design: saved.hash, currency: this.currency });
      this.dispatchEvent(new CustomEvent('orfevre-add-to-cart', { detail: q, bubbles: true, composed: true }));
      this.message = `${t('quoteReady')} ${money({ amount: q.claims.total, currency: q.claims.currency })}`;
    } catch (e) {
      this.message = e instanceof ApiError ? e.message : String(e);
    }
    this.render();
  }

  render() {
    const places = this.places();
    const placeTabs = places.length > 1 ? html`<div role="tablist" class="places">${places.map((p) =>
      html`<button role="tab" aria-selected=${JSON.stringify(p) === JSON.stringify(this.place)}
        @click=${() => { this.place = p; void this.refresh(); }}>${this.placeLabel(p)}</button>`)}</div>` : nothing;
    render(html`<article class="configurator">
        <header><h2>${this.base.name}</h2></header>
        ${this.viewer ? this.viewer.el : nothing}
        ${this.strandSvg()}
        <div class="controls">${this.sizes()}</div>
        ${this.speller()}
        ${this.placedList()}
        ${this.fields()}
        ${placeTabs}
        ${this.candidates()}
        ${this.summary()}
        <div class="actions">
          <button data-undo ?disabled=${!this.history.canUndo} @click=${() => { if (this.history.undo()) void this.refresh(); }}>${t('undo')}</button>
          <button data-redo ?disabled=${!this.history.canRedo} @click=${() => { if (this.history.redo()) void this.refresh(); }}>${t('redo')}</button>
          <button data-save @click=${() => this.save()}>${t('save')}</button>
          <button data-cart class="primary" ?disabled=${!this.ev?.valid} @click=${() => this.addToCart()}>${t('addToCart')}</button>
        </div>
        <div class="message" aria-live="polite">${this.message}</div>
      </article>`, this.view);
    for (const div of this.view.querySelectorAll<HTMLElement>('[data-preview]')) {
      void this.preview(div.dataset.preview!, this.history.current.fields[div.dataset.preview!]?.text ?? '');
    }
  }
}

if (!customElements.get('orfevre-configurator')) customElements.define('orfevre-configurator', Configurator);
