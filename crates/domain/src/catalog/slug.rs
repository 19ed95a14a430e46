//! URL slugs: validated, or derived from a display name.

use std::fmt;

use serde::Serialize;

use crate::error::FieldError;

/// A URL slug: 1..=120 characters of `[a-z0-9-]`, without a leading,
/// trailing or doubled `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// The longest slug, in characters (all ASCII, so also in bytes).
    pub const MAX_LEN: usize = 120;

    /// Trims and validates a slug as given, without rewriting it.
    ///
    /// # Errors
    /// A [`FieldError`] on `slug` when it is empty, too long, has characters
    /// other than `[a-z0-9-]`, or starts, ends or repeats `-`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let slug = raw.trim();
        let ok = (1..=Self::MAX_LEN).contains(&slug.len())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && !slug.contains("--");
        if !ok {
            return Err(FieldError::new(
                "slug",
                "must be 1 to 120 characters of a-z, 0-9 and single inner '-'",
            ));
        }
        Ok(Self(slug.to_owned()))
    }

    /// Derives a slug from a display name: lower-cases it, folds common
    /// Latin accents to ASCII (`é` → `e`, `ß` → `ss`, `æ` → `ae`...), drops
    /// combining marks, turns every other run of characters into one `-`,
    /// trims `-` at both ends and cuts the result to 120 characters without
    /// leaving a trailing `-`. `None` when nothing is left (e.g. `"!!!"`).
    pub fn from_name(name: &str) -> Option<Slug> {
        Self::derive(name)
    }

    /// [`Slug::from_name`], or, for a name with no Latin letter or digit
    /// (`"¤¼"`, `"日本茶"`), `{prefix}-` and eight random hex digits, so any
    /// valid name can be saved without a slug of its own.
    pub fn from_name_or_random(name: &str, prefix: &str) -> Slug {
        Self::derive(name).unwrap_or_else(|| {
            let random = uuid::Uuid::new_v4().simple().to_string();
            Slug(format!("{prefix}-{}", &random[..8]))
        })
    }

    fn derive(name: &str) -> Option<Slug> {
        let mut out = String::new();
        let mut pending_dash = false;
        for c in name.chars().flat_map(char::to_lowercase) {
            if is_combining_mark(c) {
                continue;
            }
            let mut buf = [0_u8; 4];
            let piece = if c.is_ascii_alphanumeric() {
                &*c.encode_utf8(&mut buf)
            } else if let Some(folded) = fold_latin(c) {
                folded
            } else {
                pending_dash = true;
                continue;
            };
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push_str(piece);
            if out.len() > Self::MAX_LEN {
                break;
            }
        }
        out.truncate(Self::MAX_LEN);
        while out.ends_with('-') {
            out.pop();
        }
        (!out.is_empty()).then_some(Slug(out))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Combining diacritics (U+0300..=U+036F), as left by decomposed input
/// (`e` + U+0301) or by lower-casing `İ`.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// The ASCII spelling of a lower-case Latin letter with a diacritic or a
/// ligature; `None` for anything else.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_without_latin_letters_or_digits_gets_a_random_slug_with_the_prefix() {
        let slug = Slug::from_name_or_random("\u{a4}\u{bc}", "category");
        assert!(slug.as_str().starts_with("category-"), "{}", slug.as_str());
        assert_eq!(slug.as_str().len(), "category-".len() + 8);
        assert!(Slug::parse(slug.as_str()).is_ok());
        assert_ne!(slug, Slug::from_name_or_random("!!!", "category"));
        assert_eq!(
            Slug::from_name_or_random("Green Tea", "product").as_str(),
            "green-tea"
        );
    }

    use super::*;

    fn slug(name: &str) -> Option<String> {
        Slug::from_name(name).map(|s| s.as_str().to_owned())
    }

    #[test]
    fn names_become_slugs_per_the_table() {
        let table: &[(&str, Option<&str>)] = &[
            ("Espresso", Some("espresso")),
            ("Crème Brûlée", Some("creme-brulee")),
            ("CRÈME BRÛLÉE", Some("creme-brulee")),
            ("Smørrebrød", Some("smorrebrod")),
            ("Straße", Some("strasse")),
            ("Ærø Åland", Some("aero-aland")),
            ("Façade Niño", Some("facade-nino")),
            ("Über Grüße", Some("uber-grusse")),
            ("Łódź Kraków", Some("lodz-krakow")),
            ("Œuvre Þór", Some("oeuvre-thor")),
            ("Ça va? Oui!!", Some("ca-va-oui")),
            ("Rock 'n' Roll", Some("rock-n-roll")),
            ("C++ & Rust", Some("c-rust")),
            ("100% Organic", Some("100-organic")),
            ("a_b.c/d\\e", Some("a-b-c-d-e")),
            ("  --Hello,   World!--  ", Some("hello-world")),
            ("one -- two", Some("one-two")),
            ("tab\tand\nnewline", Some("tab-and-newline")),
            ("I ❤️ Pizza 🍕", Some("i-pizza")),
            ("e\u{301}clair", Some("eclair")),
            ("İstanbul", Some("istanbul")),
            ("Café Москва", Some("cafe")),
            ("Москва", None),
            ("🍕🍕🍕", None),
            ("!!!", None),
            ("- _ .", None),
            ("", None),
            ("   ", None),
        ];
        for (name, expected) in table {
            assert_eq!(slug(name).as_deref(), *expected, "from_name({name:?})");
        }
    }

    #[test]
    fn every_folded_letter_is_plain_ascii_in_both_cases() {
        let lower = "àáâãäåāăąçćĉċčďđðèéêëēĕėęěĝğġģĥħìíîïĩīĭįĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšșţťŧțùúûüũūŭůűųŵýÿŷźżž";
        let folded = slug(lower).unwrap();
        assert!(folded.bytes().all(|b| b.is_ascii_lowercase()), "{folded}");
        assert_eq!(folded.len(), lower.chars().count());
        assert_eq!(slug(&lower.to_uppercase()).unwrap(), folded);
        assert_eq!(slug("æœĳßþ").unwrap(), "aeoeijssth");
    }

    #[test]
    fn long_names_are_cut_to_120_without_a_trailing_dash() {
        assert_eq!(slug(&"a".repeat(300)).unwrap(), "a".repeat(120));
        assert_eq!(slug(&"é".repeat(200)).unwrap(), "e".repeat(120));
        let words = slug(&"ab ".repeat(60)).unwrap();
        assert_eq!(words.len(), 119);
        assert!(words.ends_with('b'));
        let sharp = slug(&format!("{}ß", "a".repeat(119))).unwrap();
        assert_eq!(sharp, format!("{}s", "a".repeat(119)));
    }

    #[test]
    fn every_generated_slug_passes_parse() {
        for name in [
            "Crème Brûlée",
            "  x  ",
            &"ab ".repeat(60),
            "A--B",
            "9 Lives",
        ] {
            let generated = Slug::from_name(name).unwrap();
            assert_eq!(Slug::parse(generated.as_str()).unwrap(), generated);
        }
    }

    #[test]
    fn parse_accepts_canonical_slugs_and_trims() {
        for good in ["a", "1", "a-b", "x9-y-0", &"a".repeat(120)] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(Slug::parse(" tea ").unwrap().as_str(), "tea");
    }

    #[test]
    fn parse_rejects_anything_not_canonical() {
        for bad in [
            "",
            " ",
            "-a",
            "a-",
            "-",
            "a--b",
            "A",
            "Tea",
            "a b",
            "a_b",
            "a.b",
            "a/b",
            "../a",
            "é",
            "caf%C3%A9",
            &"a".repeat(121),
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert_eq!(err.field, "slug", "{bad:?}");
        }
    }
}
