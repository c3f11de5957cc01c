//! Decoding the host's HTTP request object (`Data.<trigger>`, custom-handler-protocol
//! §2.4) in the same pass as the invocation envelope, without copying: every string
//! without JSON escapes (nearly all of them) becomes a slice of the payload buffer
//! instead of an allocation of its own, and `Headers` and `Query` stay raw JSON (slices
//! too) until the function reads them.

use std::borrow::Cow;

use bytes::Bytes;
use bytestring::ByteString;
use http::Method;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The host's request object, its strings shared with the payload.
#[derive(Debug, Default)]
pub(crate) struct HostRequest {
    pub(super) url: Option<ByteString>,
    /// `Method`, or the text of one that is not a valid method.
    pub(super) method: Option<Result<Method, String>>,
    /// `Query` as raw JSON (an object), decoded by [`decode_query`] if asked for.
    pub(super) query: Option<Bytes>,
    /// `Headers` as raw JSON (an object), decoded by [`decode_headers`] if asked for:
    /// the host forwards every header of the request, and most functions read none.
    pub(super) headers: Option<Bytes>,
    /// `Params`: `null` for an optional route parameter that did not match.
    pub(super) params: Vec<(ByteString, Option<ByteString>)>,
    /// `Identities` as raw JSON, parsed only if the function asks for them.
    pub(super) identities: Option<Bytes>,
    pub(super) body: Option<HostBody>,
}

/// `Body`: a string (the usual case; its text, unescaped), or JSON the host sent as is.
#[derive(Debug)]
pub(crate) enum HostBody {
    Text(Bytes),
    Json(serde_json::Value),
}

/// Text from the payload: a slice of it when the JSON string had no escapes, else the
/// unescaped copy serde_json made.
fn shared(payload: &Bytes, text: Cow<'_, str>) -> ByteString {
    match text {
        // SAFETY: the bytes are exactly those of `s`, a `str`, so they are UTF-8
        // (validating them again costs more than the rest of this function).
        Cow::Borrowed(s) => unsafe { ByteString::from_bytes_unchecked(slice_or_copy(payload, s.as_bytes())) },
        Cow::Owned(s) => ByteString::from(s),
    }
}

/// `part` as a slice of `payload` when it lies within it (no copy), else a copy.
fn slice_or_copy(payload: &Bytes, part: &[u8]) -> Bytes {
    if is_within(payload, part) {
        payload.slice_ref(part)
    } else {
        Bytes::copy_from_slice(part)
    }
}

fn is_within(payload: &Bytes, part: &[u8]) -> bool {
    let range = payload.as_ptr_range();
    let start = part.as_ptr();
    range.start <= start && start as usize + part.len() <= range.end as usize
}

/// Decodes a host request object whose strings live in `payload`.
#[derive(Clone, Copy)]
pub(crate) struct HostRequestSeed<'p> {
    pub(crate) payload: &'p Bytes,
}

impl<'de> DeserializeSeed<'de> for HostRequestSeed<'_> {
    type Value = HostRequest;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<HostRequest, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HostRequestSeed<'_> {
    type Value = HostRequest;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an HTTP request object {\"Url\", \"Method\", \"Headers\", \"Query\", \"Params\", \"Body\"}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HostRequest, A::Error> {
        let mut request = HostRequest::default();
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            match key.0.as_ref() {
                "Url" | "url" => request.url = map.next_value_seed(Text(self.payload))?,
                "Method" | "method" => {
                    request.method =
                        map.next_value::<Option<CowStr<'de>>>()?.map(|m| Method::from_bytes(m.0.as_bytes()).map_err(|_| m.0.into_owned()));
                }
                "Query" | "query" => request.query = raw_object(&mut map, self.payload, "Query")?,
                "Headers" | "headers" => request.headers = raw_object(&mut map, self.payload, "Headers")?,
                "Params" | "params" => request.params = map.next_value_seed(Pairs { payload: self.payload, add: add_nullable })?,
                "Identities" | "identities" => {
                    let raw: Option<&'de RawValue> = map.next_value()?;
                    request.identities =
                        raw.filter(|raw| !matches!(raw.get(), "null" | "[]")).map(|raw| slice_or_copy(self.payload, raw.get().as_bytes()));
                }
                "Body" | "body" => request.body = map.next_value_seed(BodySeed(self.payload))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(request)
    }
}

/// An object kept as raw JSON for later, or `null`. Only its shape is checked now; its
/// members are checked when decoded.
fn raw_object<'de, A: MapAccess<'de>>(map: &mut A, payload: &Bytes, what: &str) -> Result<Option<Bytes>, A::Error> {
    let raw: Option<&'de RawValue> = map.next_value()?;
    match raw {
        Some(raw) if raw.get().starts_with('{') => Ok(Some(slice_or_copy(payload, raw.get().as_bytes()))),
        Some(raw) => Err(serde::de::Error::custom(format_args!("`{what}` must be a JSON object, not `{}`", raw.get()))),
        None => Ok(None),
    }
}

