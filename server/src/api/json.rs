//! JSON bodies read strictly. `serde_json` alone takes a key given twice (the last one
//! wins, silently) and takes an array for an object (a struct's fields in order): a
//! push with `"content": []` emptied a report. Here a body is first walked ([`Walk`]),
//! which refuses a key given twice, then read into its type; when it holds an array,
//! its shape is compared with the type's own ([`misshapen`]): wherever the type writes
//! an object, the body must have sent one. Every body is read in NFC ([`nfc_body`]).

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Walks a JSON body without keeping it: refuses a key given twice in one object, and
/// notes whether an array stands anywhere (only then is the body's shape compared with
/// its type's, which costs a second reading). Keys are borrowed from the body where
/// they can be, so a push (no array, a few dozen keys) costs one quick pass.
pub struct Walk<'a> {
    pub has_array: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.has_array.set(true);
        while seq
            .next_element_seed(Walk {
                has_array: self.has_array,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<Key<'de>> = HashSet::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("“{}”", key.as_str())));
            }
            map.next_value_seed(Walk {
                has_array: self.has_array,
            })?;
            seen.insert(key);
        }
        Ok(())
    }
}

/// An object's key, borrowed from the body when it has no escapes.
#[derive(PartialEq, Eq, Hash)]
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }

            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Where `sent` has another shape than `typed` (the same body as its type writes it):
/// the path of the first array or value sent where the type has an object.
pub fn misshapen(sent: &Value, typed: &Value) -> Option<String> {
    match (sent, typed) {
        (Value::Object(sent), Value::Object(typed)) => sent.iter().find_map(|(k, v)| {
            typed.get(k).and_then(|t| misshapen(v, t)).map(|inner| {
                if inner.is_empty() {
                    k.clone()
                } else {
                    format!("{k}.{inner}")
                }
            })
        }),
        (_, Value::Object(_)) => Some(String::new()),
        (Value::Array(sent), Value::Array(typed)) => sent
            .iter()
            .zip(typed)
            .enumerate()
            .find_map(|(i, (s, t))| misshapen(s, t).map(|inner| format!("{i}.{inner}"))),
        _ => None,
    }
}

/// The body with its text in NFC (see `tuanle_shared::text`), so that every name,
/// reason and narrative is stored in one form whatever keyboard typed it. Normalizing the
/// JSON text itself is safe: its syntax is ASCII, which nothing composes with. Text hidden
/// in `\u` escapes is normalized through a parsed value; only a body with escapes pays
/// for that (the app writes none).
pub fn nfc_body(bytes: axum::body::Bytes) -> axum::body::Bytes {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bytes; // refused when it is read
    };
    let normal = tuanle_shared::text::nfc(text);
    if normal.contains("\\u")
        && let Ok(mut value) = serde_json::from_str::<Value>(&normal)
    {
        nfc_value(&mut value);
        return value.to_string().into();
    }
    match normal {
        std::borrow::Cow::Borrowed(_) => bytes,
        std::borrow::Cow::Owned(s) => s.into(),
    }
}

fn nfc_value(value: &mut Value) {
    match value {
        Value::String(s) => tuanle_shared::text::make_nfc(s),
        Value::Array(items) => items.iter_mut().for_each(nfc_value),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (mut key, mut v) in entries {
                tuanle_shared::text::make_nfc(&mut key);
                nfc_value(&mut v);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the body holds an array, or why it is refused.
    fn strict(json: &str) -> Result<bool, serde_json::Error> {
        let has_array = Cell::new(false);
        let mut de = serde_json::Deserializer::from_str(json);
        Walk {
            has_array: &has_array,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(has_array.get())
    }

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        assert!(strict(r#"{"a": 1, "b": {"c": 2}}"#).is_ok());
        assert!(strict(r#"{"a": 1, "a": 2}"#).is_err());
        let e =
            strict(r#"{"content": {"numbers": {"2/count": 1, "2/count": 5}}}"#).expect_err("twice");
        assert!(e.to_string().contains("2/count"), "{e}");
        assert!(
            strict(r#"[{"a": 1}, {"a": 2}]"#).is_ok(),
            "one key in each object"
        );
    }

    #[test]
    fn an_array_sent_for_an_object_is_found_with_its_path() {
        let typed = serde_json::json!({"push_id": "p", "content": {"numbers": {}}});
        let ok = serde_json::json!({"push_id": "p", "content": {"numbers": {}}});
        assert_eq!(misshapen(&ok, &typed), None);
        let bad = serde_json::json!({"push_id": "p", "content": []});
        assert_eq!(misshapen(&bad, &typed).as_deref(), Some("content"));
        let bad = serde_json::json!({"push_id": "p", "content": {"numbers": []}});
        assert_eq!(misshapen(&bad, &typed).as_deref(), Some("content.numbers"));
        let top = serde_json::json!(["p", {"numbers": {}}]);
        assert_eq!(misshapen(&top, &typed).as_deref(), Some(""));
    }
}
