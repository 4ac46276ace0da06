//! The syntax of `stack!`, parsed with `syn`. Every node keeps the user's tokens,
//! so that every error can point at them.
//!
//! ```text
//! stack! {
//!     name = "identity-e2e-backend";
//!     region = "eu-west-2";
//!     default_tags = { "team": "identity" };
//!
//!     let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
//!     let public_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24" };
//! }
//! ```

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, bracketed, Ident, Lit, LitStr, Path, Token};

/// A whole `stack! { … }` body.
pub(crate) struct StackDef {
    pub(crate) settings: Vec<Setting>,
    pub(crate) inputs: Vec<InputDef>,
    pub(crate) lookups: Vec<ResourceDef>,
    pub(crate) uses: Vec<UseDef>,
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) outputs: Vec<OutputDef>,
    /// `export name = resource.attribute;`, in a component's body.
    pub(crate) exports: Vec<OutputDef>,
}

/// `let net = use network("10.0.0.0/16", azs.names[0]);`: an instance of a
/// component, its resources named `net_…`, its handles `net.vpc_id`.
pub(crate) struct UseDef {
    pub(crate) name: Ident,
    pub(crate) path: Path,
    pub(crate) args: Vec<Value>,
}

/// `component! { /// doc  pub fn network(cidr: Cidr) -> Network { … } }`.
pub(crate) struct ComponentDef {
    pub(crate) doc: String,
    pub(crate) vis: syn::Visibility,
    pub(crate) name: Ident,
    pub(crate) params: Vec<InputDef>,
    pub(crate) output: Ident,
    pub(crate) body: StackDef,
}

/// `/// Description.` then `input name: Type = default;` (the default is optional).
pub(crate) struct InputDef {
    pub(crate) doc: String,
    pub(crate) name: Ident,
    pub(crate) ty: Ident,
    pub(crate) default: Option<Value>,
}

/// `/// Description.` then `output name = value;`
pub(crate) struct OutputDef {
    pub(crate) doc: String,
    pub(crate) name: Ident,
    pub(crate) value: Value,
}

/// `format!("text {} text", value, …)`: a string built from literals and references.
pub(crate) struct TemplateDef {
    pub(crate) literal: LitStr,
    /// The text around the placeholders: one more piece than arguments.
    pub(crate) pieces: Vec<String>,
    pub(crate) args: Vec<Value>,
}

/// `name = "…";` and the like.
pub(crate) struct Setting {
    pub(crate) key: Ident,
    pub(crate) value: Value,
}

/// `let name = ec2::Vpc { field: value, … };`
pub(crate) struct ResourceDef {
    pub(crate) name: Ident,
    pub(crate) ty: Path,
    pub(crate) fields: Vec<FieldDef>,
    /// The closing brace, where a missing field is reported.
    pub(crate) body_span: Span,
}

impl ResourceDef {
    /// Where the type path ends, for errors about the type.
    pub(crate) fn ty_span(&self) -> Span {
        self.ty
            .segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span())
    }
}

/// `field: value` in a resource body.
pub(crate) struct FieldDef {
    pub(crate) name: Ident,
    pub(crate) value: Value,
}

/// A value: a literal, a reference, an enum variant, a map or a list.
pub(crate) enum Value {
    /// `"text"`, `true`, `42`.
    Lit(Lit),
    /// `vpc.id`: another resource's field or attribute.
    Ref(RefExpr),
    /// `PayPerRequest`: a variant of the field's enum.
    Variant(Ident),
    /// `service::PORT`: a Rust constant, so that a value shared with other code
    /// (a port, a health-check path) is written once. Typed by rustc; its value
    /// is checked when the stack is built, not at compile time.
    Const(syn::Path),
    /// `{ "key": value, … }`.
    Map(Span, Vec<(LitStr, Value)>),
    /// `[value, …]`.
    List(Span, Vec<Value>),
    /// `format!("…{}…", value)`.
    Template(TemplateDef),
    /// `{ field: value, … }`: a nested block (a health check, a policy statement).
    Block(Span, Vec<FieldDef>),
}

/// `resource.attribute`.
pub(crate) struct RefExpr {
    pub(crate) resource: Ident,
    pub(crate) dot: Token![.],
    pub(crate) attribute: Ident,
    /// `[0]` after a list attribute: `azs.names[0]`.
    pub(crate) index: Option<syn::LitInt>,
}

