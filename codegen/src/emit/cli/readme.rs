//! The tool's `README.md` (the template `cli-runtime/templates/README.md`): installing it,
//! giving it credentials, and each command.

use crate::emit::template_view::CrateView;
use crate::emit::templates;

pub fn emit(view: &CrateView) -> String {
    templates::render("cli/README.md", view.context(false)) + "\n"
}
