//! `GET /api/docs`: the OpenAPI description as one readable page — each operation with who may
//! call it, its parameters, body and answers, then every schema. Rendered on the server from the
//! document itself, so the page and `openapi.json` cannot disagree, and nothing is fetched from
//! the internet.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:62rem;\
padding:1rem 1.5rem;color:#1c1c1c}code,pre{font:13px/1.4 ui-monospace,monospace}\
pre{background:#f4f4f2;padding:.6rem;overflow:auto;border-radius:4px}\
section.op{border-top:1px solid #ddd;padding:.5rem 0}.method{font-weight:700;\
text-transform:uppercase;display:inline-block;min-width:4.5rem}table{border-collapse:collapse}\
td,th{text-align:left;padding:.15rem .8rem .15rem 0;vertical-align:top}a{color:#0b57d0}";

/// The page for `doc`, an OpenAPI 3.1 document.
pub fn render(doc: &Value) -> String {
    let mut html = String::new();
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} API</title><style>{STYLE}</style></head><body><main>\
         <h1>{title} API <small>{}</small></h1><p>{}</p>\
         <p>The same description as JSON: <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>",
        text(&doc["info"]["version"]),
        text(&doc["info"]["description"]),
    );
    for (tag, operations) in by_tag(doc) {
        let _ = write!(html, "<h2>{}</h2>", escape(&tag));
        for (method, path, operation) in operations {
            operation_html(&mut html, &method, &path, operation);
        }
    }
    html.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                html,
                "<h3 id=\"schema-{0}\">{0}</h3>{1}",
                escape(name),
                schema_html(schema)
            );
        }
    }
    html.push_str("</main></body></html>");
    html
}

type Operations<'a> = Vec<(String, String, &'a Value)>;

/// Operations grouped by their first tag, in path order within each.
fn by_tag(doc: &Value) -> BTreeMap<String, Operations<'_>> {
    let mut tags: BTreeMap<String, Operations<'_>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let tag = operation["tags"][0].as_str().unwrap_or("other").to_owned();
            tags.entry(tag)
                .or_default()
                .push((method.clone(), path.clone(), operation));
        }
    }
    tags
}

fn operation_html(html: &mut String, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        html,
        "<section class=\"op\"><h3><span class=\"method\">{}</span> <code>{}</code></h3>",
        escape(method),
        escape(path)
    );
    for field in ["summary", "description"] {
        if let Some(words) = operation[field].as_str() {
            let _ = write!(html, "<p>{}</p>", escape(words));
        }
    }
    if let Some(security) = operation["security"].as_array() {
        let schemes: Vec<String> = security
            .iter()
            .filter_map(Value::as_object)
            .map(|s| match s.keys().next() {
                Some(name) => name.clone(),
                None => "none".into(),
            })
            .collect();
        let _ = write!(html, "<p>Sign-in: {}</p>", escape(&schemes.join(" or ")));
    }
    if let Some(parameters) = operation["parameters"].as_array() {
        html.push_str("<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>");
        for p in parameters {
            let required = if p["required"] == true {
                "required"
            } else {
                ""
            };
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{required} {}</td></tr>",
                text(&p["name"]),
                text(&p["in"]),
                schema_inline(&p["schema"]),
                text(&p["description"]),
            );
        }
        html.push_str("</table>");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        for (media, body) in content {
            let _ = write!(
                html,
                "<p>Body ({}): {}</p>",
                escape(media),
                schema_inline(&body["schema"])
            );
        }
    }
    html.push_str("<table><tr><th>answer</th><th></th><th>body</th></tr>");
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        let bodies: Vec<String> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, c)| format!("{} {}", escape(media), schema_inline(&c["schema"])))
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(status),
            text(&response["description"]),
            bodies.join("<br>")
        );
    }
    html.push_str("</table></section>");
}

/// A schema in a line: a link for a reference, the JSON otherwise.
fn schema_inline(schema: &Value) -> String {
    match reference(schema) {
        Some(name) => link(name),
        None if schema.is_null() => String::new(),
        None => format!("<code>{}</code>", escape(&schema.to_string())),
    }
}

/// A schema as indented JSON, its references linked to their schemas.
fn schema_html(schema: &Value) -> String {
    let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
    // Focusable: a keyboard user scrolls a wide schema too (axe: scrollable-region-focusable).
    let mut out = String::from("<pre tabindex=\"0\">");
    for line in pretty.lines() {
        let escaped = escape(line);
        match line.split_once("\"#/components/schemas/") {
            Some((_, rest)) => {
                let name = rest.trim_end_matches([',', '"']);
                let target = format!("#/components/schemas/{name}");
                out.push_str(&escaped.replace(&escape(&target), &link(name)));
            }
            None => out.push_str(&escaped),
        }
        out.push('\n');
    }
    out.push_str("</pre>");
    out
}

fn reference(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

fn link(name: &str) -> String {
    let name = escape(name);
    format!("<a href=\"#schema-{name}\">{name}</a>")
}

fn text(value: &Value) -> String {
    escape(value.as_str().unwrap_or_default())
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
