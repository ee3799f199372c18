// The API client: JSON in and out, problems (RFC 9457) raised as ApiError with their pointers.

import type { components } from '../generated/openapi';

// Types of the API's documents, generated from the server's OpenAPI document
// (crates/server/tests/golden/openapi.json, which a server test holds equal to what the server
// serves) by openapi-typescript at every build: a field renamed on the server breaks this build.
// Where the document says only `Object` (money, designs, evaluations: free-form JSON for the
// OpenAPI generator), the narrower shape is written here, after docs/design.md.
type Schema<K extends keyof components['schemas']> = components['schemas'][K];
/** Money as the API writes it: a decimal string and its ISO 4217 code. */
export interface Money { amount: string; currency: string }
type WithPrice<T> = Omit<T, 'price'> & { price: Money };
export type ComponentView = WithPrice<Schema<'ComponentView'>>;
export type MountView = Schema<'MountView'>;
export type FieldView = Schema<'FieldView'>;
export type SizeView = Schema<'SizeView'>;
export type BaseView = WithPrice<Schema<'BaseView'>>;
export type MetalView = Schema<'MetalView'>;
export type CatalogInfo = Schema<'CatalogInfo'>;
export type CatalogVersion = Schema<'CatalogVersion'>;
export type SessionView = Schema<'SessionView'>;
export type OrderView = Schema<'OrderView'>;
export type PieceView = Schema<'PieceView'>;
export type ItemView = Schema<'ItemView'>;
export type SavedDesign = Schema<'SavedDesign'>;
export type QuoteResponse = Schema<'QuoteResponse'>;
export interface Diagnostic { severity: 'error' | 'warning'; code: string; file: string; line: number; col: number; message: string; hint?: string }
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
