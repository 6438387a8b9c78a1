//! The generated corpus every scenario runs on: government-AI news items with realistic
//! titles (drawn from the forms real headlines take), HTML descriptions of about 1 KB, and
//! feeds of 20–100 items. Deterministic for a seed, so govwatch and each peer see the same
//! bytes, and two runs see the same data.

use chrono::{DateTime, Duration, TimeZone, Utc};

/// xorshift64: tiny, deterministic, good enough to pick words.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const AGENCIES: &[&str] = &[
    "Pentagon",
    "CDAO",
    "DIU",
    "GSA",
    "OMB",
    "NIST",
    "DHS",
    "CISA",
    "Army",
    "Navy",
    "Air Force",
    "VA",
    "HHS",
    "Commerce Department",
    "State Department",
    "NASA",
    "DOE",
];
const VENDORS: &[&str] = &[
    "OpenAI",
    "Anthropic",
    "Google",
    "Microsoft",
    "AWS",
    "Palantir",
    "Scale AI",
    "Meta",
    "xAI",
    "Nvidia",
    "Anduril",
    "Booz Allen",
    "Leidos",
    "IBM",
    "Oracle",
    "Accenture",
];
const TOPICS: &[&str] = &[
    "generative AI",
    "large language models",
    "AI agents",
    "computer vision",
    "predictive maintenance",
    "facial recognition",
    "autonomous drones",
    "cloud computing",
    "cybersecurity",
    "data analytics",
    "chatbots",
    "machine learning",
    "AI safety testing",
    "logistics",
    "benefits processing",
    "fraud detection",
    "translation",
];
const TITLES: &[&str] = &[
    "{a} awards ${m} million contract to {v} for {t}",
    "{v} wins {a} task order for {t}",
    "{a} issues request for information on {t}",
    "Senate committee hearing examines {t} at {a}",
    "{a} releases draft guidance on {t}",
    "GAO finds gaps in {a} oversight of {t}",
    "{v} and {a} announce partnership on {t}",
    "{a} seeks industry input on {t} pilot",
    "Bill would require {a} to report on {t}",
    "{a} proposed rule would govern {t}",
    "Inspector general faults {a} {t} program",
    "{v} brings {t} to government cloud regions",
    "OMB memo directs agencies on {t}",
    "{a} budget request adds ${m} million for {t}",
    "Sources sought: {t} for {a}",
];
const SENTENCES: &[&str] = &[
    "The agency said the effort would modernize operations and reduce backlogs.",
    "Officials described the work as a pilot that could scale across the department.",
    "The contract includes a base period and several option years.",
    "Lawmakers pressed officials on risk management, testing and evaluation.",
    "The guidance sets requirements for inventories, impact assessments and human review.",
    "Industry groups welcomed the move but asked for clearer acquisition rules.",
    "The watchdog recommended that the agency document its data governance.",
    "Comments are due within 30 days of publication in the Federal Register.",
    "The vendor will provide models through accredited government cloud regions.",
    "Funding comes from the technology modernization fund and annual appropriations.",
    "Privacy advocates raised concerns about civil rights and transparency.",
    "The program office plans an industry day before releasing a solicitation.",
];

/// One generated item.
pub struct GenItem {
    pub guid: String,
    pub title: String,
    /// HTML, about 1 KB.
    pub description: String,
    pub link: String,
    pub published: DateTime<Utc>,
}

/// The first item's date; items are 10 minutes apart.
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 6, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn item(rng: &mut Rng, n: usize) -> GenItem {
    let template = rng.pick(TITLES);
    let title = template
        .replace("{a}", rng.pick(AGENCIES))
        .replace("{v}", rng.pick(VENDORS))
        .replace("{t}", rng.pick(TOPICS))
        .replace("{m}", &(5 + rng.below(900)).to_string());
    let mut description = format!("<p><strong>{title}.</strong> ");
    while description.len() < 1000 {
        description.push_str(rng.pick(SENTENCES));
        description.push(' ');
        if rng.below(4) == 0 {
            description.push_str("</p><p>");
        }
    }
    description.push_str("</p>");
    GenItem {
        guid: format!("bench-item-{n}"),
        link: format!("https://news.example.gov/items/{n}"),
        published: base_time() + Duration::minutes(10 * n as i64),
        title,
        description,
    }
}

/// An RSS 2.0 document of `items`.
pub fn rss(feed: usize, items: &[GenItem]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Bench feed {feed}</title><link>https://news.example.gov/{feed}</link>\
         <description>Generated government-AI news</description>\n"
    );
    for i in items {
        s.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
             <pubDate>{}</pubDate><description><![CDATA[{}]]></description></item>\n",
            escape(&i.title),
            i.link,
            i.guid,
            i.published.to_rfc2822(),
            i.description
        ));
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `feeds` RSS documents of 20–100 items each (50 on average), numbered from `first_item`.
pub fn feeds(rng: &mut Rng, feeds: usize) -> Vec<Vec<u8>> {
    let mut next = 0;
    (0..feeds)
        .map(|f| {
            let n = 20 + rng.below(81);
            let items: Vec<GenItem> = (next..next + n).map(|k| item(rng, k)).collect();
            next += n;
            rss(f, &items)
        })
        .collect()
}

/// `n` items, for the ingest and search scenarios.
pub fn items(rng: &mut Rng, n: usize) -> Vec<GenItem> {
    (0..n).map(|k| item(rng, k)).collect()
}

/// The configuration of generated feed `n`, named `id`, as the store wants it before items of
/// that feed are written.
pub fn feed_config(id: String, n: usize) -> govwatch::feeds::FeedConfig {
    govwatch::feeds::FeedConfig {
        title: Some(format!("Feed {n}")),
        ..govwatch::feeds::FeedConfig::new(
            id,
            // A fixed, valid URL: parsing it cannot fail.
            url::Url::parse(&format!("https://news.example.gov/{n}")).expect("valid url"),
            "bench",
        )
    }
}
