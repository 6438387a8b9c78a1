//! Named things in item text, each folded to one canonical name: the government bodies an
//! item names ("the Pentagon", "DoD" and "Department of War" are all the Department of Defense)
//! and the vendors ("AWS" and "Amazon Web Services" are one). One mechanism for both lists, which
//! ship as data (`src/data/agencies.toml`, `src/data/orgs.toml`) and which operators extend with
//! `[[agency]]` and `[[org]]` entries. Full names match case-insensitively as whole words,
//! acronyms only as written, so "ICE" is an agency and "ice" is not. One pass over the text per
//! automaton.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;

pub(crate) const SHIPPED_AGENCIES: &str = include_str!("../data/agencies.toml");
pub(crate) const SHIPPED_ORGS: &str = include_str!("../data/orgs.toml");

/// One named thing and the forms it takes, as the lists and `[[agency]]`/`[[org]]` write it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub acronyms: Vec<String>,
    /// Longer forms that contain a form of the name but are something else ("Meta-analysis",
    /// "Oracle of Omaha"): matched in both automata and ignored, so the shorter form inside
    /// them does not count.
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    #[serde(default)]
    agency: Vec<Entry>,
    #[serde(default)]
    org: Vec<Entry>,
}

/// A shipped list's entries (`table` is "agency" or "org").
pub(crate) fn parse_list(text: &str, table: &str) -> Result<Vec<Entry>, String> {
    let list: RawList = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(if table == "org" {
        list.org
    } else {
        list.agency
    })
}

/// Adds `extra` to `base`: an entry with a known name adds its forms to that entry, a new name
/// is a new entry.
pub fn merge(mut base: Vec<Entry>, extra: &[Entry]) -> Vec<Entry> {
    for entry in extra {
        match base.iter_mut().find(|e| e.name == entry.name) {
            Some(known) => {
                known.aliases.extend(entry.aliases.iter().cloned());
                known.acronyms.extend(entry.acronyms.iter().cloned());
            }
            None => base.push(entry.clone()),
        }
    }
    base
}

/// A list of named things, ready to match.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    names: Vec<Arc<str>>,
    /// Which of the lists it was built from each name belongs to.
    list: Vec<usize>,
    words: AhoCorasick,
    /// Canonical name index of each alias pattern; `None` for an excluded form.
    word_owner: Vec<Option<usize>>,
    acronyms: AhoCorasick,
    acronym_owner: Vec<Option<usize>>,
}

impl Gazetteer {
    /// Parses a list written as TOML tables named `table` ("agency" or "org").
    pub fn from_toml(text: &str, table: &str) -> Result<Gazetteer, String> {
        Gazetteer::new(&parse_list(text, table)?)
    }

    pub fn new(entries: &[Entry]) -> Result<Gazetteer, String> {
        Gazetteer::combined(&[entries])
    }

