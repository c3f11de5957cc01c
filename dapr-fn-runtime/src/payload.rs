//! Undoing the host's value encoding (custom-handler-protocol §2.3) and turning trigger
//! payloads and input values into the types functions ask for.
//!
//! The host sends a string value as a JSON string whose content is the JSON encoding of
//! the string (`abc` → `"\"abc\""`), other scalars and arrays as JSON text inside a
//! string (`4` → `"4"`), objects as objects, and null as `"null"`. Samples in the docs
//! show single encoding, so single-encoded strings are accepted too.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::value::RawValue;

use crate::Error;

/// A value from `Data` or `Metadata` with the host's encoding undone.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HostValue<'a> {
    /// The value was null (sent as `null` or `"null"`).
    Null,
    /// The value was a string: this is its text.
    Text(Cow<'a, str>),
    /// The value was JSON other than a string (object, array, number, bool): its text.
    Json(Cow<'a, str>),
}

/// Decodes one value as the host encodes it.
pub(crate) fn decode_host_value(raw: &RawValue) -> Result<HostValue<'_>, Error> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => {}
        Some(b'n') if text == "null" => return Ok(HostValue::Null),
        Some(_) => return Ok(HostValue::Json(Cow::Borrowed(text))),
        None => return Ok(HostValue::Null),
    }
    let once: Cow<'_, str> = serde_json::from_str(text).map_err(|e| Error::msg(format!("invalid JSON string: {e}")))?;
    let trimmed = once.trim_start();
    match trimmed.as_bytes().first() {
        // Doubly encoded string: decode the inner JSON string literal.
        Some(b'"') => match serde_json::from_str::<String>(&once) {
            Ok(inner) => Ok(HostValue::Text(Cow::Owned(inner))),
            Err(_) => Ok(HostValue::Text(once)),
        },
        _ if &*once == "null" => Ok(HostValue::Null),
        // A number, bool, array or object serialized into a string.
        Some(b'-' | b'0'..=b'9' | b't' | b'f' | b'[' | b'{') if serde_json::from_str::<de::IgnoredAny>(&once).is_ok() => {
            Ok(HostValue::Json(once))
        }
        // A string sent with single encoding.
        _ => Ok(HostValue::Text(once)),
    }
}

/// Decodes a `Metadata` object: each value with the host's encoding undone.
pub(crate) fn decode_metadata(raw: &RawValue) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let entries: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(raw.get()).map_err(|e| Error::bad_request(format!("`Metadata` is not an object: {e}")))?;
    let mut metadata = serde_json::Map::new();
    for (key, raw) in entries {
        let value = match decode_host_value(&raw)? {
            HostValue::Null => serde_json::Value::Null,
            HostValue::Text(t) => serde_json::Value::String(t.into_owned()),
            HostValue::Json(j) => serde_json::from_str(&j)?,
        };
        metadata.insert(key, value);
    }
    Ok(metadata)
}

/// `Metadata` already parsed into JSON, decoded the same way; empty if it is not an object.
/// (The local host and the test invoker resolve `{expressions}` from it.)
pub(crate) fn decode_metadata_json(metadata: &impl serde::Serialize) -> serde_json::Map<String, serde_json::Value> {
    serde_json::value::to_raw_value(metadata).ok().and_then(|raw| decode_metadata(&raw).ok()).unwrap_or_default()
}

/// Deserializes a trigger payload as the Dapr extension hands it to script languages:
/// the text of a string body, or the compact JSON of any other body (dapr-extension §5.3).
/// `String` receives that text as is; other types parse it as JSON, except that text
/// which is not JSON deserializes as a JSON string (so `serde_json::Value` always works).
pub(crate) fn from_payload<T: DeserializeOwned>(value: &HostValue<'_>) -> Result<T, serde_json::Error> {
    match value {
        HostValue::Null => T::deserialize(serde_json::Value::Null),
        HostValue::Text(text) | HostValue::Json(text) => T::deserialize(PayloadText(text)),
    }
}

