//! Topic quality: each default topic, run through the real matcher (the one ingest uses),
//! matches the headlines it should and not the near misses that share its words.

use chrono::{TimeZone, Utc};
use govwatch::index::TopicMatcher;
use govwatch::model::{Item, StoredItem};
use govwatch::topics::Topics;

/// For each default topic: headlines it must match, then near misses it must not.
const CASES: &[(&str, &[&str], &[&str])] = &[
    (
        "contracts",
        &[
            "Army awarded a $45 million contract for AI-enabled targeting",
            "Booz Allen wins $1.2 billion Pentagon contract for AI analytics",
            "DISA issues task order for generative AI pilot",
            "Air Force signs other transaction agreement with Anduril for autonomous drones",
            "DHS awards IDIQ for machine learning services",
            "GSA establishes blanket purchase agreement for AI tools",
            "Palantir lands $480 million Army contract for Maven",
            "Contract awarded to Scale AI for data labeling",
            "CDAO issues OTA to four frontier model makers",
            "Navy places delivery order for AI predictive maintenance software",
        ],
        &[
            "Rethinking the social contract in the age of AI",
            // Government, but not AI: the default topics are about AI in government.
            "Navy awards $2 billion contract for two destroyers",
            "Muscles contract faster under the new stimulation method",
            "Economists expect the economy to contract in the fourth quarter",
            "Contractor blogs about life on a military base",
            "Award-winning documentary explores the social contract",
            "EPA proposes limits on BPA in food packaging",
            "Contract law professors debate AI liability",
            "Team wins championship in overtime",
        ],
    ),
    (
        "hearings",
        &[
            "Senate Commerce Committee hearing on AI safety",
            "House subcommittee hearing examines federal use of facial recognition",
            "OpenAI CEO testifies before Congress on AI regulation",
            "Testimony of the CDAO before the Armed Services Committee",
            "Committee markup of the AI Accountability Act",
            "Senate holds confirmation hearing for OSTP director nominee on AI policy",
            "Judiciary committee to hold a hearing on deepfakes",
            "Nominee for CISA director faces Senate questions on AI threats",
            "Senate confirms new federal chief AI officer",
        ],
        &[
            "New AI hearing aids filter background noise",
            "Study links hearing loss to dementia",
            "We hear you: product updates from our team",
            "Oscar nominations announced for 2027",
            "HTML markup tips for accessible websites",
            "Retailers raise markup on electronics",
            "Customer testimonials for our AI chatbot",
            "Markup language for describing neural networks",
        ],
    ),
    (
        "rules",
        &[
            "FCC proposed rule would require AI disclosure in political ads",
            "HHS issues final rule on algorithmic discrimination in health care",
            "Commerce publishes interim final rule on AI chip exports",
            "NTIA request for information on open-weight AI models",
            "FTC opens rulemaking on commercial surveillance algorithms",
            "Copyright Office seeks public comment on AI training",
            "Agency extends comment period for AI procurement rule",
            "OMB issues RFI on federal AI use",
            "Notice of proposed rulemaking on automated decision systems",
        ],
        &[
            "The rule of law in the age of algorithms",
            "Supreme Court rules on AI patent case",
            "Judge issues final ruling in AI copyright lawsuit",
            "Ruling party wins majority in regional election",
            "Company did not respond to a request for comment",
            "The golden rule of prompt engineering",
            "Analysts rule out a rate cut this year",
            "Users comment on new chatbot features",
        ],
    ),
    (
        "executive",
        &[
            "President signs executive order on AI safety",
            "OMB memo M-24-10 sets AI governance requirements for agencies",
            "White House releases AI Action Plan",
            "National security memorandum on AI issued",
            "Department of Energy publishes AI strategy",
            "DHS issues guidance on generative AI use",
            "Agencies post AI compliance plans under OMB guidance",
            "Presidential memorandum directs agencies to accelerate AI adoption",
        ],
        &[
            "Executive summary: the state of AI in 2026",
            "Chief executive of chipmaker steps down",
            "Executive director named at AI nonprofit",
            "Startup executive shares hiring tips",
            "School hires new guidance counselor",
            "Executive chef opens restaurant downtown",
            "Marketing strategy tips for small businesses",
            "Board orders review of executive pay",
        ],
    ),
    (
        "procurement",
        &[
            "Army issues request for proposals for AI-enabled logistics",
            "DHS releases RFP for AI translation services",
            "VA posts sources sought notice for clinical AI",
            "GSA RFQ for generative AI platforms",
            "DIU commercial solutions opening for autonomous systems",
            "DARPA broad agency announcement on AI assurance",
            "Space Force draft solicitation for AI data platform draws vendor questions",
            "Navy to hold industry day on machine learning",
            "Agency posts presolicitation notice on SAM.gov for AI services",
        ],
        &[
            "Man charged with solicitation of a minor",
            "Charity warns of fake donation solicitation calls",
            "He made a marriage proposal at the AI conference",
            "Proposal to rename the park fails",
            "Sources say the company is weighing a sale",
            "Company quotes record revenue",
            "Industry leaders gather at tech summit",
            "Reporters sought comment from the agency",
        ],
    ),
    (
        "legislation",
        &[
            "Senators introduce bill to regulate frontier AI models",
            "House passes bill banning AI-generated robocalls",
            "NDAA includes provisions on AI in nuclear command",
            "Bipartisan bill would require AI impact assessments",
            "Governor signs bill on algorithmic pricing",
            "AI legislation advances in the House",
            "National Defense Authorization Act adds autonomous weapons review",
            "Act signed into law creates federal AI office",
        ],
        &[
            "Bill Gates says AI will transform education",
            "Electricity bill rises as data centers expand",
            "Dollar bill redesign unveiled",
            "Software bill of materials adoption grows",
            "Bill Nye explains machine learning to kids",
            "Billing errors frustrate cloud customers",
            "Sign up for billing alerts",
            "Restaurant bill splitting app launches",
        ],
    ),
    (
        "oversight",
        &[
            "GAO finds gaps in AI acquisition oversight",
            "Inspector general report faults DHS facial recognition use",
            "Government Accountability Office reviews federal AI inventories",
            "OIG audit of VA AI tools finds risks",
            "House Oversight Committee probes agency chatbot contracts",
            "Audit of federal agencies' AI inventories finds omissions",
            "Watchdog says Pentagon lacks AI tracking",
            "Inspectors general warn about AI fraud",
        ],
        &[
            "An oversight in the code exposed test data",
            "Meta Oversight Board rules on AI-generated images",
            "Cloud provider adds audit logs for AI agents",
            "Audit trail features come to enterprise chat",
            "Parents need oversight of kids' screen time",
            "Editorial oversight missed the typo",
            "Company hires new auditor after earnings restatement",
            "Startup publishes self-audit of its model",
        ],
    ),
    (
        "partnerships",
        &[
            "Anthropic's Claude now available in AWS GovCloud",
            "OpenAI partners with Pentagon on cybersecurity",
            "Microsoft brings GPT models to Azure Government",
            "Google Public Sector teams up with state agencies on AI",
            "AI model maker achieves FedRAMP High authorization",
            "GSA announces OneGov deal with AI vendor",
            "xAI partnership with Department of Defense announced",
            "Meta makes Llama available to federal agencies through partnership",
        ],
        &[
            "Domestic partnership benefits expand in the state",
            "Brewery partners with local farm",
            "Dating app partners with music streaming service",
            "Partnership between two law firms dissolves",
            "Football club signs sponsorship deal with airline",
            "Startup partners with university lab on robotics",
            "Cloud provider opens new region in Spain",
            "Band announces partnership with clothing brand",
        ],
    ),
    (
        "budget",
        &[
            "House Appropriations Committee boosts AI funding",
            "Senate passes continuing resolution that keeps AI programs funded",
            "Pentagon budget request seeks $1.8 billion for AI",
            "Omnibus spending bill includes AI provisions",
            "Defense spending package funds autonomous systems",
            "Government shutdown delays AI programs",
            "Appropriations bill cuts NIST AI institute",
            "Budget cuts hit federal AI research",
        ],
        &[
            "Is it appropriate to use ChatGPT in class?",
            "Budget airline adds AI customer service",
            "Best budget laptops for students",
            "How to plan meals on a budget",
            "Consumer spending rises in October",
            "Appropriate use policies for chatbots",
            "Spending time with family during the holidays",
            "Budget smartphone gets AI camera features",
        ],
    ),
    (
        "security",
        &[
            "CISA warns of critical vulnerability in AI framework",
            "Hackers breach federal contractor's AI platform",
            "Ransomware attack disrupts city chatbot services",
            "Prompt injection flaw found in agency chatbot",
            "Contractor loses security clearance over leak of AI model weights",
            "Zero-day exploited in AI-powered VPN appliances",
            "Data breach at AI vendor exposes veterans' records",
            "CVE-2026-1234 affects popular machine learning library",
            "Cyberattack on water utility used AI-generated phishing",
        ],
        &[
            "Linus's security blanket goes to auction",
            "Social Security benefits to rise next year",
            "Job security worries rise among coders",
            "Food security program expands in rural areas",
            "AI harms vulnerable communities, report says",
            "Breach of contract suit filed against vendor",
            "Ten life hacks for busy parents",
            "Clearance sale on smart speakers",
        ],
    ),
];

