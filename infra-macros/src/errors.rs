//! Collects every error of a `stack!` so that all are reported together, each
//! at the user's own tokens.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// An error covering `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// An error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// An error already built (with a note at a second place, say).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// How many errors so far: a check that adds none passed.
    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    /// All errors as one, or `Ok` when there were none.
    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

/// The candidate closest to `name`, when one is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance <= (name.len().max(candidate.len()) / 3).max(1)
                || (name.len() >= 3 && (candidate.starts_with(name) || name.starts_with(candidate)))
                || (name.len() >= 4 && candidate.contains(name))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)` when a candidate is close, else nothing.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(closest("vpcc", ["vpc", "table"]), Some("vpc"));
        assert_eq!(
            closest("cidr_blok", ["cidr_block", "vpc_id"]),
            Some("cidr_block")
        );
        assert_eq!(
            closest("cidr", ["cidr_block", "vpc_id"]),
            Some("cidr_block")
        );
        assert_eq!(
            closest("zone", ["vpc_id", "availability_zone"]),
            Some("availability_zone")
        );
        assert_eq!(closest("zzz", ["vpc", "table"]), None);
    }
}
