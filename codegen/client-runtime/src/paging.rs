//! Walking pages: one page at a time, only when its items are wanted.

use std::future::Future;

use crate::client::Client;
use crate::error::Error;

impl Client {
    /// The number of the first page: the client's setting ([`first_page`]), else the
    /// spec's, `spec_first_page`.
    ///
    /// [`first_page`]: crate::ClientBuilder::first_page
    pub(crate) fn first_page(&self, spec_first_page: i64) -> i64 {
        self.inner.first_page.unwrap_or(spec_first_page)
    }
}

/// A page number or count, of whichever integer width the spec gives it, as the walk
/// counts pages.
pub(crate) fn wide<N: Into<i64>>(number: N) -> i64 {
    number.into()
}

/// Where a walk is: the payload to ask with, the next page to ask for, and the items
/// of the current page not yet taken.
struct Walk<P, R, T, F> {
    payload: P,
    next_page: Option<i64>,
    first_page: i64,
    items: std::vec::IntoIter<T>,
    fetch: F,
    set_page: fn(&mut P, i64) -> bool,
    split: fn(R) -> (Vec<T>, Option<i64>),
}

/// Every item of every page from `start` on. `fetch` asks for one page; `set_page`
/// puts a page number in the payload (`false` when it cannot hold it, which ends the
/// walk); `split` takes a page apart into its items and the number of pages, if the
/// response gives it. The walk ends after the last page, at an empty page, or after
/// an error.
pub(crate) fn items<P, R, T, F, Fut>(
    payload: P,
    start: i64,
    first_page: i64,
    fetch: F,
    set_page: fn(&mut P, i64) -> bool,
    split: fn(R) -> (Vec<T>, Option<i64>),
) -> impl futures_util::Stream<Item = Result<T, Error>>
where
    P: Clone,
    F: Fn(P) -> Fut,
    Fut: Future<Output = Result<R, Error>>,
{
    let walk = Walk {
        payload,
        next_page: Some(start),
        first_page,
        items: Vec::new().into_iter(),
        fetch,
        set_page,
        split,
    };
    futures_util::stream::unfold(walk, |mut walk| async move {
        loop {
            if let Some(item) = walk.items.next() {
                return Some((Ok(item), walk));
            }
            let page = walk.next_page.take()?;
            let mut payload = walk.payload.clone();
            if !(walk.set_page)(&mut payload, page) {
                return None;
            }
            let response = match (walk.fetch)(payload).await {
                Ok(response) => response,
                Err(error) => return Some((Err(error), walk)),
            };
            let (items, total_pages) = (walk.split)(response);
            let pages_seen = page.saturating_sub(walk.first_page).saturating_add(1);
            let last = items.is_empty() || total_pages.is_some_and(|total| pages_seen >= total);
            if !last {
                walk.next_page = page.checked_add(1);
            }
            walk.items = items.into_iter();
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::{FutureExt, StreamExt};

    use super::*;

    type Page = (Vec<u32>, Option<i64>);

    /// Walks `pages` (page 1 is `pages[0]`; a page past them is an error) from `start`,
    /// with page numbers above `largest` unrepresentable: the items taken (an error as
    /// its message) and the pages asked for.
    fn walk(pages: &[Page], start: i64, largest: i64) -> (Vec<Result<u32, String>>, Vec<i64>) {
        let asked = std::cell::RefCell::new(Vec::new());
        let stream = items(
            0i64,
            start,
            1,
            |page: i64| {
                asked.borrow_mut().push(page);
                let answer = usize::try_from(page - 1)
                    .ok()
                    .and_then(|at| pages.get(at).cloned())
                    .ok_or_else(|| Error::Encode(serde_json::from_str::<u8>("x").unwrap_err()));
                async move { answer }
            },
            if largest == i64::MAX {
                set_any
            } else {
                set_small
            },
            |page: Page| page,
        );
        let mut taken = Vec::new();
        {
            let mut stream = std::pin::pin!(stream);
            // Every page is ready at once, so the stream never waits.
            while let Some(item) = stream.next().now_or_never().expect("a ready page") {
                taken.push(item.map_err(|error| error.to_string()));
            }
        }
        (taken, asked.into_inner())
    }

    fn set_any(payload: &mut i64, page: i64) -> bool {
        *payload = page;
        true
    }

    fn set_small(payload: &mut i64, page: i64) -> bool {
        *payload = page;
        page <= 2
    }

    fn ok(items: &[u32]) -> Vec<Result<u32, String>> {
        items.iter().copied().map(Ok).collect()
    }

    #[test]
    fn the_walk_ends_after_the_last_page_the_response_names() {
        let pages = [
            (vec![1, 2], Some(2)),
            (vec![3], Some(2)),
            (vec![9], Some(2)),
        ];
        assert_eq!(walk(&pages, 1, i64::MAX), (ok(&[1, 2, 3]), vec![1, 2]));
    }

    #[test]
    fn without_a_page_count_the_walk_ends_at_an_empty_page() {
        let pages = [(vec![1], None), (vec![2], None), (vec![], None)];
        assert_eq!(walk(&pages, 1, i64::MAX), (ok(&[1, 2]), vec![1, 2, 3]));
    }

    #[test]
    fn the_walk_starts_where_the_payload_says() {
        let pages = [(vec![1], Some(3)), (vec![2], Some(3)), (vec![3], Some(3))];
        assert_eq!(walk(&pages, 2, i64::MAX), (ok(&[2, 3]), vec![2, 3]));
    }

    #[test]
    fn an_error_is_the_last_item() {
        let pages = [(vec![1], None)];
        let (taken, asked) = walk(&pages, 1, i64::MAX);
        assert_eq!(asked, [1, 2]);
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0], Ok(1));
        assert!(taken[1].is_err(), "{taken:?}");
    }

    #[test]
    fn a_page_number_the_payload_cannot_hold_ends_the_walk() {
        let pages = [(vec![1], None), (vec![2], None), (vec![3], None)];
        assert_eq!(walk(&pages, 1, 2), (ok(&[1, 2]), vec![1, 2]));
    }
}
