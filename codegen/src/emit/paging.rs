//! `src/paging.rs` (for specs with a paged operation): the walk over pages that every paged
//! operation's stream method shares.

use proc_macro2::TokenStream;
use quote::quote;

pub fn emit() -> TokenStream {
    quote! {
        //! Walking pages: one page at a time, only when its items are wanted.

        use std::future::Future;

        use crate::error::Error;

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
    }
}
