// Steward console: progressive enhancement only; every page works without it.
"use strict";

// Forms that change state ask for confirmation first (data-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Elements with data-refresh="URL" are replaced by the HTML fragment at URL every few seconds
// (live request rate and latency on the deployment page).
function refresh(element) {
  const url = element.dataset.refresh;
  const every = Number(element.dataset.every || 5000);
  fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => { element.innerHTML = html; })
    .catch(() => { element.classList.add("stale"); })
    .finally(() => { setTimeout(() => refresh(element), every); });
}
document.querySelectorAll("[data-refresh]").forEach((element) => {
  setTimeout(() => refresh(element), Number(element.dataset.every || 5000));
});