impl ToTokens for RefExpr {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.resource.to_tokens(tokens);
        self.dot.to_tokens(tokens);
        self.attribute.to_tokens(tokens);
        if let Some(index) = &self.index {
            syn::token::Bracket::default().surround(tokens, |inner| index.to_tokens(inner));
        }
    }
}

impl Value {
    /// The tokens the user wrote, for error spans.
    pub(crate) fn span(&self) -> Span {
        match self {
            Value::Lit(lit) => lit.span(),
            Value::Ref(reference) => reference.resource.span(),
            Value::Variant(ident) => ident.span(),
            Value::Const(path) => path
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span()),
            Value::Map(span, _) | Value::List(span, _) | Value::Block(span, _) => *span,
            Value::Template(template) => template.literal.span(),
        }
    }

    /// Every reference inside the value.
    pub(crate) fn references(&self) -> Vec<&RefExpr> {
        match self {
            Value::Ref(reference) => vec![reference],
            Value::Map(_, entries) => entries.iter().flat_map(|(_, v)| v.references()).collect(),
            Value::List(_, items) => items.iter().flat_map(Value::references).collect(),
            Value::Template(template) => template.args.iter().flat_map(Value::references).collect(),
            Value::Block(_, fields) => fields.iter().flat_map(|f| f.value.references()).collect(),
            Value::Lit(_) | Value::Variant(_) | Value::Const(_) => Vec::new(),
        }
    }
}

impl Parse for StackDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut settings = Vec::new();
        let mut inputs = Vec::new();
        let mut lookups = Vec::new();
        let mut uses = Vec::new();
        let mut resources = Vec::new();
        let mut outputs = Vec::new();
        let mut exports = Vec::new();
        while !input.is_empty() {
            let doc = doc_comment(&input.call(syn::Attribute::parse_outer)?);
            if input.peek(Token![let]) && is_use(input) {
                input.parse::<Token![let]>()?;
                let name = input.parse()?;
                input.parse::<Token![=]>()?;
                input.parse::<Token![use]>()?;
                let path = input.parse()?;
                let body;
                syn::parenthesized!(body in input);
                let args = Punctuated::<Value, Token![,]>::parse_terminated(&body)?;
                input.parse::<Token![;]>()?;
                uses.push(UseDef {
                    name,
                    path,
                    args: args.into_iter().collect(),
                });
            } else if input.peek(Token![let]) {
                resources.push(input.parse()?);
            } else if is_keyword(input, "export") {
                input.parse::<Ident>()?;
                let name = input.parse()?;
                input.parse::<Token![=]>()?;
                let value = input.parse()?;
                input.parse::<Token![;]>()?;
                exports.push(OutputDef { doc, name, value });
            } else if is_keyword(input, "lookup") {
                lookups.push(input.parse()?);
            } else if is_keyword(input, "input") {
                input.parse::<Ident>()?;
                let name = input.parse()?;
                input.parse::<Token![:]>()?;
                let ty = input.parse()?;
                let default = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                input.parse::<Token![;]>()?;
                inputs.push(InputDef {
                    doc,
                    name,
                    ty,
                    default,
                });
            } else if is_keyword(input, "output") {
                input.parse::<Ident>()?;
                let name = input.parse()?;
                input.parse::<Token![=]>()?;
                let value = input.parse()?;
                input.parse::<Token![;]>()?;
                outputs.push(OutputDef { doc, name, value });
            } else if input.peek(Ident) && input.peek2(Token![=]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                let value = input.parse()?;
                input.parse::<Token![;]>()?;
                settings.push(Setting { key, value });
            } else {
                return Err(input.error(
                    "expected a setting (`name = \"…\";`), an input (`input count: Int = 2;`), \
                     a lookup (`lookup azs = ec2::AvailabilityZones {};`), \
                     a resource (`let vpc = ec2::Vpc { … };`) or an output (`output id = vpc.id;`)",
                ));
            }
        }
        Ok(StackDef {
            settings,
            inputs,
            lookups,
            uses,
            resources,
            outputs,
            exports,
        })
    }
}

