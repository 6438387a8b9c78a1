//! `govwatch.example.toml` against the code: it loads with the real loader and gives the
//! defaults, its commented-out examples load too, and it names exactly the keys the loader
//! accepts.
//!
//! The accepted keys are not a hand-kept list: they are read off the raw serde structs by
//! deserializing [`RawConfig`] from a [`Recorder`], a `Deserializer` that answers every
//! `deserialize_struct(name, fields, visitor)` with all of `fields` and notes each leaf it is
//! asked for under its dotted path (`mail.smtp.host`; `topic.name` for `[[topic]]` entries).
//! A field added to any of the structs is therefore a key the example must document.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::{RawConfig, Settings};

const EXAMPLE: &str = include_str!("../../govwatch.example.toml");
/// Where the package installs the example; relative paths in it resolve against this.
const INSTALLED_AT: &str = "/etc/govwatch/govwatch.toml";

/// Keys the raw structs declare only to refuse them with a better message than "unknown
/// field" (a password in the config file). The example must not show them; `refused_keys_
/// are_refused` proves each one really is refused, so this list cannot hide a real key.
const REFUSED: [&str; 2] = ["mail.password", "mail.smtp.password"];

#[derive(Debug)]
struct RecordError(String);

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecordError {}

impl de::Error for RecordError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RecordError(msg.to_string())
    }
}

/// Every leaf key `T` accepts, as dotted paths.
fn keys_of<'de, T: serde::Deserialize<'de>>() -> Result<BTreeSet<String>, RecordError> {
    let keys = RefCell::new(BTreeSet::new());
    T::deserialize(Recorder {
        path: String::new(),
        keys: &keys,
    })?;
    Ok(keys.into_inner())
}

/// Deserializes any serde-derived struct tree, recording the path of each value asked for.
/// Leaves get a harmless value (`""`, `false`, `1`) since only the shape matters.
struct Recorder<'a> {
    path: String,
    keys: &'a RefCell<BTreeSet<String>>,
}

impl Recorder<'_> {
    fn record(&self) {
        self.keys.borrow_mut().insert(self.path.clone());
    }

    fn unsupported(&self, what: &str) -> RecordError {
        RecordError(format!(
            "`{}` is a {what}: its keys cannot be listed from the type; extend \
             src/config/keys.rs",
            self.path
        ))
    }
}

