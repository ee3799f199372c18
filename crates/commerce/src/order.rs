//! An order's life: from the quote it was placed on to the customer's hands.
//!
//! ```text
//! awaiting_payment ──▶ placed ──▶ in_production ──▶ packed ──▶ shipped ──▶ delivered
//!        │               │  ╲           │  ▲
//!        │               │   ╲          ▼  │
//!        │               │    ──▶   on_hold
//!        └───────────────┴──────────────┴──────┴──▶ cancelled
//! ```
//!
//! `on_hold` stops the bench (a stone on back-order, a question to the customer); it goes back to
//! production or is cancelled. It is the lifecycle's one loop.
//!
//! Order staff (admin, workshop) make the moves; only an admin marks an order paid
//! (`awaiting_payment` → `placed`); the order's maker may only cancel it, and only until
//! production starts.

use crate::role::{policy, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Placed in the storefront by a shopper; Orfèvre takes no payment, so it waits for staff to
    /// mark it paid (the demo shop's stand-in for a payment provider).
    AwaitingPayment,
    /// Paid: a shop's checkout charged it, or an admin marked it paid.
    Placed,
    InProduction,
    /// Made, checked and packed: waiting for the carrier.
    Packed,
    /// Production stopped until a question is settled.
    OnHold,
    Shipped,
    Delivered,
    Cancelled,
}

crate::words!(OrderStatus, "an order status", {
    AwaitingPayment => "awaiting_payment",
    Placed => "placed",
    InProduction => "in_production",
    Packed => "packed",
    OnHold => "on_hold",
    Shipped => "shipped",
    Delivered => "delivered",
    Cancelled => "cancelled",
});

/// Who asks for a move: their role, and whether they made the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub maker: bool,
}

/// Why a move is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The caller may not make this move (whatever the order's status).
    #[error("{0}")]
    Forbidden(&'static str),
    /// No order in `from` becomes `to`.
    #[error("an order that is {from} cannot become {to}")]
    NotNext { from: OrderStatus, to: OrderStatus },
}

impl OrderStatus {
    /// The status a new order starts in: a shop's integration token places orders its own
    /// checkout has charged (`placed`); a shopper's storefront order waits for payment.
    pub fn initial(maker: Role) -> OrderStatus {
        match maker {
            Role::Shopper => OrderStatus::AwaitingPayment,
            _ => OrderStatus::Placed,
        }
    }

