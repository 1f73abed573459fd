//! A batch of read-model writes: SurrealQL statements with their own bound variables, committed with
//! the projector's checkpoint in one transaction.

use serde_json::{Map, Value};

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
}
