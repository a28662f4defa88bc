// Loads the WebAssembly app, and registers the service worker that lets it open with
// no network. Kept as a file (not an inline script) so the page can be served with a
// strict Content-Security-Policy.
//
// Administration is a second build of the app (with its admin pages), loaded only under
// /quan-tri, so reporters' tablets never download it.
const dir = location.pathname.startsWith("/quan-tri") ? "/pkg-admin" : "/pkg";
const { default: init } = await import(`${dir}/tuanle_app.js`);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
init({ module_or_path: `${dir}/tuanle_app_bg.wasm` });
