// The API client: JSON in and out, problems (RFC 9457) raised as ApiError with their pointers.

export interface Money { amount: string; currency: string }
export interface ComponentView {
  sku: string; name: string; kind: string; family: string; connector: string;
  width: string; hole?: string | null; weight: string; price: Money; stock?: number | null;
  in_stock: boolean; lead_time_days: number; tags: string[]; art?: string | null; glyph?: string | null;
}
export interface MountView {
  id: string; label: string; kind: string; families: string[]; connectors: string[]; kinds: string[];
  sections?: number | null; params: string[]; top_thickness?: string | null;
}
export interface FieldView {
  id: string; label: string; kind: string; required: boolean; max_length?: number | null;
  width?: string | null; height?: string | null; fonts: string[]; options: string[];
}
export interface SizeView { id: string; label: string; length?: string | null; circumference?: string | null }
export interface BaseView {
  id: string; name: string; piece: string; gtin?: string | null; price: Money; in_stock: boolean;
  lead_time_days: number; art?: string | null; default_size?: string | null; sizes: SizeView[];
  mounts: MountView[]; fields: FieldView[];
}
export interface MetalView { id: string; name: string; price_per_gram: string; density: string }
export interface CatalogInfo {
  id: string; name: string; version: string; currencies: string[]; locales: string[]; metals: MetalView[];
}
export interface Diagnostic { severity: 'error' | 'warning'; code: string; file: string; line: number; col: number; message: string; hint?: string }
export interface CatalogVersion { version: string; digest: string; created_at: string; created_by?: string | null; active: boolean }
export interface MountDesign {
  sections?: string[][]; stations?: (string | null)[]; slots?: (string | null)[];
  item?: string; items?: string[]; params?: Record<string, string>;
}
export interface Design {
  catalog: { id: string; version: string }; base: string; size?: string;
  mounts: Record<string, MountDesign>; fields: Record<string, { text?: string; font?: string; choice?: string }>;
}
export interface Violation { rule: string; message: string; place: { mount?: string; section?: number; index?: number; field?: string }; repair?: Repair }
export interface PriceLine { label: string; sku?: string; qty: number; unit: Money; amount: Money }
export interface Evaluation {
  design_hash: string; valid: boolean; violations: Violation[];
  price: { currency: string; lines: PriceLine[]; subtotal: Money; rounding: Money; total: Money };
  weight: string; lead_time_days: number;
}
export type Choice =
  | { kind: 'insert'; mount: string; section: number; index?: number }
  | { kind: 'station'; mount: string; index: number }
  | { kind: 'slot'; mount: string; index: number }
  | { kind: 'socket'; mount: string }
  | { kind: 'param'; mount: string; param: string }
  | { kind: 'field'; field: string }
  | { kind: 'size' };
export type Edit =
  | { op: 'set-size'; size: string }
  | { op: 'remove'; mount: string; section: number; index: number }
  | { op: 'add'; choice: Choice; option: string };
export interface Repair { description: string; edits: Edit[] }
export interface Candidate { option: string; feasible: boolean; reasons?: string[]; repair?: Repair }
export interface ChoiceReport { choice: Choice; label: string; candidates: Candidate[] }
export interface SpellIssue { index: number; character: string; problem: 'missing' | 'out-of-stock'; alternatives: string[] }
export interface WordProblem {
  problem: 'empty' | 'too-few' | 'too-many' | 'needs-size' | 'too-long' | 'other';
  message: string; size?: string; label?: string; max?: number; min?: number; beads?: number; letters?: number;
}
export interface Spelling { skus: string[]; issues: SpellIssue[]; problems: WordProblem[]; design: Design | null }

export class ApiError extends Error {
  constructor(public status: number, public problem: any) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

export class Api {
  csrf = '';
  constructor(public base = '') {}

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const r = await fetch(this.base + path, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'include',
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) throw new ApiError(r.status, data);
    return data as T;
  }
  get<T>(path: string) { return this.call<T>('GET', path); }
  /** POSTs JSON and returns the raw body (an SVG); problems raised as ApiError. */
  async postForText(path: string, body: unknown): Promise<string> {
    const r = await fetch(this.base + path, {
      method: 'POST', body: JSON.stringify(body), credentials: 'include', headers: { 'content-type': 'application/json' },
    });
    const text = await r.text();
    if (!r.ok) throw new ApiError(r.status, text ? JSON.parse(text) : null);
    return text;
  }
  /** Sends a file as the raw body (a catalog archive). */
  async upload<T>(path: string, file: Blob, contentType: string): Promise<T> {
    const r = await fetch(this.base + path, {
      method: 'POST', body: file, credentials: 'include',
      headers: { 'content-type': contentType, ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}) },
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) throw new ApiError(r.status, data);
    return data as T;
  }
  post<T>(path: string, body?: unknown, headers?: Record<string, string>) { return this.call<T>('POST', path, body, headers); }

  art(path: string | null | undefined): string { return path ? `${this.base}/api/v1/catalog/art/${path}` : ''; }
}

/** POSTs JSON and returns the binary body (a GLB model); problems raised as ApiError. */
export async function postForBytes(api: Api, path: string, body: unknown): Promise<ArrayBuffer> {
  const r = await fetch(api.base + path, {
    method: 'POST', body: JSON.stringify(body), credentials: 'include', headers: { 'content-type': 'application/json' },
  });
  if (!r.ok) {
    const text = await r.text();
    throw new ApiError(r.status, text ? JSON.parse(text) : null);
  }
  return r.arrayBuffer();
}
