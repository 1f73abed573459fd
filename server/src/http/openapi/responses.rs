//! The error answers an operation may give, each in the contract's shape (`ErrorBody`), named for
//! `#[utoipa::path(responses(...))]`: `responses((status = 200, body = Post), NotFound, Invalid)`.
//! 503 `unavailable` (the database unreachable) and 413 `too_large` (a body over the limit) can
//! come from any operation, or any with a body: `super::finish` adds those to every one.

use std::collections::BTreeMap;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::IntoResponses;

/// The one response of `status`, with the contract's error body.
pub fn error(status: &str, description: &str) -> (String, RefOr<Response>) {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build();
    (status.to_owned(), RefOr::T(response))
}

macro_rules! error_response {
    ($(#[$doc:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([error($status, $description)])
            }
        }
    };
}

error_response!(
    /// A malformed body, query or path, or a value out of range.
    Invalid,
    "400",
    "`invalid`: the request is malformed or a value is out of range"
);
error_response!(Unauthorized, "401", "`unauthorized`: sign in first");
error_response!(
    Forbidden,
    "403",
    "`forbidden`: the signed-in person may not do this"
);
error_response!(NotFound, "404", "`not_found`: no such thing");
error_response!(
    Conflict,
    "409",
    "`conflict`: taken, or the stream moved past `expected_version`"
);
error_response!(
    Refused,
    "422",
    "`rule`: a business rule said no; nothing was written"
);
