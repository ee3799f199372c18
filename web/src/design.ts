// Design edits on the client, mirroring the engine's `apply_choice` and `apply_edit`, with undo/redo.
import type { Choice, Design, Edit } from './api';

export function clone(d: Design): Design { return JSON.parse(JSON.stringify(d)); }

export function applyEdit(d: Design, e: Edit): void {
  if (e.op === 'set-size') d.size = e.size;
  else if (e.op === 'add') applyChoice(d, e.choice, e.option);
  else {
    const m = d.mounts[e.mount];
    const list = m?.sections?.[e.section] ?? m?.items ?? m?.slots;
    if (list && e.index < list.length) list.splice(e.index, 1);
  }
}

/** A repair's edits, then the choice; an insert's index moves with the edits before it (the
 * engine's `apply_repair`). */
export function applyRepair(d: Design, edits: Edit[], c: Choice, option: string): void {
  const choice = { ...c };
  for (const e of edits) {
    applyEdit(d, e);
    if (choice.kind !== 'insert' || choice.index === undefined) continue;
    if (e.op === 'remove' && e.mount === choice.mount && e.section === choice.section && e.index < choice.index) choice.index -= 1;
    if (e.op === 'add' && e.choice.kind === 'insert' && e.choice.mount === choice.mount && e.choice.section === choice.section
      && e.choice.index !== undefined && e.choice.index <= choice.index) choice.index += 1;
  }
  applyChoice(d, choice, option);
}

export function applyChoice(d: Design, c: Choice, option: string): void {
  const mount = (id: string) => (d.mounts[id] ??= {});
  switch (c.kind) {
    case 'insert': {
      const m = mount(c.mount);
      let list: string[];
      if (m.items !== undefined) list = m.items;
      else {
        m.sections ??= [];
        while (m.sections.length <= c.section) m.sections.push([]);
        list = m.sections[c.section];
      }
      list.splice(Math.min(c.index ?? list.length, list.length), 0, option);
      break;
    }
    case 'station': {
      const m = mount(c.mount);
      m.stations ??= [];
      while (m.stations.length <= c.index) m.stations.push(null);
      m.stations[c.index] = option;
      break;
    }
    case 'slot': {
      const m = mount(c.mount);
      m.slots ??= [];
      while (m.slots.length <= c.index) m.slots.push(null);
      m.slots[c.index] = option;
      break;
    }
    case 'socket': mount(c.mount).item = option; break;
    case 'param': (mount(c.mount).params ??= {})[c.param] = option; break;
    case 'field': (d.fields[c.field] ??= {}).choice = option; break;
    case 'size': d.size = option; break;
  }
}

/** Moves a placed component within its section (`by` = -1 or +1). */
export function move(d: Design, mount: string, section: number, index: number, by: number): boolean {
  const s = d.mounts[mount]?.sections?.[section];
  const to = index + by;
  if (!s || to < 0 || to >= s.length) return false;
  [s[index], s[to]] = [s[to], s[index]];
  return true;
}

/** Undo/redo over immutable snapshots. */
export class History {
  private past: Design[] = [];
  private future: Design[] = [];
  constructor(public current: Design) {}
  push(next: Design) { this.past.push(this.current); this.current = next; this.future = []; }
  undo(): boolean { const p = this.past.pop(); if (!p) return false; this.future.push(this.current); this.current = p; return true; }
  redo(): boolean { const n = this.future.pop(); if (!n) return false; this.past.push(this.current); this.current = n; return true; }
  get canUndo() { return this.past.length > 0; }
  get canRedo() { return this.future.length > 0; }
}
