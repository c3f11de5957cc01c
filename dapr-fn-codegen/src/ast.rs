//! The typed model of one annotated function, built by [`crate::attr`], checked by
//! [`crate::valid`], turned into code by [`crate::expand`] and into function.json by
//! [`Function::manifest`].

use dapr_fn_manifest::catalogue::{BindingSpec, PropertySpec};
use dapr_fn_manifest::names::RETURN_BINDING;
use dapr_fn_manifest::{BindingManifest, Direction, FunctionManifest, PropertyValue};
use proc_macro2::Span;

/// One property as written in an attribute.
#[derive(Clone)]
pub struct Property {
    /// Which property.
    pub spec: &'static PropertySpec,
    /// Its value, normalized for function.json.
    pub value: PropertyValue,
    /// The literal it came from (for pointing at tokens inside it).
    pub span: Span,
}

/// Where a binding attribute was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On the function: outputs bind the return value, a trigger binds the first
    /// parameter without a binding attribute.
    Function,
    /// On the parameter with this index.
    Param(usize),
}

/// One binding attribute, parsed.
#[derive(Clone)]
pub struct Binding {
    /// The catalogue entry.
    pub spec: &'static BindingSpec,
    /// `in` or `out` (decided in [`crate::attr`] for `daprState`).
    pub direction: Direction,
    /// The function.json name (mapped from the Rust name, or `name = "..."`, or `$return`).
    pub name: String,
    /// Where the name came from.
    pub name_span: Span,
    /// Whether `name = "..."` was written.
    pub explicit_name: bool,
    /// Properties in the order written.
    pub properties: Vec<Property>,
    /// Every property key written, even with an invalid value (so a bad value is not
    /// also reported as missing).
    pub written_keys: Vec<&'static str>,
    /// `unchecked`: skip the compile-time check of `{expressions}`.
    pub unchecked: bool,
    /// The attribute's path (for errors about the attribute as a whole).
    pub attr_span: Span,
    /// Where it was placed.
    pub placement: Placement,
}

impl Binding {
    /// The value of a property, by Rust key.
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.spec.key == key)
    }

    /// Whether this is the function's trigger.
    pub fn is_trigger(&self) -> bool {
        self.spec.role == dapr_fn_manifest::catalogue::Role::Trigger
    }

    fn manifest(&self) -> BindingManifest {
        // Catalogue order, not the order written, so the JSON is canonical.
        let properties = self
            .spec
            .properties
            .iter()
            .filter_map(|spec| self.property(spec.key).map(|p| (spec.json.to_string(), p.value.clone())))
            .collect();
        BindingManifest { binding_type: self.spec.json_type.to_string(), direction: self.direction, name: self.name.clone(), properties }
    }
}

/// What a parameter receives.
#[derive(Clone)]
pub enum ParamRole {
    /// A binding (trigger, input or output).
    Binding(Binding),
    /// No binding attribute: the trigger declared on the function (if it is the first
    /// such parameter), otherwise invocation context such as `AppState<T>`.
    Context,
}

/// One parameter of the function.
#[derive(Clone)]
pub struct Param {
    /// The parameter's Rust name, when it is a plain identifier.
    pub ident: Option<syn::Ident>,
    /// Its type.
    pub ty: syn::Type,
    /// What it receives.
    pub role: ParamRole,
}

/// What the function returns, syntactically.
#[derive(Clone)]
pub enum Returns {
    /// `()` or nothing.
    Unit(Span),
    /// A type whose last path segment is `Result`.
    Result(syn::Type),
    /// Anything else.
    Value(syn::Type),
}

/// One annotated function.
pub struct Function {
    /// The Rust function name.
    pub ident: syn::Ident,
    /// The function name the host sees.
    pub name: String,
    /// Where that name came from (the `name = "..."` literal or the Rust name).
    pub name_span: Span,
    /// Whether the Rust function is `async`.
    pub is_async: bool,
    /// The parameters in order.
    pub params: Vec<Param>,
    /// Bindings placed on the function: at most a trigger and one output.
    pub function_bindings: Vec<Binding>,
    /// What it returns.
    pub returns: Returns,
    /// The name of the `http` output of an HTTP-triggered function (`res` unless
    /// `#[function(http_response = "...")]` says otherwise, e.g. `$return`).
    pub http_response: String,
    /// Where a custom `http_response` name was written.
    pub http_response_span: Span,
}

impl Function {
    /// Every binding in function.json order: the trigger(s), the parameters' bindings
    /// in order, then `$return`.
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        let params = || {
            self.params.iter().filter_map(|p| match &p.role {
                ParamRole::Binding(b) => Some(b),
                ParamRole::Context => None,
            })
        };
        let on_fn = |trigger: bool| self.function_bindings.iter().filter(move |b| b.is_trigger() == trigger);
        on_fn(true).chain(params().filter(|b| b.is_trigger())).chain(params().filter(|b| !b.is_trigger())).chain(on_fn(false))
    }

    /// The trigger, wherever it was placed.
    pub fn trigger(&self) -> Option<&Binding> {
        self.bindings().find(|b| b.is_trigger())
    }

    /// The output bound to the return value, if any.
    pub fn return_binding(&self) -> Option<&Binding> {
        self.function_bindings.iter().find(|b| !b.is_trigger())
    }

    /// Whether the runtime adds an `http` output named `res` (HTTP-triggered functions).
    pub fn has_http_response(&self) -> bool {
        self.trigger().is_some_and(|t| t.spec.json_type == "httpTrigger")
    }

    /// The index of the parameter that receives a function-level trigger.
    pub fn function_trigger_param(&self) -> Option<usize> {
        self.function_bindings.iter().find(|b| b.is_trigger())?;
        self.params.iter().position(|p| matches!(p.role, ParamRole::Context))
    }

    /// The function.json this function stands for.
    pub fn manifest(&self) -> FunctionManifest {
        let mut bindings: Vec<BindingManifest> = self.bindings().map(Binding::manifest).collect();
        if self.has_http_response() {
            bindings.push(BindingManifest {
                binding_type: "http".into(),
                direction: Direction::Out,
                name: self.http_response.clone(),
                properties: Vec::new(),
            });
        }
        debug_assert!(bindings.iter().filter(|b| b.name == RETURN_BINDING).count() <= 1);
        FunctionManifest { name: self.name.clone(), bindings }
    }
}
