//! What kind of document an item is: an award, a solicitation, a proposed rule, a hearing
//! notice, a GAO report, a news story… Rules from the source first (a feed that declares
//! `document_kind`, a news outlet's host), then cues in the text: the title first, then the
//! feed's categories, then the opening of the summary. The first cue that fires decides, in an
//! order that puts the most specific documents first (a "final rule" title beats the word
//! "award" in it; a "request for information" beats "solicitation").

use std::fmt;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// The kinds, as `kind:` values and facet labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Award,
    Solicitation,
    Rfi,
    ProposedRule,
    FinalRule,
    Notice,
    ExecutiveAction,
    Hearing,
    Testimony,
    Report,
    BillAction,
    PressRelease,
    News,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Award,
        Kind::Solicitation,
        Kind::Rfi,
        Kind::ProposedRule,
        Kind::FinalRule,
        Kind::Notice,
        Kind::ExecutiveAction,
        Kind::Hearing,
        Kind::Testimony,
        Kind::Report,
        Kind::BillAction,
        Kind::PressRelease,
        Kind::News,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Award => "award",
            Kind::Solicitation => "solicitation",
            Kind::Rfi => "rfi",
            Kind::ProposedRule => "proposed_rule",
            Kind::FinalRule => "final_rule",
            Kind::Notice => "notice",
            Kind::ExecutiveAction => "executive_action",
            Kind::Hearing => "hearing",
            Kind::Testimony => "testimony",
            Kind::Report => "report",
            Kind::BillAction => "bill_action",
            Kind::PressRelease => "press_release",
            Kind::News => "news",
        }
    }

    /// A kind by its name; hyphens and spaces count as underscores ("final-rule").
    pub fn parse(name: &str) -> Option<Kind> {
        let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an item comes from, as far as its kind is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A government site (.gov, .mil): its documents are what they say they are.
    Official,
    /// A news outlet: whatever it writes about, it is reporting.
    Press,
    /// Anything else (a company's newsroom, a blog).
    Other,
}

/// Outlets whose items are journalism whatever their subject. Operators declare others with a
/// feed's `document_kind = "news"`.
const PRESS_HOSTS: &[&str] = &[
    "fedscoop.com",
    "defensescoop.com",
    "nextgov.com",
    "fcw.com",
    "govexec.com",
    "federalnewsnetwork.com",
    "breakingdefense.com",
    "defensenews.com",
    "defenseone.com",
    "federalnewsnetwork.com",
    "insidehighered.com",
    "statnews.com",
    "semafor.com",
    "theinformation.com",
    "fortune.com",
    "forbes.com",
    "bbc.co.uk",
    "bbc.com",
    "cnn.com",
    "npr.org",
    "theguardian.com",
    "ft.com",
    "c4isrnet.com",
    "washingtontechnology.com",
    "govtech.com",
    "meritalk.com",
    "executivegov.com",
    "govconwire.com",
    "insidedefense.com",
    "federaltimes.com",
    "militarytimes.com",
    "airandspaceforces.com",
    "thedefensepost.com",
    "theregister.com",
    "reuters.com",
    "apnews.com",
    "bloomberg.com",
    "politico.com",
    "axios.com",
    "thehill.com",
    "nytimes.com",
    "washingtonpost.com",
    "wsj.com",
    "cnbc.com",
    "theverge.com",
    "techcrunch.com",
    "wired.com",
    "arstechnica.com",
    "venturebeat.com",
    "zdnet.com",
    "statescoop.com",
    "route-fifty.com",
    "route-fifty.org",
    "federalregister.news",
    "lawfaremedia.org",
    "techpolicy.press",
];

