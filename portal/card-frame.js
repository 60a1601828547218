// The sandbox processor's hosted card fields. The portal page asks for a token by postMessage;
// the card number goes only to this origin's /tokenize, which answers a token, brand and last 4.
// Every field is checked and named on its own; an error goes as soon as its field is fixed.
"use strict";

(function () {
  const FIELDS = [
    { id: "number", name: "card number", valid: validNumber },
    { id: "expiry", name: "expiry date", valid: validExpiry },
    { id: "cvv", name: "security code", valid: validCvv },
  ];
  const SERVER_FIELDS = { "card number": "number", expiry: "expiry", cvv: "cvv" };
  let portalOrigin = null;

  const value = (id) => document.getElementById(id).value.trim();

  function validNumber(text) {
    const digits = text.replace(/[ -]/g, "");
    if (!/^[0-9]{13,19}$/.test(digits)) return false;
    let sum = 0;
    for (let i = 0; i < digits.length; i += 1) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function validExpiry(text) {
    const match = /^(\d{2})\s*\/?\s*(\d{2})$/.exec(text);
    if (!match) return false;
    const month = Number(match[1]);
    const year = 2000 + Number(match[2]);
    const now = new Date();
    if (month < 1 || month > 12) return false;
    return year > now.getFullYear() || (year === now.getFullYear() && month >= now.getMonth() + 1);
  }

  function validCvv(text) {
    return /^[0-9]{3,4}$/.test(text);
  }

  function tell(message) {
    if (portalOrigin) window.parent.postMessage(message, portalOrigin);
  }

  function mark(id, message) {
    const input = document.getElementById(id);
    const error = document.getElementById(id + "-error");
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    error.textContent = message;
  }

  // Each field: missing, invalid, or fine. Returns the names of the missing and invalid ones.
  function check() {
    const missing = [];
    const invalid = [];
    FIELDS.forEach((field) => {
      const text = value(field.id);
      if (!text) {
        missing.push(field.name);
        mark(field.id, "Enter the " + field.name + ".");
      } else if (!field.valid(text)) {
        invalid.push(field.name);
        mark(field.id, "Check the " + field.name + ".");
      } else {
        mark(field.id, "");
      }
    });
    return { missing: missing, invalid: invalid };
  }

  async function tokenize() {
    const found = check();
    if (found.missing.length || found.invalid.length) {
      return { type: "invalid", missing: found.missing, invalid: found.invalid };
    }
    const response = await fetch("/tokenize", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Local-Request": "1" },
      body: JSON.stringify({ number: value("number"), expiry: value("expiry"), cvv: value("cvv") }),
    });
    const body = await response.json();
    if (response.ok) {
      return { type: "tokenized", cardToken: body.token, brand: body.brand, last4: body.last4 };
    }
    const ids = (body.fields || [body.field]).map((f) => SERVER_FIELDS[f] || "number");
    const names = ids.map((id) => {
      const field = FIELDS.find((f) => f.id === id);
      mark(id, "Check the " + field.name + ".");
      return field.name;
    });
    return { type: "invalid", missing: [], invalid: names };
  }

  // A field marked wrong is cleared the moment what it holds is right.
  FIELDS.forEach((field) => {
    document.getElementById(field.id).addEventListener("input", () => {
      const input = document.getElementById(field.id);
      if (input.getAttribute("aria-invalid") === "true" && field.valid(value(field.id))) {
        mark(field.id, "");
        tell({ type: "fixed", field: field.name });
      }
    });
  });

  function reset() {
    FIELDS.forEach((field) => {
      document.getElementById(field.id).value = "";
      mark(field.id, "");
    });
    document.getElementById("number").focus();
  }

  window.addEventListener("message", async (event) => {
    if (event.origin !== portalOrigin || !event.data) return;
    if (event.data.type === "tokenize") event.source.postMessage(await tokenize(), event.origin);
    if (event.data.type === "reset") reset();
  });

  // The portal sizes the frame to its content: no scroll bar, no empty space below the fields.
  new ResizeObserver(() => {
    tell({ type: "height", height: document.body.offsetHeight });
  }).observe(document.body);

  document.addEventListener("DOMContentLoaded", async () => {
    const config = await (await fetch("/card-config.json")).json();
    portalOrigin = config.portalOrigin;
    tell({ type: "ready" });
    tell({ type: "height", height: document.body.offsetHeight });
  });
})();
