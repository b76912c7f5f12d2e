// main.js: the web app's entry. One page, its views chosen by the
// location's hash (#/network, #/wallet/…, #/market/BASE/QUOTE, #/cards/N,
// #/terminal), all on
// the node that served the page, live over its event stream.
import * as api from "./api.js";
import * as history from "./history.js";
import { h, fill } from "./dom.js";
import * as network from "./network.js";
import * as wallet from "./wallet.js";
import * as market from "./market.js";
import * as cards from "./cards.js";
import * as terminal from "./terminal.js";

const pages = { network, wallet, market, cards, terminal };
let current = null;

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const name = pages[parts[0]] ? parts[0] : "network";
  if (current) current.unmount();
  const root = document.getElementById("page");
  root.replaceChildren();
  document.body.dataset.page = name;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === name);
  current = pages[name].mount(root, parts.slice(1));
}

// showError puts a failure the page did not expect at the top of the page.
function showError(msg) {
  const el = document.getElementById("alert");
  fill(el, h("span", msg), h("button.small", { type: "button", onclick: () => (el.hidden = true) }, "×"));
  el.hidden = false;
}

// takeToken moves an API token given in the location's hash
// (#/cards?token=… as `anonex devnet` prints it) into this tab's
// sessionStorage, and out of the location, the history and the screen.
function takeToken() {
  const m = location.hash.match(/[?&]token=([^&]*)/);
  if (!m) return;
  api.setToken(decodeURIComponent(m[1]));
  window.history.replaceState(null, "", location.pathname + location.hash.replace(/[?&]token=[^&]*/, ""));
}

async function boot() {
  takeToken();
  const conn = document.getElementById("conn");
  api.onState((s) => {
    conn.dataset.state = s;
    fill(conn, { live: "live", connecting: "connecting…", down: "disconnected" }[s]);
  });
  let status;
  for (;;) {
    try {
      status = await api.get("/v1/status");
      break;
    } catch (e) {
      fill(document.getElementById("page"), h("p.error", `The node does not answer: ${e.message}. Trying again…`));
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  fill(document.getElementById("netname"), `${status.network} · chain ${status.chain_id}`);
  history.start(status);
  history.startOffers(status);
  api.connect();
  window.addEventListener("hashchange", route);
  route();
}

window.addEventListener("unhandledrejection", (e) => showError(String(e.reason && e.reason.message || e.reason)));
boot();