/// Decodes the raw `Headers` object kept by [`HostRequestSeed`]: one entry per value, in
/// the order sent, sharing `raw`'s buffer.
pub(crate) fn decode_headers(raw: &Bytes) -> Result<Vec<(ByteString, ByteString)>, serde_json::Error> {
    Pairs { payload: raw, add: add_each }.deserialize(&mut serde_json::Deserializer::from_slice(raw))
}

/// Decodes the raw `Query` object: one entry per parameter, repeated values joined with
/// `,` as the host joins them.
pub(crate) fn decode_query(raw: &Bytes) -> Result<Vec<(ByteString, ByteString)>, serde_json::Error> {
    Pairs { payload: raw, add: add_joined }.deserialize(&mut serde_json::Deserializer::from_slice(raw))
}

/// Whether raw `Headers` could hold a content type the host base64-encodes
/// (`application/octet-stream`, `multipart/*`): a scan much cheaper than decoding the
/// headers, which the usual request then never needs.
pub(crate) fn may_name_a_binary_type(raw: &[u8]) -> bool {
    let has = |initial: u8, rest: &[u8]| {
        memchr::memchr2_iter(initial, initial.to_ascii_uppercase(), raw)
            .any(|at| raw.get(at + 1..at + 1 + rest.len()).is_some_and(|after| after.eq_ignore_ascii_case(rest)))
    };
    // An escaped character could spell either name: decode to be sure.
    memchr::memmem::find(raw, b"\\u").is_some() || has(b'o', b"ctet-stream") || has(b'm', b"ultipart/")
}

/// A string or `null`.
struct Text<'p>(&'p Bytes);

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = Option<ByteString>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok(Option::<CowStr<'de>>::deserialize(d)?.map(|s| shared(self.0, s.0)))
    }
}

/// A header, query or route value: one string, or an array of strings (`Headers`).
enum Strings {
    Null,
    One(ByteString),
    Many(Vec<ByteString>),
}

struct StringsSeed<'p>(&'p Bytes);

impl<'de> DeserializeSeed<'de> for StringsSeed<'_> {
    type Value = Strings;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Strings, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringsSeed<'_> {
    type Value = Strings;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or an array of strings")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Strings, E> {
        Ok(Strings::One(shared(self.0, Cow::Borrowed(v))))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Strings, E> {
        Ok(Strings::One(ByteString::from(v)))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Strings, E> {
        Ok(Strings::One(ByteString::from(v)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Strings, E> {
        Ok(Strings::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Text(self.0))? {
            items.extend(item);
        }
        Ok(match items.len() {
            1 => Strings::One(items.pop().unwrap_or_default()),
            _ => Strings::Many(items),
        })
    }
}

/// Repeated values joined with `,`, as the host joins repeated query parameters.
fn join_values(values: Strings) -> ByteString {
    match values {
        Strings::Null => ByteString::new(),
        Strings::One(s) => s,
        Strings::Many(items) => ByteString::from(items.iter().map(|s| &**s).collect::<Vec<&str>>().join(",")),
    }
}

/// `Query`: one entry per parameter.
fn add_joined(pairs: &mut Vec<(ByteString, ByteString)>, name: ByteString, values: Strings) {
    pairs.push((name, join_values(values)));
}

/// `Params`: `null` for an optional route parameter that did not match.
fn add_nullable(pairs: &mut Vec<(ByteString, Option<ByteString>)>, name: ByteString, values: Strings) {
    let value = match values {
        Strings::Null => None,
        other => Some(join_values(other)),
    };
    pairs.push((name, value));
}

/// `Headers`: one entry per value, in the order sent.
fn add_each(pairs: &mut Vec<(ByteString, ByteString)>, name: ByteString, values: Strings) {
    match values {
        Strings::Null => {}
        Strings::One(value) => pairs.push((name, value)),
        Strings::Many(values) => pairs.extend(values.into_iter().map(|value| (name.clone(), value))),
    }
}

/// An object of name → value(s), or `null` for none; `add` turns each member into entries.
struct Pairs<'p, V> {
    payload: &'p Bytes,
    add: fn(&mut Vec<(ByteString, V)>, ByteString, Strings),
}

impl<'de, V> DeserializeSeed<'de> for Pairs<'_, V> {
    type Value = Vec<(ByteString, V)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, V> Visitor<'de> for Pairs<'_, V> {
    type Value = Vec<(ByteString, V)>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of names to a string or an array of strings")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            let name = shared(self.payload, key.0);
            let values = map.next_value_seed(StringsSeed(self.payload))?;
            (self.add)(&mut pairs, name, values);
        }
        Ok(pairs)
    }
}

