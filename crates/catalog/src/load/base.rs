//! Resolving a base: its sizes, its mounts (strand, slots, socket, container, parametric) and its
//! personalization fields, each key checked where it is written.

use super::*;

/// What a base's mounts and fields are resolved against.
pub(super) struct BaseCtx<'c> {
    pub(super) families: &'c [String],
    pub(super) by_sku: &'c HashMap<String, CompId>,
    pub(super) metal_ix: &'c HashMap<String, MetalId>,
    pub(super) stone_ix: &'c HashMap<String, StoneId>,
    pub(super) mat_ix: &'c HashMap<String, MaterialId>,
    pub(super) font_ix: &'c HashMap<String, FontId>,
    pub(super) machine_ix: &'c HashMap<String, MachineId>,
    pub(super) materials: &'c [Material],
}

impl Resolver<'_> {
    pub(super) fn resolve_base(&mut self, f: &Unit, x: &S<RawBase>, c: &BaseCtx) -> Option<Base> {
        let b = x.get_ref();
        let id_s = b.id.as_ref()?;
        let id = id_s.get_ref().clone();
        let bloc = self.at(f, id_s);
        let entry = self.at(f, x);
        let what = format!("base {id}");
        if b.name.is_none() {
            self.missing(&entry, &what, "name", "the name a shopper reads, e.g. name = \"Charm bracelet\"");
        }
        let piece = match &b.piece {
            Some(p) => self.parse_named(f, p, Piece::parse, "piece", Piece::names),
            None => {
                self.missing(&entry, &what, "piece", "what it is, e.g. piece = \"bracelet\"");
                None
            }
        };
        let metal = self.lookup(f, b.metal.as_ref(), c.metal_ix, "metal");
        if let Some(m) = metal {
            self.extra.used_metals[m as usize] = true;
        }
        if b.price.is_none() && (b.metal.is_none() || b.weight_g == crate::units::Grams::ZERO) {
            let msg = if b.metal.is_some() {
                format!("{what} is priced by weight but has no weight_g")
            } else {
                format!("{what} has neither a price nor a weight-priced metal")
            };
            self.err("missing-price", entry.clone(), msg).hint =
                Some("add price = \"…\", or metal = \"…\" with weight_g (priced by weight), or both".into());
        }
        if let Some(g) = &b.gtin {
            if let Err(e) = check_gtin(g.get_ref()) {
                let loc = self.at(f, g);
                self.err("invalid-gtin", loc, e).hint =
                    Some("a GTIN has 8, 12, 13 or 14 digits, the last a mod-10 check digit".into());
            }
        }
        let art = b.art.as_ref().map(|a| {
            self.check_art(f, a);
            a.get_ref().clone()
        });
        let mut sizes = Vec::new();
        match &b.sizes {
            None => {
                self.missing(
                    &entry,
                    &what,
                    "sizes",
                    "sizes = [{ id = \"17\", label = \"17 cm\", length_mm = 170 }] (one size: sizes = [{ id = \"one\" }])",
                );
            }
            Some(list) => {
                for s in list.get_ref() {
                    if sizes.iter().any(|o: &Size| &o.id == s.id.get_ref()) {
                        let loc = self.at(f, &s.id);
                        self.err("duplicate-definition", loc, format!("size \"{}\" is listed twice", s.id.get_ref()));
                        continue;
                    }
                    sizes.push(Size {
                        id: s.id.get_ref().clone(),
                        label: s.label.clone().unwrap_or_else(|| s.id.get_ref().clone()),
                        length: s.length_mm,
                        circumference: s.circumference_mm,
                    });
                }
                if sizes.is_empty() {
                    let loc = self.at(f, list);
                    self.err("impossible-base", loc, format!("{what} has no size")).hint =
                        Some("list at least one size, e.g. sizes = [{ id = \"one\" }]".into());
                }
            }
        }
        // Without sizes, a stand-in keeps the mounts' checks from failing on the missing ones.
        let sizes_missing = sizes.is_empty();
        if sizes_missing {
            // The checks that need sizes keep quiet about this base: it has its error.
            self.extra.broken.add("sizes", &id);
            sizes.push(Size { id: "(none)".into(), label: "(none)".into(), length: None, circumference: None });
        }
        let sizes_loc = b.sizes.as_ref().map(|s| self.at(f, s)).unwrap_or_else(|| entry.clone());
        let default_size = match &b.default_size {
            Some(d) => match sizes.iter().position(|s| &s.id == d.get_ref()) {
                Some(i) => i,
                None => {
                    let loc = self.at(f, d);
                    let hint = match suggest(d.get_ref(), sizes.iter().map(|s| s.id.as_str())) {
                        Some(h) => format!("did you mean \"{h}\"?"),
                        None => format!(
                            "its sizes are {}",
                            sizes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.err(
                        "unknown-reference",
                        loc,
                        format!("default_size \"{}\" is not one of the base's sizes", d.get_ref()),
                    )
                    .hint = Some(hint);
                    0
                }
            },
            None => 0,
        };
        // The base's mounts and fields: its own, then those read on their own.
        let mut raw_mounts: Vec<(Unit, &S<RawMount>)> = b.mount.iter().map(|m| (f.clone(), m)).collect();
        let mut raw_fields: Vec<(Unit, &S<RawField>)> = b.field.iter().map(|m| (f.clone(), m)).collect();
        for (offset, p) in &b.parts {
            let u = Unit { path: f.path.clone(), offset: *offset };
            raw_mounts.extend(p.mount.iter().map(|m| (u.clone(), m)));
            raw_fields.extend(p.field.iter().map(|m| (u.clone(), m)));
        }
        let mut mounts: Vec<Mount> = Vec::new();
        let mut lost_mount = false;
        for (mf, m) in raw_mounts {
            let mloc = self.at(&mf, m);
            let raw = m.get_ref();
            let Some(mid) = &raw.id else {
                self.missing(&mloc, &format!("a mount of {what}"), "id", "its identifier, e.g. id = \"strand\"");
                lost_mount = true;
                continue;
            };
            let mloc = self.at(&mf, mid);
            if mounts.iter().any(|o| &o.id == mid.get_ref()) {
                self.err(
                    "duplicate-definition",
                    mloc.clone(),
                    format!("mount \"{}\" is defined twice on base {id}", mid.get_ref()),
                );
                continue;
            }
            let Some(kind_s) = &raw.kind else {
                self.missing(
                    &mloc,
                    &format!("mount {}", mid.get_ref()),
                    "kind",
                    "one of strand, slots, socket, container, parametric",
                );
                lost_mount = true;
                continue;
            };
            let Some(kind) = self.parse_named(&mf, kind_s, MountKind::parse, "mount kind", MountKind::names) else {
                lost_mount = true;
                continue;
            };
            self.inapplicable(&mf, raw, kind, &mloc);
            let accept = self.accept(&mf, raw, c.families);
            let spec = match kind {
                MountKind::Strand => {
                    MountSpec::Strand(self.strand(&mf, raw, &mloc, accept, &sizes, &sizes_loc, sizes_missing, c))
                }
                MountKind::Slots => {
                    let Some(w) = &raw.link_width_mm else {
                        self.missing(
                            &mloc,
                            &format!("slots mount {}", mid.get_ref()),
                            "link_width_mm",
                            "the width of one link, e.g. link_width_mm = 9",
                        );
                        lost_mount = true;
                        continue;
                    };
                    if *w.get_ref() == Mm::ZERO {
                        let loc = self.at(&mf, w);
                        self.err("invalid-value", loc, "link_width_mm must be above zero");
                        lost_mount = true;
                        continue;
                    }
                    if !sizes_missing {
                        for s in &sizes {
                            if s.length.is_none() {
                                self.err(
                                    "missing-field",
                                    sizes_loc.clone(),
                                    format!("size \"{}\" has no length_mm, which a slots mount needs", s.id),
                                );
                            }
                        }
                    }
                    let Some(d) = &raw.default else {
                        self.missing(
                            &mloc,
                            &format!("slots mount {}", mid.get_ref()),
                            "default",
                            "the plain link every slot holds until the shopper changes it, e.g. default = \"CL-PLAIN\"",
                        );
                        lost_mount = true;
                        continue;
                    };
                    let Some(def) = self.lookup(&mf, Some(d), c.by_sku, "component") else {
                        // What the row takes is not reported as unused for want of its default.
                        for &fam in &accept.families {
                            self.extra.broken.add("family", &c.families[fam as usize]);
                        }
                        lost_mount = true;
                        continue;
                    };
                    MountSpec::Slots(SlotsSpec { accept, link_width: *w.get_ref(), default: def })
                }
                MountKind::Socket => MountSpec::Socket(SocketSpec { accept, required: raw.required.unwrap_or(true) }),
                MountKind::Container => {
                    if raw.max_count.is_none() && raw.max_volume_mm3.is_none() {
                        self.err("missing-field", mloc.clone(), "a container needs max_count or max_volume_mm3").hint =
                            Some("how many pieces it holds (max_count) or how much room (max_volume_mm3)".into());
                    }
                    MountSpec::Container(ContainerSpec {
                        accept,
                        max_count: raw.max_count.as_ref().map(|m| *m.get_ref()),
                        max_volume_mm3: raw.max_volume_mm3.map(|d| d.0),
                    })
                }
                MountKind::Parametric => match self.parametric(&mf, raw, &mloc, &sizes, sizes_missing, c) {
                    Some(p) => MountSpec::Parametric(p),
                    None => {
                        lost_mount = true;
                        continue;
                    }
                },
            };
            mounts.push(Mount {
                id: mid.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| mid.get_ref().clone()),
                spec,
                loc: mloc,
            });
        }
        let mut fields: Vec<Field> = Vec::new();
        for (ff, x) in raw_fields {
            let entry = self.at(&ff, x);
            let raw = x.get_ref();
            let Some(fid) = &raw.id else {
                self.missing(&entry, &format!("a field of {what}"), "id", "its identifier, e.g. id = \"engraving\"");
                lost_mount = true;
                continue;
            };
            let floc = self.at(&ff, fid);
            if fields.iter().any(|o| &o.id == fid.get_ref()) {
                self.err(
                    "duplicate-definition",
                    floc.clone(),
                    format!("field \"{}\" is defined twice on base {id}", fid.get_ref()),
                );
                continue;
            }
            let Some(kind_s) = &raw.kind else {
                self.missing(
                    &floc,
                    &format!("field {}", fid.get_ref()),
                    "kind",
                    "one of engraving, text, choice, colour",
                );
                lost_mount = true;
                continue;
            };
            let Some(kind) = self.parse_named(&ff, kind_s, FieldKind::parse, "field kind", FieldKind::names) else {
                lost_mount = true;
                continue;
            };
            self.field_inapplicable(&ff, raw, kind, &floc);
            let options = self.options(&ff, &raw.options, c.by_sku);
            let spec = match kind {
                FieldKind::Engraving => {
                    let Some(zone) = &raw.zone else {
                        self.missing(
                            &floc,
                            &format!("engraving field {}", fid.get_ref()),
                            "zone",
                            "the engraved area, e.g. zone = { width_mm = 16, height_mm = 8 }",
                        );
                        lost_mount = true;
                        continue;
                    };
                    if zone.get_ref().width_mm == Mm::ZERO || zone.get_ref().height_mm == Mm::ZERO {
                        let loc = self.at(&ff, zone);
                        self.err("invalid-value", loc, "an engraving zone must have a width and a height above zero");
                    }
                    let mut fl = Vec::new();
                    for fnt in &raw.fonts {
                        if let Some(i) = self.lookup(&ff, Some(fnt), c.font_ix, "font") {
                            fl.push(i);
                        }
                    }
                    if raw.fonts.is_empty() {
                        self.missing(
                            &floc,
                            &format!("engraving field {}", fid.get_ref()),
                            "fonts",
                            "fonts = [\"serif\"] naming a [[font]] of the catalog",
                        );
                    }
                    let (min_length, max_length) = self.lengths(&ff, raw, 20);
                    let machine = self.lookup(&ff, raw.machine.as_ref(), c.machine_ix, "machine");
                    if raw.machine.is_none() {
                        self.diags.push(
                            Diagnostic::warning(
                                "no-machine",
                                floc.clone(),
                                format!("engraving field {} names no machine: its jobs cannot be made", fid.get_ref()),
                            )
                            .hint("machine = \"…\" naming a [[machine]] with its power, speed and passes"),
                        );
                    }
                    FieldSpec::Engraving {
                        width: zone.get_ref().width_mm,
                        height: zone.get_ref().height_mm,
                        fonts: fl,
                        charset: self.charset(&ff, raw),
                        max_length,
                        min_length,
                        min_stroke: raw.min_stroke_mm,
                        machine,
                        price_per_character: raw.price_per_character.map(|p| p.0).unwrap_or(self.default_per_char),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                        lead_time_days: raw.lead_time_days.unwrap_or(0),
                    }
                }
                FieldKind::Text => {
                    let (min_length, max_length) = self.lengths(&ff, raw, 140);
                    FieldSpec::Text {
                        max_length,
                        min_length,
                        charset: self.charset(&ff, raw),
                        price: raw.price.map(|p| p.0).unwrap_or_default(),
                    }
                }
                FieldKind::Choice => {
                    if raw.options.is_empty() {
                        self.missing(
                            &floc,
                            &format!("choice field {}", fid.get_ref()),
                            "options",
                            "options = [{ id = \"pouch\", label = \"Velvet pouch\" }]",
                        );
                    }
                    let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                    FieldSpec::Choice { default: self.default_option(&ff, raw, &ids), options }
                }
                FieldKind::Colour => {
                    let mut cl = Vec::new();
                    for col in &raw.colours {
                        if let Some(i) = self.lookup(&ff, Some(col), c.mat_ix, "colour") {
                            self.extra.used_materials[i as usize] = true;
                            cl.push(i);
                        }
                    }
                    if raw.colours.is_empty() {
                        self.missing(
                            &floc,
                            &format!("colour field {}", fid.get_ref()),
                            "colours",
                            "colours = [\"ribbon-red\"] naming [[colour]] materials",
                        );
                    }
                    // The default is checked against the colours as listed: one that is listed but
                    // unknown has its error already.
                    let listed: Vec<String> = raw.colours.iter().map(|c| c.get_ref().clone()).collect();
                    let ids: Vec<String> = cl.iter().map(|&i| c.materials[i as usize].id.clone()).collect();
                    // A default naming a known colour while the list has an unknown one: the list's
                    // entry is the mistake, and has its error.
                    let list_broken = listed.len() != ids.len();
                    let default = match &raw.default {
                        Some(d)
                            if list_broken && !listed.contains(d.get_ref()) && c.mat_ix.contains_key(d.get_ref()) =>
                        {
                            None
                        }
                        _ => self
                            .default_option(&ff, raw, &listed)
                            .and_then(|i| ids.iter().position(|x| *x == listed[i])),
                    };
                    FieldSpec::Colour { default, colours: cl, price: raw.price.map(|p| p.0).unwrap_or_default() }
                }
            };
            fields.push(Field {
                id: fid.get_ref().clone(),
                label: raw.label.clone().unwrap_or_else(|| fid.get_ref().clone()),
                required: raw.required,
                spec,
                loc: floc,
            });
        }
        if lost_mount {
            self.extra.broken.add("mount", &id);
        }
        let piece = piece?;
        Some(Base {
            id,
            name: b.name.clone().unwrap_or_default(),
            piece,
            gtin: b.gtin.as_ref().map(|g| g.get_ref().clone()),
            price: b.price.map(|p| p.0).unwrap_or_default(),
            metal,
            weight: b.weight_g,
            lead_time_days: b.lead_time_days,
            art,
            sizes,
            default_size,
            stock: b.stock,
            mounts,
            fields,
            loc: bloc,
        })
    }

    /// A choice or colour field's default: one of its options.
    fn default_option(&mut self, f: &Unit, raw: &RawField, ids: &[String]) -> Option<usize> {
        let d = raw.default.as_ref()?;
        let p = ids.iter().position(|o| o == d.get_ref());
        if p.is_none() && !ids.is_empty() {
            let loc = self.at(f, d);
            let hint = match suggest(d.get_ref(), ids.iter().map(|s| s.as_str())) {
                Some(h) => format!("did you mean \"{h}\"?"),
                None => format!("its options are {}", ids.join(", ")),
            };
            self.err(
                "unknown-reference",
                loc,
                format!("default \"{}\" is not one of the field's options", d.get_ref()),
            )
            .hint = Some(hint);
        }
        p
    }

    #[allow(clippy::too_many_arguments)]
    fn strand(
        &mut self,
        f: &Unit,
        raw: &RawMount,
        mloc: &Loc,
        accept: Accept,
        sizes: &[Size],
        sizes_loc: &Loc,
        sizes_missing: bool,
        c: &BaseCtx,
    ) -> StrandSpec {
        let core_material = self.lookup(f, raw.core.as_ref(), c.mat_ix, "cord");
        if let Some(m) = core_material {
            self.extra.used_materials[m as usize] = true;
        }
        let core = core_material.and_then(|i| c.materials[i as usize].diameter);
        if let (Some(i), None) = (core_material, core) {
            let loc = raw.core.as_ref().map(|s| self.at(f, s)).unwrap_or_else(|| mloc.clone());
            self.err(
                "missing-field",
                loc,
                format!("core material {} has no diameter_mm", c.materials[i as usize].id),
            )
            .hint = Some("threaded beads are checked against the core's diameter".into());
        }
        let min = self.kind_counts(f, &raw.min);
        let max = self.kind_counts(f, &raw.max);
        let first = raw.first.as_ref().and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
        let last = raw.last.as_ref().and_then(|k| self.parse_named(f, k, Kind::parse, "component kind", Kind::names));
        let max_fill = raw.max_fill.as_ref().map(|d| d.get_ref().0).unwrap_or(Decimal::ONE);
        if let Some(mf) = &raw.max_fill {
            if max_fill <= Decimal::ZERO || max_fill > Decimal::ONE {
                let loc = self.at(f, mf);
                self.err("invalid-value", loc, format!("max_fill {max_fill} must be above 0 and at most 1")).hint =
                    Some("the share of each section's length pieces may fill, e.g. max_fill = 0.9".into());
            }
        }
        if !sizes_missing {
            for s in sizes {
                if s.length.is_none() {
                    self.err(
                        "missing-field",
                        sizes_loc.clone(),
                        format!("size \"{}\" has no length_mm, which a strand needs", s.id),
                    );
                }
            }
        }
        let mut station_connectors = Vec::new();
        if let Some(st) = &raw.stations {
            for con in &st.get_ref().connectors {
                match self.parse_named(f, con, Connector::parse, "connector", Connector::names) {
                    Some(con) => station_connectors.push(con),
                    // What the stations would have taken is not reported as unused.
                    None if accept.families.is_empty() => {
                        self.extra.broken.unknown.insert("family");
                    }
                    None => {
                        for &fam in &accept.families {
                            self.extra.broken.add("family", &c.families[fam as usize]);
                        }
                    }
                }
            }
        }
        StrandSpec {
            accept,
            core,
            core_material,
            reserve: raw.reserve_mm.unwrap_or(Mm::ZERO),
            max_fill: if max_fill > Decimal::ZERO && max_fill <= Decimal::ONE { max_fill } else { Decimal::ONE },
            max_count: raw.max_count.as_ref().map(|m| *m.get_ref()),
            max_per_section: raw.max_per_section,
            stations: raw.stations.as_ref().map(|s| s.get_ref().count).unwrap_or(0),
            station_connectors,
            min,
            max,
            first,
            last,
        }
    }

    /// A text field's character set: a named `charset`, or exactly the characters of `chars`.
    fn charset(&mut self, f: &Unit, raw: &RawField) -> Charset {
        match (&raw.charset, &raw.chars) {
            (Some(_), Some(c)) => {
                let loc = self.at(f, c);
                self.err(
                    "inapplicable-field",
                    loc,
                    "give `charset` (a named set) or `chars` (exact characters), not both",
                );
                Charset::Latin
            }
            (None, Some(c)) => {
                if c.get_ref().is_empty() {
                    let loc = self.at(f, c);
                    self.err("invalid-value", loc, "`chars` lists no character");
                }
                let mut set: Vec<char> = c.get_ref().chars().collect();
                set.sort();
                set.dedup();
                Charset::Custom(set.into_iter().collect())
            }
            (Some(n), None) => match Charset::named(n.get_ref()) {
                Some(c) => c,
                None => {
                    let loc = self.at(f, n);
                    let hint = match suggest(n.get_ref(), Charset::NAMES.iter().copied()) {
                        Some(h) => format!("did you mean \"{h}\"? To list the exact characters, write chars = \"…\""),
                        None => format!(
                            "the named sets are {}; to list the exact characters, write chars = \"…\"",
                            Charset::NAMES.join(", ")
                        ),
                    };
                    self.err("unknown-value", loc, format!("there is no character set \"{}\"", n.get_ref())).hint =
                        Some(hint);
                    Charset::Latin
                }
            },
            (None, None) => Charset::Latin,
        }
    }

    /// A text field's (min_length, max_length), checked.
    fn lengths(&mut self, f: &Unit, raw: &RawField, default_max: u32) -> (u32, u32) {
        let max = raw.max_length.as_ref().map(|m| *m.get_ref()).unwrap_or(default_max);
        let min = raw.min_length.as_ref().map(|m| *m.get_ref()).unwrap_or(0);
        if let Some(m) = &raw.max_length {
            if max == 0 {
                let loc = self.at(f, m);
                self.err("invalid-value", loc, "max_length must be at least 1");
            }
        }
        if let Some(m) = &raw.min_length {
            if min > max {
                let loc = self.at(f, m);
                self.err("invalid-value", loc, format!("min_length {min} is above max_length {max}"));
            }
        }
        (min, max.max(min))
    }

    fn range(&mut self, f: &Unit, r: &Option<S<RawRange>>, what: &str) -> Option<Range> {
        let rs = r.as_ref()?;
        let loc = self.at(f, rs);
        let r = rs.get_ref();
        let (min, max, step) = (r.min.0, r.max.0, r.step.0);
        let unit = match what {
            "carat" => " ct",
            _ => " mm",
        };
        if step <= Decimal::ZERO {
            self.err("invalid-value", loc, format!("{what}: the step must be above zero (it is {step})"));
            return None;
        }
        if min > max {
            self.err("invalid-value", loc, format!("{what}: min {min}{unit} is above max {max}{unit}"));
            return None;
        }
        if !((max - min) / step).fract().is_zero() {
            self.err(
                "invalid-value",
                loc,
                format!("{what}: max {max}{unit} is not min {min}{unit} plus a multiple of {step}{unit}"),
            )
            .hint = Some(format!(
                "with steps of {step}{unit} from {min}{unit}, the range can end at {}{unit}",
                min + ((max - min) / step).floor() * step
            ));
            return None;
        }
        let default = r.default.as_ref().map(|d| d.get_ref().0).unwrap_or(min);
        let range = Range { min, max, step, default };
        let loc = r.default.as_ref().map(|d| self.at(f, d)).unwrap_or(loc);
        if !range.contains(default) {
            let why = if default < min || default > max {
                format!("is outside {min}–{max}{unit}")
            } else {
                format!("is not a multiple of {step}{unit} from {min}{unit}")
            };
            let below = (min + ((default - min) / step).floor() * step).clamp(min, max);
            let above = (below + step).min(max);
            self.err("invalid-value", loc, format!("{what}: the default {default}{unit} {why}")).hint = Some(format!(
                "the range's values are {min}{unit}, {}{unit}, … {max}{unit}: e.g. {}{unit} or {}{unit}",
                min + step,
                below.normalize(),
                above.normalize()
            ));
        }
        Some(range)
    }

    fn parametric(
        &mut self,
        f: &Unit,
        raw: &RawMount,
        loc: &Loc,
        sizes: &[Size],
        sizes_missing: bool,
        c: &BaseCtx,
    ) -> Option<ParametricSpec> {
        let model = match &raw.model {
            Some(m) => self.parse_named(f, m, Model::parse, "model", Model::names)?,
            None => Model::Fixed,
        };
        let mut metals = Vec::new();
        for m in &raw.metals {
            if let Some(i) = self.lookup(f, Some(m), c.metal_ix, "metal") {
                self.extra.used_metals[i as usize] = true;
                metals.push(i);
            }
        }
        let mut profiles = Vec::new();
        for p in &raw.profiles {
            if let Some(p) = self.parse_named(f, p, Profile::parse, "profile", Profile::names) {
                profiles.push(p);
            }
        }
        let mut stones = Vec::new();
        for s in &raw.stones {
            if let Some(i) = self.lookup(f, Some(s), c.stone_ix, "stone") {
                stones.push(i);
            }
        }
        let width = self.range(f, &raw.width_mm, "width_mm");
        let thickness = self.range(f, &raw.thickness_mm, "thickness_mm");
        let carat = self.range(f, &raw.carat, "carat");
        if model == Model::Band {
            for (name, present) in [
                ("profiles", !raw.profiles.is_empty()),
                ("width_mm", raw.width_mm.is_some()),
                ("thickness_mm", raw.thickness_mm.is_some()),
            ] {
                if !present {
                    self.missing(
                        loc,
                        "a band model",
                        name,
                        "a band is swept from its profile, width and thickness (docs/catalog.md)",
                    );
                }
            }
            if !sizes_missing {
                for s in sizes {
                    if s.circumference.is_none() {
                        self.err(
                            "missing-field",
                            loc.clone(),
                            format!("size \"{}\" has no circumference_mm, which a band needs", s.id),
                        );
                    }
                }
            }
        }
        let top = raw.top.as_ref().and_then(|t| {
            let at = self.at(f, t);
            let shape_s = &t.get_ref().shape;
            let shape = self.parse_named(f, shape_s, TopShape::parse, "top shape", TopShape::names)?;
            if model != Model::Band {
                self.err("inapplicable-field", at, "a signet top sits on a band: it needs model = \"band\"");
                return None;
            }
            if raw.metal_volume_mm3.is_some() {
                self.err("invalid-value", at, "the top's metal is weighed from its geometry: drop metal_volume_mm3");
                return None;
            }
            let (w, l, th) = (t.get_ref().width_mm, t.get_ref().length_mm, t.get_ref().thickness_mm);
            if [w, l, th].iter().any(|m| m.as_f64() <= 0.0)
                || w.as_f64() > 40.0
                || l.as_f64() > 40.0
                || th.as_f64() > 10.0
            {
                self.err("invalid-value", at, "a top's width and length must be 0–40 mm and its thickness 0–10 mm");
                return None;
            }
            Some(Top { shape, width: w, length: l, thickness: th })
        });
        if model == Model::Fixed && raw.metal_volume_mm3.is_none() && !metals.is_empty() {
            self.missing(
                loc,
                "a fixed model priced by metal",
                "metal_volume_mm3",
                "the piece's metal volume, e.g. metal_volume_mm3 = 260",
            );
        }
        if !raw.stones.is_empty() && raw.carat.is_none() {
            self.missing(
                loc,
                "a mount with stones",
                "carat",
                "carat = { min = 0.3, max = 2, step = 0.1, default = 0.5 }",
            );
        }
        if raw.metals.is_empty() {
            self.missing(loc, "a parametric mount", "metals", "metals = [\"18k-yellow\"] naming [[metal]] materials");
        }
        Some(ParametricSpec {
            model,
            metals,
            profiles,
            width,
            thickness,
            stones,
            cuts: self.options(f, &raw.cuts, c.by_sku),
            carat,
            settings: self.options(f, &raw.settings, c.by_sku),
            metal_volume_mm3: raw.metal_volume_mm3.map(|d| d.0),
            top,
        })
    }

    fn options(&mut self, f: &Unit, raw: &[RawPricedOption], by_sku: &HashMap<String, CompId>) -> Vec<PricedOption> {
        let mut out: Vec<PricedOption> = Vec::new();
        for o in raw {
            if out.iter().any(|x| &x.id == o.id.get_ref()) {
                let loc = self.at(f, &o.id);
                self.err("duplicate-definition", loc, format!("option \"{}\" is listed twice", o.id.get_ref()));
                continue;
            }
            let sku = self.lookup(f, o.sku.as_ref(), by_sku, "component");
            if let Some(s) = sku {
                self.extra.option_skus.push(s);
            }
            out.push(PricedOption {
                id: o.id.get_ref().clone(),
                label: o.label.clone().unwrap_or_else(|| o.id.get_ref().clone()),
                price: o.price.0,
                metal_volume_mm3: o.metal_volume_mm3.map(|d| d.0),
                max_carat: o.max_carat.map(|d| d.0),
                sku,
            });
        }
        out
    }

    /// Reports fields set on a mount whose kind does not use them.
    fn inapplicable(&mut self, _f: &Unit, raw: &RawMount, kind: MountKind, loc: &Loc) {
        let mut set: Vec<(&str, bool, &[MountKind])> = Vec::new();
        use MountKind::*;
        let placed: &[MountKind] = &[Strand, Slots, Socket, Container];
        set.push(("families", !raw.families.is_empty(), placed));
        set.push(("connectors", !raw.connectors.is_empty(), placed));
        set.push(("kinds", !raw.kinds.is_empty(), placed));
        set.push(("core", raw.core.is_some(), &[Strand]));
        set.push(("reserve_mm", raw.reserve_mm.is_some(), &[Strand]));
        set.push(("max_fill", raw.max_fill.is_some(), &[Strand]));
        set.push(("max_count", raw.max_count.is_some(), &[Strand, Container]));
        set.push(("max_per_section", raw.max_per_section.is_some(), &[Strand]));
        set.push(("stations", raw.stations.is_some(), &[Strand]));
        set.push(("min", !raw.min.is_empty(), &[Strand]));
        set.push(("max", !raw.max.is_empty(), &[Strand]));
        set.push(("first", raw.first.is_some(), &[Strand]));
        set.push(("last", raw.last.is_some(), &[Strand]));
        set.push(("link_width_mm", raw.link_width_mm.is_some(), &[Slots]));
        set.push(("default", raw.default.is_some(), &[Slots]));
        set.push(("required", raw.required.is_some(), &[Socket]));
        set.push(("max_volume_mm3", raw.max_volume_mm3.is_some(), &[Container]));
        set.push(("model", raw.model.is_some(), &[Parametric]));
        set.push(("metals", !raw.metals.is_empty(), &[Parametric]));
        set.push(("profiles", !raw.profiles.is_empty(), &[Parametric]));
        set.push(("width_mm", raw.width_mm.is_some(), &[Parametric]));
        set.push(("thickness_mm", raw.thickness_mm.is_some(), &[Parametric]));
        set.push(("stones", !raw.stones.is_empty(), &[Parametric]));
        set.push(("cuts", !raw.cuts.is_empty(), &[Parametric]));
        set.push(("carat", raw.carat.is_some(), &[Parametric]));
        set.push(("settings", !raw.settings.is_empty(), &[Parametric]));
        set.push(("metal_volume_mm3", raw.metal_volume_mm3.is_some(), &[Parametric]));
        set.push(("top", raw.top.is_some(), &[Parametric]));
        for (name, present, kinds) in set {
            if present && !kinds.contains(&kind) {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} mount"))
                    .hint = Some(format!(
                    "`{name}` is for {} mounts",
                    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }

    /// Reports fields set on a personalization field whose kind does not use them.
    fn field_inapplicable(&mut self, _f: &Unit, raw: &RawField, kind: FieldKind, loc: &Loc) {
        use FieldKind::*;
        let text: &[FieldKind] = &[Engraving, Text];
        let set: [(&str, bool, &[FieldKind]); 13] = [
            ("zone", raw.zone.is_some(), &[Engraving]),
            ("fonts", !raw.fonts.is_empty(), &[Engraving]),
            ("charset", raw.charset.is_some(), text),
            ("chars", raw.chars.is_some(), text),
            ("max_length", raw.max_length.is_some(), text),
            ("min_length", raw.min_length.is_some(), text),
            ("min_stroke_mm", raw.min_stroke_mm.is_some(), &[Engraving]),
            ("machine", raw.machine.is_some(), &[Engraving]),
            ("price_per_character", raw.price_per_character.is_some(), &[Engraving]),
            ("lead_time_days", raw.lead_time_days.is_some(), &[Engraving]),
            ("options", !raw.options.is_empty(), &[Choice]),
            ("colours", !raw.colours.is_empty(), &[Colour]),
            ("default", raw.default.is_some(), &[Choice, Colour]),
        ];
        for (name, present, kinds) in set {
            if present && !kinds.contains(&kind) {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} field"))
                    .hint = Some(format!(
                    "`{name}` is for {} fields",
                    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }

    fn accept(&mut self, f: &Unit, raw: &RawMount, families: &[String]) -> Accept {
        let mut a = Accept::default();
        for fam in &raw.families {
            match families.iter().position(|x| x == fam.get_ref()) {
                Some(i) => a.families.push(i as FamilyId),
                None if self.extra.broken.may_define("family", fam.get_ref()) => {}
                None => {
                    let loc = self.at(f, fam);
                    let hint = suggest(fam.get_ref(), families.iter().map(|s| s.as_str()));
                    self.err(
                        "unknown-reference",
                        loc,
                        format!("no component belongs to family \"{}\"", fam.get_ref()),
                    )
                    .hint = Some(match hint {
                        Some(h) => format!("did you mean \"{h}\"?"),
                        None => "families are named by the components' `family` field".into(),
                    });
                }
            }
        }
        for c in &raw.connectors {
            if let Some(c) = self.parse_named(f, c, Connector::parse, "connector", Connector::names) {
                a.connectors.push(c);
            }
        }
        for k in &raw.kinds {
            if let Some(k) = self.parse_named(f, k, Kind::parse, "component kind", Kind::names) {
                a.kinds.push(k);
            }
        }
        a
    }

    fn kind_counts(&mut self, f: &Unit, m: &BTreeMap<S<String>, u32>) -> Vec<(Kind, u32)> {
        let mut out = Vec::new();
        for (k, &n) in m {
            if let Some(kind) = self.parse_named(f, k, Kind::parse, "component kind", Kind::names) {
                out.push((kind, n));
            }
        }
        out
    }
}
