// Loads the WebAssembly app. Kept as a file (not an inline script) so the page can be
// served with a strict Content-Security-Policy.
import init from "/pkg/tuanle_app.js";

init({ module_or_path: "/pkg/tuanle_app_bg.wasm" });
