//! The search read model: post texts under SurrealDB's full-text index (BM25), and people by handle
//! and display-name prefix. The index is the one secondary index of the social read models: a word
//! search is what an index is for, and no key order can answer it.

use crate::aggregate::decode;
use crate::db::{self, Db};
use crate::projections::keys::{minus, quote, Key};
use crate::projections::{Definition, Generation, Output, Scope};
use crate::shared_reads::SharedReads;
use crate::social::domain::{post, Event};
use app::wire::Envelope;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub const NAME: &str = "search";

/// Words split on blanks and punctuation, lower-cased, folded to ASCII and stemmed (English).
const SCHEMA: &str = "
DEFINE ANALYZER IF NOT EXISTS social_text TOKENIZERS blank,class FILTERS lowercase,ascii,snowball(english);
DEFINE TABLE IF NOT EXISTS search_post{g} SCHEMALESS;
DEFINE INDEX IF NOT EXISTS search_post_text{g} ON search_post{g} FIELDS text FULLTEXT ANALYZER social_text BM25 HIGHLIGHTS;
DEFINE TABLE IF NOT EXISTS search_person{g} SCHEMALESS;
DEFINE TABLE IF NOT EXISTS search_name{g} SCHEMALESS;
";

/// `search_post:<-position>` {text, author}; `search_person:[handle]` {display_name} (an array key, so a
/// prefix is a range of quoted strings); `search_name:[lower-case display name, handle]`.
pub const SEARCH: Definition = Definition {
    name: NAME,
    // 2: posts know their author, so an erasure takes a person's posts out of the index.
    version: 2,
    schema: SCHEMA,
    tables: &["search_post", "search_person", "search_name"],
    in_order: false,
    sources: None,
    apply: |scope, events, out| Box::pin(apply(scope, events, out)),
};

async fn apply(scope: Scope<'_>, events: &[Envelope], out: &mut Output) -> anyhow::Result<()> {
    let g = scope.generation;
    let mut posts: Vec<Value> = vec![];
    let mut created: HashMap<Uuid, i64> = HashMap::new();
    let mut edits: Vec<(Uuid, String)> = vec![];
    let mut gone: Vec<Uuid> = vec![];
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut erased: Vec<String> = vec![];
    for envelope in events {
        let Some(event) = decode::<Event>(envelope)? else {
            continue;
        };
        match event {
            Event::PostCreated {
                post_id,
                text,
                author,
                ..
            } => {
                let key = minus(envelope.position);
                created.insert(post_id, key);
                posts.push(json!({ "id": key, "text": text, "author": author }));
            }
            Event::PostEdited { post_id, text, .. } => edits.push((post_id, text)),
            Event::PostHidden { post_id, .. } | Event::PostDeleted { post_id, .. } => {
                gone.push(post_id)
            }
            Event::UserRegistered {
                handle,
                display_name,
                ..
            } => {
                names.insert(handle, display_name);
            }
            Event::ProfileUpdated {
                handle,
                display_name: Some(name),
                ..
            } => {
                names.insert(handle, name);
            }
            Event::UserErased { handle, .. } => {
                names.remove(&handle);
                posts.retain(|post| post["author"] != json!(handle));
                erased.push(handle);
            }
            _ => {}
        }
    }
    let streams: Vec<String> = edits
        .iter()
        .map(|(id, _)| *id)
        .chain(gone.iter().copied())
        .filter(|id| !created.contains_key(id))
        .map(post::stream)
        .collect();
    let began = scope.store.first_positions(&streams).await?;
    let key_of = |id: &Uuid| {
        created
            .get(id)
            .copied()
            .or_else(|| began.get(&post::stream(*id)).map(|p| minus(*p)))
    };
    let old_names = stored_names(scope.db, g, names.keys().chain(&erased)).await?;
    let writes = &mut out.writes;
    if !posts.is_empty() {
        let rows = writes.bind(posts);
        writes.push(format!(
            "INSERT INTO {} {rows} RETURN NONE",
            g.table("search_post")
        ));
    }
    for (post_id, text) in edits {
        if let Some(key) = key_of(&post_id) {
            let text = writes.bind(text);
            writes.push(format!(
                "UPDATE type::record('{}', {key}) SET text = {text} RETURN NONE",
                g.table("search_post")
            ));
        }
    }
    let gone: Vec<i64> = gone.iter().filter_map(key_of).collect();
    if !gone.is_empty() {
        writes.delete_keys(&g.table("search_post"), gone);
    }
    for handle in erased {
        // A scan of the posts: erasures are rare, and a per-author index would cost every post.
        let bound = writes.bind(handle.clone());
        writes.push(format!(
            "DELETE {} WHERE author = {bound} RETURN NONE",
            g.table("search_post")
        ));
        if let Some(old) = old_names.get(&handle) {
            let old = Key::pair(&g.table("search_name"), &old.to_lowercase(), &handle);
            writes.push(format!("DELETE {old} RETURN NONE"));
        }
        writes.push(format!(
            "DELETE type::record('{}', [{}]) RETURN NONE",
            g.table("search_person"),
            quote(&handle)
        ));
    }
    for (handle, name) in names {
        if let Some(old) = old_names.get(&handle) {
            let old = Key::pair(&g.table("search_name"), &old.to_lowercase(), &handle);
            writes.push(format!("DELETE {old} RETURN NONE"));
        }
        let person = format!(
            "type::record('{}', [{}])",
            g.table("search_person"),
            quote(&handle)
        );
        let entry = Key::pair(&g.table("search_name"), &name.to_lowercase(), &handle);
        let (bound, handle) = (writes.bind(name), writes.bind(handle));
        writes.push(format!(
            "UPSERT {person} SET handle = {handle}, display_name = {bound} RETURN NONE"
        ));
        writes.push(format!("UPSERT {entry} SET handle = {handle} RETURN NONE"));
    }
    Ok(())
}

