//! Masking secrets in URLs before they reach a log line: feed URLs may carry API keys
//! (api.data.gov, regulations.gov) or credentials, and error messages quote the URL.

/// Query parameter names (lowercased substrings) whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "auth",
    "session",
    "credential",
];
const MASK: &str = "REDACTED";

/// `text` with the values of secret-looking query parameters and any `user:password@`
/// credentials in URLs replaced by `REDACTED`.
pub fn mask_url_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['?', '&', '@']) {
        let (before, from) = rest.split_at(at);
        if let Some(after) = from.strip_prefix('@') {
            out.push_str(&mask_password(before));
            out.push('@');
            rest = after;
            continue;
        }
        out.push_str(before);
        out.push_str(&from[..1]);
        let param = &from[1..];
        let end = param
            .find(|c: char| c == '&' || c == '#' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(param.len());
        // Punctuation that ends the URL in a sentence ("…?token=t: HTTP status 404") stays.
        let end = param[..end]
            .trim_end_matches([':', ',', ';', ')', '.'])
            .len();
        let (pair, after) = param.split_at(end);
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(MASK);
            }
            _ => out.push_str(pair),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// [`mask_url_secrets`] of each of `texts`: for reports (errors, problems) about to be shown.
pub fn mask_all(texts: Vec<String>) -> Vec<String> {
    texts.iter().map(|t| mask_url_secrets(t)).collect()
}

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|s| name.contains(s))
}

/// In text ending just before an `@`: when it ends with a URL's `user:password`, masks the
/// password.
fn mask_password(before: &str) -> String {
    let Some(scheme_end) = before.rfind("://") else {
        return before.to_owned();
    };
    let userinfo = &before[scheme_end + 3..];
    if userinfo.contains(['/', ' ']) {
        return before.to_owned();
    }
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}{user}:{MASK}", &before[..scheme_end + 3]),
        None => before.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys_tokens_and_passwords_only() {
        assert_eq!(
            mask_url_secrets(
                "https://api.regulations.gov/v4/documents?filter=ai&api_key=abc123&page=2: timed out"
            ),
            "https://api.regulations.gov/v4/documents?filter=ai&api_key=REDACTED&page=2: timed out"
        );
        assert_eq!(
            mask_url_secrets("GET https://u:hunter2@feeds.example.gov/x?Token=t#frag failed"),
            "GET https://u:REDACTED@feeds.example.gov/x?Token=REDACTED#frag failed"
        );
        assert_eq!(
            mask_url_secrets("http://h/x?token=t-1: HTTP status 404 (see http://h/y?key=k)."),
            "http://h/x?token=REDACTED: HTTP status 404 (see http://h/y?key=REDACTED)."
        );
        let plain = "https://www.gao.gov/rss/reports.xml?format=rss: 404; contact ops@example.gov";
        assert_eq!(mask_url_secrets(plain), plain);
        assert_eq!(mask_url_secrets(""), "");
        assert_eq!(
            mask_url_secrets("?key="),
            "?key=",
            "an empty value hides nothing"
        );
    }
}
