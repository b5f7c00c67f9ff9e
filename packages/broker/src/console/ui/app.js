// The Danube web console: plain DOM, no framework, no network beyond this broker's /api/.
// Everything from the broker is inserted as text (textContent), never as HTML.
import { ApiError, clearTimers, h, main, say, TOKEN_KEY } from "./dom.js";
import { deadLettersPage, overviewPage, schemaPage, schemasPage } from "./pages.js";
import { topicPage, topicsPage } from "./topic-pages.js";

function loginPage(message) {
  const input = h("input", {
    name: "token",
    type: "password",
    size: 48,
    autocomplete: "off",
    id: "token-input",
  });
  const form = h(
    "form",
    { class: "stack login", id: "login-form" },
    h("h1", {}, "Sign in"),
    h(
      "p",
      {},
      "This broker requires a token (auth mode tls). Paste a JWT, for example from `danube-admin` or `createToken`.",
    ),
    message ? h("p", { class: "error" }, message) : "",
    h("label", {}, "Bearer token", input),
    h("div", {}, h("button", { type: "submit" }, "Use token")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    route();
  });
  main.replaceChildren(form);
}

function renderWho() {
  const who = document.getElementById("who");
  const token = sessionStorage.getItem(TOKEN_KEY);
  who.replaceChildren(
    token
      ? h(
          "span",
          {},
          "token set",
          h(
            "button",
            {
              class: "secondary",
              onclick: () => {
                sessionStorage.removeItem(TOKEN_KEY);
                route();
              },
            },
            "Sign out",
          ),
        )
      : "",
  );
}

// ---- router --------------------------------------------------------------------------------------

const PAGES = {
  "/": overviewPage,
  "/topics": topicsPage,
  "/topic": topicPage,
  "/schemas": schemasPage,
  "/schema": schemaPage,
  "/dead-letters": deadLettersPage,
};

async function route() {
  clearTimers();
  const [path, search] = (location.hash.slice(1) || "/").split("?");
  const page = PAGES[path] ?? overviewPage;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("current", link.getAttribute("href") === `#${path}`);
  }
  renderWho();
  say("");
  try {
    await page(new URLSearchParams(search ?? ""));
    document.body.dataset.page = path;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearTimers();
      loginPage(sessionStorage.getItem(TOKEN_KEY) ? `The token was refused: ${err.message}` : undefined);
      document.body.dataset.page = "login";
      return;
    }
    main.replaceChildren(h("h1", {}, "Error"), h("p", { class: "error", id: "page-error" }, err.message));
    document.body.dataset.page = "error";
  }
}

window.addEventListener("hashchange", route);
route();
