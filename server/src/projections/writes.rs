//! A batch of read-model writes: SurrealQL statements with their own bound variables, committed with
//! the projector's checkpoint in one transaction.

use serde_json::{json, Map, Value};
use std::collections::HashMap;

#[derive(Default)]
pub struct Writes {
    statements: Vec<String>,
    vars: Map<String, Value>,
}

impl Writes {
    /// Binds a value under a fresh name and returns the name (`$w0`, `$w1`, …) to put in a statement.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        let name = format!("w{}", self.vars.len());
        self.vars.insert(name.clone(), value.into());
        format!("${name}")
    }

    pub fn push(&mut self, statement: impl Into<String>) {
        self.statements.push(statement.into());
    }

    /// Inserts rows (each with its `id`) into `table`, leaving rows whose key exists alone.
    pub fn insert_rows(&mut self, table: &str, rows: Vec<Value>) {
        if rows.is_empty() {
            return;
        }
        let rows = self.bind(rows);
        self.push(format!("INSERT IGNORE INTO {table} {rows} RETURN NONE"));
    }

    /// Writes whole rows (each with its `id`) into `table`: new keys are inserted, existing rows get
    /// these `fields` from the new row (a field the new row lacks is removed).
    pub fn upsert_rows(&mut self, table: &str, rows: Vec<Value>, fields: &[&str]) {
        if rows.is_empty() {
            return;
        }
        let rows = self.bind(rows);
        let updates = fields
            .iter()
            .map(|field| format!("{field} = $input.{field}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.push(format!(
            "INSERT INTO {table} {rows} ON DUPLICATE KEY UPDATE {updates} RETURN NONE"
        ));
    }

    /// Deletes the rows of `table` at these keys.
    pub fn delete_keys<K: Into<Value>>(&mut self, table: &str, keys: Vec<K>) {
        if keys.is_empty() {
            return;
        }
        let keys: Vec<Value> = keys.into_iter().map(Into::into).collect();
        let keys = self.bind(keys);
        self.push(format!(
            "DELETE array::map({keys}, |$key| type::record('{table}', $key)) RETURN NONE"
        ));
    }

    /// Makes each key of `table` present or absent (the edges of a graph: follows and unfollows),
    /// the last word on a key winning: one insert and one delete for the whole batch, instead of a
    /// statement for each edge.
    pub fn set_keys(&mut self, table: &str, keys: impl IntoIterator<Item = (Value, bool)>) {
        let mut last: HashMap<String, (Value, bool)> = HashMap::new();
        for (key, present) in keys {
            last.insert(key.to_string(), (key, present));
        }
        let (present, absent): (Vec<_>, Vec<_>) = last.into_values().partition(|(_, on)| *on);
        let rows = present.into_iter().map(|(key, _)| json!({ "id": key }));
        self.insert_rows(table, rows.collect());
        self.delete_keys(table, absent.into_iter().map(|(key, _)| key).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements wrapped in one transaction with `tail` (the checkpoint) last.
    pub fn into_transaction(self, tail: &str) -> (String, Value) {
        let mut sql = String::from("BEGIN;\n");
        for statement in self.statements {
            sql.push_str(&statement);
            sql.push_str(";\n");
        }
        sql.push_str(tail);
        sql.push_str(";\nCOMMIT;");
        (sql, Value::Object(self.vars))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_and_the_tail_form_one_transaction() {
        let mut writes = Writes::default();
        let rows = writes.bind(serde_json::json!([{"a": 1}]));
        writes.push(format!("INSERT INTO t {rows}"));
        let (sql, vars) = writes.into_transaction("UPSERT c:x SET position = 3");
        assert_eq!(
            sql,
            "BEGIN;\nINSERT INTO t $w0;\nUPSERT c:x SET position = 3;\nCOMMIT;"
        );
        assert_eq!(vars["w0"], serde_json::json!([{"a": 1}]));
    }

    #[test]
    fn the_last_word_on_a_key_decides_whether_it_is_inserted_or_deleted() {
        let mut writes = Writes::default();
        let key = |a: &str, b: &str| json!([a, b]);
        writes.set_keys(
            "edge",
            [
                (key("ann", "bob"), true),
                (key("ann", "bob"), false),
                (key("ann", "cat"), false),
                (key("ann", "cat"), true),
            ],
        );
        let (sql, vars) = writes.into_transaction("RETURN 1");
        assert!(sql.contains("INSERT IGNORE INTO edge $w0"), "{sql}");
        assert!(sql.contains("DELETE array::map($w1"), "{sql}");
        assert_eq!(vars["w0"], json!([{ "id": ["ann", "cat"] }]));
        assert_eq!(vars["w1"], json!([["ann", "bob"]]));
    }
}
