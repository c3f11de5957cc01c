//! The catalogue of bindings dapr-fn knows: one [`BindingSpec`] per binding.
//!
//! Adding a binding means adding one entry here (its attribute name, function.json
//! type, properties and how the host resolves them) plus its typed parameter in the
//! runtime. Property names, casing and required-ness follow
//! `shared/reference/dapr-extension.md` §1.2 and `custom-handler-protocol.md` §6.1.

/// What a binding does for a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Starts the function; exactly one per function.
    Trigger,
    /// Delivers a value to the function (direction `in`).
    Input,
    /// Collects values from the function (direction `out`).
    Output,
    /// Either, chosen by where it is placed and the parameter's type (`daprState`).
    InputOrOutput,
}

/// What values a property accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Any string; `%AppSetting%`/`{expression}` tokens per the binding's [`Resolution`].
    Text,
    /// An HTTP route template (validated, parameters feed `{expression}` checks).
    Route,
    /// HTTP methods: `"get, post"` or `["get", "post"]`, written as a lower-case array.
    Methods,
    /// An HTTP authorization level.
    AuthLevel,
}

/// How the host resolves `%AppSetting%` and `{expression}` tokens in a binding's properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Not resolved at all (the HTTP trigger's route is a template of its own).
    None,
    /// Triggers: every `%name%` is replaced when the setting exists, otherwise the whole
    /// string stays literal; `{...}` is never evaluated.
    AppSettingsOnly,
    /// Bindings marked `[AutoResolve]`: `%name%` must resolve, then `{...}` is bound from
    /// the trigger's binding data at each invocation.
    Full,
}

/// One property of a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertySpec {
    /// The Rust attribute key, e.g. `store`.
    pub key: &'static str,
    /// The function.json key, e.g. `stateStore`.
    pub json: &'static str,
    /// Whether the host rejects the binding without it.
    pub required: bool,
    /// The accepted values.
    pub kind: ValueKind,
    /// One line for error messages and docs.
    pub doc: &'static str,
}

/// One binding dapr-fn supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BindingSpec {
    /// The Rust attribute, e.g. `dapr_state`.
    pub attribute: &'static str,
    /// The function.json `type`, e.g. `daprState`.
    pub json_type: &'static str,
    /// What it does.
    pub role: Role,
    /// Its properties in function.json order.
    pub properties: &'static [PropertySpec],
    /// How the host resolves tokens in its text properties.
    pub resolution: Resolution,
    /// The binding name used when the attribute is on the function and no parameter names it.
    pub default_name: &'static str,
}

impl BindingSpec {
    /// The property spec for an attribute key.
    pub fn property(&self, key: &str) -> Option<&'static PropertySpec> {
        self.properties.iter().find(|p| p.key == key)
    }
}

const fn text(key: &'static str, json: &'static str, required: bool, doc: &'static str) -> PropertySpec {
    PropertySpec { key, json, required, kind: ValueKind::Text, doc }
}

const DAPR_ADDRESS: PropertySpec =
    text("dapr_address", "daprAddress", false, "base URL of the Dapr sidecar, overriding http://localhost:$DAPR_HTTP_PORT");

/// `httpTrigger` (`#[http_trigger]`): `authLevel`, `methods`, `route`.
pub const HTTP_TRIGGER: BindingSpec = BindingSpec {
    attribute: "http_trigger",
    json_type: "httpTrigger",
    role: Role::Trigger,
    properties: &[
        PropertySpec {
            key: "auth_level",
            json: "authLevel",
            required: false,
            kind: ValueKind::AuthLevel,
            doc: "anonymous, function (the host's default), admin, user or system",
        },
        PropertySpec {
            key: "methods",
            json: "methods",
            required: false,
            kind: ValueKind::Methods,
            doc: "accepted HTTP methods, e.g. \"get, post\" (all when absent)",
        },
        PropertySpec {
            key: "route",
            json: "route",
            required: false,
            kind: ValueKind::Route,
            doc: "route template after the route prefix, e.g. \"state/{key}\" (the function name when absent)",
        },
    ],
    resolution: Resolution::None,
    default_name: "req",
};

/// `daprServiceInvocationTrigger` (`#[dapr_service_invocation_trigger]`): `methodName`.
pub const DAPR_SERVICE_INVOCATION_TRIGGER: BindingSpec = BindingSpec {
    attribute: "dapr_service_invocation_trigger",
    json_type: "daprServiceInvocationTrigger",
    role: Role::Trigger,
    properties: &[text("method_name", "methodName", false, "the Dapr method name callers invoke (the function name when absent)")],
    resolution: Resolution::AppSettingsOnly,
    default_name: "payload",
};

/// `daprState` (`#[dapr_state]`): `stateStore`, `key`, `daprAddress`.
pub const DAPR_STATE: BindingSpec = BindingSpec {
    attribute: "dapr_state",
    json_type: "daprState",
    role: Role::InputOrOutput,
    properties: &[
        text("store", "stateStore", true, "the Dapr state store component name"),
        text("key", "key", false, "the state key; when absent every saved record must carry its own key"),
        DAPR_ADDRESS,
    ],
    resolution: Resolution::Full,
    default_name: "state",
};

