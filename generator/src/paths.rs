//! Crate paths of generated code. Progenitor and the runtime items name the crates they use
//! directly (`progenitor_client::`, `reqwest::`, `::serde::`, `chrono::`...), so a crate that
//! includes the module must depend on each of them. With a runtime path (bi-rest's is
//! [`BI_REST_RUNTIME`]) the first segment of every such path is rewritten to go through a
//! re-export module of a crate the user already depends on, and every type deriving serde's
//! traits gets `#[serde(crate = "<runtime>::serde")]`, so the user's Cargo.toml lists that one
//! crate. The rewrite works on tokens: only a path's first segment is changed, never a
//! segment after another (`types::http::X` stays) nor an attribute name (`#[serde(...)]`).

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

use crate::error::{ErrorKind, GenError, Result};

/// bi-rest's re-export module for generated code (`bi_rest::__private`).
pub const BI_REST_RUNTIME: &str = "::bi_rest::__private";

/// The crates generated code may name, as path segments (crate names with `_`).
pub const RUNTIME_CRATES: &[&str] = &[
    "progenitor_client",
    "reqwest",
    "serde",
    "serde_json",
    "chrono",
    "uuid",
    "regress",
    "http",
    "bytes",
    "futures",
    "futures_core",
    "quick_xml",
];

/// The parsed runtime path: its segments and whether it starts with `::`.
struct Runtime {
    leading: bool,
    segments: Vec<String>,
    text: String,
}

fn parse_runtime(path: &str) -> Result<Runtime> {
    let trimmed = path.trim();
    let parsed: syn::Path = syn::parse_str(trimmed).map_err(|e| {
        GenError::new(
            ErrorKind::Config,
            format!("runtime path `{path}` is not a Rust path: {e}"),
        )
    })?;
    if parsed
        .segments
        .iter()
        .any(|s| !matches!(s.arguments, syn::PathArguments::None))
    {
        return Err(GenError::new(
            ErrorKind::Config,
            format!("runtime path `{path}` must be a module path without generic arguments"),
        ));
    }
    let segments: Vec<String> = parsed
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let leading = parsed.leading_colon.is_some();
    let text = format!("{}{}", if leading { "::" } else { "" }, segments.join("::"));
    Ok(Runtime {
        leading,
        segments,
        text,
    })
}

/// Rewrites the crate paths of `file` to go through `runtime` (e.g. `::bi_rest::__private`)
/// and adds `#[serde(crate = "<runtime>::serde")]` to every type deriving serde's traits.
pub fn rewrite_file(file: syn::File, runtime: &str) -> Result<syn::File> {
    let rt = parse_runtime(runtime)?;
    let tokens = rewrite(file.into_token_stream(), &rt);
    syn::parse2(tokens).map_err(|e| {
        GenError::new(
            ErrorKind::Format,
            format!("generated code after the runtime path rewrite to `{runtime}`: {e}"),
        )
    })
}

/// [`rewrite_file`] on a token stream (for tests and callers that hold tokens).
pub fn rewrite_tokens(tokens: TokenStream, runtime: &str) -> Result<TokenStream> {
    let rt = parse_runtime(runtime)?;
    Ok(rewrite(tokens, &rt))
}

fn colons(out: &mut Vec<TokenTree>) {
    out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
    out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
}

fn prefix(rt: &Runtime, span: Span, out: &mut Vec<TokenTree>) {
    for (i, seg) in rt.segments.iter().enumerate() {
        if i > 0 || rt.leading {
            colons(out);
        }
        out.push(TokenTree::Ident(Ident::new(seg, span)));
    }
}

fn is_colon(t: Option<&TokenTree>, spacing: Option<Spacing>) -> bool {
    match t {
        Some(TokenTree::Punct(p)) => p.as_char() == ':' && spacing.is_none_or(|s| p.spacing() == s),
        _ => false,
    }
}

/// True when `tokens[i]` and `tokens[i+1]` are `::`.
fn path_sep_at(tokens: &[TokenTree], i: usize) -> bool {
    is_colon(tokens.get(i), Some(Spacing::Joint)) && is_colon(tokens.get(i + 1), None)
}

/// True when the `[...]` group is a `derive(...)` naming `Serialize` or `Deserialize`.
fn derives_serde(group: &Group) -> bool {
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    let is_derive = matches!(inner.first(), Some(TokenTree::Ident(i)) if i == "derive");
    if !is_derive {
        return false;
    }
    let Some(TokenTree::Group(list)) = inner.get(1) else {
        return false;
    };
    list.stream()
        .into_iter()
        .any(|t| matches!(t, TokenTree::Ident(ref i) if i == "Serialize" || i == "Deserialize"))
}

/// True when the `[...]` group is a `serde(crate = ...)` attribute.
fn is_serde_crate_attr(group: &Group) -> bool {
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    matches!(inner.first(), Some(TokenTree::Ident(i)) if i == "serde")
        && matches!(inner.get(1), Some(TokenTree::Group(g)) if g.stream().into_iter().next().is_some_and(|t| matches!(t, TokenTree::Ident(ref i) if i == "crate")))
}

fn serde_crate_attr(rt: &Runtime, span: Span) -> [TokenTree; 2] {
    let lit = proc_macro2::Literal::string(&format!("{}::serde", rt.text));
    let attr: TokenStream = quote::quote_spanned!(span=> serde(crate = #lit));
    [
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Bracket, attr)),
    ]
}

