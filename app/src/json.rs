//! JSON read into the app's types, through a tree, with an error that says nothing.
//!
//! `serde_json::from_str::<T>` would do, but it costs the bundle three ways, each for
//! every type read:
//! - serde_json's text reader (whitespace, escapes, numbers) is inlined into each
//!   type's decoding;
//! - each struct is decoded from an array of its fields as well as from an object,
//!   though nothing the server sends or this app stores writes a struct as an array;
//! - each refusal builds a message, and serde's wording of a wrong value links the
//!   float printer (14 KB), though no caller shows a message: an answer that cannot
//!   be read is "unreadable", a stored copy that cannot be read is skipped.
//!
//! So [`from_str`] reads the text once into a [`serde_json::Value`] (the text reader is
//! compiled once, for that tree), then the type from the tree through [`Tree`], which
//! hands a struct a map and nothing else, and fails with [`Unreadable`]. An array where
//! a struct belongs is refused, as any other wrong type is (but for an internally tagged
//! enum, which serde reads through its own buffer). What the server answers and the app
//! stores, written by serde, reads as with serde_json; the differences are elsewhere:
//! - of two equal keys in an object the last is read, where a struct's decoding would
//!   refuse the duplicate (serde never writes one);
//! - an integer above `u64::MAX` is a float in the tree, so a `u128` of that size is
//!   refused: the few types that can hold one are read by [`from_str_exact`];
//! - an integer map key is read by `str::parse` (`"+7"` is 7), and the values of fields
//!   the type does not know are read into the tree too (so not skipped unchecked).

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// `text` read as a `T`, as `serde_json::from_str` would, structs from objects only.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Unreadable> {
    let tree: Value = serde_json::from_str(text).map_err(|_| Unreadable)?;
    T::deserialize(Tree(&tree))
}

/// `text` read as a `T` straight by serde_json, for the types whose numbers may pass
/// `u64::MAX`: a subtree's sums (`Vec<u128>` in dashboards, narratives and packages),
/// which no push can overflow. The tree holds such a number only as a float, so
/// [`from_str`] refuses it, and a supervisor's page would fail on stored data. Each
/// type read so has serde_json's text reader compiled in: they are the supervisors',
/// none in the reporters' bundle.
pub fn from_str_exact<T: DeserializeOwned>(text: &str) -> Result<T, Unreadable> {
    serde_json::from_str(text).map_err(|_| Unreadable)
}

/// JSON that is not what was expected: not JSON, or not the type asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unreadable JSON")]
pub struct Unreadable;

impl de::Error for Unreadable {
    /// The message is dropped unread, so its words and their printers never reach the
    /// bundle.
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unreadable
    }
}

/// One value of a JSON tree, read as any type serde can decode.
#[derive(Clone, Copy)]
struct Tree<'de>(&'de Value);

impl<'de> Deserializer<'de> for Tree<'de> {
    type Error = Unreadable;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        visitor.visit_newtype_struct(self)
    }

    /// A struct is read from an object only: its visitor is handed nothing but a map,
    /// so the half of its decoding that reads an array is never compiled.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            _ => Err(Unreadable),
        }
    }

    /// A variant is its name (`"plain"`), or an object of one key, its name, whose value
    /// is what the variant holds (`{"boxed": {…}}`), as serde writes them.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        match self.0 {
            Value::String(name) => visitor.visit_enum(Variant { name, value: None }),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((name, value)) => visitor.visit_enum(Variant {
                    name,
                    value: Some(value),
                }),
                None => Err(Unreadable),
            },
            _ => Err(Unreadable),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

/// A JSON number handed to `visitor` as the widest type that holds it exactly.
fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Unreadable> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// An array handed to `visitor`, which must read it all: a tuple of two is not read from
/// three elements, as serde_json would not.
fn visit_array<'de, V: Visitor<'de>>(
    items: &'de [Value],
    visitor: V,
) -> Result<V::Value, Unreadable> {
    let mut seq = Items(items.iter());
    let value = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(value),
        _ => Err(Unreadable),
    }
}