/// `daprTopicTrigger` (`#[dapr_topic_trigger]`): `pubsubname`, `topic`, `route`.
pub const DAPR_TOPIC_TRIGGER: BindingSpec = BindingSpec {
    attribute: "dapr_topic_trigger",
    json_type: "daprTopicTrigger",
    role: Role::Trigger,
    properties: &[
        text("pub_sub_name", "pubsubname", true, "the Dapr pub/sub component name"),
        text("topic", "topic", false, "the topic to subscribe to (the function name when absent)"),
        text("route", "route", false, "the path Dapr delivers events to (`/` + topic when absent)"),
    ],
    resolution: Resolution::AppSettingsOnly,
    default_name: "event",
};

/// `daprBindingTrigger` (`#[dapr_binding_trigger]`): `bindingName`.
pub const DAPR_BINDING_TRIGGER: BindingSpec = BindingSpec {
    attribute: "dapr_binding_trigger",
    json_type: "daprBindingTrigger",
    role: Role::Trigger,
    properties: &[text("binding_name", "bindingName", false, "the Dapr input binding component name (the function name when absent)")],
    resolution: Resolution::AppSettingsOnly,
    default_name: "payload",
};

/// `daprSecret` (`#[dapr_secret]`): `secretStoreName`, `key`, `metadata`, `daprAddress`.
pub const DAPR_SECRET: BindingSpec = BindingSpec {
    attribute: "dapr_secret",
    json_type: "daprSecret",
    role: Role::Input,
    properties: &[
        text("store", "secretStoreName", true, "the Dapr secret store component name"),
        text("key", "key", true, "the secret's name"),
        text("metadata", "metadata", false, "query parameters for the secret store, e.g. \"metadata.namespace=default\""),
        DAPR_ADDRESS,
    ],
    resolution: Resolution::Full,
    default_name: "secret",
};

/// `daprInvoke` (`#[dapr_invoke]`): `appId`, `methodName`, `httpVerb`, `daprAddress`.
pub const DAPR_INVOKE: BindingSpec = BindingSpec {
    attribute: "dapr_invoke",
    json_type: "daprInvoke",
    role: Role::Output,
    properties: &[
        text("app_id", "appId", false, "the Dapr app id to invoke"),
        text("method_name", "methodName", false, "the method to invoke on that app"),
        text("http_verb", "httpVerb", false, "the HTTP verb of the call (POST when absent)"),
        DAPR_ADDRESS,
    ],
    resolution: Resolution::Full,
    default_name: "invoke",
};

/// `daprPublish` (`#[dapr_publish]`): `pubsubname`, `topic`, `daprAddress`.
pub const DAPR_PUBLISH: BindingSpec = BindingSpec {
    attribute: "dapr_publish",
    json_type: "daprPublish",
    role: Role::Output,
    properties: &[
        text("pub_sub_name", "pubsubname", false, "the Dapr pub/sub component name"),
        text("topic", "topic", false, "the topic to publish to"),
        DAPR_ADDRESS,
    ],
    resolution: Resolution::Full,
    default_name: "publish",
};

/// `daprBinding` (`#[dapr_binding]`): `bindingName`, `operation`, `daprAddress`.
pub const DAPR_BINDING: BindingSpec = BindingSpec {
    attribute: "dapr_binding",
    json_type: "daprBinding",
    role: Role::Output,
    properties: &[
        text("binding_name", "bindingName", false, "the Dapr output binding component name"),
        text("operation", "operation", false, "the binding operation, e.g. \"create\""),
        DAPR_ADDRESS,
    ],
    resolution: Resolution::Full,
    default_name: "binding",
};

/// Every binding dapr-fn supports, triggers first.
pub const ALL: &[BindingSpec] = &[
    HTTP_TRIGGER,
    DAPR_SERVICE_INVOCATION_TRIGGER,
    DAPR_TOPIC_TRIGGER,
    DAPR_BINDING_TRIGGER,
    DAPR_STATE,
    DAPR_SECRET,
    DAPR_INVOKE,
    DAPR_PUBLISH,
    DAPR_BINDING,
];

/// The name of the function-level attribute that only names the function.
pub const FUNCTION_ATTRIBUTE: &str = "function";

/// The spec of a binding attribute, by its Rust name.
pub fn by_attribute(attribute: &str) -> Option<&'static BindingSpec> {
    ALL.iter().find(|s| s.attribute == attribute)
}

/// The spec of a function.json binding type, compared case-insensitively as the host does.
pub fn by_json_type(json_type: &str) -> Option<&'static BindingSpec> {
    ALL.iter().find(|s| s.json_type.eq_ignore_ascii_case(json_type))
}

/// Every attribute name dapr-fn owns: `function` plus each binding's.
pub fn attribute_names() -> impl Iterator<Item = &'static str> {
    std::iter::once(FUNCTION_ATTRIBUTE).chain(ALL.iter().map(|s| s.attribute))
}

/// Authorization levels the host accepts (case-insensitively). The SchemaStore schema
/// lists only the first three; the host also takes `user` and `system`.
pub const AUTH_LEVELS: &[&str] = &["anonymous", "function", "admin", "user", "system"];

/// HTTP methods accepted in `methods` (the SchemaStore list).
pub const HTTP_METHODS: &[&str] = &["get", "post", "delete", "head", "patch", "put", "options", "trace"];
