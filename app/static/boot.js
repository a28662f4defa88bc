// Loads the WebAssembly app, and registers the service worker that lets it open with
// no network. Kept as a file (not an inline script) so the page can be served with a
// strict Content-Security-Policy. `scripts/lib.sh` (build_app) writes the content-hashed
// file names of this build in place of the __NAMES__.
//
// The app is built four times: reporters' bundle (the report, which works offline),
// reporters' tools (the report's history and documents too, pages that need the server
// anyway), supervisors' (their subtree's dashboard, review and packages, and the tools)
// and administrators'. A page loads only the bundle it needs, or the one its role needs
// (as this device last knew who is signed in), so reporters' tablets download the tools
// when first opened and never the others. A page missing from a bundle loads the bundle
// that has it.
const bundles = {
  app: { js: "/__APP_JS__", wasm: "/__APP_WASM__", size: __APP_WASM_SIZE__ },
  tools: { js: "/__TOOLS_JS__", wasm: "/__TOOLS_WASM__", size: __TOOLS_WASM_SIZE__ },
  supervisor: { js: "/__SUPERVISOR_JS__", wasm: "/__SUPERVISOR_WASM__", size: __SUPERVISOR_WASM_SIZE__ },
  admin: { js: "/__ADMIN_JS__", wasm: "/__ADMIN_WASM__", size: __ADMIN_WASM_SIZE__ },
};
const bundle = bundles[chooseBundle()];

function chooseBundle() {
  const path = location.pathname;
  if (path.startsWith("/quan-tri")) return "admin";
  let role = null;
  try {
    role = JSON.parse(localStorage.getItem("tuanle.cache.me") || "null")?.role;
  } catch {
    // Storage unreadable: the bundle of the page alone.
  }
  if (role === "admin") return "admin";
  if (role === "supervisor" || role === "observer" || path.startsWith("/tong-hop")) {
    return "supervisor";
  }
  if (/^\/(lich-su|van-ban)/.test(path)) return "tools";
  return "app";
}

const boot = document.getElementById("boot");
const say = (text) => {
  const state = boot && boot.querySelector(".boot-state");
  if (state) state.textContent = text;
};

inAppBrowser();

// The first open of a bundle (no service worker yet, or a supervisor's first dashboard on
// a tablet that had only the reporters' bundle) downloads it whole: say how far it has
// got, and that it happens once. Later opens come from this device's cache at once.
const first = !(await kept(bundle.wasm));

async function kept(file) {
  if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) return false;
  try {
    return !!(await caches.match(file));
  } catch {
    return false;
  }
}
const progress = boot && boot.querySelector(".boot-progress");
if (first && progress) {
  say("Đang tải ứng dụng về máy lần đầu…");
  progress.hidden = false;
  progress.max = bundle.size;
  progress.value = 0;
  boot.querySelector(".boot-note").hidden = false;
}

// The wasm is fetched here, not by the glue, so its bytes can be counted as they come
// (the glue compiles them as they stream in, as it would from its own fetch).
let got = 0;
let lastByte = Date.now();
const counter = new TransformStream({
  transform(chunk, out) {
    got += chunk.byteLength;
    lastByte = Date.now();
    if (first && progress) {
      progress.value = Math.min(got, bundle.size);
      const share = Math.min(100, Math.floor((got * 100) / bundle.size));
      say(`Đang tải ứng dụng về máy lần đầu: ${share}%`);
    }
    out.enqueue(chunk);
  },
});
const slow = setInterval(() => {
  if (first && Date.now() - lastByte > 15000) {
    say("Mạng rất chậm hoặc chập chờn: ứng dụng vẫn đang tải, xin chờ…");
  }
}, 5000);
const wasm = fetch(bundle.wasm).then((r) => {
  if (!r.ok || !r.body) throw new Error(`wasm ${r.status}`);
  return new Response(r.body.pipeThrough(counter), {
    headers: { "Content-Type": "application/wasm" },
  });
});

