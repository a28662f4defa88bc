//! A date as Vietnamese documents write it and people type it: dd/mm/yyyy, whatever
//! the browser's language (a date input would show mm/dd/yyyy on an English system). It
//! holds the ISO date the API speaks; what is typed stays as typed until it is a date.

use leptos::prelude::*;
use tuanle_shared::wire::{format_date, parse_vn_date};

#[component]
pub fn DateField(
    /// The ISO date (`2025-10-16`), empty when none.
    iso: RwSignal<String>,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] name: Option<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let typed = RwSignal::new(format_date(&iso.get_untracked()));
    let invalid = RwSignal::new(false);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        match parse_vn_date(&text) {
            Some(date) => {
                iso.set(date);
                invalid.set(false);
            }
            None if text.trim().is_empty() => {
                iso.set(String::new());
                invalid.set(false);
            }
            None => invalid.set(true),
        }
        typed.set(text);
    };
    view! {
        <input type="text" inputmode="numeric" placeholder="dd/mm/yyyy" autocomplete="off"
            class="date-field" class:invalid=move || invalid.get()
            aria-invalid=move || if invalid.get() { "true" } else { "false" }
            id=id name=name required=required prop:value=move || typed.get() on:input=on_input/>
        {move || invalid.get().then(|| view! { <span class="cell-error" role="alert">"Ngày viết theo dạng ngày/tháng/năm, ví dụ 16/10/2025."</span> })}
    }
}
