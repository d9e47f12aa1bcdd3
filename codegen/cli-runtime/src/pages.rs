//! Walking a paged operation's pages: its items printed one per line (NDJSON) as each
//! page arrives.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use crate::app::Context;
use crate::failure::{Failure, Kind};
use crate::invoke::send;
use crate::output::{layout, write_stdout};

/// How a paged operation's pages are walked (from the spec's `x-pagination`).
pub(crate) struct Paging<P> {
    /// The page to start at, when the payload names one.
    pub(crate) start: Option<i64>,
    /// The spec's first page number.
    pub(crate) first_page: i64,
    /// The response property holding the page's items.
    pub(crate) items: &'static str,
    /// The response property holding the number of pages, if the response has one.
    pub(crate) total_pages: Option<&'static str>,
    /// Puts a page number in the payload; `false` when the field cannot hold it.
    pub(crate) set_page: fn(&mut P, i64) -> bool,
}

/// Calls `operation_id` page after page and prints every item as one line, each page's
/// as soon as it arrives. Ends after the last page (by the number of pages, when the
/// response gives it) or at an empty one. An error ends the walk, after the items printed.
pub(crate) async fn all<P: serde::Serialize>(
    context: &Context,
    operation_id: &str,
    mut payload: P,
    paging: Paging<P>,
) -> Result<(), Failure> {
    let (client, first_page) = context.connect()?;
    let first_page = first_page.unwrap_or(paging.first_page);
    let mut page = paging.start.unwrap_or(first_page);
    loop {
        if !(paging.set_page)(&mut payload, page) {
            return Ok(());
        }
        let body = send(context, &client, operation_id, &payload).await?;
        let (items, total_pages) =
            split(body.get(), paging.items, paging.total_pages).map_err(|message| {
                Failure::new(
                    Kind::Response,
                    format!("{operation_id}: page {page}: {message}"),
                )
            })?;
        for item in &items {
            let mut line = layout(item.get(), None);
            line.push('\n');
            write_stdout(line.as_bytes())?;
        }
        let pages_seen = page.saturating_sub(first_page).saturating_add(1);
        if items.is_empty() || total_pages.is_some_and(|total| pages_seen >= total) {
            return Ok(());
        }
        page = page.saturating_add(1);
    }
}

/// A page's items, and the number of pages when the page gives it.
fn split(
    page: &str,
    items: &str,
    total_pages: Option<&str>,
) -> Result<(Vec<Box<RawValue>>, Option<i64>), String> {
    let object: BTreeMap<String, Box<RawValue>> = serde_json::from_str(page)
        .map_err(|error| format!("the response is not a JSON object: {error}"))?;
    let list = match object.get(items) {
        Some(list) => serde_json::from_str::<Option<Vec<Box<RawValue>>>>(list.get())
            .map_err(|error| format!("`{items}` is not a list: {error}"))?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let total = total_pages
        .and_then(|name| object.get(name))
        .and_then(|total| {
            serde_json::from_str::<Option<serde_json::Number>>(total.get())
                .ok()
                .flatten()
        })
        .and_then(|total| total.as_i64());
    Ok((list, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_split_into_its_items_as_sent_and_its_page_count() {
        let (items, total) = split(
            r#"{"result":[{"a":1.50},2],"total":3}"#,
            "result",
            Some("total"),
        )
        .unwrap();
        assert_eq!(
            items.iter().map(|item| item.get()).collect::<Vec<_>>(),
            [r#"{"a":1.50}"#, "2"]
        );
        assert_eq!(total, Some(3));
        let (items, total) = split(r#"{"result":null}"#, "result", Some("total")).unwrap();
        assert!(items.is_empty());
        assert_eq!(total, None);
        assert!(split("[]", "result", None)
            .unwrap_err()
            .starts_with("the response is not a JSON object"));
        assert!(split(r#"{"result":{}}"#, "result", None)
            .unwrap_err()
            .starts_with("`result` is not a list"));
    }
}
