//! The server's live streams (server-sent events): a dashboard's figures, a report's
//! state. The browser reconnects by itself after a cut; each (re)connection starts with
//! `ready`, and a view that may have missed changes meanwhile reads them again then.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// An open stream, closed when dropped.
pub struct EventStream {
    source: web_sys::EventSource,
    _handlers: [Handler; 3],
}

/// What a stream tells its view.
pub enum Heard {
    /// Connected: `again` when this is a reconnection (changes may have been missed),
    /// with the event's data.
    Ready { again: bool, data: String },
    /// Something moved, with the event's data.
    Changed(String),
    /// The connection dropped; the browser tries again.
    Lost,
}

impl EventStream {
    /// Opens the stream at `url`; `None` when the browser cannot (the view then works
    /// from what it loads, as before).
    pub fn open(url: &str, on: impl Fn(Heard) + 'static) -> Option<EventStream> {
        let source = web_sys::EventSource::new(url).ok()?;
        let on = Rc::new(on);
        let data = |e: &web_sys::Event| {
            e.dyn_ref::<web_sys::MessageEvent>()
                .and_then(|m| m.data().as_string())
                .unwrap_or_default()
        };
        let opened = Rc::new(Cell::new(false));
        let ready = {
            let on = on.clone();
            Handler::new(move |e: web_sys::Event| {
                let again = opened.replace(true);
                on(Heard::Ready {
                    again,
                    data: data(&e),
                });
            })
        };
        let changed = {
            let on = on.clone();
            Handler::new(move |e: web_sys::Event| on(Heard::Changed(data(&e))))
        };
        let lost = Handler::new(move |_| on(Heard::Lost));
        let _ = source.add_event_listener_with_callback("ready", ready.as_ref().unchecked_ref());
        let _ =
            source.add_event_listener_with_callback("changed", changed.as_ref().unchecked_ref());
        source.set_onerror(Some(lost.as_ref().unchecked_ref()));
        Some(EventStream {
            source,
            _handlers: [ready, changed, lost],
        })
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// How long ago, in words, from milliseconds ("cập nhật 2 giây trước").
pub fn ago(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0) as u64;
    match s {
        0..5 => "vừa xong".into(),
        5..60 => format!("{s} giây trước"),
        60..3600 => format!("{} phút trước", s / 60),
        _ => format!("{} giờ trước", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_are_worded() {
        assert_eq!(super::ago(-20.0), "vừa xong");
        assert_eq!(super::ago(4_999.0), "vừa xong");
        assert_eq!(super::ago(12_000.0), "12 giây trước");
        assert_eq!(super::ago(61_000.0), "1 phút trước");
        assert_eq!(super::ago(7_300_000.0), "2 giờ trước");
    }
}
