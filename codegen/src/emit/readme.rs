//! `README.md` of the generated crate (the template `client-runtime/templates/README.md`):
//! what it is, how to build a client, what each call does.

use super::template_view::CrateView;
use super::templates;

pub fn emit(view: &CrateView) -> String {
    templates::render("client/README.md", view.context(false)) + "\n"
}