/// Deserializes a value that is JSON text (state inputs: the extension re-serializes the
/// stored JSON, so a stored string arrives with its quotes).
pub(crate) fn from_json_value<T: DeserializeOwned>(value: &HostValue<'_>) -> Result<T, serde_json::Error> {
    match value {
        HostValue::Null => T::deserialize(serde_json::Value::Null),
        HostValue::Text(text) | HostValue::Json(text) => serde_json::from_str(text),
    }
}

/// The smart deserializer behind [`from_payload`].
struct PayloadText<'a>(&'a str);

macro_rules! forward_to_json {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let mut de = serde_json::Deserializer::from_str(self.0);
            let value = de::Deserializer::$method(&mut de, visitor)?;
            de.end()?;
            Ok(value)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for PayloadText<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if serde_json::from_str::<de::IgnoredAny>(self.0).is_ok() {
            let mut de = serde_json::Deserializer::from_str(self.0);
            de::Deserializer::deserialize_any(&mut de, visitor)
        } else {
            visitor.visit_str(self.0)
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_json!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_unit_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, name: &'static str, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        serde_json::Deserializer::from_str(self.0).deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let mut de = serde_json::Deserializer::from_str(self.0);
        let value = de::Deserializer::deserialize_struct(&mut de, name, fields, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if serde_json::from_str::<de::IgnoredAny>(self.0).is_ok() {
            serde_json::Deserializer::from_str(self.0).deserialize_enum(name, variants, visitor)
        } else {
            // A bare word names a unit variant.
            de::Deserializer::deserialize_enum(de::value::StrDeserializer::<serde_json::Error>::new(self.0), name, variants, visitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::{json, Value};

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn undoes_the_hosts_encodings() {
        let cases = [
            (r#""\"HelloWorld\"""#, HostValue::Text("HelloWorld".into())),
            (r#""4""#, HostValue::Json("4".into())),
            (r#""true""#, HostValue::Json("true".into())),
            (r#""[1,2]""#, HostValue::Json("[1,2]".into())),
            (r#""null""#, HostValue::Null),
            ("null", HostValue::Null),
            (r#"{"a":1}"#, HostValue::Json(r#"{"a":1}"#.into())),
            (r#""plain text""#, HostValue::Text("plain text".into())),
            (r#""\"{\\\"data\\\":{\\\"orderId\\\":\\\"41\\\"}}\"""#, HostValue::Text(r#"{"data":{"orderId":"41"}}"#.into())),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_host_value(&raw(input)).unwrap(), expected, "{input}");
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Order {
        #[serde(rename = "orderId")]
        order_id: String,
    }

    #[test]
    fn payloads_become_the_requested_type() {
        let text = HostValue::Text(r#"{"orderId":"41"}"#.into());
        assert_eq!(from_payload::<Order>(&text).unwrap(), Order { order_id: "41".into() });
        assert_eq!(from_payload::<String>(&text).unwrap(), r#"{"orderId":"41"}"#);
        assert_eq!(from_payload::<Value>(&text).unwrap(), json!({"orderId": "41"}));
        let word = HostValue::Text("hello".into());
        assert_eq!(from_payload::<Value>(&word).unwrap(), json!("hello"));
        assert_eq!(from_payload::<String>(&word).unwrap(), "hello");
        assert!(from_payload::<Order>(&word).is_err());
        let number = HostValue::Text("42".into());
        assert_eq!(from_payload::<u32>(&number).unwrap(), 42);
        assert_eq!(from_payload::<String>(&number).unwrap(), "42");
        assert_eq!(from_payload::<Option<u32>>(&HostValue::Null).unwrap(), None);
        assert_eq!(from_payload::<Option<u32>>(&number).unwrap(), Some(42));
        assert_eq!(from_payload::<Value>(&HostValue::Null).unwrap(), Value::Null);
        assert!(from_payload::<u32>(&HostValue::Text("42 43".into())).is_err());
    }

    #[test]
    fn state_inputs_are_json_text() {
        let stored_string = HostValue::Text(r#""hello""#.into());
        assert_eq!(from_json_value::<String>(&stored_string).unwrap(), "hello");
        let stored_object = HostValue::Text(r#"{"orderId":"41"}"#.into());
        assert_eq!(from_json_value::<Order>(&stored_object).unwrap(), Order { order_id: "41".into() });
    }
}
