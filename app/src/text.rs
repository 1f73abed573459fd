//! The grammar of a post's text, shared by the server's domain (which records a post's mentions and
//! tags) and the pages (which link them), so both always agree on what a mention is.
//!
//! A marker (`@` or `#`) at the start or after a non-word character, followed by word characters
//! (letters, digits, `_`); a mention's lower-cased word is 3 to 20 bytes long (a handle's length).
//! The domain's upcaster derives old events' mentions from this: change it only with a new schema.

/// A piece of a post's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A mention as written (`Ann` in `@Ann`).
    Mention(String),
    /// A tag as written (`Rust` in `#Rust`).
    Tag(String),
}

/// What a post's text refers to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Handles, lower-cased, in order of first appearance, without duplicates.
    pub mentions: Vec<String>,
    /// Tags, lower-cased, in order of first appearance, without duplicates.
    pub tags: Vec<String>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The text split into plain runs, mentions and tags.
pub fn pieces(text: &str) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = vec![];
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let marker = chars[i];
        let starts_word = i == 0 || !is_word(chars[i - 1]);
        if (marker == '@' || marker == '#') && starts_word {
            let end = (i + 1..chars.len())
                .find(|&j| !is_word(chars[j]))
                .unwrap_or(chars.len());
            let word: String = chars[i + 1..end].iter().collect();
            let lower = word.to_lowercase();
            let fits = if marker == '@' {
                (3..=20).contains(&lower.len())
            } else {
                !lower.is_empty()
            };
            if fits {
                if !plain.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut plain)));
                }
                pieces.push(if marker == '@' {
                    Piece::Mention(word)
                } else {
                    Piece::Tag(word)
                });
                i = end;
                continue;
            }
            // Not a mention or a tag: the marker and its word stay text.
            plain.extend(&chars[i..end]);
            i = end;
            continue;
        }
        plain.push(marker);
        i += 1;
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain));
    }
    pieces
}

/// The mentions and tags of a text.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for piece in pieces(text) {
        let (list, word) = match piece {
            Piece::Mention(word) => (&mut parsed.mentions, word.to_lowercase()),
            Piece::Tag(word) => (&mut parsed.tags, word.to_lowercase()),
            Piece::Text(_) => continue,
        };
        if !list.contains(&word) {
            list.push(word);
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mentions_and_tags_once_each() {
        let parsed = parse("@Ann meets @bob_1 at #RustConf, #rustconf again; mail a@b.c #");
        assert_eq!(parsed.mentions, vec!["ann", "bob_1"]);
        assert_eq!(parsed.tags, vec!["rustconf"]);
    }

    #[test]
    fn mentions_and_tags_become_pieces_and_the_rest_stays_text() {
        assert_eq!(
            pieces("hi @ann, see #Rust <script>"),
            vec![
                Piece::Text("hi ".into()),
                Piece::Mention("ann".into()),
                Piece::Text(", see ".into()),
                Piece::Tag("Rust".into()),
                Piece::Text(" <script>".into()),
            ]
        );
        assert_eq!(pieces("mail a@b.c"), vec![Piece::Text("mail a@b.c".into())]);
        assert_eq!(pieces("@al #"), vec![Piece::Text("@al #".into())]);
    }
}