/// `Body`, read as raw JSON first: a string (the usual case) is then unescaped into a
/// buffer of the right size, where serde_json would grow its scratch buffer step by step
/// and copy the result once more.
struct BodySeed<'p>(&'p Bytes);

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = Option<HostBody>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        let literal = raw.get();
        match literal.as_bytes().first() {
            Some(b'"') => {
                let text = &literal[1..literal.len() - 1];
                if memchr::memchr(b'\\', text.as_bytes()).is_none() {
                    return Ok(Some(HostBody::Text(shared(self.0, Cow::Borrowed(text)).into_bytes())));
                }
                unescape_json_string(text).map(|bytes| Some(HostBody::Text(Bytes::from(bytes)))).map_err(serde::de::Error::custom)
            }
            Some(b'n') => Ok(None),
            _ => serde_json::from_str(literal).map(|value| Some(HostBody::Json(value))).map_err(serde::de::Error::custom),
        }
    }
}

/// The text of a JSON string literal (quotes excluded) that serde_json has already
/// checked (escapes well-formed, no control characters), unescaped. Lone surrogates
/// are refused, as serde_json refuses them.
fn unescape_json_string(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    // Runs between escapes are short in JSON text (every quote is escaped), where a plain
    // scan costs less than memchr's set-up.
    while let Some(at) = rest.iter().position(|&b| b == b'\\') {
        out.extend_from_slice(&rest[..at]);
        let (&kind, after) = rest[at + 1..].split_first().ok_or("a JSON string ends inside an escape")?;
        rest = after;
        let byte = match kind {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (unit, after) = hex_unit(rest)?;
                rest = after;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        let low = rest.strip_prefix(b"\\u").map(hex_unit).transpose()?;
                        match low {
                            Some((low @ 0xDC00..=0xDFFF, after)) => {
                                rest = after;
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            }
                            _ => return Err("lone leading surrogate in a \\u escape".into()),
                        }
                    }
                    0xDC00..=0xDFFF => return Err("unexpected trailing surrogate in a \\u escape".into()),
                    other => other,
                };
                let c = char::from_u32(code).ok_or("invalid \\u escape")?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            other => return Err(format!("invalid escape `\\{}` in a JSON string", other as char)),
        };
        out.push(byte);
    }
    out.extend_from_slice(rest);
    Ok(out)
}

/// Four hex digits of a `\\u` escape, and what follows them.
fn hex_unit(input: &[u8]) -> Result<(u32, &[u8]), String> {
    let digits = input.get(..4).ok_or("a \\u escape needs four hex digits")?;
    let text = std::str::from_utf8(digits).map_err(|_| "a \\u escape needs four hex digits")?;
    let unit = u32::from_str_radix(text, 16).map_err(|_| "a \\u escape needs four hex digits")?;
    Ok((unit, &input[4..]))
}

/// A string borrowed from the input when possible.
pub(crate) struct CowStr<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Visit(std::marker::PhantomData))
    }
}

