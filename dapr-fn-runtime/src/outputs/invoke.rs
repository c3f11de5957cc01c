//! `DaprInvoke<T>`: the collector behind `#[dapr_invoke]` output parameters.

use std::marker::PhantomData;

use serde::Serialize;

use super::OutputHandle;
use crate::invocation::Invocation;
use crate::registry::OutputDef;

/// Invokes a method of another Dapr app through the extension: each call adds one record
/// `{"body": ...}` to the function's `daprInvoke` output (dapr-extension §2.3). The calls
/// are made one after another, after the function succeeds; their responses are
/// discarded by the extension.
///
/// The target comes from the binding's `app_id`, `method_name` and `http_verb`
/// (default `POST`). The extension's docs advertise per-record `appId`/`methodName`/
/// `httpVerb`, but its code reads them with their JSON quotes, which breaks the call, so
/// dapr-fn does not offer them: use `{expressions}` in the binding instead.
///
/// ```
/// use dapr_fn_runtime::DaprInvoke;
///
/// let invoke = DaprInvoke::<serde_json::Value>::new();
/// invoke.invoke(serde_json::json!({"orderId": 7}));
/// assert_eq!(invoke.records(), [serde_json::json!({"body": {"orderId": 7}})]);
/// ```
pub struct DaprInvoke<T> {
    out: OutputHandle,
    _body: PhantomData<fn(T)>,
}

static DETACHED: OutputDef = OutputDef { name: "invoke", binding_type: "daprInvoke", properties: &["appId", "methodName"] };

impl<T: Serialize> DaprInvoke<T> {
    /// A collector not attached to an invocation, for calling functions in tests.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DaprInvoke { out: OutputHandle::detached(&DETACHED), _body: PhantomData }
    }

    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        DaprInvoke { out: OutputHandle::bind(inv, slot), _body: PhantomData }
    }

    fn check_target(&self) -> bool {
        for (key, message) in
            [("appId", "A non-null app ID must be specified."), ("methodName", "A non-null method name must be specified.")]
        {
            if !self.out.binding_has(key) {
                self.out.fail(format!("{message} (`{}` has no `{key}`; set it on #[dapr_invoke])", self.out.name()));
                return false;
            }
        }
        true
    }

    /// Invokes the method with `body` as the JSON request body.
    pub fn invoke(&self, body: impl Into<T>) {
        if self.check_target() {
            self.out.push(&[], "body", &body.into(), "An invoke body of null would be sent as no body;");
        }
    }

    /// Invokes the method with no request body (and no `Content-Type`).
    pub fn invoke_without_body(&self) {
        if self.check_target() {
            self.out.push_raw(b"{}".to_vec());
        }
    }

    /// The records collected so far.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.out.records()
    }
}

impl<T> Clone for DaprInvoke<T> {
    fn clone(&self) -> Self {
        DaprInvoke { out: self.out.clone(), _body: PhantomData }
    }
}

impl<T> std::fmt::Debug for DaprInvoke<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.out.fmt(f)
    }
}
