//! Every bounded context, wired in this order with one call each. Adding a
//! context adds one line to the list below (and its own file here).

use crate::wiring::WireFn;

macro_rules! contexts {
    ($($context:ident),* $(,)?) => {
        $(pub mod $context;)*

        /// The contexts' wiring functions, in wiring order.
        pub const ALL: &[WireFn] = &[$($context::wire),*];
    };
}

contexts![
    identity, mail, webhooks, catalog, ordering, profiles, workspace,
];
