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

// Form pages: a question that only applies after an answer above it (the hysterectomy
// questions below "Do you still have your womb?") is shown once that answer makes it
// apply. The condition is the knowledge pack's `ask_when` (docs/knowledge-pack.md,
// "Conditions"): a comparison on an unknown answer is false, `known: false` tests for one.
// The server applies the same rule in page order, so without this script every question
// shows and the answers to the ones that do not apply are dropped.
function answerOf(group) {
  const checked = group.querySelector("input[type=radio]:checked");
  if (checked) {
    if (checked.value === "unsure") return undefined;
    if (checked.value === "true") return true;
    if (checked.value === "false") return false;
    return checked.value;
  }
  const number = group.querySelector("input[type=text]");
  const unsure = group.querySelector("input[type=checkbox]:checked");
  if (number && !unsure && /^[0-9]{1,6}$/.test(number.value.trim())) {
    return Number.parseInt(number.value.trim(), 10);
  }
  return undefined;
}

function matches(m, value) {
  if (value === undefined) return m.known === false;
  if (m.known === false) return false;
  if ("eq" in m && value !== m.eq) return false;
  if ("in" in m && !m.in.includes(value)) return false;
  if ("not_in" in m && m.not_in.includes(value)) return false;
  const bounds = [["gte", (a, b) => a >= b], ["gt", (a, b) => a > b],
    ["lte", (a, b) => a <= b], ["lt", (a, b) => a < b]];
  for (const [key, compare] of bounds) {
    if (key in m && !(Number.isInteger(value) && compare(value, m[key]))) return false;
  }
  return true;
}

function holds(condition, facts) {
  for (const [name, m] of Object.entries(condition.facts || {})) {
    if (!matches(m, facts[name])) return false;
  }
  const anyOf = condition.any_of || [];
  if (anyOf.length && !anyOf.some((sub) => holds(sub, facts))) return false;
  return !(condition.none_of || []).some((sub) => holds(sub, facts));
}

for (const form of document.querySelectorAll("[data-candid-form]")) {
  const known = JSON.parse(form.dataset.known || "{}");
  const groups = [...form.querySelectorAll("[data-fact]")];
  const update = () => {
    const facts = { ...known };
    for (const group of groups) {
      const condition = group.dataset.shownWhen;
      const shown = !condition || holds(JSON.parse(condition), facts);
      group.hidden = !shown;
      for (const input of group.querySelectorAll("input")) input.disabled = !shown;
      const value = shown ? answerOf(group) : undefined;
      if (value !== undefined) facts[group.dataset.fact] = value;
    }
  };
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}
