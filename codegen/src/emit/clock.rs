//! `src/clock.rs`: where the client reads the time it stamps on each request.

use proc_macro2::TokenStream;
use quote::quote;

pub fn emit() -> TokenStream {
    quote! {
        //! The clock that stamps each request. Replace it in tests to make requests repeatable.

        use std::time::{SystemTime, UNIX_EPOCH};

        /// A source of the current time.
        pub trait Clock: Send + Sync + std::fmt::Debug {
            /// Milliseconds since the Unix epoch (UTC).
            fn now_unix_millis(&self) -> i64;
        }

        /// The system's clock; the default.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct SystemClock;

        impl Clock for SystemClock {
            fn now_unix_millis(&self) -> i64 {
                match SystemTime::now().duration_since(UNIX_EPOCH) {
                    Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
                    Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
                }
            }
        }

        /// A clock stopped at one instant, for tests and replays.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct FixedClock {
            /// The instant, in milliseconds since the Unix epoch (UTC).
            pub unix_millis: i64,
        }

        impl Clock for FixedClock {
            fn now_unix_millis(&self) -> i64 {
                self.unix_millis
            }
        }
    }
}
