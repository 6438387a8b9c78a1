//! Topics: named queries in `govwatch search`'s language that every item is tested against at
//! ingest (between `store` and `index`, in [`crate::pipeline::Indexer`]). An item's topics are
//! recorded in the store (`item_topics`) and indexed (`topic:contracts` in search); digests
//! group by them.
//!
//! govwatch ships [`default_topics`] for government-AI policy; config `[[topic]]` entries add
//! topics or replace a default of the same name ([`Topics::with_overrides`]).
//!
//! The analyzer stems English and drops stopwords (see `index::analyzer`), which shapes how
//! the default queries are written: a stem covers many words ("hearing" is "hear", so "hearing
//! aid" would match a bare `hearing`), so ambiguous words only appear inside phrases or next to
//! a word that disambiguates them, and no phrase consists of a single word plus stopwords
//! (which would shrink to that word).

use serde::Serialize;

/// A named query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// `[a-z0-9-]+`, at most [`MAX_TOPIC_NAME_LEN`] bytes.
    pub name: String,
    pub description: String,
    /// A query in `govwatch search`'s language.
    pub query: String,
}

/// Longest topic name accepted.
pub const MAX_TOPIC_NAME_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    #[error(
        "topic name {name:?} is not valid: use lowercase letters, digits and '-' (at most \
         {MAX_TOPIC_NAME_LEN} characters)"
    )]
    InvalidName { name: String },
    #[error("topic {name:?} is defined twice")]
    Duplicate { name: String },
    #[error("topic {name:?} has an invalid query: {source}")]
    Query {
        name: String,
        #[source]
        source: crate::index::IndexError,
    },
}

impl TopicError {
    /// The name of the topic at fault.
    pub fn topic(&self) -> &str {
        match self {
            TopicError::InvalidName { name }
            | TopicError::Duplicate { name }
            | TopicError::Query { name, .. } => name,
        }
    }
}

/// Whether `name` is a valid topic name.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOPIC_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The effective set of topics: the defaults, with config entries replacing defaults of the
/// same name (in place) and adding the others (after the defaults, in config order). Every
/// name is valid and unique, and every query parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    topics: Vec<Topic>,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            topics: default_topics(),
        }
    }
}

impl Topics {
    /// The defaults merged with `entries`, validated. The defaults themselves are validated
    /// too: a default that no longer parses is a bug that tests catch, not a silent no-match.
    pub fn with_overrides(entries: Vec<Topic>) -> Result<Topics, TopicError> {
        let mut topics = default_topics();
        let mut seen = std::collections::HashSet::new();
        for entry in entries {
            if !is_valid_name(&entry.name) {
                return Err(TopicError::InvalidName { name: entry.name });
            }
            if !seen.insert(entry.name.clone()) {
                return Err(TopicError::Duplicate { name: entry.name });
            }
            match topics.iter_mut().find(|t| t.name == entry.name) {
                Some(default) => *default = entry,
                None => topics.push(entry),
            }
        }
        Topics::new(topics)
    }

