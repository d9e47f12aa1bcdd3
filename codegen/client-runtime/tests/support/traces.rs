//! What the runtime logs, caught by a `tracing` subscriber of the test's own: every span
//! with its fields (those recorded later too) and every event with its fields, as text.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span or an event, with its fields in the order they were given; a field recorded
/// again keeps its last value. An event's message is its `message` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub name: &'static str,
    pub fields: Vec<(String, String)>,
}

impl Trace {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What one thread logs. A subscriber set only for a thread (`set_default`) misses events
/// when tests run in parallel: whether a call site is logged at all is decided once, for
/// every thread. So one subscriber is set for the whole program, always interested, and
/// it hands each span and event to the `Traces` the logging thread captures into, if any
/// (a `#[tokio::test]` runs the test and the tasks it spawns on one thread).
#[derive(Debug, Clone, Default)]
pub struct Traces {
    spans: Arc<Mutex<Vec<(u64, Trace)>>>,
    events: Arc<Mutex<Vec<Trace>>>,
}

thread_local! {
    static CAPTURING: RefCell<Option<Traces>> = const { RefCell::new(None) };
}

/// Stops capturing on this thread when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        CAPTURING.with(|capturing| capturing.borrow_mut().take());
    }
}

impl Traces {
    /// Catches what this thread logs until the guard is dropped.
    pub fn capture() -> (Self, Guard) {
        static SET: Once = Once::new();
        SET.call_once(|| {
            tracing::subscriber::set_global_default(Router::default())
                .expect("no other global subscriber in the runtime's tests");
        });
        let traces = Traces::default();
        CAPTURING.with(|capturing| *capturing.borrow_mut() = Some(traces.clone()));
        (traces, Guard(()))
    }

    pub fn spans(&self) -> Vec<Trace> {
        let spans = self.spans.lock().unwrap();
        spans.iter().map(|(_, span)| span.clone()).collect()
    }

    /// The events whose message is `message`.
    pub fn events(&self, message: &str) -> Vec<Trace> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.field("message") == Some(message))
            .cloned()
            .collect()
    }
}

fn capturing() -> Option<Traces> {
    CAPTURING.with(|capturing| capturing.borrow().clone())
}

/// Writes each field's value as text: strings as they are, the rest as `Debug` shows them.
struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Fields<'_> {
    fn set(&mut self, field: &Field, value: String) {
        match self.0.iter_mut().find(|(key, _)| key == field.name()) {
            Some((_, old)) => *old = value,
            None => self.0.push((field.name().to_owned(), value)),
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field, format!("{value:?}"));
    }
}

/// The program's subscriber.
#[derive(Debug, Default)]
struct Router {
    next_id: AtomicU64,
}

impl Subscriber for Router {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(traces) = capturing() {
            let mut fields = Vec::new();
            attributes.record(&mut Fields(&mut fields));
            let span = Trace {
                name: attributes.metadata().name(),
                fields,
            };
            traces.spans.lock().unwrap().push((id, span));
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(traces) = capturing() {
            let mut spans = traces.spans.lock().unwrap();
            if let Some((_, span)) = spans.iter_mut().find(|(id, _)| *id == span.into_u64()) {
                values.record(&mut Fields(&mut span.fields));
            }
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if let Some(traces) = capturing() {
            let mut fields = Vec::new();
            event.record(&mut Fields(&mut fields));
            traces.events.lock().unwrap().push(Trace {
                name: event.metadata().name(),
                fields,
            });
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
