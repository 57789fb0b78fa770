//! Rust names the type generator gives twice inside one item: two properties whose names
//! differ on the wire but not as Rust fields (`@type` and `type` are both `type_`, `fooBar` and
//! `foo_bar` both `foo_bar`). The crate would not compile (`field is already declared`,
//! `specified more than once`, duplicate builder methods). Every occurrence after the first
//! gets a numbered name (`type_` -> `type2`): in the struct (keeping its wire name with
//! `#[serde(rename)]`), in struct expressions (and the field accesses in their values), and in
//! the methods of an `impl` block (the builder's setters, and the fields they write). The
//! properties come in the same order in each of these places, so the n-th `type_` is the same
//! property everywhere. Code without such duplicates is not touched.

use std::collections::HashMap;
use syn::visit_mut::{self, VisitMut};
use syn::{Ident, Member};

/// Renames duplicate fields and methods in `file`; returns one line per renamed struct field.
pub fn dedup(file: &mut syn::File) -> Vec<String> {
    let mut d = Dedup { notes: Vec::new() };
    d.visit_file_mut(file);
    d.notes
}

struct Dedup {
    notes: Vec<String>,
}

/// The name of the `n`-th (1-based, n > 1) occurrence of `ident`.
fn numbered(ident: &Ident, n: usize) -> Ident {
    let base = ident.to_string();
    let base = base.trim_start_matches("r#").trim_end_matches('_');
    Ident::new(&format!("{base}{n}"), ident.span())
}

/// Counts occurrences; `Some(n)` for the second and later ones.
fn repeat(seen: &mut HashMap<String, usize>, ident: &Ident) -> Option<usize> {
    let n = seen.entry(ident.to_string()).or_insert(0);
    *n += 1;
    (*n > 1).then_some(*n)
}

fn derives_serde(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive") && {
            let text = a.meta.to_token_stream_string();
            text.contains("Serialize") || text.contains("Deserialize")
        }
    })
}

fn has_serde_rename(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && a.meta.to_token_stream_string().contains("rename"))
}

trait TokenString {
    fn to_token_stream_string(&self) -> String;
}

impl<T: quote::ToTokens> TokenString for T {
    fn to_token_stream_string(&self) -> String {
        self.to_token_stream().to_string()
    }
}

/// Renames `<expr>.from` field accesses to `<expr>.to`.
struct FieldRename {
    from: Ident,
    to: Ident,
}

impl VisitMut for FieldRename {
    fn visit_expr_field_mut(&mut self, e: &mut syn::ExprField) {
        visit_mut::visit_expr_field_mut(self, e);
        if matches!(&e.member, Member::Named(m) if *m == self.from) {
            e.member = Member::Named(self.to.clone());
        }
    }
}

impl VisitMut for Dedup {
    fn visit_item_struct_mut(&mut self, s: &mut syn::ItemStruct) {
        visit_mut::visit_item_struct_mut(self, s);
        let serde = derives_serde(&s.attrs);
        let syn::Fields::Named(fields) = &mut s.fields else {
            return;
        };
        let mut seen = HashMap::new();
        for field in fields.named.iter_mut() {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            let Some(n) = repeat(&mut seen, &ident) else {
                continue;
            };
            let new = numbered(&ident, n);
            if serde && !has_serde_rename(&field.attrs) {
                let wire = ident.to_string();
                field
                    .attrs
                    .push(syn::parse_quote!(#[serde(rename = #wire)]));
            }
            if serde {
                self.notes.push(format!(
                    "`{}`: two properties are both the Rust field `{ident}`: the second is `{new}`",
                    s.ident
                ));
            }
            field.ident = Some(new);
        }
    }

    fn visit_expr_struct_mut(&mut self, e: &mut syn::ExprStruct) {
        visit_mut::visit_expr_struct_mut(self, e);
        let mut seen = HashMap::new();
        for fv in e.fields.iter_mut() {
            let Member::Named(ident) = fv.member.clone() else {
                continue;
            };
            let Some(n) = repeat(&mut seen, &ident) else {
                continue;
            };
            let new = numbered(&ident, n);
            fv.member = Member::Named(new.clone());
            if fv.colon_token.is_none() {
                fv.colon_token = Some(Default::default());
            }
            FieldRename {
                from: ident,
                to: new,
            }
            .visit_expr_mut(&mut fv.expr);
        }
    }

    fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
        visit_mut::visit_item_impl_mut(self, i);
        let mut seen = HashMap::new();
        for item in i.items.iter_mut() {
            let syn::ImplItem::Fn(f) = item else {
                continue;
            };
            let ident = f.sig.ident.clone();
            let Some(n) = repeat(&mut seen, &ident) else {
                continue;
            };
            let new = numbered(&ident, n);
            f.sig.ident = new.clone();
            FieldRename {
                from: ident,
                to: new,
            }
            .visit_block_mut(&mut f.block);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_field_of_one_rust_name_is_numbered_everywhere() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Serialize, Deserialize)]
            pub struct Change {
                #[serde(rename = "@type")]
                pub type_: Kind,
                #[serde(rename = "type")]
                pub type_: DataType,
                pub foo_bar: u8,
                pub foo_bar: u16,
            }
            pub mod builder {
                pub struct Change {
                    type_: Result<Kind, String>,
                    type_: Result<DataType, String>,
                }
                impl Change {
                    pub fn type_(mut self, value: Kind) -> Self { self.type_ = Ok(value); self }
                    pub fn type_(mut self, value: DataType) -> Self { self.type_ = Ok(value); self }
                }
                impl TryFrom<Change> for super::Change {
                    fn try_from(value: Change) -> Self {
                        Self { type_: value.type_?, type_: value.type_? }
                    }
                }
            }
            pub struct Plain { pub a: u8, pub b: u8 }
        };
        let notes = dedup(&mut file);
        let code = prettyplease::unparse(&file);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            code.contains("#[serde(rename = \"type\")]\n    pub type2: DataType"),
            "{code}"
        );
        assert!(
            code.contains("#[serde(rename = \"foo_bar\")]\n    pub foo_bar2: u16"),
            "{code}"
        );
        assert!(code.contains("type2: Result<DataType, String>"), "{code}");
        assert!(code.contains("pub fn type2(mut self, value: DataType) -> Self {\n            self.type2 = Ok(value);"), "{code}");
        assert!(
            code.contains("type_: value.type_?,\n                type2: value.type2?"),
            "{code}"
        );
        assert!(
            code.contains("pub struct Plain {\n    pub a: u8,\n    pub b: u8,\n}"),
            "{code}"
        );
    }
}
