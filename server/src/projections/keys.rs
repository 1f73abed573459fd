//! Record keys and key ranges of read models. Rows are found by key and lists are
//! key-range scans, never secondary indexes (each index costs about as much as the row it indexes;
//! see docs/read-side.md). Keys embed handles, tags and ids as quoted literals: handles and tags are
//! `[a-z0-9_]` by the domain's rules, and JSON quoting escapes anything else.

/// A quoted string literal.
pub fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

pub struct Key;

impl Key {
    /// `table:⟨id⟩`.
    pub fn text(table: &str, id: &str) -> String {
        format!("type::record('{table}', {})", quote(id))
    }

    /// `table:[a, b]`.
    pub fn pair(table: &str, a: &str, b: &str) -> String {
        format!("type::record('{table}', [{}, {}])", quote(a), quote(b))
    }
}

/// Above every handle and tag (`~` sorts after `[a-z0-9_]`): the end of an owner's string range.
const PAST_EVERY_NAME: &str = "\"~\"";

/// The rows `table:[owner, name]` of one owner after the name `cursor`, in name order.
pub fn range_after(table: &str, owner: &str, cursor: Option<&str>) -> String {
    let owner = quote(owner);
    match cursor {
        Some(cursor) => format!(
            "{table}:[{owner}, {}]>..[{owner}, {PAST_EVERY_NAME}]",
            quote(cursor)
        ),
        None => format!("{table}:[{owner}, NONE]..[{owner}, {PAST_EVERY_NAME}]"),
    }
}

/// The rows `table:[owner, -position]` of one owner, newest first, below the position `cursor`.
pub fn newest_first(table: &str, owner: &str, cursor: Option<u64>) -> String {
    let owner = quote(owner);
    match cursor {
        Some(below) => format!("{table}:[{owner}, {}]>..=[{owner}, 0]", minus(below)),
        None => format!("{table}:[{owner}, NONE]..=[{owner}, 0]"),
    }
}

/// The rows `table:[owner, position]` of one owner, oldest first, after the position `cursor`.
pub fn oldest_first(table: &str, owner: &str, cursor: Option<u64>) -> String {
    let owner = quote(owner);
    format!(
        "{table}:[{owner}, {}]>..=[{owner}, {}]",
        cursor.unwrap_or(0),
        i64::MAX
    )
}

/// A position as a key part that sorts newest first.
pub fn minus(position: u64) -> i64 {
    -(position.min(i64::MAX as u64) as i64)
}