macro_rules! leaf {
    ($($method:ident => $visit:ident($value:expr)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
                self.record();
                visitor.$visit($value)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Recorder<'_> {
    type Error = RecordError;

    leaf! {
        // Untyped values (`toml::Value`): a string is the value most visitors accept.
        deserialize_any => visit_str(""),
        deserialize_bool => visit_bool(false),
        // 1 rather than 0 so that `NonZero*` fields deserialize too.
        deserialize_i8 => visit_i8(1),
        deserialize_i16 => visit_i16(1),
        deserialize_i32 => visit_i32(1),
        deserialize_i64 => visit_i64(1),
        deserialize_u8 => visit_u8(1),
        deserialize_u16 => visit_u16(1),
        deserialize_u32 => visit_u32(1),
        deserialize_u64 => visit_u64(1),
        deserialize_f32 => visit_f32(1.0),
        deserialize_f64 => visit_f64(1.0),
        deserialize_char => visit_char('x'),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_bytes => visit_bytes(b""),
        deserialize_byte_buf => visit_bytes(b""),
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        self.record();
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        visitor.visit_newtype_struct(self)
    }

    /// An array: one element stands for all, under the array's own path (so `[[topic]]`
    /// entries' keys are `topic.name`, and a list of strings is the leaf itself).
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_seq(OneElement {
            recorder: Some(self),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, RecordError> {
        Err(self.unsupported("tuple"))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, RecordError> {
        Err(self.unsupported("tuple struct"))
    }

    /// A map with keys chosen by the user (or `#[serde(flatten)]`, which hides the field
    /// names): there is nothing to list, so the test says so rather than miss keys.
    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, RecordError> {
        Err(self.unsupported("map with free-form keys"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        visitor.visit_map(Fields {
            recorder: self,
            fields: fields.iter(),
            current: None,
        })
    }

    /// An enum-typed value (`tls = "starttls"` as a serde enum): a leaf, given its first
    /// variant.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        let Some(first) = variants.first() else {
            return Err(self.unsupported("enum without variants"));
        };
        self.record();
        visitor.visit_enum(FirstVariant {
            name: first,
            recorder: self,
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_unit()
    }
}

struct OneElement<'a> {
    recorder: Option<Recorder<'a>>,
}

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = RecordError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, RecordError> {
        self.recorder
            .take()
            .map(|r| seed.deserialize(r))
            .transpose()
    }
}

/// A struct's fields as a map: every field name, each value recorded under `path.field`.
struct Fields<'a> {
    recorder: Recorder<'a>,
    fields: std::slice::Iter<'static, &'static str>,
    current: Option<&'static str>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = RecordError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, RecordError> {
        let Some(field) = self.fields.next() else {
            return Ok(None);
        };
        self.current = Some(field);
        seed.deserialize(field.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, RecordError> {
        let field = self
            .current
            .take()
            .ok_or_else(|| RecordError("a value asked for before its key".into()))?;
        let path = if self.recorder.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.recorder.path)
        };
        seed.deserialize(Recorder {
            path,
            keys: self.recorder.keys,
        })
    }
}

struct FirstVariant<'a> {
    name: &'static str,
    recorder: Recorder<'a>,
}

impl<'de, 'a> EnumAccess<'de> for FirstVariant<'a> {
    type Error = RecordError;
    type Variant = Recorder<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Recorder<'a>), RecordError> {
        let name: de::value::StrDeserializer<'_, RecordError> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self.recorder))
    }
}

impl<'de> VariantAccess<'de> for Recorder<'_> {
    type Error = RecordError;

    fn unit_variant(self) -> Result<(), RecordError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, RecordError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, RecordError> {
        Err(self.unsupported("tuple variant"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        self.deserialize_struct("", fields, visitor)
    }
}

/// A line of the example that is TOML syntax, commented out or not: a table header
/// (`[mail.smtp]`, `# [[topic]]`) or a `key = value` line. Prose comments are neither.
enum Line<'a> {
    Header(&'a str),
    Key(&'a str),
}

fn syntax(line: &str) -> Option<Line<'_>> {
    let line = line.trim_start();
    let line = line.strip_prefix('#').map(str::trim_start).unwrap_or(line);
    let bare = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    if line.starts_with('[') {
        // The whole line must be the header (an end-of-line comment aside): prose that
        // happens to start with "[poll]," is not one.
        let (header, rest) = line.split_once(']')?;
        let name = header.trim_start_matches('[').trim();
        let rest = rest.strip_prefix(']').unwrap_or(rest).trim();
        return (bare(name) && (rest.is_empty() || rest.starts_with('#')))
            .then_some(Line::Header(name));
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    bare(key).then_some(Line::Key(key))
}

/// The dotted keys the example shows, commented out or not.
fn example_keys(text: &str) -> BTreeSet<String> {
    let mut table = "";
    let mut keys = BTreeSet::new();
    for line in text.lines() {
        match syntax(line) {
            Some(Line::Header(name)) => table = name,
            Some(Line::Key(key)) if table.is_empty() => {
                keys.insert(key.to_string());
            }
            Some(Line::Key(key)) => {
                keys.insert(format!("{table}.{key}"));
            }
            None => {}
        }
    }
    keys
}

/// The example with every commented-out header and key line made live.
fn uncommented(text: &str) -> String {
    text.lines()
        .map(
            |line| match (syntax(line), line.trim_start().strip_prefix('#')) {
                (Some(_), Some(rest)) => rest.trim_start(),
                _ => line,
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

fn load(text: &str) -> Result<Settings, super::ConfigError> {
    // No password in the environment: the example's transport is "file", which reads none.
    Settings::from_toml_with_env(text, Path::new(INSTALLED_AT), &|_| None)
}

#[test]
fn example_loads_and_gives_the_defaults() {
    let s = load(EXAMPLE).unwrap();
    let d = Settings::default();
    assert_eq!(s.data_dir, d.data_dir);
    assert_eq!(s.feeds_dir, d.feeds_dir);
    // Debug covers every field, including ones added later (FetchConfig and MailConfig have
    // no PartialEq: they hold types that do not).
    assert_eq!(format!("{:?}", s.fetch), format!("{:?}", d.fetch));
    assert_eq!(format!("{:?}", s.mail), format!("{:?}", d.mail));
    assert_eq!(s.topics, d.topics);
    assert_eq!(s.extractor.extensions(), d.extractor.extensions());
    assert_eq!(s.poll, d.poll);
    assert_eq!(s.index, d.index);
    assert_eq!(s.server, d.server);
    assert_eq!(s.daemon, d.daemon);
}

#[test]
fn example_commented_out_settings_load_too() {
    let text = uncommented(EXAMPLE);
    // Make sure the uncommenting did something: the optional tables are live now.
    for header in [
        "[mail.smtp]",
        "[mail.sendmail]",
        "[[topic]]",
        "[[agency]]",
        "[[org]]",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(header)),
            "{header} not uncommented"
        );
    }
    let s = load(&text).unwrap_or_else(|e| panic!("{e}\n--- uncommented example ---\n{text}"));
    assert!(s.topics.get("facial-recognition").is_some());
    let (agencies, orgs) = s.extractor.extensions();
    assert_eq!((agencies.len(), orgs.len()), (1, 1));
    assert!(s.mail.list_unsubscribe.is_some());
    assert_eq!(s.fetch.user_agent, super::DEFAULT_USER_AGENT);
    assert_eq!(s.data_dir, Path::new("/etc/govwatch/index"));
    assert_eq!(s.feeds_dir, Path::new("/etc/govwatch/feeds"));
}

/// The example's user agent is the default of this version (the example is commented out
/// there so that it follows upgrades, so the loading tests cannot see a stale one).
#[test]
fn example_user_agent_is_this_versions() {
    let line = EXAMPLE
        .lines()
        .find(|l| l.starts_with("# user_agent = "))
        .expect("the example shows user_agent");
    assert_eq!(
        line,
        format!("# user_agent = {:?}", super::DEFAULT_USER_AGENT)
    );
}

#[test]
fn example_documents_exactly_the_keys_the_loader_accepts() {
    let mut code = keys_of::<RawConfig>().unwrap();
    for key in REFUSED {
        assert!(
            code.remove(key),
            "{key} is no longer declared; drop it from REFUSED"
        );
    }
    let example = example_keys(EXAMPLE);
    let missing: Vec<_> = code.difference(&example).collect();
    let unknown: Vec<_> = example.difference(&code).collect();
    assert!(
        missing.is_empty(),
        "govwatch.example.toml does not document these keys (add each with its default and a \
         comment, commented out if it has no default): {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "govwatch.example.toml shows keys the loader does not accept: {unknown:?}"
    );
}

#[test]
fn refused_keys_are_refused() {
    for key in REFUSED {
        let (table, name) = key.rsplit_once('.').expect("dotted");
        let text = format!("[{table}]\n{name} = \"x\"\n");
        let err = load(&text).expect_err(key).to_string();
        assert!(err.contains(&format!("key `{key}`")), "{key}: {err}");
    }
}

#[test]
fn recorder_lists_nested_optional_and_repeated_keys() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)] // only the shape is read
    struct Inner {
        depth: Option<std::num::NonZeroUsize>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
        entry: Vec<Inner>,
        tags: Option<Vec<String>>,
    }
    let keys = keys_of::<Outer>().unwrap();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["entry.depth", "inner.depth", "name", "tags"]
    );

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Free {
        labels: std::collections::HashMap<String, String>,
    }
    let err = keys_of::<Free>().unwrap_err().to_string();
    assert!(err.contains("`labels` is a map"), "{err}");
}

#[test]
fn example_key_lines_are_told_from_prose() {
    let text = "# prose: the value = 3 here\n# [daemon] is a table, said in prose\n\
                top = 1\n[a.b]\n# x = 1  # commented key\ny = 2\n# [[c]]\n# z = []\n";
    let keys: Vec<_> = example_keys(text).into_iter().collect();
    assert_eq!(keys, ["a.b.x", "a.b.y", "c.z", "top"]);
}
