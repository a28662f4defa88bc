// Loads the WebAssembly app, and registers the service worker that lets it open with
// no network. Kept as a file (not an inline script) so the page can be served with a
// strict Content-Security-Policy.
import init from "/pkg/tuanle_app.js";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
init({ module_or_path: "/pkg/tuanle_app_bg.wasm" });