try {
  try {
    const { default: init } = await import(bundle.js);
    await init({ module_or_path: wasm });
  } catch (error) {
    // A bundle this device has not kept (offline after an update, or the tools never
    // opened), or gone from a server that runs a newer build: the reporters' bundle opens
    // the unit's own report, whose page it has, and says on the history's and documents'
    // pages which of the two it is.
    const own = bundles.app;
    if (bundle === own || /^\/(tong-hop|quan-tri)/.test(location.pathname)) throw error;
    console.warn("falling back to the reporters' bundle", error);
    // Why, for the page to say: a server that answers runs a newer build, whose update
    // this page has not taken yet (this build's files are gone from it); none, the network.
    document.documentElement.dataset.fallback = (await answers()) ? "stale" : "offline";
    const { default: init } = await import(own.js);
    await init({ module_or_path: own.wasm });
  }
} catch (error) {
  say("Không tải được ứng dụng. Hãy kiểm tra mạng rồi tải lại trang.");
  if (progress) progress.hidden = true;
  console.error(error);
} finally {
  clearInterval(slow);
}

// Whether the server answers within a few seconds (never the worker's cache).
async function answers() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 3000);
  try {
    return (await fetch("/healthz", { cache: "no-store", signal: abort.signal })).ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js")
    .then(watchForUpdates)
    .catch(() => {});
}

// A new build is fetched by the browser in the background (the new service worker
// installs its files next to this build's). It is taken when the person agrees, or at
// the next cold start (the browser activates it once no page runs this build). Until
// then this page keeps running this build's files, from this build's cache.
function watchForUpdates(registration) {
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return;
    if (document.querySelector(".update-banner")) return;
    const banner = document.createElement("div");
    banner.className = "update-banner";
    banner.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = "Có phiên bản mới.";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Tải lại";
    button.addEventListener("click", () => {
      button.disabled = true;
      worker.postMessage({ type: "take-update" });
    });
    banner.append(text, " ", button);
    document.body.prepend(banner);
  };
  const waitFor = (worker) => {
    if (!worker) return;
    if (worker.state === "installed") return offer(worker);
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  };
  waitFor(registration.waiting || registration.installing);
  registration.addEventListener("updatefound", () => waitFor(registration.installing));
  // Everything typed is already in storage (written on every keystroke): reloading
  // onto the new build loses nothing.
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!reloading && document.querySelector(".update-banner button:disabled")) {
      reloading = true;
      location.reload();
    }
  });
  // A tablet left open for days still hears of new builds.
  setInterval(() => registration.update().catch(() => {}), 30 * 60 * 1000);
  addEventListener("online", () => registration.update().catch(() => {}));
}

// A link opened from Zalo or Facebook opens in the messaging app's own browser, whose
// storage may not last: what is typed there could be lost. Say so, and offer Chrome.
function inAppBrowser() {
  const ua = navigator.userAgent || "";
  const app = /Zalo/i.test(ua)
    ? "Zalo"
    : /FBAN|FBAV|FB_IAB|FBIOS|Messenger/i.test(ua)
      ? "Facebook"
      : /Instagram/i.test(ua)
        ? "Instagram"
        : /\bLine\//i.test(ua)
          ? "LINE"
          : null;
  if (!app) return;
  const banner = document.createElement("div");
  banner.className = "in-app-banner";
  banner.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent =
    `Bạn đang mở ứng dụng trong trình duyệt của ${app}. Dữ liệu nhập ở đây có thể bị mất khi đóng ${app}. ` +
    "Hãy mở bằng Chrome để làm báo cáo.";
  banner.append(text);
  const here = location.href;
  if (/Android/i.test(ua)) {
    // Android opens Chrome from an intent link.
    const link = document.createElement("a");
    link.className = "button";
    link.textContent = "Mở bằng Chrome";
    link.href = `intent://${location.host}${location.pathname}${location.search}#Intent;scheme=${location.protocol.replace(":", "")};package=com.android.chrome;end`;
    banner.append(link);
  } else if (/iPhone|iPad|iPod/i.test(ua)) {
    const link = document.createElement("a");
    link.className = "button";
    link.textContent = "Mở bằng Chrome";
    link.href = here.replace(/^http/, "googlechrome");
    banner.append(link);
  }
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "secondary";
  copy.textContent = "Sao chép đường dẫn";
  copy.addEventListener("click", () => {
    navigator.clipboard
      ?.writeText(here)
      .then(() => (copy.textContent = "Đã sao chép: dán vào Chrome"))
      .catch(() => (copy.textContent = here));
  });
  banner.append(copy);
  document.body.prepend(banner);
}
