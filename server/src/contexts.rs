//! The one place where bounded contexts are registered with the runtime. A new context is a folder
//! beside `social/` with a `register(&mut Registry)`, and one line here.

use crate::registry::Registry;

/// Every context Agora runs.
pub fn registry() -> Registry {
    let mut registry = Registry::default();
    crate::social::register(&mut registry);
    crate::wallet::register(&mut registry);
    registry
}
