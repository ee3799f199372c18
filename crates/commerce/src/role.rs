//! Who is asking, and the named lists of roles each kind of act needs.

/// What a principal may do. Shoppers have accounts of their own; staff roles are given by an
/// admin; `integration` is the role of API tokens used by a brand's shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "lowercase"))]
pub enum Role {
    Shopper,
    Admin,
    Merchandiser,
    Workshop,
    Designer,
    Integration,
}

crate::words!(Role, "a role", {
    Shopper => "shopper",
    Admin => "admin",
    Merchandiser => "merchandiser",
    Workshop => "workshop",
    Designer => "designer",
    Integration => "integration",
});

impl Role {
    /// Roles an admin gives to people of the brand.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Merchandiser | Role::Workshop | Role::Designer)
    }
}

/// The lists of roles each kind of act needs, named once: a handler says which policy it
/// applies, never which roles.
pub mod policy {
    use super::Role;

    /// Store, publish and re-price catalog versions.
    pub const CATALOG_STAFF: &[Role] = &[Role::Admin, Role::Merchandiser];
    /// Place orders: shoppers in the storefront, shops by token, admins.
    pub const ORDER_MAKERS: &[Role] = &[Role::Shopper, Role::Integration, Role::Admin];
    /// Handle every order (see all, move them on).
    pub const ORDER_STAFF: &[Role] = &[Role::Admin, Role::Workshop];
    /// Anyone who may see an order at all: its makers and the order staff.
    pub const ORDER_PARTIES: &[Role] = &[Role::Shopper, Role::Integration, Role::Admin, Role::Workshop];
    /// Make, tag, alter and annotate pieces; see their records (never a vault's content).
    pub const PIECE_STAFF: &[Role] = &[Role::Admin, Role::Workshop];
    /// Accounts, tokens, webhooks, revocations.
    pub const ADMIN: &[Role] = &[Role::Admin];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_roles_are_the_four_an_admin_gives() {
        let staff: Vec<Role> = Role::ALL.iter().copied().filter(|r| r.is_staff()).collect();
        assert_eq!(staff, [Role::Admin, Role::Merchandiser, Role::Workshop, Role::Designer]);
    }

    #[test]
    fn order_parties_are_the_makers_and_the_order_staff() {
        for r in Role::ALL {
            let party = policy::ORDER_PARTIES.contains(r);
            assert_eq!(party, policy::ORDER_MAKERS.contains(r) || policy::ORDER_STAFF.contains(r), "{r}");
        }
        assert!(!policy::ORDER_PARTIES.contains(&Role::Designer));
        assert!(!policy::ORDER_PARTIES.contains(&Role::Merchandiser));
    }
}