async fn stored_names<'a>(
    db: &Db,
    g: Generation,
    handles: impl Iterator<Item = &'a String>,
) -> anyhow::Result<HashMap<String, String>> {
    let handles: Vec<&String> = handles.collect();
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT handle, display_name FROM array::map($handles, |$h| type::record('{}', [$h]))",
        g.table("search_person")
    );
    Ok(db::rows(db, sql, json!({ "handles": handles }))
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                row["handle"].as_str()?.to_owned(),
                row["display_name"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// The most results of each kind a search answers.
pub const MAX_RESULTS: usize = 50;

/// What one search finds in this read model: post keys, best first, and handles.
#[derive(Debug, Clone)]
pub struct Found {
    pub posts: Vec<i64>,
    pub people: Vec<String>,
}

/// The finds of one search (its words and limit), shared by everyone who asks while the read
/// model stays at the position they were read at (the epoch: generation, position). Why: BM25
/// scores every post that holds a word before it can sort, so a popular word costs in proportion
/// to its posts, and popular words are the ones asked most. Elasticsearch's request cache answers
/// the same way until its index refreshes. Only keys and handles are kept; who may see which post
/// and person is decided per request.
pub type Finds = SharedReads<(String, usize), Arc<Found>, (u32, u64)>;

/// Finds kept at most a minute, and at most 1,024 of them.
pub fn finds() -> Finds {
    SharedReads::new(Duration::from_secs(60), 1024)
}

/// Posts matching `words` and people whose handle or name starts with them (less a leading `@`),
/// shared through `finds` at the read model's `position` (read before the search, so what is
/// found is of that position or a later one).
pub async fn find(
    finds: &Finds,
    db: &Db,
    (g, position): (Generation, u64),
    words: &str,
    limit: usize,
) -> anyhow::Result<Arc<Found>> {
    let key = (words.to_owned(), limit);
    finds
        .read((g.0, position), key, || async {
            let (posts, people) = futures::try_join!(
                posts(db, g, words, limit),
                people(db, g, words.trim_start_matches('@'), limit)
            )?;
            Ok(Arc::new(Found { posts, people }))
        })
        .await
}

/// Posts whose text matches `words`, best first (BM25): their timeline keys.
pub async fn posts(db: &Db, g: Generation, words: &str, limit: usize) -> anyhow::Result<Vec<i64>> {
    let sql = format!(
        "SELECT record::id(id) AS key, search::score(1) AS score FROM {} WHERE text @1@ $words ORDER BY score DESC LIMIT {limit}",
        g.table("search_post")
    );
    Ok(db::rows(db, sql, json!({ "words": words }))
        .await?
        .into_iter()
        .filter_map(|row| row["key"].as_i64())
        .collect())
}

/// Handles whose handle or display name starts with `prefix` (case folded), handles first.
pub async fn people(
    db: &Db,
    g: Generation,
    prefix: &str,
    limit: usize,
) -> anyhow::Result<Vec<String>> {
    let prefix = prefix.to_lowercase();
    let end = format!("{prefix}\u{10FFFF}");
    let sql = format!(
        "SELECT VALUE handle FROM {person}:[{from}]..[{to}] LIMIT {limit};
         SELECT VALUE handle FROM {name}:[{from}, NONE]..[{to}, NONE] LIMIT {limit};",
        person = g.table("search_person"),
        name = g.table("search_name"),
        from = quote(&prefix),
        to = quote(&end),
    );
    let mut results = db::run(db, sql, Value::Null).await?;
    let mut found: Vec<String> = vec![];
    for i in 0..2 {
        let rows: Vec<Value> = results.take(i)?;
        for handle in rows
            .into_iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
        {
            if !found.contains(&handle) && found.len() < limit {
                found.push(handle);
            }
        }
    }
    Ok(found)
}