/// Whether the next tokens are `let NAME = use …`.
fn is_use(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<Token![let]>().is_ok()
        && fork.parse::<Ident>().is_ok()
        && fork.parse::<Token![=]>().is_ok()
        && fork.peek(Token![use])
}

impl Parse for ComponentDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let doc = doc_comment(&input.call(syn::Attribute::parse_outer)?);
        let vis = input.parse()?;
        input.parse::<Token![fn]>()?;
        let name = input.parse()?;
        let params_body;
        syn::parenthesized!(params_body in input);
        let mut params = Vec::new();
        while !params_body.is_empty() {
            let name = params_body.parse()?;
            params_body.parse::<Token![:]>()?;
            let ty = params_body.parse()?;
            params.push(InputDef {
                doc: String::new(),
                name,
                ty,
                default: None,
            });
            if params_body.is_empty() {
                break;
            }
            params_body.parse::<Token![,]>()?;
        }
        input.parse::<Token![->]>()?;
        let output = input.parse()?;
        let body_tokens;
        braced!(body_tokens in input);
        let body = body_tokens.parse()?;
        Ok(ComponentDef {
            doc,
            vis,
            name,
            params,
            output,
            body,
        })
    }
}

/// Whether the next tokens are `keyword name`: `input count: …`, `output id = …`.
fn is_keyword(input: ParseStream<'_>, keyword: &str) -> bool {
    input.peek2(Ident)
        && input
            .fork()
            .parse::<Ident>()
            .is_ok_and(|ident| ident == keyword)
}

/// The text of `///` comments, lines joined by spaces.
fn doc_comment(attributes: &[syn::Attribute]) -> String {
    attributes
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    }),
                ..
            }) => Some(s.value().trim().to_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Parse for TemplateDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        if name != "format" {
            return Err(syn::Error::new_spanned(
                name,
                "the only macro a value may call is `format!`",
            ));
        }
        input.parse::<Token![!]>()?;
        let body;
        syn::parenthesized!(body in input);
        let literal: LitStr = body.parse()?;
        let mut args = Vec::new();
        while !body.is_empty() {
            body.parse::<Token![,]>()?;
            if body.is_empty() {
                break;
            }
            args.push(body.parse()?);
        }
        let pieces = split_format(&literal)?;
        if pieces.len() != args.len() + 1 {
            return Err(syn::Error::new_spanned(
                &literal,
                format!(
                    "this format string has {} `{{}}` placeholder(s) and {} value(s) follow it",
                    pieces.len() - 1,
                    args.len()
                ),
            ));
        }
        Ok(TemplateDef {
            literal,
            pieces,
            args,
        })
    }
}

/// The text between `{}` placeholders (`{{` and `}}` stand for braces).
fn split_format(literal: &LitStr) -> syn::Result<Vec<String>> {
    let text = literal.value();
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                current.push(c);
            }
            ('{', Some('}')) => {
                chars.next();
                pieces.push(std::mem::take(&mut current));
            }
            ('{' | '}', _) => {
                return Err(syn::Error::new_spanned(
                    literal,
                    "placeholders are `{}`, filled in order by the values after the string (write `{{` and `}}` for braces)",
                ))
            }
            _ => current.push(c),
        }
    }
    pieces.push(current);
    Ok(pieces)
}

impl Parse for ResourceDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `let` for a resource, `lookup` for a lookup: the rest is the same.
        if input.peek(Token![let]) {
            input.parse::<Token![let]>()?;
        } else {
            input.parse::<Ident>()?;
        }
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let ty: Path = input.parse()?;
        let body;
        let brace = braced!(body in input);
        let fields = Punctuated::<FieldDef, Token![,]>::parse_terminated(&body)?
            .into_iter()
            .collect();
        input.parse::<Token![;]>()?;
        Ok(ResourceDef {
            name,
            ty,
            fields,
            body_span: brace.span.close(),
        })
    }
}

impl Parse for FieldDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![:]>()?;
        let value = input.parse()?;
        Ok(FieldDef { name, value })
    }
}

