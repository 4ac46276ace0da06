//! The `stack!` macro of `infra`: declare AWS resources and the references between
//! them, and have rustc refuse a wrong stack.
//!
//! The pipeline is three steps, each its own module and each unit-tested with
//! `syn::parse2` on `quote!` input: `ast` parses, `check` resolves names
//! against the resource catalog (`infra-schema`) and collects every mistake,
//! `expand` writes the Rust that builds the stack. Use it through the `infra`
//! crate, which documents the language.

mod ast;
mod check;
mod errors;
mod expand;

use proc_macro::TokenStream;

/// Declares a component: resources written once, added to any stack with
/// `let net = use network(…);`. See the `infra` crate's documentation.
#[proc_macro]
pub fn component(input: TokenStream) -> TokenStream {
    let component = syn::parse_macro_input!(input as ast::ComponentDef);
    // With errors, the function and its struct are still expanded beside them,
    // so that the stacks using the component do not fail to find it.
    let (model, error) = check::check_component(&component);
    let errors = error.map(|error| error.to_compile_error());
    let expansion = expand::expand_component(&component, &model);
    quote::quote!(#errors #expansion).into()
}

/// Declares a stack of AWS resources, checked at compile time. See the `infra`
/// crate's documentation of `stack!` for the language.
#[proc_macro]
pub fn stack(input: TokenStream) -> TokenStream {
    let stack = syn::parse_macro_input!(input as ast::StackDef);
    let (model, error) = check::check(&stack);
    expand::expand(&model, error.as_ref()).into()
}
