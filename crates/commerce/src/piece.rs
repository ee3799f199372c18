//! A made piece's story, its memory vault and how it changes hands.

/// What happened to a piece: the events of its story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PieceEventKind {
    Made,
    Engraved,
    ModuleAdded,
    ModuleSwapped,
    ModuleRemoved,
    Repaired,
    Resized,
    Transferred,
    CertificateRevoked,
    TagAdded,
    TagRevoked,
}

crate::words!(PieceEventKind, "a piece event", {
    Made => "made",
    Engraved => "engraved",
    ModuleAdded => "module_added",
    ModuleSwapped => "module_swapped",
    ModuleRemoved => "module_removed",
    Repaired => "repaired",
    Resized => "resized",
    Transferred => "transferred",
    CertificateRevoked => "certificate_revoked",
    TagAdded => "tag_added",
    TagRevoked => "tag_revoked",
});

impl PieceEventKind {
    /// Whether anyone reading the piece's page sees this event; tag events stay with the owner
    /// and staff (a tag's UID says which tag to clone).
    pub fn is_public(self) -> bool {
        !matches!(self, PieceEventKind::TagAdded | PieceEventKind::TagRevoked)
    }

    /// The events staff record by hand (modules go through an alteration, which checks them).
    pub const NOTED: &'static [PieceEventKind] =
        &[PieceEventKind::Engraved, PieceEventKind::Repaired, PieceEventKind::Resized];
}

/// What a vault holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VaultKind {
    Photo,
    Video,
    Voice,
}

crate::words!(VaultKind, "a vault item kind", {
    Photo => "photo",
    Video => "video",
    Voice => "voice",
});

impl VaultKind {
    /// The largest file of this kind.
    pub fn max_bytes(self) -> u64 {
        match self {
            VaultKind::Photo => 20 << 20,
            VaultKind::Video => 200 << 20,
            VaultKind::Voice => 20 << 20,
        }
    }
    /// How many items of this kind one vault holds.
    pub fn max_items(self) -> i64 {
        match self {
            VaultKind::Photo => 50,
            VaultKind::Video => 1,
            VaultKind::Voice => 20,
        }
    }
}

/// What happens to the vault when a piece changes hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GiftVault {
    /// The new owner gets the vault as it is.
    HandOver,
    /// The vault is emptied at the transfer.
    Wipe,
}

crate::words!(GiftVault, "a vault hand-over", {
    HandOver => "hand_over",
    Wipe => "wipe",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_events_are_private_and_the_rest_public() {
        let private: Vec<PieceEventKind> = PieceEventKind::ALL.iter().copied().filter(|k| !k.is_public()).collect();
        assert_eq!(private, [PieceEventKind::TagAdded, PieceEventKind::TagRevoked]);
    }

    #[test]
    fn staff_note_only_the_events_no_check_governs() {
        for k in PieceEventKind::NOTED {
            assert!(k.is_public());
            assert!(!k.as_str().starts_with("module_"));
        }
    }
}