    /// Exactly these topics (no defaults), validated.
    pub fn new(topics: Vec<Topic>) -> Result<Topics, TopicError> {
        let mut seen = std::collections::HashSet::new();
        for topic in &topics {
            if !is_valid_name(&topic.name) {
                return Err(TopicError::InvalidName {
                    name: topic.name.clone(),
                });
            }
            if !seen.insert(topic.name.as_str()) {
                return Err(TopicError::Duplicate {
                    name: topic.name.clone(),
                });
            }
            crate::index::check_topic_query(&topic.query).map_err(|source| TopicError::Query {
                name: topic.name.clone(),
                source,
            })?;
        }
        Ok(Topics { topics })
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Topic> {
        self.topics.iter()
    }

    pub fn as_slice(&self) -> &[Topic] {
        &self.topics
    }

    pub fn get(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }

    pub fn len(&self) -> usize {
        self.topics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

impl<'a> IntoIterator for &'a Topics {
    type Item = &'a Topic;
    type IntoIter = std::slice::Iter<'a, Topic>;

    fn into_iter(self) -> Self::IntoIter {
        self.topics.iter()
    }
}

/// The names of the default topics, in order (tests hold [`default_topics`] to it).
pub const DEFAULT_TOPIC_NAMES: &[&str] = &[
    "contracts",
    "hearings",
    "rules",
    "executive",
    "procurement",
    "legislation",
    "oversight",
    "partnerships",
    "budget",
    "security",
];

/// What makes an item about AI: the words for it, its kinds of systems, and the products,
/// model makers and offices that only exist for it.
const AI_QUERY: &[&str] = &[
    "ai",
    "\"artificial intelligence\"",
    "\"machine learning\"",
    "\"deep learning\"",
    "\"neural network\"",
    "\"neural networks\"",
    "genai",
    "llm",
    "llms",
    "\"language model\"",
    "\"language models\"",
    "\"foundation model\"",
    "\"foundation models\"",
    "\"frontier model\"",
    "\"frontier models\"",
    "chatbot",
    "chatbots",
    "agentic",
    "\"computer vision\"",
    "\"facial recognition\"",
    "\"face recognition\"",
    "biometric",
    "biometrics",
    "algorithm",
    "algorithms",
    "algorithmic",
    "\"automated decision\"",
    "deepfake",
    "deepfakes",
    "autonomous",
    "autonomy",
    "chatgpt",
    "gpt",
    "openai",
    "anthropic",
    "claude",
    "gemini",
    "llama",
    "copilot",
    "grok",
    "xai",
    "palantir",
    "\"scale ai\"",
    "maven",
    "cdao",
    "\"data center\"",
    "\"data centers\"",
    "semiconductor",
    "semiconductors",
    "gpu",
    "gpus",
    "nvidia",
    "\"advanced computing\"",
];

/// The topics govwatch ships, for government-AI policy. Each query names the forms the thing
/// takes in headlines and announcements; tests in `tests/topics.rs` hold each one to
/// headlines it must match and near misses it must not.
pub fn default_topics() -> Vec<Topic> {
    // Each topic is about AI in government: the forms below, or the document kind extraction
    // found, in an item that is about AI at all (the feeds are broad: all of GAO, every
    // committee hearing, every DoD contract).
    // Entries starting with `NOT ` leave out documents of other kinds that merely mention
    // the topic (a proposed rule citing an executive order is a rule, not executive action;
    // a DoD award bulletin saying how the solicitation went is not a solicitation).
    let topic = |name: &str, description: &str, query: &[&str]| {
        let (not, any): (Vec<&str>, Vec<&str>) = query.iter().partition(|q| q.starts_with("NOT "));
        let not: Vec<&str> = not.iter().map(|q| &q["NOT ".len()..]).collect();
        let mut query = format!("({}) AND ({})", AI_QUERY.join(" OR "), any.join(" OR "));
        if !not.is_empty() {
            query.push_str(&format!(" AND NOT ({})", not.join(" OR ")));
        }
        Topic {
            name: name.to_owned(),
            description: description.to_owned(),
            query,
        }
    };
    vec![
        topic(
            "contracts",
            "Contract awards: task and delivery orders, OTAs, IDIQs, BPAs, dollar values",
            &[
                "kind:award",
                "NOT kind:solicitation",
                "NOT kind:rfi",
                "NOT kind:bill_action",
                "\"enterprise agreement\"",
                "\"enterprise deal\"",
                "\"enterprise service agreement\"",
                "\"prototype agreement\"",
                "\"awarded agreement\"~3",
                "\"awards agreement\"~3",
                "\"multiple award schedule\"",
                "OneGov",
                // A bare "contract" would take in "social contract" and "muscles contract":
                // only the award forms, within a few words of each other.
                "\"award contract\"~3",
                "\"contract award\"~1",
                "\"contract awarded\"~2",
                "\"win contract\"~3",
                "\"won contract\"~3",
                "\"land contract\"~3",
                "\"secures contract\"~3",
                "\"receives contract\"~3",
                "\"million contract\"~2",
                "\"billion contract\"~2",
                "\"contract worth\"~1",
                "\"contract valued\"~1",
                "\"contract ceiling\"",
                "\"task order\"",
                "\"delivery order\"",
                "\"other transaction agreement\"",
                "\"other transaction authority\"",
                "\"other transaction prototype\"",
                "OTA",
                "IDIQ",
                "\"indefinite delivery indefinite quantity\"",
                "\"blanket purchase agreement\"",
                // BPA is also bisphenol A.
                "(BPA AND (award OR agreement OR GSA OR order OR vendor))",
                "\"multiple award contract\"",
                "\"sole source contract\"~1",
                "\"production agreement\"",
                "\"OneGov agreement\"",
            ],
        ),
        topic(
            "hearings",
            "Congressional hearings, testimony, markups and nominations",
            &[
                "kind:hearing",
                "kind:testimony",
                // "hearing" stems to "hear" ("hearing aid", "we hear"): only in phrases.
                "\"committee hearing\"",
                "\"subcommittee hearing\"",
                "\"congressional hearing\"",
                "\"senate hearing\"",
                "\"house hearing\"",
                "\"oversight hearing\"",
                "\"confirmation hearing\"",
                "\"nomination hearing\"",
                "\"legislative hearing\"",
                "\"field hearing\"",
                "\"hearing entitled\"",
                "\"hearing titled\"",
                "\"hold hearing\"~2",
                "\"holds hearing\"~2",
                "\"hearing examines\"",
                // "testimonials" stems like "testimony".
                "(testimony AND (committee OR subcommittee OR congress OR senate OR house OR hearing))",
                "testify",
                "testified",
                "testifies",
                "\"committee markup\"",
                "(markup AND (committee OR subcommittee OR bill OR amendment))",
                "(nominee AND (senate OR committee OR confirmation))",
                "\"nominated to serve\"",
                "\"senate confirms\"~1",
                "\"confirmation vote\"",
            ],
        ),
        topic(
            "rules",
            "Proposed and final rules, RFIs, requests for comment",
            &[
                "kind:proposed_rule",
                "kind:final_rule",
                "kind:rfi",
                "\"proposed rule\"",
                "\"proposed rules\"",
                // "ruling" stems to "rule": a court's final ruling is not a final rule.
                "(\"final rule\" AND NOT (judge OR court OR jury OR lawsuit))",
                "\"interim final rule\"",
                "\"direct final rule\"",
                "rulemaking",
                "\"rule making\"",
                "NPRM",
                "ANPRM",
                "\"advance notice of proposed\"",
                "\"proposed regulation\"",
                "\"proposed regulations\"",
                "\"final regulations\"",
                "\"request for information\"",
                "RFI",
                // News stories end with "did not respond to a request for comment": only the
                // forms an agency uses when it asks the public.
                "\"request for public comment\"",
                "\"requests public comment\"",
                "\"seeks comment\"~2",
                "\"seeking comment\"~2",
                "\"solicits comment\"~2",
                "\"invites comment\"~2",
                "\"public comment\"",
                "\"comment period\"",
                "\"comments are due\"",
                "(title:\"request for comment\" AND NOT title:respond)",
                "(title:\"requests for comment\" AND NOT title:respond)",
            ],
        ),
        topic(
            "executive",
            "Executive orders, OMB memos, guidance and strategies",
            &[
                "kind:executive_action",
                "NOT kind:proposed_rule",
                "NOT kind:final_rule",
                "NOT kind:rfi",
                "NOT kind:report",
                "NOT kind:bill_action",
                "NOT kind:award",
                "NOT kind:solicitation",
                // Not "executive" alone: "executive summary", "chief executive".
                "\"executive order\"",
                "\"executive orders\"",
                "\"presidential memorandum\"",
                "\"national security memorandum\"",
                "\"presidential action\"",
                "(OMB AND (memo OR memorandum OR guidance OR policy))",
                "(\"office of management and budget\" AND (memo OR memorandum OR guidance OR policy))",
                "\"action plan\"",
                "\"national strategy\"",
                "\"ai strategy\"",
                "\"artificial intelligence strategy\"",
                "\"strategic plan\"",
                "\"implementation plan\"",
                "\"compliance plan\"",
                "\"issues guidance\"~2",
                "\"releases guidance\"~2",
                "\"guidance memo\"",
                "\"omb guidance\"",
                "\"federal guidance\"",
                "\"draft guidance\"",
                "\"final guidance\"",
                "\"interim guidance\"",
                "\"white house fact sheet\"",
            ],
        ),
        topic(
            "procurement",
            "Solicitations: RFPs, RFQs, sources sought, BAAs, industry days",
            &[
                "kind:solicitation",
                "NOT kind:award",
                "\"asks industry\"",
                "\"industry input\"",
                "\"request for proposals\"",
                "\"request for proposal\"",
                "RFP",
                "RFPs",
                "RFQ",
                "RFQs",
                "\"request for quote\"",
                "\"request for quotes\"",
                "\"request for quotation\"",
                "\"request for quotations\"",
                "\"sources sought\"",
                "presolicitation",
                "\"pre solicitation\"",
                // "solicitation of a minor" is a crime, not a procurement.
                "(solicitation AND (contract OR proposals OR offerors OR vendors OR RFP OR \"sam.gov\" OR award OR industry OR procurement))",
                "\"broad agency announcement\"",
                "BAA",
                "\"commercial solutions opening\"",
                "\"industry day\"",
                "\"sam.gov\"",
                "title:procurement",
            ],
        ),
        topic(
            "legislation",
            "Bills and NDAA provisions",
            &[
                "kind:bill_action",
                "(markup AND (committee OR subcommittee OR bill OR act OR amendment))",
                "\"executive session\"",
                "\"business meeting\"",
                // Not "bill" alone: Bill Gates, electricity bills, dollar bills.
                "legislation",
                "NDAA",
                "\"national defense authorization act\"",
                "\"defense authorization bill\"",
                "\"introduce bill\"~3",
                "\"introduces bill\"~3",
                "\"introduced bill\"~3",
                "\"bill introduced\"~2",
                "\"bipartisan bill\"",
                "\"senate bill\"",
                "\"house bill\"",
                "\"passes bill\"~3",
                "\"bill passes\"~2",
                "\"signs bill\"~1",
                "\"signed into law\"",
                "\"bill would\"",
                "cosponsor",
                "cosponsors",
                "\"co sponsor\"",
                "\"co sponsored\"",
            ],
        ),
        topic(
            "oversight",
            "GAO, inspectors general, audits and congressional oversight",
            &[
                "kind:report",
                "NOT kind:bill_action",
                "GAO",
                "\"government accountability office\"",
                "\"inspector general\"",
                "\"inspectors general\"",
                "OIG",
                // "an oversight" is a slip, and Meta has an Oversight Board.
                "\"oversight committee\"",
                "\"congressional oversight\"",
                "\"oversight and accountability\"",
                "\"oversight and government reform\"",
                "\"oversight and reform\"",
                "\"oversight hearing\"",
                // Only audits of government, not audit logs or a company's auditors.
                "((audit OR audits OR audited) AND (federal OR agency OR agencies OR department OR government OR GAO OR OIG) AND NOT (\"audit log\" OR \"audit logs\" OR \"audit trail\"))",
                "watchdog",
            ],
        ),
        topic(
            "partnerships",
            "Vendor deals with agencies, such as a model maker selling through a cloud provider's government regions",
            &[
                "GovCloud",
                "\"azure government\"",
                "\"google public sector\"",
                "\"government cloud\"",
                "\"government region\"",
                "\"government regions\"",
                "FedRAMP",
                "OneGov",
                "\"impact level\"",
                "consortium",
                "\"memorandum of understanding\"",
                "\"signs agreement\"~3",
                "\"signed agreement\"~3",
                "\"signs agreements\"~3",
                "((partnership OR partner OR partners OR partnering OR \"teams up\" OR \"team up\" OR collaboration OR alliance OR deal) \
                 AND (agency OR agencies OR federal OR pentagon OR \"department of defense\" OR DoD OR military OR army OR navy OR \"air force\" OR GSA OR \"government customers\" OR \"public sector\"))",
            ],
        ),
        topic(
            "budget",
            "Appropriations, budget requests and federal spending",
            &[
                // "appropriations" stems like "appropriate": only in phrases.
                "\"appropriations bill\"",
                "\"appropriations bills\"",
                "\"appropriations committee\"",
                "\"appropriations subcommittee\"",
                "\"appropriations act\"",
                "\"appropriations package\"",
                "\"appropriations request\"",
                "\"house appropriations\"",
                "\"senate appropriations\"",
                "\"continuing resolution\"",
                "omnibus",
                "\"spending bill\"",
                "\"spending package\"",
                "\"spending cuts\"",
                "\"federal spending\"",
                "\"government spending\"",
                "\"defense spending\"",
                "\"budget request\"",
                "\"budget proposal\"",
                "\"budget resolution\"",
                "\"budget reconciliation\"",
                "\"budget cuts\"",
                "\"funding bill\"",
                "\"funding cuts\"",
                "\"government shutdown\"",
                "rescission",
                "rescissions",
            ],
        ),
        topic(
            "security",
            "Security incidents, vulnerabilities and clearances",
            &[
                // Not "security" alone (Social Security, food security, a security blanket)
                // nor "vulnerable" (which "vulnerability" stems like).
                "cybersecurity",
                "\"security vulnerability\"",
                "\"security vulnerabilities\"",
                "\"critical vulnerability\"",
                "\"critical vulnerabilities\"",
                "\"exploited vulnerability\"~2",
                "\"exploited vulnerabilities\"~2",
                "\"vulnerability disclosure\"",
                "CVE",
                "\"zero day\"",
                "\"security flaw\"",
                "\"security flaws\"",
                "\"security incident\"",
                "\"cyber incident\"",
                "cyberattack",
                "cyberattacks",
                "\"cyber attack\"",
                "ransomware",
                "malware",
                "\"data breach\"",
                "\"security breach\"",
                "hackers",
                "\"prompt injection\"",
                "\"security clearance\"",
                "\"security clearances\"",
                "\"clearance holders\"",
                "\"top secret clearance\"",
                "\"insider threat\"",
                "espionage",
                "CISA",
                "\"emergency directive\"",
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn the_defaults_are_the_ten_the_issue_names_and_all_parse() {
        let names: Vec<String> = default_topics().into_iter().map(|t| t.name).collect();
        assert_eq!(names, DEFAULT_TOPIC_NAMES);
        let topics = Topics::default();
        assert_eq!(Topics::new(default_topics()).unwrap(), topics);
        assert!(topics.iter().all(|t| !t.description.is_empty()));
    }

    #[test]
    fn overrides_replace_in_place_and_add_at_the_end() {
        let mine = |name: &str, query: &str| Topic {
            name: name.into(),
            description: "mine".into(),
            query: query.into(),
        };
        let topics = Topics::with_overrides(vec![
            mine("facial-recognition", "\"facial recognition\""),
            mine("contracts", "\"task order\""),
        ])
        .unwrap();
        assert_eq!(topics.len(), 11);
        assert_eq!(topics.as_slice()[0], mine("contracts", "\"task order\""));
        assert_eq!(topics.as_slice()[10].name, "facial-recognition");

        for (entries, culprit) in [
            (vec![mine("Bad Name", "x")], "Bad Name"),
            (vec![mine("", "x")], ""),
            (vec![mine("a", "x"), mine("a", "y")], "a"),
            (vec![mine("broken", "title:(")], "broken"),
            (vec![mine("nosuch", "nosuchfield:x")], "nosuch"),
            (vec![mine("self", "topic:contracts")], "self"),
        ] {
            let err = Topics::with_overrides(entries).unwrap_err();
            assert_eq!(err.topic(), culprit, "{err}");
            assert!(err.to_string().contains(&format!("{culprit:?}")), "{err}");
        }
    }
}
