//! Post text rules and the `@mention` / `#tag` parser.

use super::Rule;

pub const MAX_POST_CHARS: usize = 500;

/// What a post's text refers to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Handles, lower-cased, in order of first appearance, without duplicates.
    pub mentions: Vec<String>,
    /// Tags, lower-cased, in order of first appearance, without duplicates.
    pub tags: Vec<String>,
}

/// Trims a post's text and checks its length (1–500 characters, counted as Unicode scalar values).
pub fn validate_post_text(text: &str) -> Result<String, Rule> {
    let trimmed = text.trim();
    match trimmed.chars().count() {
        0 => Err(Rule::Invalid("a post needs some text".into())),
        n if n > MAX_POST_CHARS => Err(Rule::Invalid(format!(
            "a post has at most {MAX_POST_CHARS} characters (this one has {n})"
        ))),
        _ => Ok(trimmed.to_owned()),
    }
}

/// Finds `@handle` mentions and `#tag`s: a marker at the start or after a non-word character,
/// followed by letters, digits or `_`. Handles keep the handle rules' length (3–20).
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let marker = chars[i];
        let starts_word = i == 0 || !is_word(chars[i - 1]);
        if (marker == '@' || marker == '#') && starts_word {
            let end = (i + 1..chars.len())
                .find(|&j| !is_word(chars[j]))
                .unwrap_or(chars.len());
            let word: String = chars[i + 1..end].iter().collect::<String>().to_lowercase();
            let list = if marker == '@' {
                &mut parsed.mentions
            } else {
                &mut parsed.tags
            };
            let fits = if marker == '@' {
                (3..=20).contains(&word.len())
            } else {
                !word.is_empty()
            };
            if fits && !list.contains(&word) {
                list.push(word);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    parsed
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
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
    fn text_is_trimmed_and_bounded() {
        assert_eq!(validate_post_text("  hi  "), Ok("hi".into()));
        assert!(matches!(validate_post_text(" \n "), Err(Rule::Invalid(_))));
        assert!(validate_post_text(&"é".repeat(500)).is_ok());
        assert!(matches!(
            validate_post_text(&"é".repeat(501)),
            Err(Rule::Invalid(_))
        ));
    }
}