impl Parse for Value {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Lit) {
            return Ok(Value::Lit(input.parse()?));
        }
        if input.peek(syn::token::Brace) {
            let body;
            let brace = braced!(body in input);
            // `{ field: value }` is a block, `{ "key": value }` a map.
            if body.peek(Ident) {
                let fields = Punctuated::<FieldDef, Token![,]>::parse_terminated(&body)?;
                return Ok(Value::Block(
                    brace.span.join(),
                    fields.into_iter().collect(),
                ));
            }
            let mut entries = Vec::new();
            while !body.is_empty() {
                let key: LitStr = body.parse()?;
                body.parse::<Token![:]>()?;
                let value = body.parse()?;
                entries.push((key, value));
                if body.is_empty() {
                    break;
                }
                body.parse::<Token![,]>()?;
            }
            return Ok(Value::Map(brace.span.join(), entries));
        }
        if input.peek(syn::token::Bracket) {
            let body;
            let bracket = bracketed!(body in input);
            let items = Punctuated::<Value, Token![,]>::parse_terminated(&body)?;
            return Ok(Value::List(
                bracket.span.join(),
                items.into_iter().collect(),
            ));
        }
        if input.peek(Ident) && input.peek2(Token![!]) {
            return Ok(Value::Template(input.parse()?));
        }
        if input.peek(Ident) && input.peek2(Token![.]) {
            let resource = input.parse()?;
            let dot = input.parse()?;
            let attribute = input.parse()?;
            let index = if input.peek(syn::token::Bracket) {
                let body;
                bracketed!(body in input);
                Some(body.parse()?)
            } else {
                None
            };
            return Ok(Value::Ref(RefExpr {
                resource,
                dot,
                attribute,
                index,
            }));
        }
        if input.peek(Token![::]) || (input.peek(Ident) && input.peek2(Token![::])) {
            return Ok(Value::Const(input.parse()?));
        }
        if input.peek(Ident) {
            return Ok(Value::Variant(input.parse()?));
        }
        Err(input.error(
            "expected a value: a literal (`\"text\"`, `true`, `42`), a reference (`vpc.id`), \
             a variant (`PayPerRequest`), a map (`{ \"key\": \"value\" }`) or a list (`[…]`)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_settings_resources_and_every_kind_of_value() {
        let stack: StackDef = syn::parse2(quote! {
            name = "demo";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", enable_dns_hostnames: true };
            let table = dynamodb::Table {
                name: "t",
                billing_mode: PayPerRequest,
                tags: { "team": "core", "vpc": vpc.id },
                depends_on: [vpc],
                read_capacity: 5,
            };
        })
        .expect("parses");
        assert_eq!(stack.settings.len(), 2);
        assert_eq!(stack.resources.len(), 2);
        let table = &stack.resources[1];
        assert_eq!(table.name, "table");
        assert!(matches!(table.fields[1].value, Value::Variant(_)));
        assert_eq!(table.fields[2].value.references()[0].resource, "vpc");
        assert!(matches!(table.fields[3].value, Value::List(_, _)));
    }

    #[test]
    fn parses_inputs_outputs_and_templates() {
        let stack: StackDef = syn::parse2(quote! {
            /// How many tasks run.
            input count: Int = 2;
            input image: Text;
            let c = ecs::Cluster { user_data: format!("ECS_CLUSTER={}\n{{x}}", c.name) };
            /// The cluster's name.
            output cluster = c.name;
        })
        .expect("parses");
        assert_eq!(stack.inputs[0].doc, "How many tasks run.");
        assert!(stack.inputs[1].default.is_none());
        assert_eq!(stack.outputs[0].name, "cluster");
        let Value::Template(template) = &stack.resources[0].fields[0].value else {
            panic!("a template")
        };
        assert_eq!(template.pieces, ["ECS_CLUSTER=", "\n{x}"]);
        assert_eq!(template.args.len(), 1);

        let error =
            syn::parse2::<StackDef>(quote! { let c = ecs::Cluster { d: format!("{}{}", c.a) }; })
                .err()
                .expect("fails");
        assert!(
            error
                .to_string()
                .contains("2 `{}` placeholder(s) and 1 value(s)"),
            "{error}"
        );
    }

    #[test]
    fn a_stray_token_says_what_was_expected() {
        let error = syn::parse2::<StackDef>(quote! { vpc ec2::Vpc {} })
            .err()
            .expect("fails");
        assert!(error.to_string().contains("expected a setting"));
    }
}
