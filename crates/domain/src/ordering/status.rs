//! The order status machine.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::OrderError;
use crate::error::FieldError;

/// Where an order is: `pending → confirmed → preparing → ready →
/// completed`, or `pending | confirmed → cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, not yet accepted; the owner may still cancel.
    Pending,
    /// Accepted by staff.
    Confirmed,
    /// Being prepared.
    Preparing,
    /// Ready for pick-up or delivery.
    Ready,
    /// Handed over (terminal).
    Completed,
    /// Cancelled; its stock went back (terminal).
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// The wire and storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a status name.
    ///
    /// # Errors
    /// A [`FieldError`] on `status` for anything but the six names.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "status",
                    "must be one of pending, confirmed, preparing, ready, completed, cancelled",
                )
            })
    }

    /// Whether the machine allows moving from `self` to `next`. Exactly:
    /// pending → confirmed, confirmed → preparing, preparing → ready,
    /// ready → completed, pending → cancelled, confirmed → cancelled.
    /// Staying in the same status is not a transition.
    pub fn can_transition_to(&self, next: OrderStatus) -> bool {
        use OrderStatus::{Cancelled, Completed, Confirmed, Pending, Preparing, Ready};
        matches!(
            (*self, next),
            (Pending, Confirmed)
                | (Confirmed, Preparing)
                | (Preparing, Ready)
                | (Ready, Completed)
                | (Pending, Cancelled)
                | (Confirmed, Cancelled)
        )
    }

    /// `next` when the move is allowed.
    ///
    /// # Errors
    /// [`OrderError::InvalidTransition`] otherwise.
    pub fn transition(&self, next: OrderStatus) -> Result<OrderStatus, OrderError> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(OrderError::InvalidTransition {
                from: *self,
                to: next,
            })
        }
    }

    /// Whether no transition leaves this status (completed, cancelled).
    pub fn is_terminal(&self) -> bool {
        matches!(self, OrderStatus::Completed | OrderStatus::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    /// The contract's six allowed moves, written out independently of the code.
    const ALLOWED: [(OrderStatus, OrderStatus); 6] = [
        (Pending, Confirmed),
        (Confirmed, Preparing),
        (Preparing, Ready),
        (Ready, Completed),
        (Pending, Cancelled),
        (Confirmed, Cancelled),
    ];

    #[test]
    fn all_36_pairs_follow_the_table_of_six_allowed_transitions() {
        let mut checked = 0;
        let mut allowed = 0;
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let expected = ALLOWED.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), expected, "{from} -> {to}");
                match from.transition(to) {
                    Ok(next) => {
                        assert!(expected, "{from} -> {to} should be refused");
                        assert_eq!(next, to);
                        allowed += 1;
                    }
                    Err(e) => {
                        assert!(!expected, "{from} -> {to} should be allowed");
                        assert_eq!(e, OrderError::InvalidTransition { from, to });
                    }
                }
                checked += 1;
            }
        }
        assert_eq!((checked, allowed), (36, 6));
    }

    #[test]
    fn no_status_transitions_to_itself() {
        for s in OrderStatus::ALL {
            assert!(!s.can_transition_to(s), "{s}");
        }
    }

    #[test]
    fn terminal_statuses_are_completed_and_cancelled_and_have_no_way_out() {
        for s in OrderStatus::ALL {
            let expected = matches!(s, Completed | Cancelled);
            assert_eq!(s.is_terminal(), expected, "{s}");
            let has_exit = OrderStatus::ALL.iter().any(|&n| s.can_transition_to(n));
            assert_eq!(has_exit, !expected, "{s}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        let names = [
            "pending",
            "confirmed",
            "preparing",
            "ready",
            "completed",
            "cancelled",
        ];
        for (status, name) in OrderStatus::ALL.into_iter().zip(names) {
            assert_eq!(status.as_str(), name);
            assert_eq!(OrderStatus::parse(name).unwrap(), status);
            assert_eq!(status.to_string(), name);
        }
        for bad in ["", "Pending", "PENDING", "canceled", "shipped", " ready"] {
            assert_eq!(
                OrderStatus::parse(bad).unwrap_err().field,
                "status",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_invalid_transition_names_both_statuses() {
        let err = Completed.transition(Pending).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an order cannot go from completed to pending"
        );
    }
}
