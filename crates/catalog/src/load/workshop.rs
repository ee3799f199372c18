//! Resolving the workshop: its tolerances (`[production]`), its lasers (`[[machine]]`) and the
//! jigs that hold several pieces on one laser's bed (`[[jig]]`).

use super::*;

impl Resolver<'_> {
    pub(super) fn production(&mut self, files: &[(Unit, RawFile)]) -> Production {
        let mut out = Production::default();
        let mut first: Option<Loc> = None;
        for (f, raw) in files {
            let Some(p) = &raw.production else { continue };
            let loc = self.at(f, p);
            if let Some(at) = &first {
                let at = at.clone();
                self.err("duplicate-definition", loc, "a second [production] table").hint =
                    Some(format!("the workshop's tolerances are already defined at {at}"));
                continue;
            }
            first = Some(loc);
            let p = p.get_ref();
            if let Some(t) = &p.weight_tolerance_percent {
                let v = t.get_ref().0;
                if v <= Decimal::ZERO || v > Decimal::from(50) {
                    let loc = self.at(f, t);
                    self.err(
                        "invalid-value",
                        loc,
                        format!("a weight tolerance of {v} % is not above 0 and at most 50 %"),
                    );
                } else {
                    out.weight_tolerance_percent = v;
                }
            }
            if let Some(d) = p.handling_days {
                out.handling_days = d;
            }
        }
        out
    }

    pub(super) fn machines(
        &mut self,
        files: &[(Unit, RawFile)],
        seen: &mut HashMap<(&'static str, String), Loc>,
    ) -> Vec<Machine> {
        let mut out = Vec::new();
        for (f, raw) in files {
            for x in &raw.machine {
                let m = x.get_ref();
                if !self.unique(seen, "machine", f, &m.id) {
                    continue;
                }
                let entry = self.at(f, x);
                let what = format!("machine {}", m.id.get_ref());
                if m.name.is_none() {
                    self.missing(&entry, &what, "name", "what the workshop calls it, e.g. name = \"Fibre laser 20 W\"");
                }
                let mode = match &m.mode {
                    Some(s) => {
                        self.parse_named(f, s, LaserMode::parse, "laser mode", || "fill, line, single-line".to_string())
                    }
                    None => {
                        self.missing(
                            &entry,
                            &what,
                            "mode",
                            "how it engraves: mode = \"fill\", \"line\" or \"single-line\"",
                        );
                        None
                    }
                };
                let power = match &m.power {
                    Some(p) if *p.get_ref() == 0 || *p.get_ref() > 1000 => {
                        let loc = self.at(f, p);
                        self.err(
                            "invalid-value",
                            loc,
                            format!("power {} is not between 1 and 1000 (GRBL's S)", p.get_ref()),
                        );
                        None
                    }
                    Some(p) => Some(*p.get_ref()),
                    None => {
                        self.missing(&entry, &what, "power", "the laser power as GRBL's S, 1–1000, e.g. power = 800");
                        None
                    }
                };
                let speed = match &m.speed_mm_min {
                    Some(s) if s.get_ref().0 <= Decimal::ZERO => {
                        let loc = self.at(f, s);
                        self.err("invalid-value", loc, "a speed must be above zero");
                        None
                    }
                    Some(s) => Some(s.get_ref().0),
                    None => {
                        self.missing(&entry, &what, "speed_mm_min", "the engraving speed, e.g. speed_mm_min = 1200");
                        None
                    }
                };
                let passes = match &m.passes {
                    Some(p) if *p.get_ref() == 0 || *p.get_ref() > 50 => {
                        let loc = self.at(f, p);
                        self.err("invalid-value", loc, format!("{} passes is not between 1 and 50", p.get_ref()));
                        1
                    }
                    Some(p) => *p.get_ref(),
                    None => 1,
                };
                let spot = match &m.spot_mm {
                    Some(s) if *s.get_ref() == Mm::ZERO => {
                        let loc = self.at(f, s);
                        self.err("invalid-value", loc, "a laser's spot must be wider than zero");
                        None
                    }
                    Some(s) => Some(*s.get_ref()),
                    None => {
                        self.missing(&entry, &what, "spot_mm", "the width the laser burns, e.g. spot_mm = 0.03");
                        None
                    }
                };
                let hatch = match &m.hatch_mm {
                    Some(h) if *h.get_ref() == Mm::ZERO => {
                        let loc = self.at(f, h);
                        self.err("invalid-value", loc, "hatch lines must be more than zero apart");
                        None
                    }
                    Some(h) => Some(*h.get_ref()),
                    None => spot,
                };
                let bed = m.bed.as_ref().map(|b| (b.get_ref().width_mm, b.get_ref().height_mm));
                if let (Some(b), Some((w, h))) = (&m.bed, bed) {
                    if w == Mm::ZERO || h == Mm::ZERO {
                        let loc = self.at(f, b);
                        self.err("invalid-value", loc, "a bed must have a width and a height above zero");
                    }
                }
                let (Some(mode), Some(power), Some(speed), Some(spot)) = (mode, power, speed, spot) else { continue };
                out.push(Machine {
                    id: m.id.get_ref().clone(),
                    name: m.name.clone().unwrap_or_else(|| m.id.get_ref().clone()),
                    mode,
                    power,
                    speed_mm_min: speed,
                    passes,
                    hatch: hatch.unwrap_or(spot),
                    spot,
                    bed,
                    loc: entry,
                });
            }
        }
        out
    }

    pub(super) fn jigs(
        &mut self,
        files: &[(Unit, RawFile)],
        seen: &mut HashMap<(&'static str, String), Loc>,
        machines: &[Machine],
    ) -> Vec<Jig> {
        let ix: HashMap<String, u32> = machines.iter().enumerate().map(|(i, m)| (m.id.clone(), i as u32)).collect();
        let mut out = Vec::new();
        for (f, raw) in files {
            for x in &raw.jig {
                let j = x.get_ref();
                if !self.unique(seen, "jig", f, &j.id) {
                    continue;
                }
                let entry = self.at(f, x);
                let what = format!("jig {}", j.id.get_ref());
                for (name, present, hint) in [
                    ("name", j.name.is_some(), "what the workshop calls it, e.g. name = \"Pendant jig, 4 × 3\""),
                    ("machine", j.machine.is_some(), "the [[machine]] whose bed it sits on"),
                    ("slot", j.slot.is_some(), "each slot's size, e.g. slot = { width_mm = 20, height_mm = 12 }"),
                    ("columns", j.columns.is_some(), "slots across, e.g. columns = 4"),
                    ("rows", j.rows.is_some(), "slots down, e.g. rows = 3"),
                    ("pitch", j.pitch.is_some(), "from one slot to the next, e.g. pitch = { x_mm = 25, y_mm = 16 }"),
                ] {
                    if !present {
                        self.missing(&entry, &what, name, hint);
                    }
                }
                let machine = match &j.machine {
                    Some(m) => self.lookup(f, Some(m), &ix, "machine"),
                    None => None,
                };
                let (Some(machine), Some(slot), Some(cols), Some(rows), Some(pitch)) =
                    (machine, &j.slot, &j.columns, &j.rows, &j.pitch)
                else {
                    continue;
                };
                let (s, p) = (*slot.get_ref(), *pitch.get_ref());
                let o = j.origin.unwrap_or(RawPoint { x_mm: Mm::ZERO, y_mm: Mm::ZERO });
                let (cols, rows) = (*cols.get_ref(), *rows.get_ref());
                if cols == 0 || rows == 0 || cols * rows > 500 {
                    let loc = self.at(f, x);
                    self.err("invalid-value", loc, format!("{cols} × {rows} slots is not between 1 and 500 slots"));
                    continue;
                }
                if s.width_mm == Mm::ZERO || s.height_mm == Mm::ZERO {
                    let loc = self.at(f, slot);
                    self.err("invalid-value", loc, "a slot must have a width and a height above zero");
                    continue;
                }
                if (cols > 1 && p.x_mm < s.width_mm) || (rows > 1 && p.y_mm < s.height_mm) {
                    let loc = self.at(f, pitch);
                    self.err("invalid-value", loc, "slots overlap: the pitch is smaller than a slot").hint =
                        Some(format!("a slot is {} × {} mm", s.width_mm, s.height_mm));
                }
                let right = o.x_mm.um() + (cols as i64 - 1) * p.x_mm.um() + s.width_mm.um();
                let top = o.y_mm.um() + (rows as i64 - 1) * p.y_mm.um() + s.height_mm.um();
                let m = &machines[machine as usize];
                if let Some((bw, bh)) = m.bed {
                    if right > bw.um() || top > bh.um() {
                        let loc = self.at(f, x);
                        self.err(
                            "invalid-value",
                            loc,
                            format!(
                                "the jig's slots reach {} × {} mm, larger than {}'s bed of {bw} × {bh} mm",
                                Mm::from_um(right),
                                Mm::from_um(top),
                                m.name
                            ),
                        );
                    }
                }
                out.push(Jig {
                    id: j.id.get_ref().clone(),
                    name: j.name.clone().unwrap_or_else(|| j.id.get_ref().clone()),
                    machine,
                    slot: (s.width_mm, s.height_mm),
                    columns: cols,
                    rows,
                    pitch: (p.x_mm, p.y_mm),
                    origin: (o.x_mm, o.y_mm),
                    loc: entry,
                });
            }
        }
        out
    }
}
