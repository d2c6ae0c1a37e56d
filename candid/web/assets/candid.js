// Progressive enhancement only: every page works without this file.
import { initAll } from "./nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// "Share this guide": the system share sheet where there is one. It shares the guide's
// address only, never the person's answers; without it, the plain mailto link stays.
for (const button of document.querySelectorAll("[data-candid-share]")) {
  if (!navigator.share) continue;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.share({ title: document.title.split(" – ").pop(), url: button.dataset.candidShare })
      .catch(() => {});
  });
}