/// Decodes a request object held on its own (not decoded with the envelope).
pub(crate) fn decode_standalone(raw: &RawValue) -> Result<HostRequest, serde_json::Error> {
    let payload = Bytes::copy_from_slice(raw.get().as_bytes());
    let mut de = serde_json::Deserializer::from_slice(&payload);
    HostRequestSeed { payload: &payload }.deserialize(&mut de)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    fn decode(json: &str) -> (Bytes, HostRequest) {
        let payload = Bytes::copy_from_slice(json.as_bytes());
        let request = HostRequestSeed { payload: &payload }.deserialize(&mut serde_json::Deserializer::from_slice(&payload)).unwrap();
        (payload, request)
    }

    #[test]
    fn strings_without_escapes_are_slices_of_the_payload() {
        let (payload, request) = decode(r#"{"Url":"http://x/api/a","Headers":{"X-A":["1","2"]},"Params":{"k":"v"},"Body":"plain"}"#);
        let within = |s: &ByteString| is_within(&payload, s.as_bytes());
        assert!(within(request.url.as_ref().unwrap()));
        let headers = request.headers.unwrap();
        assert!(is_within(&payload, &headers));
        assert!(decode_headers(&headers).unwrap().iter().all(|(k, v)| within(k) && within(v)));
        assert!(within(&request.params[0].0) && within(request.params[0].1.as_ref().unwrap()));
        assert!(matches!(&request.body, Some(HostBody::Text(t)) if is_within(&payload, t) && &t[..] == b"plain"));
    }

    #[test]
    fn escaped_strings_are_unescaped_copies() {
        let (_, request) = decode(r#"{"Url":"http:\/\/x\/a?b=1\u0026c=2","Body":"{\"a\":1}"}"#);
        assert_eq!(request.url.as_deref(), Some("http://x/a?b=1&c=2"));
        assert!(matches!(&request.body, Some(HostBody::Text(t)) if &t[..] == br#"{"a":1}"#));
    }

    #[test]
    fn values_flatten_join_and_null_as_the_host_means_them() {
        let (_, request) = decode(
            r#"{"Headers":{"X-A":["1","2"],"X-B":"3","X-C":null,"X-D":[null]},"Query":{"q":["a","b"],"r":null},"Params":{"opt":null,"k":"v"}}"#,
        );
        let headers = decode_headers(request.headers.as_ref().unwrap()).unwrap();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(headers, [("X-A", "1"), ("X-A", "2"), ("X-B", "3")]);
        let query = decode_query(request.query.as_ref().unwrap()).unwrap();
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(query, [("q", "a,b"), ("r", "")]);
        let params: Vec<(&str, Option<&str>)> = request.params.iter().map(|(k, v)| (&**k, v.as_deref())).collect();
        assert_eq!(params, [("opt", None), ("k", Some("v"))]);
    }

    #[test]
    fn shapes_the_host_never_sends_are_errors() {
        for bad in [r#"{"Headers":5}"#, r#"{"Headers":"x"}"#, r#"{"Query":[]}"#, r#"{"Url":7}"#, r#"[]"#] {
            let payload = Bytes::copy_from_slice(bad.as_bytes());
            let result = HostRequestSeed { payload: &payload }.deserialize(&mut serde_json::Deserializer::from_slice(&payload));
            assert!(result.is_err(), "{bad}");
        }
    }

    #[test]
    fn members_of_the_wrong_type_are_found_when_decoded() {
        assert!(decode_headers(&Bytes::from_static(br#"{"A":5}"#)).is_err());
        assert!(decode_query(&Bytes::from_static(br#"{"q":{}}"#)).is_err());
    }

    #[test]
    fn binary_content_types_are_never_missed_by_the_quick_scan() {
        for raw in [
            r#"{"Content-Type":["application/octet-stream"]}"#,
            r#"{"content-type":["Application/Octet-Stream; x=1"]}"#,
            r#"{"Content-Type":["MULTIPART/form-data; boundary=x"]}"#,
            r#"{"Content-Type":["application/\u006fctet-stream"]}"#,
        ] {
            assert!(may_name_a_binary_type(raw.as_bytes()), "{raw}");
        }
        for raw in [r#"{"Content-Type":["application/json"],"Host":["localhost"]}"#, "{}", r#"{"X-Multi":["m"],"o":["octet"]}"#] {
            assert!(!may_name_a_binary_type(raw.as_bytes()), "{raw}");
        }
    }

    proptest::proptest! {
        /// Any text the host can send comes out of `Body` exactly as serde_json reads it.
        #[test]
        fn bodies_unescape_as_serde_json_does(text in "\\PC*|[\"\\\\/\u{0}-\u{1f}\u{7f}-\u{10ffff}]{0,8}") {
            let literal = serde_json::to_string(&text).unwrap();
            let (_, request) = decode(&format!("{{\"Body\":{literal}}}"));
            let body = match request.body { Some(HostBody::Text(t)) => t, other => panic!("{other:?}") };
            proptest::prop_assert_eq!(&body[..], text.as_bytes());
        }

        /// Hand-written escapes, surrogate pairs and lone surrogates included, are read
        /// (or refused) as serde_json reads them.
        #[test]
        fn escapes_read_as_serde_json_reads_them(parts in proptest::collection::vec(proptest::prop_oneof![
            "[a-z ]{0,3}",
            proptest::sample::select(vec!["\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t"]).prop_map(String::from),
            (0u32..0x10000).prop_map(|u| format!("\\u{u:04x}")),
            (0xD800u32..0xE000).prop_map(|u| format!("\\u{u:04X}")),
        ], 0..6)) {
            let literal = format!("\"{}\"", parts.concat());
            let expected = serde_json::from_str::<String>(&literal);
            let payload = Bytes::from(format!("{{\"Body\":{literal}}}"));
            let decoded = HostRequestSeed { payload: &payload }.deserialize(&mut serde_json::Deserializer::from_slice(&payload));
            match (expected, decoded) {
                (Ok(text), Ok(HostRequest { body: Some(HostBody::Text(t)), .. })) => proptest::prop_assert_eq!(&t[..], text.as_bytes()),
                (Err(_), Err(_)) => {}
                (expected, decoded) => proptest::prop_assert!(false, "{literal}: serde_json {expected:?}, we {decoded:?}"),
            }
        }
    }
}
