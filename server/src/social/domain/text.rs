//! Post text rules. The `@mention` / `#tag` grammar is shared with the pages (`app::text`), so the
//! links a page draws are the mentions and tags the domain recorded.

use super::Rule;
pub use app::text::{parse, Parsed};

pub const MAX_POST_CHARS: usize = 500;

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

#[cfg(test)]
mod tests {
    use super::*;

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
