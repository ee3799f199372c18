// <orfevre-configurator base="…" api="…" design="…">: the customization bar, as a web component a
// brand can drop into its own shop page. Shadow DOM keeps the shop's styles out.
import { Api, ApiError, postForBytes } from './api';
import type { BaseView, Candidate, Choice, ChoiceReport, ComponentView, Design, Evaluation, Spelling } from './api';
import { applyEdit, applyRepair, clone, History, move } from './design';
import { grams, money, setLang, t } from './i18n';
import css from './style.css?inline';

const mm = (s: string | null | undefined) => Number(s ?? 0);
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
  message = '';
  spellIssues: Spelling['issues'] = [];
  spellProblems: Spelling['problems'] = [];
  private seq = 0;
  /** Engraving previews by request (the server's production layout as SVG, or why it fails). */
  private previews = new Map<string, string>();
  private previewTimer = 0;
  /** The candidate list's search text and "available only" switch (kept across re-renders). */
  private filter = { text: '', feasibleOnly: false };
  /** The 3D viewer, for pieces the geometry crate builds (rings); kept across re-renders. */
  viewer?: import('./viewer').Viewer;
  private modelSeq = 0;

  static get observedAttributes() { return ['base', 'design']; }

  async connectedCallback() {
    this.api = new Api(this.getAttribute('api') ?? '');
    // A host page may fix the language (`lang="fr"`); otherwise the shopper's choice holds.
    const lang = this.getAttribute('lang');
    if (lang === 'en' || lang === 'fr') setLang(lang, false);
    if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    this.shadowRoot!.innerHTML = `<style>${css}</style><p>${t('loading')}</p>`;
    try {
      await this.load();
    } catch (e) {
      this.shadowRoot!.innerHTML = `<style>${css}</style><p role="alert">${esc(String((e as Error).message))}</p>`;
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

  private strandSvg(): string {
    const strand = this.base.mounts.find((m) => m.kind === 'strand');
    if (!strand) return '';
    const md = this.history.current.mounts[strand.id] ?? {};
    const size = this.base.sizes.find((s) => s.id === (this.history.current.size ?? this.base.default_size));
    const length = mm(size?.length) || 180;
    const sections = md.sections ?? [];
    const per = length / Math.max(1, sections.length);
    const h = 24;
    let x = 0;
    let parts = `<line x1="0" y1="${h / 2}" x2="${length}" y2="${h / 2}" class="cord"/>`;
    sections.forEach((skus, s) => {
      const start = s * per;
      x = start + 1;
      parts += `<rect class="section${this.place.kind === 'insert' && this.place.section === s ? ' active' : ''}" x="${start}" y="1" width="${per}" height="${h - 2}" rx="3" data-section="${s}"/>`;
      skus.forEach((sku, i) => {
        const c = this.comps.get(sku);
        const w = mm(c?.width) || 8;
        const sel = this.selected && this.selected.section === s && this.selected.index === i;
        parts += `<g class="item${sel ? ' selected' : ''}" tabindex="0" role="button" data-section="${s}" data-index="${i}"
          aria-label="${esc(c?.name ?? sku)}, ${t('section')} ${s + 1}, ${i + 1}">
          <rect x="${x}" y="${(h - w) / 2}" width="${w}" height="${w}" rx="2" class="bead"/>
          ${c?.art ? `<image href="${this.api.art(c.art)}" x="${x}" y="${(h - w) / 2}" width="${w}" height="${w}"/>` : ''}
          ${c?.glyph ? `<text x="${x + w / 2}" y="${h / 2 + 2}" text-anchor="middle" font-size="${w * 0.6}">${esc(c.glyph)}</text>` : ''}</g>`;
        x += w;
      });
      if (s < sections.length - 1) parts += `<circle class="station" cx="${start + per}" cy="${h / 2}" r="2"/>`;
    });
    return `<figure class="preview"><svg viewBox="-2 -2 ${length + 4} ${h + 4}" role="img" aria-label="${t('preview')}: ${length} mm">${parts}</svg>
      <figcaption>${t('preview')} — ${length} mm</figcaption></figure>`;
  }

  private placedList(): string {
    const strand = this.base.mounts.find((m) => m.kind === 'strand');
    if (!strand) return '';
    const sections = this.history.current.mounts[strand.id]?.sections ?? [];
    const items = sections.flatMap((skus, s) => skus.map((sku, i) => ({ sku, s, i })));
    if (!items.length) return `<p class="empty">${t('empty')}</p>`;
    return `<ol class="placed" aria-label="${t('placed')}">${items.map(({ sku, s, i }) => {
      const name = esc(this.comps.get(sku)?.name ?? sku);
      return `<li>${name} <small>${t('section')} ${s + 1}</small>
        <button data-act="left" data-s="${s}" data-i="${i}" aria-label="${t('moveLeft')}: ${name}">◀</button>
        <button data-act="right" data-s="${s}" data-i="${i}" aria-label="${t('moveRight')}: ${name}">▶</button>
        <button data-act="remove" data-s="${s}" data-i="${i}" aria-label="${t('remove')}: ${name}">✕</button></li>`;
    }).join('')}</ol>`;
  }

  private candidates(): string {
    const r = this.report;
    if (!r) return '';
    const label = (opt: string) => this.comps.get(opt)?.name ?? this.base.sizes.find((s) => s.id === opt)?.label ?? opt;
    const search = r.candidates.length > 8 ? `<div class="filter" role="search">
      <label>${t('search')} <input type="search" data-filter value="${esc(this.filter.text)}" autocomplete="off"></label>
      <label><input type="checkbox" data-feasible ${this.filter.feasibleOnly ? 'checked' : ''}> ${t('availableOnly')}</label></div>` : '';
    return `${search}<ul class="candidates" aria-label="${t('candidates')}: ${esc(r.label)}">${r.candidates.map((c, k) => {
      const comp = this.comps.get(c.option);
      const hay = esc([label(c.option), ...(comp?.tags ?? []), comp?.kind ?? ''].join(' ').toLowerCase());
      const hidden = this.hides(hay, c.feasible) ? ' hidden' : '';
      const img = comp?.art ? `<img src="${this.api.art(comp.art)}" alt="" width="48" height="48" loading="lazy">` : '';
      const price = comp ? `<span class="price">${money(comp.price)}</span>` : '';
      if (c.feasible) {
        return `<li data-text="${hay}"${hidden}><button class="cand" data-k="${k}" draggable="true">${img}<span>${esc(label(c.option))}</span>${price}</button></li>`;
      }
      const fix = c.repair ? `<button class="fix" data-k="${k}">${t('fix')}: ${esc(c.repair.description)}</button>` : '';
      return `<li class="infeasible" data-text="${hay}" data-infeasible${hidden}>${img}<span>${esc(label(c.option))}</span>${price}
        <small>${t('notAvailable')}: ${esc(c.reasons?.[0] ?? '')}</small>${fix}</li>`;
    }).join('')}</ul>`;
  }

  /** Shows the engraving of `text` in field `id` as the workshop will make it. */
  private async preview(root: ShadowRoot, id: string, text: string) {
    const div = root.querySelector<HTMLElement>(`[data-preview="${id}"]`);
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
          html = `<p class="warn">${esc(e instanceof ApiError ? e.message : String(e))}</p>`;
        }
      }
      if (this.previews.size > 200) this.previews.clear();
      this.previews.set(key, html);
    }
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

  /** Applies the filter without re-rendering, so the search box keeps focus while typing. */
  private applyFilter(root: ShadowRoot) {
    root.querySelectorAll<HTMLLIElement>('ul.candidates > li').forEach((li) => {
      li.hidden = this.hides(li.dataset.text ?? '', !('infeasible' in li.dataset));
    });
  }

  private summary(): string {
    const ev = this.ev;
    if (!ev) return '';
    const lines = ev.price.lines.map((l) => `<tr><td>${l.qty} × ${esc(l.label)}</td><td>${money(l.amount)}</td></tr>`).join('');
    const problems = ev.valid ? `<p class="ok">✓ ${t('valid')}</p>` :
      `<div role="alert" class="problems"><strong>${t('problems')}</strong><ul>${ev.violations.map((v) => `<li>${esc(v.message)}</li>`).join('')}</ul></div>`;
    return `<section class="summary" aria-live="polite"><h3>${t('price')}</h3><table>${lines}</table>
      <p class="total"><span>${t('total')}</span> <output data-testid="total">${money(ev.price.total)}</output></p>
      <p>${t('weight')}: ${grams(ev.weight)} · ${t('leadTime')} ${ev.lead_time_days} ${t('days')}</p>${problems}</section>`;
  }

  private fields(): string {
    const d = this.history.current;
    return this.base.fields.filter((f) => f.kind === 'engraving' || f.kind === 'text').map((f) => {
      const v = esc(d.fields[f.id]?.text ?? '');
      const fonts = f.fonts.length ? `<select data-font="${f.id}" aria-label="${esc(f.label)} font">${f.fonts.map((x) =>
        `<option ${d.fields[f.id]?.font === x ? 'selected' : ''}>${x}</option>`).join('')}</select>` : '';
      return `<label class="field">${esc(f.label)} <input data-field="${f.id}" value="${v}" maxlength="${f.max_length ?? 100}">${fonts}</label>
        ${f.kind === 'engraving' ? `<div class="engrave-preview" data-preview="${f.id}" aria-live="polite"></div>` : ''}`;
    }).join('');
  }

  private speller(): string {
    const letters = [...this.comps.values()].some((c) => c.kind === 'letter-bead');
    if (!letters) return '';
    return `<form class="spell"><label>${t('spellLabel')} <input name="word" autocomplete="off" maxlength="100"></label>
      <button>${t('spell')}</button></form><div class="spell-issues" aria-live="polite">${this.spellIssues.length ? `<strong>${t('lettersToResolve')}</strong><ul>${this.spellIssues.map((i) =>
        `<li>“${esc(i.character)}”: ${i.problem === 'missing' ? t('missing') : t('outOfStock')}${i.alternatives.length ? ` — ${t('useFallback')} ${esc(i.alternatives.join(', '))}` : ''}</li>`).join('')}</ul>` : ''}${
        this.spellProblems.map((p) => `<p class="spell-problem">${esc(this.wordProblem(p))}</p>`).join('')}</div>`;
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

  render() {
    const root = this.shadowRoot!;
    const d = this.history.current;
    const sizes = this.base.sizes.length > 1 ? `<label>${t('size')} <select data-size>${this.base.sizes.map((s) =>
      `<option value="${s.id}" ${s.id === (d.size ?? this.base.default_size) ? 'selected' : ''}>${esc(s.label)}</option>`).join('')}</select></label>
      ${this.base.piece === 'bracelet' ? `<label class="wrist">${t('wristHelper')} <input data-wrist type="number" min="12" max="25" step="0.5" inputmode="decimal"></label>
      <small>${t('wristHint')}</small>` : ''}` : '';
    const places = this.places();
    const placeTabs = places.length > 1 ? `<div role="tablist" class="places">${places.map((p, k) =>
      `<button role="tab" data-place="${k}" aria-selected="${JSON.stringify(p) === JSON.stringify(this.place)}">${esc(this.placeLabel(p))}</button>`).join('')}</div>` : '';
    root.innerHTML = `<style>${css}</style>
      <article class="configurator">
        <header><h2>${esc(this.base.name)}</h2></header>
        ${this.viewer ? '<div data-viewer></div>' : ''}
        ${this.strandSvg()}
        <div class="controls">${sizes}</div>
        ${this.speller()}
        ${this.placedList()}
        ${this.fields()}
        ${placeTabs}
        ${this.candidates()}
        ${this.summary()}
        <div class="actions">
          <button data-undo ${this.history.canUndo ? '' : 'disabled'}>${t('undo')}</button>
          <button data-redo ${this.history.canRedo ? '' : 'disabled'}>${t('redo')}</button>
          <button data-save>${t('save')}</button>
          <button data-cart class="primary" ${this.ev?.valid ? '' : 'disabled'}>${t('addToCart')}</button>
        </div>
        <div class="message" aria-live="polite">${this.message}</div>
      </article>`;
    if (this.viewer) root.querySelector('[data-viewer]')?.replaceWith(this.viewer.el);
    this.wire(root, places);
  }

  private wire(root: ShadowRoot, places: Choice[]) {
    const q = <T extends Element>(s: string) => Array.from(root.querySelectorAll<T>(s));
    q<HTMLButtonElement>('button.cand').forEach((b) => {
      b.onclick = () => this.choose(this.report!.candidates[Number(b.dataset.k)].option);
      b.ondragstart = (e) => e.dataTransfer?.setData('text/plain', b.dataset.k!);
    });
    q<HTMLInputElement>('input[data-filter]').forEach((inp) => {
      inp.oninput = () => { this.filter.text = inp.value; this.applyFilter(root); };
    });
    q<HTMLInputElement>('input[data-feasible]').forEach((inp) => {
      inp.onchange = () => { this.filter.feasibleOnly = inp.checked; this.applyFilter(root); };
    });
    q<HTMLButtonElement>('button.fix').forEach((b) => {
      const c = this.report!.candidates[Number(b.dataset.k)];
      b.onclick = () => this.choose(c.option, c.repair);
    });
    q<SVGRectElement>('rect.section').forEach((r) => {
      r.addEventListener('dragover', (e) => e.preventDefault());
      r.addEventListener('drop', (e) => {
        e.preventDefault();
        const k = Number(e.dataTransfer?.getData('text/plain'));
        const opt = this.report?.candidates[k];
        if (opt?.feasible) this.choose(opt.option);
      });
    });
    q<HTMLButtonElement>('button[data-place]').forEach((b) => {
      b.onclick = () => { this.place = places[Number(b.dataset.place)]; void this.refresh(); };
    });
    q<HTMLButtonElement>('.placed button').forEach((b) => {
      b.onclick = () => {
        const s = Number(b.dataset.s), i = Number(b.dataset.i);
        const strand = this.base.mounts.find((m) => m.kind === 'strand')!.id;
        if (b.dataset.act === 'remove') this.change((d) => applyEdit(d, { op: 'remove', mount: strand, section: s, index: i }));
        else this.change((d) => { move(d, strand, s, i, b.dataset.act === 'left' ? -1 : 1); });
      };
    });
    q<SVGGElement>('g.item').forEach((g) => {
      g.addEventListener('keydown', (e) => {
        const s = Number(g.dataset.section), i = Number(g.dataset.index);
        const strand = this.base.mounts.find((m) => m.kind === 'strand')!.id;
        if (e.key === 'Delete' || e.key === 'Backspace') this.change((d) => applyEdit(d, { op: 'remove', mount: strand, section: s, index: i }));
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          this.selected = { mount: strand, section: s, index: i + (e.key === 'ArrowLeft' ? -1 : 1) };
          this.change((d) => { move(d, strand, s, i, e.key === 'ArrowLeft' ? -1 : 1); });
        }
      });
    });
    q<HTMLSelectElement>('select[data-size]').forEach((sel) => { sel.onchange = () => this.change((d) => { d.size = sel.value; }); });
    q<HTMLInputElement>('input[data-wrist]').forEach((inp) => {
      inp.onchange = () => {
        // Bracelet length = wrist + 1.5–2 cm (domain.md): the smallest size at least wrist + 1.5 cm.
        const want = Number(inp.value) * 10 + 15;
        const fit = this.base.sizes.filter((s) => mm(s.length) >= want).sort((a, b) => mm(a.length) - mm(b.length))[0];
        if (fit) this.change((d) => { d.size = fit.id; });
      };
    });
    q<HTMLInputElement>('input[data-field]').forEach((inp) => {
      inp.onchange = () => this.change((d) => { (d.fields[inp.dataset.field!] ??= {}).text = inp.value; });
      // The engraving preview follows each keystroke (debounced); the design changes on commit.
      inp.oninput = () => {
        window.clearTimeout(this.previewTimer);
        this.previewTimer = window.setTimeout(() => this.preview(root, inp.dataset.field!, inp.value), 120);
      };
    });
    q<HTMLElement>('[data-preview]').forEach((div) => this.preview(root, div.dataset.preview!, this.history.current.fields[div.dataset.preview!]?.text ?? ''));
    q<HTMLSelectElement>('select[data-font]').forEach((sel) => {
      sel.onchange = () => this.change((d) => { (d.fields[sel.dataset.font!] ??= {}).font = sel.value; });
    });
    q<HTMLFormElement>('form.spell').forEach((f) => {
      f.onsubmit = async (e) => {
        e.preventDefault();
        const word = (f.elements.namedItem('word') as HTMLInputElement).value;
        const size = this.history.current.size ?? undefined;
        const sp = await this.api.post<Spelling>('/api/v1/designs/spell', { base: this.base.id, size, text: word });
        this.spellIssues = sp.issues;
        this.spellProblems = sp.problems;
        if (sp.design) this.change((d) => { d.mounts = sp.design!.mounts; });
      };
    });
    root.querySelector<HTMLButtonElement>('[data-undo]')!.onclick = () => { if (this.history.undo()) void this.refresh(); };
    root.querySelector<HTMLButtonElement>('[data-redo]')!.onclick = () => { if (this.history.redo()) void this.refresh(); };
    root.querySelector<HTMLButtonElement>('[data-save]')!.onclick = async () => {
      const saved = await this.api.post<{ hash: string; share_url: string }>('/api/v1/designs', this.history.current);
      this.message = `${t('saved')} <a href="${esc(saved.share_url)}" data-share>${esc(saved.share_url)}</a>`;
      this.render();
    };
    root.querySelector<HTMLButtonElement>('[data-cart]')!.onclick = async () => {
      try {
        const saved = await this.api.post<{ hash: string }>('/api/v1/designs', this.history.current);
        const q = await this.api.post<{ quote: string; claims: { total: string; currency: string } }>('/api/v1/quotes',
          { design: saved.hash, currency: this.currency });
        this.dispatchEvent(new CustomEvent('orfevre-add-to-cart', { detail: q, bubbles: true, composed: true }));
        this.message = `${t('quoteReady')} ${money({ amount: q.claims.total, currency: q.claims.currency })}`;
      } catch (e) {
        this.message = esc(e instanceof ApiError ? e.message : String(e));
      }
      this.render();
    };
  }
}

if (!customElements.get('orfevre-configurator')) customElements.define('orfevre-configurator', Configurator);