fn item(n: usize, title: &str) -> StoredItem {
    StoredItem {
        seq: n as u64 + 1,
        first_seen: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
        document_kind: None,
        item: Item {
            item_id: format!("item-{n}"),
            feed_id: "headlines".into(),
            guid: None,
            url: None,
            title: title.into(),
            summary: String::new(),
            body: String::new(),
            authors: vec![],
            categories: vec![],
            published: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
            updated: None,
            content_hash: String::new(),
        },
        feed_title: None,
        tags: vec![],
    }
}

#[test]
fn each_default_topic_matches_its_headlines_and_not_the_near_misses() {
    let topics = Topics::default();
    let matcher = TopicMatcher::new(&topics).unwrap();
    let names: Vec<&str> = matcher.topic_names().collect();
    assert_eq!(names.len(), 10);
    for (topic, _, _) in CASES {
        assert!(names.contains(topic), "{topic} is not a default topic");
    }

    let headlines: Vec<(&str, &str, bool)> = CASES
        .iter()
        .flat_map(|(topic, yes, no)| {
            assert!(yes.len() >= 8 && no.len() >= 8, "{topic}: too few cases");
            yes.iter()
                .map(move |h| (*topic, *h, true))
                .chain(no.iter().map(move |h| (*topic, *h, false)))
        })
        .collect();
    let items: Vec<StoredItem> = headlines
        .iter()
        .enumerate()
        .map(|(n, (_, h, _))| item(n, h))
        .collect();
    let matched = matcher.match_items(&items).unwrap();
    assert_eq!(matched.len(), items.len());

    let mut wrong = Vec::new();
    for ((topic, headline, want), got) in headlines.iter().zip(&matched) {
        let has = got.iter().any(|t| t == topic);
        if has != *want {
            wrong.push(format!(
                "{topic}: {} {headline:?} (matched {got:?})",
                if *want { "missed" } else { "wrongly matched" }
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The matcher reads the body and the feed's categories too, as search does, and takes items
/// in any number, keeping their order.
#[test]
fn bodies_and_categories_count_and_order_is_kept() {
    let matcher = TopicMatcher::new(&Topics::default()).unwrap();
    let mut in_body = item(0, "Army news");
    in_body.item.body = "The Army awarded a $12 million contract to Acme AI.".into();
    let mut in_category = item(1, "Weekly roundup");
    in_category.item.categories = vec!["Cybersecurity".into(), "Artificial Intelligence".into()];
    let plain = item(2, "Nothing to see here");
    let matched = matcher.match_items(&[in_body, in_category, plain]).unwrap();
    assert_eq!(matched, [vec!["contracts"], vec!["security"], vec![]]);
    assert!(matcher.match_items(&[]).unwrap().is_empty());
}

mod common;

use common::{FeedServer, Home, feed_entry};
use serde_json::Value;

/// An RSS document of (guid, title, published) items.
fn dated_rss(items: &[(&str, &str, chrono::DateTime<Utc>)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Defense news</title><link>https://example.gov/</link><description>t</description>",
    );
    for (guid, title, published) in items {
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>https://example.gov/items/{guid}</link><pubDate>{}</pubDate><description>{title}.</description></item>",
            published.to_rfc2822()
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn titles_for(home: &Home, query: &str) -> Vec<String> {
    let mut titles: Vec<String> = home
        .json_lines(&["search", query, "--json"])
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

fn topic_counts(home: &Home) -> Vec<(String, u64, u64)> {
    home.json_lines(&["topics", "list", "--json"])
        .iter()
        .map(|t: &Value| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["items"].as_u64().unwrap(),
                t["items_last_7_days"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn count_of(counts: &[(String, u64, u64)], name: &str) -> (u64, u64) {
    let (_, total, recent) = counts.iter().find(|(n, _, _)| n == name).unwrap();
    (*total, *recent)
}

/// Poll tags items with the default and configured topics; search finds them with `topic:`;
/// `topics list` counts them; an item edited into another subject changes topics.
#[test]
fn polled_items_are_tagged_searchable_by_topic_and_counted() {
    let now = Utc::now();
    let days = |n: i64| now - chrono::Duration::days(n);
    let server = FeedServer::start();
    server.state.set_dynamic(
        "news.xml",
        dated_rss(&[
            (
                "c1",
                "Army awards $45 million contract for AI targeting",
                days(1),
            ),
            (
                "c2",
                "DISA issues task order for generative AI pilot",
                days(2),
            ),
            (
                "c3",
                "GSA sets blanket purchase agreement for AI tools",
                days(30),
            ),
            ("s1", "Rethinking the social contract", days(1)),
            ("h1", "Senate committee hearing on AI safety", days(3)),
            ("f1", "Police expand facial recognition pilot", days(4)),
        ]),
    );
    let home = Home::new(
        &feed_entry("news", &server.url("/dynamic/news.xml"), &["defense"]),
        true,
    );
    let config = home.path().join("govwatch.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[topic]]\nname = \"face-id\"\ndescription = \"Facial recognition\"\nquery = '\"facial recognition\"'\n",
    );
    std::fs::write(&config, text).unwrap();

    home.run(&["poll"]);
    assert_eq!(
        titles_for(&home, "topic:contracts"),
        [
            "Army awards $45 million contract for AI targeting",
            "DISA issues task order for generative AI pilot",
            "GSA sets blanket purchase agreement for AI tools",
        ]
    );
    let hit = &home.json_lines(&["search", "topic:hearings", "--json"])[0];
    assert_eq!(hit["topics"], serde_json::json!(["hearings"]));
    assert_eq!(
        titles_for(&home, "topic:face-id"),
        ["Police expand facial recognition pilot"]
    );

    let counts = topic_counts(&home);
    assert_eq!(counts.len(), 11, "ten defaults and one from the config");
    assert_eq!(counts[10].0, "face-id");
    assert_eq!(count_of(&counts, "contracts"), (3, 2));
    assert_eq!(count_of(&counts, "hearings"), (1, 1));
    assert_eq!(count_of(&counts, "face-id"), (1, 1));
    assert_eq!(count_of(&counts, "budget"), (0, 0));
    let human = home.run(&["topics", "list"]);
    assert!(human.contains("Facial recognition"), "{human}");
    assert!(human.contains("\"award contract\"~3 OR"), "{human}");

    // The hearing is edited into an award; the social-contract essay is unchanged.
    server.state.set_dynamic(
        "news.xml",
        dated_rss(&[
            (
                "c1",
                "Army awards $45 million contract for AI targeting",
                days(1),
            ),
            (
                "c2",
                "DISA issues task order for generative AI pilot",
                days(2),
            ),
            (
                "c3",
                "GSA sets blanket purchase agreement for AI tools",
                days(30),
            ),
            ("s1", "Rethinking the social contract", days(1)),
            ("h1", "Navy wins contract for AI safety testing", days(3)),
            ("f1", "Police expand facial recognition pilot", days(4)),
        ]),
    );
    home.run(&["poll"]);
    assert!(titles_for(&home, "topic:hearings").is_empty());
    assert_eq!(titles_for(&home, "topic:contracts").len(), 4);
    let counts = topic_counts(&home);
    assert_eq!(count_of(&counts, "contracts"), (4, 3));
    assert_eq!(count_of(&counts, "hearings"), (0, 0));
}
