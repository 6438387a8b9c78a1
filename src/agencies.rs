//! Which government bodies an item names, folded to one canonical name each ("the Pentagon",
//! "DoD" and "Department of War" are all the Department of Defense): the `agency` field of the
//! index, for `agency:"Department of Defense"` and `--facets agency`. The list is data
//! (`src/data/agencies.toml`); full names match case-insensitively as whole words, acronyms only
//! as written, so "ICE" is an agency and "ice" is not. One pass over the text per automaton.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;

const SHIPPED: &str = include_str!("data/agencies.toml");

#[derive(Debug, Deserialize)]
struct RawList {
    agency: Vec<RawAgency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    acronyms: Vec<String>,
}

/// The agencies govwatch recognises, ready to match.
#[derive(Debug, Clone)]
pub struct Agencies {
    names: Vec<String>,
    words: AhoCorasick,
    /// Canonical name index of each alias pattern.
    word_owner: Vec<usize>,
    acronyms: AhoCorasick,
    acronym_owner: Vec<usize>,
}

/// The shipped list, built once per process.
pub fn shipped() -> &'static Agencies {
    static SHIPPED_LIST: std::sync::LazyLock<Agencies> =
        std::sync::LazyLock::new(Agencies::shipped);
    &SHIPPED_LIST
}

impl Agencies {
    /// The shipped list.
    pub fn shipped() -> Agencies {
        // The shipped list is part of the build and loads in a test; it cannot fail here.
        Agencies::from_toml(SHIPPED).expect("the shipped agency list loads")
    }

    pub fn from_toml(text: &str) -> Result<Agencies, String> {
        let list: RawList = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut names = Vec::new();
        let (mut words, mut word_owner) = (Vec::new(), Vec::new());
        let (mut acronyms, mut acronym_owner) = (Vec::new(), Vec::new());
        for (n, agency) in list.agency.into_iter().enumerate() {
            for alias in agency.aliases.iter().chain([&agency.name]) {
                words.push(alias.trim().to_owned());
                word_owner.push(n);
            }
            for acronym in agency.acronyms {
                acronyms.push(acronym.trim().to_owned());
                acronym_owner.push(n);
            }
            names.push(agency.name);
        }
        let build = |patterns: &[String], case_insensitive: bool| {
            AhoCorasick::builder()
                .ascii_case_insensitive(case_insensitive)
                .match_kind(MatchKind::LeftmostLongest)
                // A few hundred patterns: a full DFA is small, and the fastest to run over
                // every item's text.
                .kind(Some(AhoCorasickKind::DFA))
                .build(patterns)
                .map_err(|e| e.to_string())
        };
        Ok(Agencies {
            names,
            words: build(&words, true)?,
            word_owner,
            acronyms: build(&acronyms, false)?,
            acronym_owner,
        })
    }

    /// The canonical names of the agencies `text` names, in order of first mention.
    pub fn find(&self, text: &str) -> Vec<&str> {
        let mut found: Vec<usize> = Vec::new();
        let bytes = text.as_bytes();
        let whole_word = |start: usize, end: usize| {
            let before = start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(end).copied();
            !before.is_some_and(|b| b.is_ascii_alphanumeric())
                && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        };
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for m in self.words.find_iter(text) {
            if whole_word(m.start(), m.end()) {
                hits.push((m.start(), self.word_owner[m.pattern().as_usize()]));
            }
        }
        for m in self.acronyms.find_iter(text) {
            if whole_word(m.start(), m.end()) {
                hits.push((m.start(), self.acronym_owner[m.pattern().as_usize()]));
            }
        }
        hits.sort_unstable();
        for (_, owner) in hits {
            if !found.contains(&owner) {
                found.push(owner);
            }
        }
        found.into_iter().map(|n| self.names[n].as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_acronyms_fold_to_one_agency() {
        let a = Agencies::shipped();
        assert_eq!(
            a.find("The Pentagon's CDAO and DoD's DIU signed with the Department of War"),
            [
                "Department of Defense",
                "Chief Digital and Artificial Intelligence Office",
                "Defense Innovation Unit"
            ]
        );
        assert_eq!(
            a.find("GSA and the Office of Management and Budget issued guidance; OMB said"),
            [
                "General Services Administration",
                "Office of Management and Budget"
            ]
        );
        assert_eq!(
            a.find("NIST's AI Safety Institute"),
            ["National Institute of Standards and Technology"]
        );
    }

    #[test]
    fn acronyms_that_are_words_and_partial_words_do_not_count() {
        let a = Agencies::shipped();
        for text in [
            "the ice sheet melted",
            "a doe and her fawn",
            "NISTER is not a word", // acronym inside a longer word
            "Pentagonal shapes",    // alias inside a longer word
            "FALLS CHURCH, Va. (AFNS)",
            "doc and dod in lower case",
        ] {
            assert!(a.find(text).is_empty(), "{text}: {:?}", a.find(text));
        }
        assert_eq!(
            a.find("ICE agents"),
            ["U.S. Immigration and Customs Enforcement"]
        );
    }

    #[test]
    fn a_bad_list_is_an_error() {
        assert!(Agencies::from_toml("[[agency]]\nname = 1\n").is_err());
        assert!(Agencies::from_toml("[[agency]]\nname = \"X\"\ncolour = []\n").is_err());
    }
}
