// The payment portal: PIN -> payment form (card fields hosted by the processor) -> confirmation.
// The link is /pay/<session>#<token>: the token stays in the fragment (never sent in a URL or a
// Referer) and travels only in the body of the verify POST.
"use strict";

(function () {
  const sessionId = location.pathname.split("/").pop();
  const linkToken = location.hash.replace(/^#/, "");
  let apiToken = "";
  let apiBase = "/api";
  let cardOrigin = "";
  let cardFrame = null;
  let pendingTokenize = null;
  let frameReady = null;
  let markFrameReady = null;

  const $ = (id) => document.getElementById(id);

  function headers(withAuth) {
    const h = { "X-Portal-Request": "1" };
    if (withAuth && apiToken) h.Authorization = "Bearer " + apiToken;
    return h;
  }

  function problem(message) {
    $("problem-message").textContent = message;
    ["pin-step", "pay-step", "done-step"].forEach((id) => ivr.show(id, false));
    ivr.show("problem-step", true);
    $("main").focus();
  }

  function showError(id, message) {
    const box = $(id);
    box.textContent = message;
    box.classList.remove("hidden");
  }

  async function verify(event) {
    event.preventDefault();
    const pin = $("pin").value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(pin)) {
      $("pin").setAttribute("aria-invalid", "true");
      showError("pin-error", "Enter the 6 digits of your PIN.");
      $("pin").focus();
      return;
    }
    $("pin").removeAttribute("aria-invalid");
    $("pin-submit").disabled = true;
    const answer = await ivr.request("POST", apiBase + "/sessions/" + sessionId + "/verify",
      { token: linkToken, pin: pin }, headers(false));
    $("pin-submit").disabled = false;
    if (answer.status === 200) {
      apiToken = answer.body.apiToken;
      showPayment(answer.body);
      return;
    }
    // One answer for a wrong PIN, an expired, locked or used link: it says what to do.
    showError("pin-error", answer.body.message || "We couldn't open this payment. Please try again.");
    $("pin").value = "";
    $("pin").focus();
  }

  function showPayment(summary) {
    $("pay-amount").textContent = summary.amountDisplay;
    $("pay-name").textContent = summary.name ? " for " + summary.name : "";
    ivr.show("pin-step", false);
    ivr.show("pay-step", true);
    cardFrame = $("card-frame");
    frameReady = new Promise((resolve) => { markFrameReady = resolve; });
    cardFrame.src = cardOrigin + "/card-frame.html";
    $("pay-title").setAttribute("tabindex", "-1");
    $("pay-title").focus();
  }

  // The hosted card fields answer a "tokenize" message with a token, or with the fields missing.
  async function tokenize() {
    await frameReady;
    return new Promise((resolve) => {
      pendingTokenize = resolve;
      cardFrame.contentWindow.postMessage({ type: "tokenize" }, cardOrigin);
    });
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== cardOrigin) return;
    const data = event.data || {};
    if (data.type === "ready" && markFrameReady) {
      markFrameReady();
      return;
    }
    if (!pendingTokenize) return;
    if (data.type === "tokenized" || data.type === "invalid") {
      const resolve = pendingTokenize;
      pendingTokenize = null;
      resolve(data);
    }
  });

  async function pay(event) {
    event.preventDefault();
    $("pay-error").classList.add("hidden");
    const name = $("card-name").value.trim();
    $("pay-submit").disabled = true;
    const card = await tokenize();
    const missing = (card.missing || []).slice();
    if (!name) missing.unshift("name on card");
    markName(!name);
    if (card.type === "invalid" && !(card.missing || []).length) {
      $("pay-submit").disabled = false;
      showPaymentError("Check the " + card.invalid.join(", ") + ".");
      return;
    }
    // Incomplete submits are reported too: the assistant on the call asks to complete them.
    const body = { name: name };
    if (card.type === "tokenized") body.cardToken = card.cardToken;
    const answer = await ivr.request("POST", apiBase + "/sessions/" + sessionId + "/payment",
      body, headers(true));
    $("pay-submit").disabled = false;
    if (answer.status === 200) {
      done(answer.body);
    } else if (answer.status === 422) {
      showPaymentError("Please complete: " + missing.join(", ") + ".");
    } else if (answer.status === 402) {
      problem("Your card was declined, and no payment was taken. Go back to your call: the assistant can connect you to an agent.");
    } else if (answer.status === 409) {
      problem("This payment was already made. Go back to your call for the confirmation.");
    } else if (answer.status === 403) {
      problem(answer.body.message);
    } else {
      showPaymentError(answer.body.message || "Something went wrong. Please try again.");
    }
  }

  function markName(missing) {
    const field = $("card-name");
    const error = $("card-name-error");
    if (missing) {
      field.setAttribute("aria-invalid", "true");
      error.textContent = "Enter the name on the card.";
      error.classList.remove("hidden");
    } else {
      field.removeAttribute("aria-invalid");
      error.classList.add("hidden");
    }
  }

  function showPaymentError(message) {
    showError("pay-error", message);
    $("pay-error").focus();
  }

  function done(result) {
    $("done-amount").textContent = result.amountDisplay;
    $("done-card").textContent = "ending " + result.last4;
    $("done-reference").textContent = result.reference;
    $("done-message").textContent = result.amountDisplay + " was paid with the card ending " + result.last4 + ".";
    ivr.show("pay-step", false);
    ivr.show("done-step", true);
    $("main").focus();
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const config = await ivr.config();
    apiBase = config.apiBase;
    cardOrigin = config.cardFrameOrigin;
    if (!/^[0-9a-fA-F-]{36}$/.test(sessionId) || !linkToken) {
      problem("This link is incomplete. Open the payment link from the text message we sent you, or stay on the line and ask for a new link.");
      return;
    }
    $("pin-form").addEventListener("submit", verify);
    $("pay-form").addEventListener("submit", pay);
    $("pin").focus();
  });
})();
