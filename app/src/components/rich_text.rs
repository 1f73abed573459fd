//! A post's text with its `@mentions` and `#tags` as links. The text is put into the page as text
//! nodes (Leptos escapes it), never as HTML: a post containing `<script>` shows as those characters.

use leptos::prelude::*;

/// A piece of a post's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Mention(String),
    Tag(String),
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits a text as the server's parser reads it: a marker at the start or after a non-word
/// character, then word characters (a mention needs 3 to 20 of them).
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
            let fits = if marker == '@' {
                (3..=20).contains(&word.chars().count())
            } else {
                !word.is_empty()
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
        }
        plain.push(marker);
        i += 1;
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain));
    }
    pieces
}

#[component]
pub fn RichText(text: String) -> impl IntoView {
    pieces(&text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.into_any(),
            Piece::Mention(handle) => {
                let href = format!("/u/{}", handle.to_lowercase());
                view! { <a class="mention" href=href>"@"{handle}</a> }.into_any()
            }
            Piece::Tag(tag) => {
                let href = format!("/t/{}", tag.to_lowercase());
                view! { <a class="tag" href=href>"#"{tag}</a> }.into_any()
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(pieces("@al"), vec![Piece::Text("@al".into())]);
    }
}