/// An object handed to `visitor`, which must read it all, as serde_json checks.
fn visit_object<'de, V: Visitor<'de>>(
    map: &'de Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Unreadable> {
    let mut entries = Entries::of(map);
    let value = visitor.visit_map(&mut entries)?;
    match entries.entries.len() {
        0 => Ok(value),
        _ => Err(Unreadable),
    }
}

/// An array's elements, in order.
struct Items<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Unreadable;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Unreadable> {
        self.0.next().map(|v| seed.deserialize(Tree(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's entries, each key handed to its seed before its value.
struct Entries<'de> {
    entries: serde_json::map::Iter<'de>,
    value: Option<&'de Value>,
}

impl<'de> Entries<'de> {
    fn of(map: &'de Map<String, Value>) -> Self {
        Entries {
            entries: map.iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Unreadable;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unreadable> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, Unreadable> {
        let value = self.value.take().ok_or(Unreadable)?;
        seed.deserialize(Tree(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An object's key: a name, or a number written as one (`{"12": …}` for a map keyed
/// by integers), as serde_json writes map keys.
struct Key<'de>(&'de str);

/// Integer keys, read from their digits.
macro_rules! integer_keys {
    ($($method:ident => $visit:ident($ty:ty)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            visitor.$visit(self.0.parse::<$ty>().map_err(|_| Unreadable)?.into())
        }
    )*};
}

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = Unreadable;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
        visitor.visit_borrowed_str(self.0)
    }

    integer_keys!(
        deserialize_i8 => visit_i64(i8),
        deserialize_i16 => visit_i64(i16),
        deserialize_i32 => visit_i64(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_u8 => visit_u64(u8),
        deserialize_u16 => visit_u64(u16),
        deserialize_u32 => visit_u64(u32),
        deserialize_u64 => visit_u64(u64),
    );

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        visitor.visit_enum(Variant {
            name: self.0,
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct
        seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An enum's variant: its name, and what it holds (nothing for a unit variant).
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Value>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Unreadable;
    type Variant = Held<'de>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Held<'de>), Unreadable> {
        let name = de::value::BorrowedStrDeserializer::<Unreadable>::new(self.name);
        Ok((seed.deserialize(name)?, Held(self.value)))
    }
}

/// What a variant holds.
struct Held<'de>(Option<&'de Value>);

impl<'de> VariantAccess<'de> for Held<'de> {
    type Error = Unreadable;

    fn unit_variant(self) -> Result<(), Unreadable> {
        match self.0 {
            None | Some(Value::Null) => Ok(()),
            Some(_) => Err(Unreadable),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Unreadable> {
        seed.deserialize(Tree(self.0.ok_or(Unreadable)?))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        match self.0 {
            Some(Value::Array(items)) => visit_array(items, visitor),
            _ => Err(Unreadable),
        }
    }

    /// From an object only, as a struct is.
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unreadable> {
        match self.0 {
            Some(Value::Object(map)) => visit_object(map, visitor),
            _ => Err(Unreadable),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::from_str;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Inner {
        a: u32,
        #[serde(default)]
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Boxed(Inner),
        Named { inner: Inner },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Outer {
        list: Vec<Inner>,
        maybe: Option<Inner>,
        kinds: Vec<Kind>,
        pair: (u8, Inner),
        map: std::collections::BTreeMap<String, Inner>,
    }

    const TEXT: &str = r#"{"list": [{"a": 1}, {"a": 2, "b": "x"}], "maybe": {"a": 3},
        "kinds": ["plain", {"boxed": {"a": 4}}, {"named": {"inner": {"a": 5}}}],
        "pair": [6, {"a": 7}], "map": {"k": {"a": 8, "b": null}}}"#;

    /// Everything serde_json reads from objects reads the same through the tree, at
    /// every depth and through every kind of nesting.
    #[test]
    fn reads_what_serde_json_reads_from_objects() {
        let ours: Outer = from_str(TEXT).expect("ours");
        let theirs: Outer = serde_json::from_str(TEXT).expect("serde_json");
        assert_eq!(ours, theirs);
        assert_eq!(
            ours.kinds[2],
            Kind::Named {
                inner: Inner { a: 5, b: None }
            }
        );
    }

    /// A struct written as an array is refused at any depth (serde_json takes it), and so
    /// are trailing characters and a wrong type, as serde_json refuses them.
    #[test]
    fn structs_come_from_objects_only() {
        assert!(serde_json::from_str::<Inner>("[1, null]").is_ok());
        assert!(from_str::<Inner>("[1, null]").is_err());
        let nested = TEXT.replace(r#"{"a": 3}"#, "[3]");
        assert!(serde_json::from_str::<Outer>(&nested).is_ok());
        assert!(from_str::<Outer>(&nested).is_err());
        let variant = TEXT.replace(r#"{"inner": {"a": 5}}"#, r#"[{"a": 5}]"#);
        assert!(serde_json::from_str::<Outer>(&variant).is_ok());
        assert!(from_str::<Outer>(&variant).is_err());
        assert!(from_str::<Inner>(r#"{"a": 1} x"#).is_err());
        assert!(from_str::<Inner>(r#"{"a": "1"}"#).is_err());
        assert!(from_str::<Inner>(r#"{"b": "x"}"#).is_err());
        assert!(from_str::<Inner>("{").is_err());
        assert!(from_str::<(u8, u8)>("[1, 2, 3]").is_err());
        assert!(from_str::<(u8, u8)>("[1]").is_err());
        assert_eq!(from_str::<(u8, u8)>("[1, 2]"), Ok((1, 2)));
    }

    /// A subtree's sums may pass `u64::MAX`: read exactly by [`from_str_exact`], refused
    /// (never rounded) by the tree.
    #[test]
    fn sums_above_u64_are_read_exactly_or_refused() {
        let big = u128::from(u64::MAX) + 2;
        let text = format!("[{big}, 3]");
        assert_eq!(super::from_str_exact::<Vec<u128>>(&text), Ok(vec![big, 3]));
        assert_eq!(from_str::<Vec<u128>>(&text), Err(super::Unreadable));
        assert_eq!(
            from_str::<Vec<u128>>("[18446744073709551615, 3]"),
            Ok(vec![u128::from(u64::MAX), 3])
        );
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Report { version: u64 },
        Package { seq: u32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Scalars {
        by_id: std::collections::BTreeMap<i64, String>,
        by_small: std::collections::BTreeMap<u8, bool>,
        signed: i64,
        float: f64,
        whole_as_float: f64,
        letter: char,
        tagged: Vec<Tagged>,
        unit_by_object: Kind,
        pair_of_nothing: Option<()>,
    }

    /// Map keys written as numbers, signed and float values, internally tagged enums
    /// and fields the type does not know read as serde_json reads them.
    #[test]
    fn reads_keys_numbers_and_tags_as_serde_json() {
        let text = r#"{"by_id": {"-3": "a", "12": "b"}, "by_small": {"7": true},
            "signed": -9007199254740993, "float": -1.5, "whole_as_float": 17, "letter": "ư",
            "tagged": [{"kind": "report", "version": 4}, {"seq": 2, "kind": "package"}],
            "unit_by_object": {"plain": null}, "pair_of_nothing": null, "unknown": [{"x": 1}]}"#;
        let ours: Scalars = from_str(text).expect("ours");
        let theirs: Scalars = serde_json::from_str(text).expect("serde_json");
        assert_eq!(ours, theirs);
        assert_eq!(ours.by_id.get(&-3).map(String::as_str), Some("a"));
        assert_eq!(ours.tagged[1], Tagged::Package { seq: 2 });
        assert_eq!(ours.signed, -9_007_199_254_740_993);
        for wrong in [
            text.replace(r#""-3""#, r#""x""#),
            text.replace(r#""7""#, r#""300""#),
            text.replace(r#""report""#, r#""other""#),
            text.replace(r#"{"plain": null}"#, r#"{"plain": 1}"#),
            text.replace(
                r#"{"plain": null}"#,
                r#"{"plain": null, "boxed": {"a": 1}}"#,
            ),
            text.replace(r#""letter": "ư""#, r#""letter": "ưa""#),
            text.replace("-1.5", r#""-1.5""#),
        ] {
            assert!(from_str::<Scalars>(&wrong).is_err(), "{wrong}");
            assert!(serde_json::from_str::<Scalars>(&wrong).is_err(), "{wrong}");
        }
    }
}
