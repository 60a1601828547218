// The sandbox processor's hosted card fields. The portal page asks for a token by postMessage;
// the card number goes only to this origin's /tokenize, which answers a token, brand and last 4.
"use strict";

(function () {
  const FIELDS = [
    { id: "number", name: "card number" },
    { id: "expiry", name: "expiry date" },
    { id: "cvv", name: "security code" },
  ];
  const INVALID = { "card number": "number", expiry: "expiry", cvv: "cvv" };
  let portalOrigin = null;

  function mark(id, message) {
    const input = document.getElementById(id);
    const error = document.getElementById(id + "-error");
    if (message) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = message;
      error.classList.remove("hidden");
    } else {
      input.removeAttribute("aria-invalid");
      error.classList.add("hidden");
    }
  }

  async function tokenize() {
    const missing = [];
    FIELDS.forEach((field) => {
      const empty = !document.getElementById(field.id).value.trim();
      mark(field.id, empty ? "Enter the " + field.name + "." : "");
      if (empty) missing.push(field.name);
    });
    if (missing.length) return { type: "invalid", missing: missing, invalid: [] };
    const response = await fetch("/tokenize", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Local-Request": "1" },
      body: JSON.stringify({
        number: document.getElementById("number").value,
        expiry: document.getElementById("expiry").value,
        cvv: document.getElementById("cvv").value,
      }),
    });
    const body = await response.json();
    if (response.ok) {
      return { type: "tokenized", cardToken: body.token, brand: body.brand, last4: body.last4 };
    }
    const id = INVALID[body.field] || "number";
    const name = FIELDS.find((f) => f.id === id).name;
    mark(id, "Check the " + name + ".");
    return { type: "invalid", missing: [], invalid: [name] };
  }

  window.addEventListener("message", async (event) => {
    if (event.origin !== portalOrigin || !event.data || event.data.type !== "tokenize") return;
    event.source.postMessage(await tokenize(), event.origin);
  });

  document.addEventListener("DOMContentLoaded", async () => {
    const config = await (await fetch("/card-config.json")).json();
    portalOrigin = config.portalOrigin;
    window.parent.postMessage({ type: "ready" }, portalOrigin);
  });
})();
