//! A hand-written stand-in for the generated `operations.rs`
//! (`codegen/src/emit/operations.rs`): one method per operation of the stand-in API.

use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Gets a thing (operation `getThing`, safe to repeat).
    ///
    /// # Errors
    ///
    /// An [`Error`] says what failed and whether the request may have reached the server.
    pub async fn get_thing(
        &self,
        payload: &crate::types::ThingIdRequest,
    ) -> Result<crate::types::Thing, Error> {
        self.call(0, payload).await
    }

    /// Makes a thing (operation `createThing`, which changes state).
    ///
    /// # Errors
    ///
    /// An [`Error`] says what failed and whether the request may have reached the server.
    pub async fn create_thing(
        &self,
        payload: &crate::types::CreateThingRequest,
    ) -> Result<crate::types::Thing, Error> {
        self.call(1, payload).await
    }

    /// One page of things (operation `findThings`, safe to repeat).
    ///
    /// # Errors
    ///
    /// An [`Error`] says what failed and whether the request may have reached the server.
    pub async fn find_things(
        &self,
        payload: &crate::types::FindThingsRequest,
    ) -> Result<crate::types::ThingPage, Error> {
        self.call(2, payload).await
    }

    /// Every thing of [`find_things`](Self::find_things), page after page, from page 1
    /// unless the client says otherwise.
    pub fn find_things_stream(
        &self,
        payload: &crate::types::FindThingsRequest,
    ) -> impl futures_util::Stream<Item = Result<crate::types::Thing, Error>> + Send + 'static {
        let client = self.clone();
        let first_page = self.first_page(1i64);
        let start = payload.page_number.map_or(first_page, crate::paging::wide);
        crate::paging::items(
            payload.clone(),
            start,
            first_page,
            move |payload: crate::types::FindThingsRequest| {
                let client = client.clone();
                async move { client.find_things(&payload).await }
            },
            |payload: &mut crate::types::FindThingsRequest, page: i64| {
                payload.page_number = Some(match i32::try_from(page) {
                    Ok(page) => page,
                    Err(_) => return false,
                });
                true
            },
            |page: crate::types::ThingPage| {
                (
                    page.result.unwrap_or_default(),
                    Some(crate::paging::wide(page.total)),
                )
            },
        )
    }

    /// Every thing of [`find_things`](Self::find_things), all pages collected.
    ///
    /// # Errors
    ///
    /// The first [`Error`]; the items read before it are dropped.
    pub async fn find_things_all(
        &self,
        payload: &crate::types::FindThingsRequest,
    ) -> Result<Vec<crate::types::Thing>, Error> {
        futures_util::TryStreamExt::try_collect(self.find_things_stream(payload)).await
    }
}