/// Whether `host` is `domain` or one of its subdomains.
fn under(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// The host of a URL, lowercase, without parsing the whole URL (this runs on every item).
fn host_of(url: Option<&str>) -> Option<String> {
    let rest = url?.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn source_of(host: Option<&str>) -> Source {
    let Some(host) = host else {
        return Source::Other;
    };
    if host.ends_with(".gov") || host.ends_with(".mil") || host == "gov" {
        Source::Official
    } else if PRESS_HOSTS.iter().any(|d| under(host, d)) {
        Source::Press
    } else {
        Source::Other
    }
}

/// Government hosts that publish only a few kinds of document: the kind they mostly publish,
/// and whether it outranks the cues in an item's summary (a GAO page is a report even when its
/// summary discusses an executive order; a Federal Register entry's summary says whether it is
/// a rule, so there the summary goes first and the host only fills in).
const HOST_KINDS: &[(&str, Kind, bool)] = &[
    ("gao.gov", Kind::Report, true),
    ("cbo.gov", Kind::Report, true),
    ("oversight.gov", Kind::Report, true),
    ("crsreports.congress.gov", Kind::Report, true),
    ("federalregister.gov", Kind::Notice, false),
    ("sam.gov", Kind::Solicitation, false),
    ("docs.house.gov", Kind::Hearing, false),
];

fn host_kind(host: Option<&str>) -> Option<(Kind, bool)> {
    let host = host?;
    HOST_KINDS
        .iter()
        .find(|(domain, _, _)| under(host, domain))
        .map(|&(_, kind, strong)| (kind, strong))
}

/// A cue: the kind it signals and the phrases (lowercase, matched as whole words) that do.
/// Where a cue counts: everywhere, or only on government sites (where "Notice of…",
/// "Hearing" and "Audit" head documents of that kind, and elsewhere mean hearing aids and
/// audit logs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Any,
    Official,
}
use Scope::{Any, Official};

type Cue = (Kind, Scope, &'static [&'static str]);

/// In order: the first kind with a phrase in the text wins.
const CUES: &[Cue] = &[
    (
        Kind::Notice,
        Official,
        &["withdrawal of proposed", "withdrawal of"],
    ),
    (
        Kind::ProposedRule,
        Any,
        &[
            "proposed rule",
            "proposed rules",
            "proposed rulemaking",
            "notice of proposed rulemaking",
            "advance notice of proposed",
            "nprm",
            "anprm",
            "proposed regulation",
            "proposed regulations",
            "proposed amendments",
        ],
    ),
    (
        Kind::FinalRule,
        Any,
        &[
            "final rule",
            "interim final rule",
            "direct final rule",
            "final regulations",
            "interim rule",
            "final rule; correction",
        ],
    ),
    (
        Kind::Rfi,
        Any,
        &[
            "request for information",
            "requests for information",
            "rfi",
            "notice of inquiry",
            "request for comment",
            "request for comments",
            "requests for comment",
            "requests comment",
            "requests comments",
            "request comments",
            "invites comment",
            "invites comments",
            "seeks comment",
            "seeks comments",
            "seeks public comment",
            "seeks public input",
            "seek public input",
            "seeking public input",
            "seeks input",
            "request for public comment",
            "accepting public comments",
            "accepting comments",
            "seeking information",
            "seeking factual information",
            "petition for rulemaking",
        ],
    ),
    (
        Kind::ExecutiveAction,
        Any,
        &[
            "by the authority vested in me",
            "it is hereby ordered",
            "fact sheet: president",
            "fact sheet: vice president",
            "memorandum m-",
            "memo m-",
            "executive order",
            "presidential memorandum",
            "national security memorandum",
            "presidential action",
            "memorandum for the heads of executive departments",
            "memorandum for heads of executive departments",
            "omb memo",
            "omb memorandum",
            "omb issues",
            "omb releases",
            "action plan",
            "fact sheet: president",
            "proclamation",
        ],
    ),
    (
        Kind::BillAction,
        Any,
        &[
            "completes markup",
            "completed markup",
            "votes to advance",
            "voted to advance",
            "ordered reported",
            "into law",
        ],
    ),
    (
        Kind::Testimony,
        Any,
        &[
            "s. hrg.",
            "serial no.",
            "testimony of",
            "testimony before",
            "written testimony",
            "statement for the record",
            "statement of",
            "testifies before",
            "testified before",
            "transcript",
            "prepared remarks",
        ],
    ),
    (
        Kind::Hearing,
        Any,
        &[
            "committee hearing",
            "subcommittee hearing",
            "full committee hearing",
            "field hearing",
            "hearing entitled",
            "hearing titled",
            "hearing:",
            "hearings to examine",
            "nomination hearing",
            "nominations hearing",
            "confirmation hearing",
            "will hold a hearing",
            "holds hearing",
            "committee markup",
            "full committee markup",
            "business meeting",
            "executive session",
        ],
    ),
    (
        Kind::Hearing,
        Official,
        &["hearing", "hearings", "markup", "mark-up", "roundtable"],
    ),
    (
        Kind::Solicitation,
        Any,
        &[
            "request for proposals",
            "request for proposal",
            "rfp",
            "rfq",
            "request for quote",
            "request for quotes",
            "request for quotation",
            "sources sought",
            "broad agency announcement",
            "baa",
            "commercial solutions opening",
            "presolicitation",
            "pre-solicitation",
            "combined synopsis/solicitation",
            "solicitation",
            "industry day",
            "call for proposals",
            "funding opportunity",
            "notice of funding opportunity",
        ],
    ),
    (
        Kind::Solicitation,
        Official,
        &["challenge", "prize competition"],
    ),
    (
        Kind::Report,
        Any,
        &[
            "gao report",
            "gao-",
            "report to congressional",
            "inspector general",
            "oig report",
            "crs report",
            "cbo report",
            "report finds",
            "report says",
            "use case inventory",
        ],
    ),
    (
        Kind::Report,
        Official,
        &[
            "audit",
            "audit of",
            "evaluation of",
            "annual report",
            "report on",
            "recommendations to",
        ],
    ),
    (
        Kind::BillAction,
        Any,
        &[
            "introduces bill",
            "introduce bill",
            "introduced bill",
            "introduces bipartisan",
            "introduce bipartisan",
            "bipartisan bill",
            "introduced the",
            "introduce the",
            "introduces legislation",
            "introduced legislation",
            "introduce legislation",
            "bill introduced",
            "bill would",
            "passes bill",
            "passed the",
            "passes the",
            "signed into law",
            "h.r.",
            "act of 20",
            "ndaa",
            "national defense authorization act",
            "amendment to",
            "reintroduce",
            "reintroduces",
        ],
    ),
    (
        Kind::Award,
        Any,
        &[
            "awarded",
            "task order",
            "delivery order",
            "wins contract",
            "won a contract",
            "onegov agreement",
            "onegov deal",
            "enterprise agreement",
            "other transaction agreement",
            "contract modification",
            "idiq",
            "blanket purchase agreement",
        ],
    ),
    (
        Kind::Award,
        Official,
        &["awards", "award", "selects", "selected for"],
    ),
    (
        Kind::Notice,
        Official,
        &[
            "notice of",
            "notice:",
            "meeting notice",
            "public meeting",
            "privacy act of 1974",
            "system of records",
            "information collection",
            "agency information collection activities",
            "notice of availability",
            "sunshine act",
            "charter renewal",
            "advisory committee",
            "federal advisory committee",
        ],
    ),
];

