//! JSON bodies read strictly. `serde_json` alone takes a key given twice (the last one
//! wins, silently) and takes an array for an object (a struct's fields in order): a
//! push with `"content": []` emptied a report. Here a body is first read into a
//! [`Value`] that refuses a key given twice, then into its type, and then its shape is
//! compared with the type's own: wherever the type writes an object, the body must
//! have sent one.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON value with no key twice in any object.
pub struct Strict(pub Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut seen = HashSet::new();
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("“{key}”")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Whether an array stands anywhere in `value`.
pub fn has_array(value: &Value) -> bool {
    match value {
        Value::Array(_) => true,
        Value::Object(map) => map.values().any(has_array),
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(json: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<Strict>(json).map(|s| s.0)
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
        assert!(has_array(&bad) && has_array(&top) && !has_array(&ok));
    }
}