    /// Several lists matched in one pass (the agencies and the vendors): [`Gazetteer::find_each`]
    /// sorts what it finds by list.
    pub fn combined(lists: &[&[Entry]]) -> Result<Gazetteer, String> {
        let entries: Vec<(usize, &Entry)> = lists
            .iter()
            .enumerate()
            .flat_map(|(l, entries)| entries.iter().map(move |e| (l, e)))
            .collect();
        let mut list = Vec::new();
        let mut names = Vec::new();
        let (mut words, mut word_owner) = (Vec::new(), Vec::new());
        let (mut acronyms, mut acronym_owner) = (Vec::new(), Vec::new());
        for (n, &(l, entry)) in entries.iter().enumerate() {
            if entry.name.trim().is_empty() {
                let first = entries.iter().position(|&(x, _)| x == l).unwrap_or(0);
                return Err(format!("entry {} has an empty `name`", n - first + 1));
            }
            list.push(l);
            // A name that is also a word is listed among the forms matched as written.
            let name_as_alias = (!entry.acronyms.contains(&entry.name)).then_some(&entry.name);
            for alias in entry.aliases.iter().chain(name_as_alias) {
                if !alias.trim().is_empty() {
                    words.push(alias.trim().to_owned());
                    word_owner.push(Some(n));
                }
            }
            for acronym in &entry.acronyms {
                if !acronym.trim().is_empty() {
                    acronyms.push(acronym.trim().to_owned());
                    acronym_owner.push(Some(n));
                }
            }
            for form in entry.exclude.iter().filter(|f| !f.trim().is_empty()) {
                words.push(form.trim().to_owned());
                word_owner.push(None);
                acronyms.push(form.trim().to_owned());
                acronym_owner.push(None);
            }
            names.push(Arc::from(entry.name.trim()));
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
        Ok(Gazetteer {
            names,
            list,
            words: build(&words, true)?,
            word_owner,
            acronyms: build(&acronyms, false)?,
            acronym_owner,
        })
    }

    /// The canonical names `text` names, in order of first mention, added to `found` unless
    /// already there.
    pub fn find_into(&self, text: &str, found: &mut Vec<Arc<str>>) {
        self.find_each(text, std::slice::from_mut(found));
    }

    /// Like [`Gazetteer::find_into`], each name added to `found[i]` for the list `i` it came
    /// from.
    pub fn find_each(&self, text: &str, found: &mut [Vec<Arc<str>>]) {
        let bytes = text.as_bytes();
        let whole_word = |start: usize, end: usize| {
            let before = start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(end).copied();
            !before.is_some_and(|b| b.is_ascii_alphanumeric())
                && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        };
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for m in self.words.find_iter(text) {
            if let Some(owner) = self.word_owner[m.pattern().as_usize()]
                && whole_word(m.start(), m.end())
            {
                hits.push((m.start(), owner));
            }
        }
        for m in self.acronyms.find_iter(text) {
            if let Some(owner) = self.acronym_owner[m.pattern().as_usize()]
                && whole_word(m.start(), m.end())
            {
                hits.push((m.start(), owner));
            }
        }
        hits.sort_unstable();
        for (_, owner) in hits {
            let name = &self.names[owner];
            if let Some(found) = found.get_mut(self.list[owner])
                && !found.contains(name)
            {
                found.push(name.clone());
            }
        }
    }

    /// The canonical names `text` names, in order of first mention.
    pub fn find(&self, text: &str) -> Vec<Arc<str>> {
        let mut found = Vec::new();
        self.find_into(text, &mut found);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agencies() -> Gazetteer {
        Gazetteer::from_toml(SHIPPED_AGENCIES, "agency").unwrap()
    }

    fn find(g: &Gazetteer, text: &str) -> Vec<String> {
        g.find(text).iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn names_aliases_and_acronyms_fold_to_one_agency() {
        let a = agencies();
        assert_eq!(
            find(
                &a,
                "The Pentagon's CDAO and DoD's DIU signed with the Department of War"
            ),
            [
                "Department of Defense",
                "Chief Digital and Artificial Intelligence Office",
                "Defense Innovation Unit"
            ]
        );
        assert_eq!(
            find(
                &a,
                "GSA and the Office of Management and Budget issued guidance; OMB said"
            ),
            [
                "General Services Administration",
                "Office of Management and Budget"
            ]
        );
        assert_eq!(
            find(&a, "NIST's AI Safety Institute"),
            ["National Institute of Standards and Technology"]
        );
    }

    #[test]
    fn acronyms_that_are_words_and_partial_words_do_not_count() {
        let a = agencies();
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
            find(&a, "Army awards AI contract"),
            ["Department of the Army"]
        );
        assert!(find(&a, "The Salvation Army and the Royal Navy").is_empty());
        assert_eq!(
            find(&a, "ICE agents"),
            ["U.S. Immigration and Customs Enforcement"]
        );
    }

    #[test]
    fn vendors_fold_their_aliases_and_common_words_do_not_count() {
        let o = Gazetteer::from_toml(SHIPPED_ORGS, "org").unwrap();
        assert_eq!(
            find(
                &o,
                "AWS and Amazon Web Services host Claude Gov; OpenAI's ChatGPT Gov too"
            ),
            ["Amazon Web Services", "Anthropic", "OpenAI"]
        );
        assert_eq!(
            find(&o, "Meta offers Llama; xAI offers Grok"),
            ["Meta", "xAI"]
        );
        for text in [
            "a meta-analysis at scale",
            "Meta-analysis finds little effect",
            "The Oracle of Omaha warns",
            "the XAI field of explainable AI",
            "scale ai use",
        ] {
            assert!(find(&o, text).is_empty(), "{text}: {:?}", find(&o, text));
        }
    }

    #[test]
    fn operators_extend_a_list_with_new_forms_and_new_names() {
        let base = parse_list(SHIPPED_AGENCIES, "agency").unwrap();
        let extra = [
            Entry {
                name: "Department of Defense".into(),
                aliases: vec!["Fort Fumble".into()],
                acronyms: vec![],
                exclude: vec![],
            },
            Entry {
                name: "Tennessee Valley Authority".into(),
                aliases: vec![],
                acronyms: vec!["TVA".into()],
                exclude: vec![],
            },
        ];
        let g = Gazetteer::new(&merge(base, &extra)).unwrap();
        assert_eq!(
            find(&g, "Fort Fumble and TVA"),
            ["Department of Defense", "Tennessee Valley Authority"]
        );
    }

    #[test]
    fn a_bad_list_is_an_error() {
        assert!(Gazetteer::from_toml("[[agency]]\nname = 1\n", "agency").is_err());
        assert!(Gazetteer::from_toml("[[agency]]\nname = \"X\"\ncolour = []\n", "agency").is_err());
    }
}