/// The kind of an item, given the kind its feed declares (if any).
pub fn classify(
    declared: Option<Kind>,
    url: Option<&str>,
    title: &str,
    categories: &[String],
    summary: &str,
) -> Kind {
    if let Some(kind) = declared {
        return kind;
    }
    let host = host_of(url);
    let source = source_of(host.as_deref());
    if source == Source::Press {
        return Kind::News;
    }
    if let Some(kind) = cue(title, source) {
        return kind;
    }
    let host = host_kind(host.as_deref());
    if let Some((kind, true)) = host {
        return kind;
    }
    let categories = categories.join(" \u{1f} ");
    for text in [categories.as_str(), lead(summary)] {
        if let Some(kind) = cue(text, source) {
            return kind;
        }
    }
    match host {
        Some((kind, _)) => kind,
        // A government site's or a company's own page that is none of the above announces
        // something; the news outlets were handled first.
        None => Kind::PressRelease,
    }
}

/// The opening of a summary: what it is usually says up front, and later sentences mention
/// other documents ("…following last year's executive order").
fn lead(summary: &str) -> &str {
    const LEAD: usize = 300;
    if summary.len() <= LEAD {
        return summary;
    }
    let mut end = LEAD;
    while !summary.is_char_boundary(end) {
        end -= 1;
    }
    &summary[..end]
}

/// Every cue phrase in one automaton (a few hundred phrases: one pass over the text instead of
/// one search per phrase), with the position in [`CUES`] of the kind each signals.
struct Cues {
    automaton: AhoCorasick,
    /// Per pattern: its kind's priority (index in CUES) and whether it ends in punctuation.
    patterns: Vec<(usize, bool)>,
}

