//! Turns a checked stack into ordinary Rust that builds an `infra::Stack`.
//!
//! Field values go through `infra::__private::field::<T, _>(value)`, spanned at the
//! user's value, so that rustc itself refuses a value of the wrong kind (a subnet
//! id where a VPC id is expected) with an error on the user's token.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, Lit, LitInt};

use infra_schema::ValueType;

use crate::ast::{ComponentDef, UseDef};
use crate::ast::{RefExpr, TemplateDef, Value};
use crate::check::{input_marker, reference_type, Model, Resource, INPUT, PARAM};

/// The expression that builds the stack. With `errors`, they are emitted too,
/// and the expansion of what passed stays, so that rustc still checks it (and
/// IDEs keep working) without a cascade: the stack itself is then a placeholder.
pub(crate) fn expand(model: &Model<'_>, errors: Option<&syn::Error>) -> TokenStream {
    let placeholder = syn::LitStr::new("invalid", Span::call_site());
    let name = model.name.unwrap_or(&placeholder);
    let region = model.region.unwrap_or(&placeholder);
    let default_tags = model
        .default_tags
        .iter()
        .map(|(key, value)| quote!(__stack.default_tag(#key, #value);));
    let backend = model.backend.map(|url| quote!(__stack.backend(#url);));
    let inputs = model.inputs.iter().map(|input| {
        let name = input.def.name.to_string();
        let marker = rust_type(&input.ty, input.def.ty.span());
        let doc = &input.def.doc;
        let default = match input.def.default.as_ref().filter(|_| input.default_ok) {
            Some(value) => {
                let value = expand_value(&input.ty, value, model);
                quote!(::core::option::Option::Some(#value))
            }
            None => quote!(::core::option::Option::None),
        };
        quote!(__stack.input::<#marker>(#name, #default, #doc);)
    });
    let lookups = model.lookups.iter().map(|l| expand_resource(l, model));
    let uses = model.uses.iter().map(|u| expand_use(u, model));
    let resources = model.resources.iter().map(|r| expand_resource(r, model));
    let outputs = model.outputs.iter().map(|output| {
        let name = output.name.to_string();
        let doc = &output.doc;
        let value = expand_any(&output.value, model);
        quote!(__stack.output(#name, #value, #doc);)
    });
    let (errors, finish) = match errors {
        None => (None, quote!(::infra::__private::finish(__stack))),
        Some(error) => (
            Some(error.to_compile_error()),
            quote!(::infra::__private::invalid_stack(__stack)),
        ),
    };
    quote! {{
        #errors
        let mut __stack = ::infra::Stack::builder(#name, #region);
        #(#default_tags)*
        #backend
        #(#inputs)*
        #(#lookups)*
        #(#uses)*
        #(#resources)*
        #(#outputs)*
        #finish
    }}
}

/// The name a declaration gets in the stack: as written in a stack, prefixed by
/// the instance's name in a component (`net_vpc`).
fn stack_name(ident: &str, model: &Model<'_>) -> TokenStream {
    if model.root == PARAM {
        quote!(&::std::format!("{}_{}", __prefix, #ident))
    } else {
        quote!(#ident)
    }
}

/// `let net = use network(a, b);` calls the component's function, which adds
/// its resources as `net_…` and returns its typed handles.
fn expand_use(instance: &UseDef, model: &Model<'_>) -> TokenStream {
    let binding = &instance.name;
    let name = stack_name(&binding.to_string(), model);
    let path = &instance.path;
    let args = instance.args.iter().map(|arg| {
        let span = arg.span();
        let raw = expand_raw(arg, model);
        quote_spanned!(span=> ::infra::types::Ref::value(#raw))
    });
    quote! {
        let #binding = #path(&mut __stack, #name, #(#args),*);
    }
}

/// A value as the Rust value it stands for, without a field type to check it
/// against (a component's argument: the function's signature types it).
fn expand_raw(value: &Value, model: &Model<'_>) -> TokenStream {
    let span = value.span();
    match value {
        Value::Ref(reference) => expand_reference(reference, model),
        Value::Template(template) => expand_template(template, model),
        Value::Lit(Lit::Int(int)) => {
            let int = LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
            quote!(#int)
        }
        Value::Lit(lit) => quote!(#lit),
        _ => quote_spanned!(span=> ::core::compile_error!(
            "a component's argument is a literal, a reference or a `format!`"
        )),
    }
}

/// A `component!`: a struct of typed handles and the function that adds the
/// component's resources to a stack and returns them.
pub(crate) fn expand_component(component: &ComponentDef, model: &Model<'_>) -> TokenStream {
    let doc = &component.doc;
    let vis = &component.vis;
    let name = &component.name;
    let output = &component.output;
    let params = model.inputs.iter().map(|param| {
        let ident = &param.def.name;
        let marker = rust_type(&param.ty, param.def.ty.span());
        quote!(#ident: ::infra::types::Ref<#marker>)
    });
    let param_names = model.inputs.iter().map(|param| &param.def.name);
    let lookups = model.lookups.iter().map(|l| expand_resource(l, model));
    let uses = model.uses.iter().map(|u| expand_use(u, model));
    let resources = model.resources.iter().map(|r| expand_resource(r, model));
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for export in model.exports.iter() {
        let Value::Ref(reference) = &export.value else {
            continue;
        };
        let field = &export.name;
        let field_doc = &export.doc;
        let kind = reference_type(reference, model)
            .map(|ty| rust_type(&ty, reference.resource.span()))
            .unwrap_or_else(|| quote!(::infra::types::Text));
        fields.push(quote!(#[doc = #field_doc] pub #field: ::infra::types::Ref<#kind>));
        let value = expand_reference(reference, model);
        values.push(quote!(#field: #value));
    }
    let struct_doc = format!("What [`{name}`] made: typed handles for references.");
    // A nested `use` passes `&mut __stack` on, which needs a mutable binding.
    let stack_binding = if model.uses.is_empty() {
        quote!(__stack)
    } else {
        quote!(mut __stack)
    };
    quote! {
        #[doc = #struct_doc]
        #[derive(Debug, Clone)]
        #vis struct #output {
            #(#fields,)*
        }

        #[doc = #doc]
        #vis fn #name(
            #stack_binding: &mut ::infra::StackBuilder,
            __prefix: &str,
            #(#params),*
        ) -> #output {
            // A parameter may go unused by some bodies.
            #(let _ = &#param_names;)*
            #(#lookups)*
            #(#uses)*
            #(#resources)*
            #output { #(#values),* }
        }
    }
}

fn expand_resource(resource: &Resource<'_>, model: &Model<'_>) -> TokenStream {
    let name = stack_name(&resource.def.name.to_string(), model);
    let schema = Ident::new(
        &infra_schema::static_name(resource.schema.path),
        resource.def.ty_span(),
    );
    let fields = resource.fields.iter().map(|(field, value, field_schema)| {
        let field = field.to_string();
        let value = expand_value(&field_schema.ty, value, model);
        quote!(__resource.set(#field, #value);)
    });
    let depends_on = resource.depends_on.iter().map(|d| {
        let d = stack_name(&d.to_string(), model);
        quote!(__resource.depends_on(#d);)
    });
    // Lookups have their own catalog and builder call.
    let declare = if infra_schema::find_lookup(resource.schema.path)
        .is_some_and(|lookup| std::ptr::eq(lookup, resource.schema))
    {
        quote!(__stack.lookup_of(#name, &::infra::__private::schema::catalog::lookup::#schema))
    } else {
        quote!(__stack.resource_of(#name, &::infra::__private::schema::catalog::#schema))
    };
    quote! {{
        let __resource = #declare;
        #(#fields)*
        #(#depends_on)*
    }}
}

/// The Rust type standing for `ty`, under `::infra::types`.
fn rust_type(ty: &ValueType, span: Span) -> TokenStream {
    let segments = ty.rust_type().split("::").map(|s| Ident::new(s, span));
    quote_spanned!(span=> ::infra::types::#(#segments)::*)
}

/// A value of any type, as an `infra::Expr` (outputs, `format!` arguments).
fn expand_any(value: &Value, model: &Model<'_>) -> TokenStream {
    let span = value.span();
    let tokens = match value {
        Value::Ref(reference) => expand_reference(reference, model),
        Value::Template(template) => expand_template(template, model),
        Value::Lit(Lit::Int(int)) => {
            let int = LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
            quote!(#int)
        }
        Value::Lit(lit) => quote!(#lit),
        Value::List(_, items) => {
            let items = items.iter().map(|item| expand_any(item, model));
            return quote_spanned!(span=> ::infra::Expr::List(::std::vec![#(#items),*]));
        }
        Value::Map(_, entries) => {
            let entries = entries.iter().map(|(key, value)| {
                let value = expand_any(value, model);
                quote!((#key, #value))
            });
            return quote_spanned!(span=> ::infra::__private::map(::std::vec![#(#entries),*]));
        }
        Value::Block(_, fields) => {
            let fields = fields.iter().map(|field| {
                let name = field.name.to_string();
                let value = expand_any(&field.value, model);
                quote!((#name, #value))
            });
            return quote_spanned!(span=> ::infra::__private::map(::std::vec![#(#fields),*]));
        }
        Value::Const(path) => quote!(#path),
        Value::Variant(_) => quote_spanned!(span=> ::core::compile_error!("unexpected value")),
    };
    quote_spanned!(span=> ::infra::__private::part(#tokens))
}

/// `format!("a{}b", x)` becomes a typed text template of its pieces and values.
fn expand_template(template: &TemplateDef, model: &Model<'_>) -> TokenStream {
    let span = template.literal.span();
    let mut parts = Vec::new();
    for (i, piece) in template.pieces.iter().enumerate() {
        if !piece.is_empty() {
            parts.push(quote_spanned!(span=> ::infra::__private::part(#piece)));
        }
        if let Some(arg) = template.args.get(i) {
            parts.push(expand_any(arg, model));
        }
    }
    quote_spanned!(span=> ::infra::types::Ref::<::infra::types::Text>::template(::std::vec![#(#parts),*]))
}

fn expand_value(ty: &ValueType, value: &Value, model: &Model<'_>) -> TokenStream {
    let span = value.span();
    let expected = rust_type(ty, span);
    let tokens = match (ty, value) {
        (ValueType::Tags, Value::Map(_, entries)) => {
            let entries = entries.iter().map(|(key, value)| {
                let value = expand_value(&ValueType::String, value, model);
                quote!((#key, #value))
            });
            return quote_spanned!(span=> ::infra::__private::map(::std::vec![#(#entries),*]));
        }
        (ValueType::List(item) | ValueType::Set(item), Value::List(_, items)) => {
            let items = items.iter().map(|value| expand_value(item, value, model));
            return quote_spanned!(span=> ::infra::Expr::List(::std::vec![#(#items),*]));
        }
        (ValueType::Block(block), Value::Block(_, fields)) => {
            let fields = fields.iter().filter_map(|field| {
                let name = field.name.to_string();
                let schema = block.field(&name)?;
                let value = expand_value(&schema.ty, &field.value, model);
                Some(quote!((#name, #value)))
            });
            return quote_spanned!(span=> ::infra::__private::map(::std::vec![#(#fields),*]));
        }
        (ValueType::Block(_), Value::Map(_, _)) => {
            return quote_spanned!(span=> ::infra::__private::map(::std::vec![]));
        }
        (_, Value::Ref(reference)) => expand_reference(reference, model),
        (_, Value::Template(template)) => expand_template(template, model),
        (
            ValueType::Int { .. } | ValueType::Port | ValueType::OneOf(_),
            Value::Lit(Lit::Int(int)),
        ) => {
            let int = LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
            quote!(#int)
        }
        (ValueType::Enum(_), Value::Variant(variant)) => quote_spanned!(span=> #expected::#variant),
        (_, Value::Const(path)) => quote!(#path),
        (_, Value::Lit(lit)) => quote!(#lit),
        // Any other shape was refused by the checks.
        (_, _) => quote_spanned!(span=> ::core::compile_error!("unexpected value")),
    };
    quote_spanned!(span=> ::infra::__private::field::<#expected, _>(#tokens))
}

/// `vpc.id` becomes a `Ref` typed by what it points at, spanned over the user's
/// tokens.
fn expand_reference(reference: &RefExpr, model: &Model<'_>) -> TokenStream {
    let resource = reference.resource.to_string();
    let attribute = reference.attribute.to_string();
    // Errors on the reference cover all of `vpc.id` where the compiler can join
    // spans, and its first token elsewhere.
    let start = reference.resource.span();
    let end = reference.attribute.span();
    let start = start.join(end).unwrap_or(start);
    if model.uses.iter().any(|u| u.name == reference.resource) {
        // A component's handle: a typed `Ref` field of the value it returned.
        let instance = &reference.resource;
        let field = &reference.attribute;
        let index = reference.index.as_ref().map(|index| {
            let index = syn::LitInt::new(&format!("{}usize", index.base10_digits()), index.span());
            quote!(.at(#index))
        });
        return quote_spanned!(start=> ::core::clone::Clone::clone(&#instance.#field) #index);
    }
    if resource == PARAM && model.root == PARAM {
        let param = &reference.attribute;
        return quote_spanned!(start=> ::core::clone::Clone::clone(&#param));
    }
    let resource_name = stack_name(&resource, model);
    let (path, args) = if resource == INPUT && model.root == INPUT {
        let marker = reference_type(reference, model).map_or("Text", |ty| input_marker(&ty));
        let marker = Ident::new(marker, start);
        (
            quote_spanned!(start=> ::infra::types::Ref::<::infra::types::#marker>::input),
            quote!(#attribute),
        )
    } else {
        let kind = reference_type(reference, model)
            .map(|ty| rust_type(&ty, start))
            .unwrap_or_else(|| quote!(::infra::types::Text));
        (
            quote_spanned!(start=> ::infra::types::Ref::<#kind>::new),
            quote!(#resource_name, #attribute),
        )
    };
    let mut args = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, args);
    let index = reference.index.as_ref().map(|index| {
        let index = syn::LitInt::new(&format!("{}usize", index.base10_digits()), index.span());
        quote!(.at(#index))
    });
    args.set_span(end);
    quote!(#path #args #index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::StackDef;

    fn expanded(tokens: TokenStream) -> String {
        let stack: StackDef = syn::parse2(tokens).expect("parses");
        let (model, errors) = crate::check::check(&stack);
        assert!(errors.is_none(), "checks");
        let body = expand(&model, None);
        let file: syn::File =
            syn::parse2(quote!(fn stack() -> ::infra::Stack { #body })).expect("valid Rust");
        // Compare without the layout prettyplease chooses.
        prettyplease::unparse(&file)
            .replace(char::is_whitespace, "")
            .replace(",>", ">")
            .replace(",)", ")")
    }

    #[test]
    fn with_errors_expands_what_passed_beside_them() {
        let stack: StackDef = syn::parse2(quote! {
            name = "demo"; region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.0.0.0/8" };
            let table = dynamodb::Table { name: "items", hash_key: "id", billing_mode: OnDemand };
        })
        .expect("parses");
        let (model, errors) = crate::check::check(&stack);
        let errors = errors.expect("two mistakes");
        let text = expand(&model, Some(&errors)).to_string().replace(' ', "");
        assert!(text.contains("compile_error"), "{text}");
        // The code after the errors.
        let text = text
            .split("letmut__stack")
            .nth(1)
            .expect("the expansion follows the errors");
        assert!(
            text.contains("resource_of(\"table\""),
            "the table is still expanded: {text}"
        );
        assert!(text.contains("\"hash_key\""), "its good fields too: {text}");
        assert!(!text.contains("OnDemand"), "not its bad field: {text}");
        assert!(!text.contains("10.0.0.0/8"), "nor the VPC's: {text}");
        assert!(text.contains("invalid_stack(__stack)"), "{text}");
    }

    #[test]
    fn expands_to_builder_calls_with_typed_values() {
        let text = expanded(quote! {
            name = "demo"; region = "eu-west-2";
            default_tags = { "team": "core" };
            let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
            let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", depends_on: [vpc] };
            let t = dynamodb::Table { name: "demo", hash_key: "id", billing_mode: PayPerRequest, read_capacity: 5 };
        });
        for expected in [
            "::infra::Stack::builder(\"demo\", \"eu-west-2\")",
            "__stack.default_tag(\"team\", \"core\")",
            "resource_of(\"vpc\", &::infra::__private::schema::catalog::EC2_VPC)",
            "::infra::__private::field::<::infra::types::Cidr, _>(\"10.0.0.0/16\")",
            "::infra::types::Ref::<::infra::types::ec2::VpcId>::new(\"vpc\", \"id\")",
            "::infra::types::dynamodb::BillingMode::PayPerRequest",
            "5i64",
            "__resource.depends_on(\"vpc\")",
            "::infra::__private::finish(__stack)",
        ] {
            let expected = expected.replace(char::is_whitespace, "");
            assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
        }
    }
}