    /// The statuses an order may move to from this one, whoever asks.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            AwaitingPayment => &[Placed, Cancelled],
            Placed => &[InProduction, OnHold, Cancelled],
            InProduction => &[Packed, OnHold, Cancelled],
            OnHold => &[InProduction, Cancelled],
            Packed => &[Shipped],
            Shipped => &[Delivered],
            Delivered | Cancelled => &[],
        }
    }

    /// Whether production has started: the workshop makes an order's pieces from then on.
    pub fn in_production_or_after(self) -> bool {
        matches!(self, OrderStatus::InProduction | OrderStatus::Packed | OrderStatus::Shipped | OrderStatus::Delivered)
    }

    /// Whether `actor` may move an order from this status to `to`. Who may ask is checked
    /// before whether the move exists, so a maker learns only what is theirs to do.
    pub fn transition(self, to: OrderStatus, actor: Actor) -> Result<(), TransitionError> {
        let staff = policy::ORDER_STAFF.contains(&actor.role);
        let maker_cancels = actor.maker
            && to == OrderStatus::Cancelled
            && matches!(self, OrderStatus::AwaitingPayment | OrderStatus::Placed);
        if !(staff || maker_cancels) {
            return Err(TransitionError::Forbidden(
                "only the workshop moves an order on; its maker may cancel it until production starts",
            ));
        }
        if self == OrderStatus::AwaitingPayment && to == OrderStatus::Placed && actor.role != Role::Admin {
            return Err(TransitionError::Forbidden("only an admin marks an order paid"));
        }
        if !self.next().contains(&to) {
            return Err(TransitionError::NotNext { from: self, to });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use OrderStatus::*;

    fn admin() -> Actor {
        Actor { role: Role::Admin, maker: false }
    }

    #[test]
    fn an_order_goes_from_payment_to_delivery_and_no_further() {
        let mut s = OrderStatus::initial(Role::Shopper);
        assert_eq!(s, AwaitingPayment);
        for to in [Placed, InProduction, Packed, Shipped, Delivered] {
            s.transition(to, admin()).unwrap();
            s = to;
        }
        assert!(s.next().is_empty());
        assert_eq!(
            Delivered.transition(Cancelled, admin()),
            Err(TransitionError::NotNext { from: Delivered, to: Cancelled })
        );
    }

    #[test]
    fn a_shops_order_starts_paid_and_a_shoppers_waits_for_payment() {
        assert_eq!(OrderStatus::initial(Role::Integration), Placed);
        assert_eq!(OrderStatus::initial(Role::Admin), Placed);
        assert_eq!(OrderStatus::initial(Role::Shopper), AwaitingPayment);
    }

    #[test]
    fn only_an_admin_marks_an_order_paid() {
        let workshop = Actor { role: Role::Workshop, maker: false };
        assert_eq!(
            AwaitingPayment.transition(Placed, workshop),
            Err(TransitionError::Forbidden("only an admin marks an order paid"))
        );
        assert_eq!(AwaitingPayment.transition(Placed, admin()), Ok(()));
        assert_eq!(Placed.transition(InProduction, workshop), Ok(()));
    }

    #[test]
    fn a_maker_cancels_until_production_starts_and_does_nothing_else() {
        let maker = Actor { role: Role::Shopper, maker: true };
        assert_eq!(AwaitingPayment.transition(Cancelled, maker), Ok(()));
        assert_eq!(Placed.transition(Cancelled, maker), Ok(()));
        assert!(matches!(InProduction.transition(Cancelled, maker), Err(TransitionError::Forbidden(_))));
        assert!(matches!(AwaitingPayment.transition(Placed, maker), Err(TransitionError::Forbidden(_))));
        let stranger = Actor { role: Role::Shopper, maker: false };
        assert!(matches!(Placed.transition(Cancelled, stranger), Err(TransitionError::Forbidden(_))));
    }

    #[test]
    fn pieces_are_made_from_production_on() {
        let made: Vec<OrderStatus> = OrderStatus::ALL.iter().copied().filter(|s| s.in_production_or_after()).collect();
        assert_eq!(made, [InProduction, Packed, Shipped, Delivered]);
    }

    #[test]
    fn every_status_is_reachable_from_a_new_order_by_admin_moves() {
        let mut seen = vec![OrderStatus::AwaitingPayment];
        let mut i = 0;
        while i < seen.len() {
            for &to in seen[i].next() {
                assert_eq!(seen[i].transition(to, admin()), Ok(()), "{} → {to}", seen[i]);
                if !seen.contains(&to) {
                    seen.push(to);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), OrderStatus::ALL.len(), "reached {seen:?}");
    }

    #[test]
    fn the_only_walk_that_comes_back_goes_through_on_hold_and_every_walk_ends() {
        // Depth-first over every move that does not resume from a hold: a cycle would make a
        // path longer than there are statuses.
        fn longest(from: OrderStatus, depth: usize) -> usize {
            assert!(depth <= OrderStatus::ALL.len(), "a cycle through {from}");
            let next = from.next().iter().filter(|&&to| !(from == OnHold && to == InProduction));
            next.map(|&to| longest(to, depth + 1)).max().unwrap_or(depth)
        }
        for &s in OrderStatus::ALL {
            assert!(longest(s, 0) <= 5, "{s}");
        }
        assert_eq!(longest(OrderStatus::AwaitingPayment, 0), 5, "paid, made, packed, shipped, delivered");
        // A hold ends in production again, or in a cancellation.
        assert_eq!(OnHold.next(), [InProduction, Cancelled]);
        // Nothing leaves the two ends.
        assert!(Delivered.next().is_empty() && Cancelled.next().is_empty());
    }

    fn status() -> impl Strategy<Value = OrderStatus> {
        prop::sample::select(OrderStatus::ALL)
    }
    fn actor() -> impl Strategy<Value = Actor> {
        (prop::sample::select(Role::ALL), any::<bool>()).prop_map(|(role, maker)| Actor { role, maker })
    }

    proptest! {
        #[test]
        fn an_allowed_move_is_always_one_of_next_and_never_leaves_an_end(from in status(), to in status(), who in actor()) {
            if from.transition(to, who).is_ok() {
                prop_assert!(from.next().contains(&to));
                prop_assert!(!matches!(from, Delivered | Cancelled));
                prop_assert!(policy::ORDER_STAFF.contains(&who.role) || (who.maker && to == Cancelled));
            }
        }
    }
}