fn cues() -> &'static Cues {
    static CUE_AUTOMATON: LazyLock<Cues> = LazyLock::new(|| {
        let mut phrases = Vec::new();
        let mut patterns = Vec::new();
        for (priority, (_, _, list)) in CUES.iter().enumerate() {
            for phrase in *list {
                phrases.push(*phrase);
                let open_end = phrase
                    .as_bytes()
                    .last()
                    .is_some_and(|b| !b.is_ascii_alphanumeric());
                patterns.push((priority, open_end));
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&phrases)
            // The phrases are constants checked by the tests below.
            .expect("the cue phrases build an automaton");
        Cues {
            automaton,
            patterns,
        }
    });
    &CUE_AUTOMATON
}

fn cue(text: &str, source: Source) -> Option<Kind> {
    let cues = cues();
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    let mut best: Option<usize> = None;
    for m in cues.automaton.find_overlapping_iter(text) {
        let (priority, open_end) = cues.patterns[m.pattern().as_usize()];
        if best.is_some_and(|b| b <= priority) {
            continue;
        }
        if CUES[priority].1 == Official && source != Source::Official {
            continue;
        }
        let before = m.start().checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(m.end()).copied();
        if !before.is_some_and(word) && (open_end || !after.is_some_and(word)) {
            best = Some(priority);
        }
    }
    best.map(|p| CUES[p].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(url: &str, title: &str, summary: &str) -> Kind {
        classify(None, Some(url), title, &[], summary)
    }

    #[test]
    fn a_declared_kind_wins_and_names_round_trip() {
        assert_eq!(
            classify(Some(Kind::Award), None, "Hearing on AI", &[], ""),
            Kind::Award
        );
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert_eq!(Kind::parse("Final-Rule"), Some(Kind::FinalRule));
        assert_eq!(Kind::parse("memo"), None);
    }

    #[test]
    fn press_outlets_report_whatever_they_cover() {
        assert_eq!(
            kind(
                "https://fedscoop.com/gsa-onegov-openai/",
                "GSA awards OpenAI a OneGov deal",
                ""
            ),
            Kind::News
        );
    }

    #[test]
    fn official_documents_by_their_cues() {
        let gov = "https://www.federalregister.gov/documents/2024/09/11/2024-20529/x";
        assert_eq!(
            kind(
                gov,
                "Establishment of Reporting Requirements",
                "Proposed rule."
            ),
            Kind::ProposedRule
        );
        assert_eq!(
            kind(
                gov,
                "Framework for AI Diffusion",
                "Interim final rule; request for comments."
            ),
            Kind::FinalRule
        );
        assert_eq!(
            kind(
                "https://www.whitehouse.gov/x",
                "Removing Barriers to American Leadership in AI",
                "By the authority vested in me… it is hereby ordered: this executive order"
            ),
            Kind::ExecutiveAction
        );
        assert_eq!(
            kind(
                "https://sam.gov/opp/1/view",
                "Sources Sought: Generative AI Pilot",
                ""
            ),
            Kind::Solicitation
        );
        assert_eq!(
            kind(
                "https://www.defense.gov/News/Contracts/",
                "Contracts For July 14, 2025",
                "Anthropic PBC, San Francisco, California, was awarded a $200,000,000 other transaction agreement"
            ),
            Kind::Award
        );
        assert_eq!(
            kind(
                "https://www.commerce.senate.gov/2025/5/x",
                "Full Committee Hearing: Winning the AI Race",
                ""
            ),
            Kind::Hearing
        );
        assert_eq!(
            kind(
                "https://www.gsa.gov/about-us/newsroom/x",
                "GSA launches USAi",
                "GSA today launched a platform"
            ),
            Kind::PressRelease
        );
    }

    #[test]
    fn cues_are_whole_words_in_any_case() {
        let official = Source::Official;
        assert_eq!(cue("a baar opens", official), None);
        assert_eq!(cue("The BAA closes", official), Some(Kind::Solicitation));
        assert_eq!(cue("see gao-24-105980", official), Some(Kind::Report));
        assert_eq!(cue("the hearings.", official), Some(Kind::Hearing));
        assert_eq!(cue("unheard", official), None);
        // The most specific kind wins wherever it is in the text.
        assert_eq!(
            cue("Hearing on the final rule", official),
            Some(Kind::FinalRule)
        );
        assert_eq!(
            cue("Withdrawal of Proposed Rules", official),
            Some(Kind::Notice)
        );
        assert_eq!(cue("Notice of public meeting", Source::Other), None);
    }
}
