//! Money amounts in US dollars, as numbers, from item text: "$13 billion", "$1.2M",
//! "$480 million", "$45,000,000", "$10-20 million" (both ends), "two billion dollars",
//! "USD 5 million". Indexed so that `amount:[1000000000 TO *]` finds the billion-dollar awards.
//! Pure; tested on the forms contract announcements and news use.

/// Scale words and suffixes, lowercased, and their factors.
const SCALES: &[(&str, u64)] = &[
    ("thousand", 1_000),
    ("k", 1_000),
    ("million", 1_000_000),
    ("mln", 1_000_000),
    ("mn", 1_000_000),
    ("m", 1_000_000),
    ("billion", 1_000_000_000),
    ("bn", 1_000_000_000),
    ("b", 1_000_000_000),
    ("trillion", 1_000_000_000_000),
    ("tn", 1_000_000_000_000),
];

/// Number words people write before a scale ("two billion dollars", "a million").
const WORDS: &[(&str, u64)] = &[
    ("a", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("hundred", 100),
];

/// Larger than any real amount (a quadrillion dollars): a parse gone wrong, not money.
const MAX_AMOUNT: f64 = 1e15;

/// An amount as a headline writes it: "$200M", "$1.2B", "$480K", "$950".
pub fn short(amount: u64) -> String {
    let scaled = |div: f64, suffix: &str| {
        let v = amount as f64 / div;
        let text = if v >= 100.0 || v.fract() < 0.05 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
        format!("${text}{suffix}")
    };
    match amount {
        0..1_000 => format!("${amount}"),
        1_000..1_000_000 => scaled(1e3, "K"),
        1_000_000..1_000_000_000 => scaled(1e6, "M"),
        1_000_000_000..1_000_000_000_000 => scaled(1e9, "B"),
        _ => scaled(1e12, "T"),
    }
}

/// Every dollar amount in `text`, in order of appearance, without duplicates.
pub fn amounts(text: &str) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    // Most text names no money at all: one scan decides, before any tokenizing.
    let bytes = text.as_bytes();
    let mentions = |word: &[u8]| {
        bytes
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    if !text.contains('$') && !mentions(b"dollar") && !mentions(b"usd") {
        return out;
    }
    let mut push = |v: f64| {
        if (1.0..MAX_AMOUNT).contains(&v) {
            let v = v.round() as u64;
            if !out.contains(&v) {
                out.push(v);
            }
        }
    };
    let tokens = tokenize(text);
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        // "$13", "US$5", "USD 5"
        let dollar_number = match t.as_str() {
            "$" | "us$" | "usd" => tokens
                .get(i + 1)
                .and_then(|n| number(n))
                .map(|n| (n, i + 2)),
            _ => None,
        };
        if let Some((first, next)) = dollar_number {
            // A range: "$10-20 million", "$10 to $20 million".
            let (second, after) = range_end(&tokens, next);
            let (scale, rest) = scale_at(&tokens, after.unwrap_or(next));
            push(first * scale);
            if let Some(second) = second {
                push(second * scale);
            }
            i = rest;
            continue;
        }
        // "45 million dollars", "two billion dollars", "a million dollars"
        if let Some(n) = number(t).or_else(|| word_number(t)) {
            let (scale, after) = scale_at(&tokens, i + 1);
            if tokens
                .get(after)
                .is_some_and(|d| d == "dollars" || d == "usd")
            {
                push(n * scale);
                i = after + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Words, numbers (with their commas and points) and `$` as separate tokens, lowercased.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (n, &c) in chars.iter().enumerate() {
        let inside_number = (c == ',' || c == '.')
            && current.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(n + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || inside_number {
            // "1.2M", "20bn": a number and its suffix are two tokens.
            let switches = current.chars().last().is_some_and(|p| {
                p.is_alphanumeric()
                    && c.is_alphanumeric()
                    && p.is_ascii_digit() != c.is_ascii_digit()
            });
            if switches && current.starts_with(|d: char| d.is_ascii_digit()) {
                tokens.push(std::mem::take(&mut current));
            }
            current.extend(c.to_lowercase());
        } else {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if c == '$' {
                // "US$" reads as one token.
                if tokens.last().is_some_and(|t| t == "us") {
                    tokens.pop();
                    tokens.push("us$".to_owned());
                } else {
                    tokens.push("$".to_owned());
                }
            } else if c == '-' || c == '–' {
                tokens.push("-".to_owned());
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// "45,000,000" or "1.2"; `None` for anything else (and for "1,2,3"-like garbage).
fn number(token: &str) -> Option<f64> {
    if !token.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let plain: String = token.chars().filter(|&c| c != ',').collect();
    plain.parse().ok()
}

fn word_number(token: &str) -> Option<f64> {
    // "a" alone is only a number before a scale word; `scale_at` must then find one.
    WORDS
        .iter()
        .find(|(w, _)| *w == token && *w != "a")
        .map(|(_, n)| *n as f64)
        .or_else(|| (token == "a").then_some(1.0))
}

/// After a first number: "-20", "to 20", "to $20", "- $20".
fn range_end(tokens: &[String], at: usize) -> (Option<f64>, Option<usize>) {
    let joiner = tokens.get(at).is_some_and(|t| t == "-" || t == "to");
    if !joiner {
        return (None, None);
    }
    let mut j = at + 1;
    if tokens.get(j).is_some_and(|t| t == "$") {
        j += 1;
    }
    match tokens.get(j).and_then(|t| number(t)) {
        Some(n) => (Some(n), Some(j + 1)),
        None => (None, None),
    }
}

/// The scale at `at` ("million", "M", "bn"), and where reading goes on; 1 when there is none.
fn scale_at(tokens: &[String], at: usize) -> (f64, usize) {
    match tokens
        .get(at)
        .and_then(|t| SCALES.iter().find(|(s, _)| s == t))
    {
        Some((_, factor)) => (*factor as f64, at + 1),
        None => (1.0, at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_read_like_headlines() {
        assert_eq!(short(200_000_000), "$200M");
        assert_eq!(short(1_200_000_000), "$1.2B");
        assert_eq!(short(480_000), "$480K");
        assert_eq!(short(950), "$950");
        assert_eq!(short(13_000_000_000), "$13B");
    }

    #[test]
    fn the_forms_announcements_use() {
        let cases: &[(&str, &[u64])] = &[
            ("Army awards $13 billion cloud contract", &[13_000_000_000]),
            ("a $1.2M task order", &[1_200_000]),
            ("worth $480 million over five years", &[480_000_000]),
            (
                "is awarded a $45,000,000 firm-fixed-price contract",
                &[45_000_000],
            ),
            ("valued at $7,512,345.67", &[7_512_346]),
            ("between $10-20 million", &[10_000_000, 20_000_000]),
            ("from $10 to $20 million", &[10_000_000, 20_000_000]),
            ("a $1.5bn deal", &[1_500_000_000]),
            ("$250K in seed funding", &[250_000]),
            ("$3 trillion budget", &[3_000_000_000_000]),
            ("two billion dollars in AI spending", &[2_000_000_000]),
            ("a million dollars", &[1_000_000]),
            ("45 million dollars", &[45_000_000]),
            (
                "USD 5 million and US$ 2.5 billion",
                &[5_000_000, 2_500_000_000],
            ),
            ("raised $20M, then $20M again", &[20_000_000]),
        ];
        for (text, want) in cases {
            assert_eq!(amounts(text), *want, "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_money() {
        for text in [
            "20 million people use it",
            "Section 5 of the bill",
            "a million reasons",
            "the $ sign",
            "version 2.5 released",
            "1,2,3 go",
            "S. 1234 passed the Senate.",
            "",
        ] {
            assert!(amounts(text).is_empty(), "{text}: {:?}", amounts(text));
        }
    }
}