fn rewrite(stream: TokenStream, rt: &Runtime) -> TokenStream {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    // Whether the attributes of the item being read already carry `serde(crate = ...)`.
    let mut crate_attr_done = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(g)) = tokens.get(i + 1) {
                    if g.delimiter() == Delimiter::Bracket {
                        let group = TokenTree::Group(rewrite_group(g, rt));
                        out.push(t.clone());
                        out.push(group);
                        if is_serde_crate_attr(g) {
                            crate_attr_done = true;
                        } else if derives_serde(g) && !crate_attr_done {
                            out.extend(serde_crate_attr(rt, g.span()));
                            crate_attr_done = true;
                        }
                        i += 2;
                        continue;
                    }
                }
                out.push(t.clone());
                crate_attr_done = false;
            }
            TokenTree::Ident(id) if path_sep_at(&tokens, i + 1) => {
                let name = id.to_string();
                let krate = RUNTIME_CRATES.contains(&name.as_str());
                // `::serde::x` (absolute) or `serde::x` where no path segment precedes.
                let absolute = i >= 2 && path_sep_at(&tokens, i - 2);
                if krate && first_segment(&tokens, i) {
                    if absolute {
                        // Drop the `::` already written: the prefix brings its own.
                        out.truncate(out.len() - 2);
                    }
                    prefix(rt, id.span(), &mut out);
                    colons(&mut out);
                }
                out.push(t.clone());
                crate_attr_done = false;
            }
            TokenTree::Group(g) => {
                out.push(TokenTree::Group(rewrite_group(g, rt)));
                crate_attr_done = false;
            }
            _ => {
                out.push(t.clone());
                crate_attr_done = false;
            }
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// The crates of [`RUNTIME_CRATES`] that `code` (Rust source) names as a path's first
/// segment (`reqwest::Request`, `::serde::Serialize`, `use progenitor_client::{..}`).
pub fn crates_used(code: &str) -> Result<std::collections::BTreeSet<&'static str>> {
    let tokens: TokenStream = code.parse().map_err(|e| {
        GenError::new(
            ErrorKind::Format,
            format!("generated code does not tokenize: {e}"),
        )
    })?;
    let mut used = std::collections::BTreeSet::new();
    collect_used(tokens, &mut used);
    Ok(used)
}

fn collect_used(stream: TokenStream, used: &mut std::collections::BTreeSet<&'static str>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => collect_used(g.stream(), used),
            TokenTree::Ident(id) if path_sep_at(&tokens, i + 1) && first_segment(&tokens, i) => {
                let name = id.to_string();
                if let Some(k) = RUNTIME_CRATES.iter().find(|k| **k == name) {
                    used.insert(*k);
                }
            }
            _ => {}
        }
    }
}

/// True when the identifier at `i` starts a path (nothing but `::` or a keyword before it).
fn first_segment(tokens: &[TokenTree], i: usize) -> bool {
    let absolute = i >= 2 && path_sep_at(tokens, i - 2);
    !(absolute
        && matches!(i.checked_sub(3).and_then(|j| tokens.get(j)), Some(TokenTree::Ident(prev)) if !is_keyword(prev)))
}

/// Keywords that may stand before an absolute path (`<T as ::serde::Serialize>`,
/// `impl ::serde::Serialize for`, `&mut ::x`...): not a path segment.
fn is_keyword(id: &Ident) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "in", "dyn", "impl", "for", "mut", "return", "let", "const", "static", "where", "if",
        "else", "match", "break", "use", "pub", "type", "struct", "enum", "move", "ref", "while",
        "loop", "unsafe", "async", "yield", "box", "fn", "trait", "mod", "extern",
    ];
    KEYWORDS.contains(&id.to_string().as_str())
}

fn rewrite_group(g: &Group, rt: &Runtime) -> Group {
    let mut ng = Group::new(g.delimiter(), rewrite(g.stream(), rt));
    ng.set_span(g.span());
    ng
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(src: &str) -> String {
        rewrite_tokens(src.parse().unwrap(), BI_REST_RUNTIME)
            .unwrap()
            .to_string()
            .replace(' ', "")
    }

    #[test]
    fn first_segments_only() {
        assert_eq!(
            rw("fn f(r: reqwest::Request) -> ::serde_json::Value { types::http::X }"),
            "fnf(r:::bi_rest::__private::reqwest::Request)->::bi_rest::__private::serde_json::Value{types::http::X}"
        );
        assert_eq!(
            rw("use progenitor_client::{encode_path, ClientHooks};"),
            "use::bi_rest::__private::progenitor_client::{encode_path,ClientHooks};"
        );
        assert_eq!(
            rw("<T as ::serde::Serialize>::serialize"),
            "<Tas::bi_rest::__private::serde::Serialize>::serialize"
        );
        assert_eq!(rw("let http = 1; http + bytes"), "lethttp=1;http+bytes");
    }

    #[test]
    fn serde_crate_attribute_once_per_item() {
        let out = rw("#[derive(::serde::Deserialize)] #[derive(::serde::Serialize, Clone)] #[serde(rename = \"x\")] pub struct A { #[serde(default)] a: i32 } #[derive(Clone)] struct B;");
        assert_eq!(out.matches("serde(crate=").count(), 1, "{out}");
        assert!(out.contains("#[serde(rename=\"x\")]"));
        assert!(out.contains("#[serde(crate=\"::bi_rest::__private::serde\")]"));
    }

    #[test]
    fn crates_named_by_code() {
        let used = crates_used(
            "use progenitor_client::X; fn f(r: ::reqwest::Request) { types::chrono::X; serde_json::json!({}); }",
        )
        .unwrap();
        let used: Vec<&str> = used.into_iter().collect();
        assert_eq!(used, ["progenitor_client", "reqwest", "serde_json"]);
    }

    #[test]
    fn bad_runtime_path_is_a_config_error() {
        let e = rewrite_tokens(TokenStream::new(), "not a path").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Config);
    }
}
