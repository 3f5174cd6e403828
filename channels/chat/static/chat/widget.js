/*! Hovor live chat widget. Embed with one tag on any page:
 *   <script src="https://hovor.example/chat/widget.js" data-account="42" async></script>
 *
 * Plain JavaScript, no dependencies, no cookies. Everything renders inside a shadow root, so
 * the host page's CSS cannot reach in and ours cannot leak out. Message text is only ever
 * set with textContent: what people write is shown, never interpreted.
 *
 * Protocol (JSON, CORS): POST {api}/sessions, POST {api}/messages (idempotent on
 * client_msg_id), GET {api}/events (server-sent events, resumed with Last-Event-ID),
 * POST {api}/typing, {api}/contact, {api}/transcript. See channels/chat/doc.md.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"][data-account]');
  if (!script) return;
  var account = script.getAttribute("data-account") || "";
  if (!/^\d+$/.test(account)) {
    if (window.console) console.warn("Hovor chat: data-account must be the chat account's id");
    return;
  }
  var registry = (window.__hovorChat = window.__hovorChat || {});
  if (registry[account]) return; // the tag was included twice
  registry[account] = true;

  var src = new URL(script.src, window.location.href);
  var API = src.origin + src.pathname.replace(/\/widget\.js$/, "") + "/" + account;
  var STORE_KEY = "hovor-chat:" + src.origin + ":" + account;

  // --- the visitor's language ---------------------------------------------------------
  // The page's lang, else the browser's: Czech, Polish and Bulgarian visitors read the
  // widget in their language (the greeting and away text are the brand's own words).
  var STRINGS = {
    cs: {
      "Open chat": "Otevřít chat", "Close chat": "Zavřít chat", "Your email": "Váš e-mail",
      "Email me the answer": "Pošlete mi odpověď e-mailem",
      "Leave your email and we will answer there too.": "Nechte nám e-mail a odpovíme i tam.",
      "Conversation": "Konverzace", "Name (optional)": "Jméno (nepovinné)", "Email (optional)": "E-mail (nepovinný)",
      "Write a message\u2026": "Napište zprávu\u2026", "Send": "Odeslat", "Message": "Zpráva",
      "Email me this conversation": "Poslat konverzaci e-mailem", "Send the transcript to": "Poslat přepis na",
      "Send transcript": "Poslat přepis", "Chat": "Chat", "us": "námi", "Open chat with {name}": "Otevřít chat: {name}",
      "We are online": "Jsme tu pro vás", "We are away right now": "Teď tu nikdo není",
      "Thanks \u2014 we will also answer at {email}.": "Děkujeme \u2014 odpovíme také na {email}.",
      "Sending\u2026": "Odesílá se\u2026", "Open chat ({n} new)": "Otevřít chat ({n} nové)",
      "{name} is typing\u2026": "{name} píše\u2026", "Not sent: {reason}": "Neodesláno: {reason}",
      "Close chat with {name}": "Zavřít chat: {name}",
      "Cannot reach the chat right now; we keep trying.": "Chat je teď nedostupný; zkoušíme to dál.",
      "Please enter a valid email address.": "Zadejte prosím platnou e-mailovou adresu.",
      "Could not save your email: {reason}": "E-mail se nepodařilo uložit: {reason}",
      "Transcript sent to {email}.": "Přepis odeslán na {email}.",
      "Could not send the transcript: {reason}": "Přepis se nepodařilo odeslat: {reason}",
      "We are back {when}.": "Jsme zpět: {when}."
    },
    pl: {
      "Open chat": "Otwórz czat", "Close chat": "Zamknij czat", "Your email": "Twój e-mail",
      "Email me the answer": "Wyślij mi odpowiedź e-mailem",
      "Leave your email and we will answer there too.": "Zostaw e-mail, a odpowiemy także tam.",
      "Conversation": "Rozmowa", "Name (optional)": "Imię (opcjonalnie)", "Email (optional)": "E-mail (opcjonalnie)",
      "Write a message\u2026": "Napisz wiadomość\u2026", "Send": "Wyślij", "Message": "Wiadomość",
      "Email me this conversation": "Wyślij mi tę rozmowę e-mailem", "Send the transcript to": "Wyślij zapis na",
      "Send transcript": "Wyślij zapis", "Chat": "Czat", "us": "nami", "Open chat with {name}": "Otwórz czat: {name}",
      "We are online": "Jesteśmy dostępni", "We are away right now": "Teraz nas nie ma",
      "Thanks \u2014 we will also answer at {email}.": "Dziękujemy \u2014 odpowiemy także na {email}.",
      "Sending\u2026": "Wysyłanie\u2026", "Open chat ({n} new)": "Otwórz czat ({n} nowe)",
      "{name} is typing\u2026": "{name} pisze\u2026", "Not sent: {reason}": "Nie wysłano: {reason}",
      "Close chat with {name}": "Zamknij czat: {name}",
      "Cannot reach the chat right now; we keep trying.": "Czat jest teraz niedostępny; próbujemy dalej.",
      "Please enter a valid email address.": "Podaj poprawny adres e-mail.",
      "Could not save your email: {reason}": "Nie udało się zapisać e-maila: {reason}",
      "Transcript sent to {email}.": "Zapis wysłany na {email}.",
      "Could not send the transcript: {reason}": "Nie udało się wysłać zapisu: {reason}",
      "We are back {when}.": "Wracamy: {when}."
    },
    bg: {
      "Open chat": "Отвори чата", "Close chat": "Затвори чата", "Your email": "Вашият имейл",
      "Email me the answer": "Изпратете ми отговора по имейл",
      "Leave your email and we will answer there too.": "Оставете имейл и ще отговорим и там.",
      "Conversation": "Разговор", "Name (optional)": "Име (по желание)", "Email (optional)": "Имейл (по желание)",
      "Write a message\u2026": "Напишете съобщение\u2026", "Send": "Изпрати", "Message": "Съобщение",
      "Email me this conversation": "Изпратете ми разговора по имейл", "Send the transcript to": "Изпрати записа на",
      "Send transcript": "Изпрати записа", "Chat": "Чат", "us": "нас", "Open chat with {name}": "Отвори чата: {name}",
      "We are online": "На линия сме", "We are away right now": "В момента ни няма",
      "Thanks \u2014 we will also answer at {email}.": "Благодарим \u2014 ще отговорим и на {email}.",
      "Sending\u2026": "Изпраща се\u2026", "Open chat ({n} new)": "Отвори чата ({n} нови)",
      "{name} is typing\u2026": "{name} пише\u2026", "Not sent: {reason}": "Не е изпратено: {reason}",
      "Close chat with {name}": "Затвори чата: {name}",
      "Cannot reach the chat right now; we keep trying.": "Чатът не е достъпен в момента; продължаваме да опитваме.",
      "Please enter a valid email address.": "Моля, въведете валиден имейл адрес.",
      "Could not save your email: {reason}": "Имейлът не беше запазен: {reason}",
      "Transcript sent to {email}.": "Записът е изпратен на {email}.",
      "Could not send the transcript: {reason}": "Записът не беше изпратен: {reason}",
      "We are back {when}.": "Връщаме се: {when}."
    }
  };
  var LANG = ((document.documentElement.getAttribute("lang") || navigator.language || "en") + "").toLowerCase().split("-")[0];
  function t(text, values) {
    var out = (STRINGS[LANG] && STRINGS[LANG][text]) || text;
    Object.keys(values || {}).forEach(function (key) { out = out.split("{" + key + "}").join(String(values[key])); });
    return out;
  }

  // --- state --------------------------------------------------------------------------
  var stored = loadStore();
  if (!stored.visitor_id) {
    stored.visitor_id = uuid();
    saveStore();
  }
  stored.outbox = stored.outbox || [];
  var config = { title: "", brand: "", color: "#2563eb", greeting: "", hours_text: "", back_at: null, online: true, max_length: 5000 };
  var sessionPromise = null;
  var source = null;
  var lastSeq = 0;
  var seenSeq = {};
  var msgEls = {}; // client_msg_id -> <li> of the visitor's messages shown on this page
  var flushing = false;
  var lastTypingSent = 0;
  var typingTimer = null;
  var unread = 0;
  var visitorWrote = false;
  // While the panel is closed, the stream stays open only this long after the last message
  // (for the unread badge): an idle visitor browsing the site holds no server connection.
  var IDLE_MS = 30 * 60 * 1000;

  function recentlyActive() {
    return Date.now() - (stored.active_at || 0) < IDLE_MS;
  }
  function touchActive() {
    stored.active_at = Date.now();
    saveStore();
  }

  function loadStore() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return {};
    }
  }
  function saveStore() {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(stored));
    } catch (e) {
      /* private mode or full storage: the widget still works for this page view */
    }
  }
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- DOM helpers (attributes and text only: no HTML strings with data in them) -----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function show(node, visible) {
    if (visible) node.removeAttribute("hidden");
    else node.setAttribute("hidden", "");
  }
  function readableOn(hex) {
    var c = hex.replace("#", "");
    if (c.length === 3) c = c[0] + c[0] + c[1] + c[1] + c[2] + c[2];
    var rgb = [0, 2, 4].map(function (i) {
      var v = parseInt(c.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return luminance > 0.4 ? "#111827" : "#ffffff";
  }

  var CSS = [
    ":host { all: initial; }",
    "[hidden] { display: none !important; }",
    ".root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; color: #111827;",
    "  font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif; }",
    "button, input, textarea { font: inherit; }",
    ".launcher { width: 58px; height: 58px; border-radius: 50%; border: 0; cursor: pointer; position: relative;",
    "  background: var(--hc); color: var(--hc-text); box-shadow: 0 6px 20px rgba(0,0,0,.25);",
    "  display: flex; align-items: center; justify-content: center; }",
    ".launcher svg { width: 28px; height: 28px; fill: currentColor; }",
    ".badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; border-radius: 10px;",
    "  background: #dc2626; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; padding: 0 5px; }",
    ":focus-visible { outline: 3px solid #111827; outline-offset: 2px; }",
    ".panel { position: absolute; right: 0; bottom: 74px; width: 370px; max-width: calc(100vw - 40px);",
    "  height: 560px; max-height: calc(100vh - 110px); background: #fff; border-radius: 14px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(0,0,0,.28); display: flex; flex-direction: column; }",
    ".head { background: var(--hc); color: var(--hc-text); padding: 12px 14px; display: flex; align-items: center; gap: 8px; }",
    ".head-text { flex: 1; }",
    ".head h2 { margin: 0; font-size: 16px; font-weight: 650; }",
    ".head .status-line { display: block; font-size: 12px; font-weight: 400; opacity: .9; }",
    ".close { background: transparent; color: inherit; border: 0; font-size: 22px; line-height: 1; cursor: pointer;",
    "  width: 34px; height: 34px; border-radius: 8px; }",
    ".close:hover { background: rgba(255,255,255,.18); }",
    ".notice { background: #fef3c7; color: #78350f; padding: 10px 14px; font-size: 13.5px; border-bottom: 1px solid #fde68a; }",
    ".notice p { margin: 0 0 6px; }",
    ".notice form { display: flex; gap: 6px; flex-wrap: wrap; align-items: flex-end; }",
    ".notice form div { flex: 1; min-width: 160px; }",
    ".log { list-style: none; margin: 0; padding: 14px; flex: 1; overflow-y: auto; background: #f9fafb;",
    "  display: flex; flex-direction: column; gap: 8px; }",
    ".msg { max-width: 82%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".msg .text { display: block; }",
    ".msg .meta { display: block; font-size: 11px; opacity: .75; margin-top: 2px; }",
    ".msg.visitor { align-self: flex-end; background: var(--hc); color: var(--hc-text); border-bottom-right-radius: 4px; }",
    ".msg.agent { align-self: flex-start; background: #e5e7eb; color: #111827; border-bottom-left-radius: 4px; }",
    ".msg.pending { opacity: .65; }",
    ".msg .files { display: flex; flex-direction: column; gap: 6px; margin-top: 4px; white-space: normal; }",
    ".msg .files img { display: block; max-width: 100%; max-height: 220px; border-radius: 8px; background: #fff; }",
    ".msg .files a { color: inherit; }",
    ".msg .file-link { display: inline-block; padding: 4px 8px; border-radius: 8px; background: rgba(255,255,255,.7);",
    "  text-decoration: underline; overflow-wrap: anywhere; }",
    ".msg.failed { box-shadow: 0 0 0 2px #dc2626; }",
    ".typing { padding: 2px 16px 6px; font-size: 12.5px; color: #4b5563; background: #f9fafb; font-style: italic; }",
    ".intro { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; padding: 8px 12px 0; }",
    "label { display: block; font-size: 12px; color: #374151; }",
    "input { width: 100%; box-sizing: border-box; border: 1px solid #d1d5db; border-radius: 8px; padding: 6px 8px; }",
    ".compose { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e5e7eb; align-items: flex-end; }",
    ".compose textarea { flex: 1; resize: none; border: 1px solid #d1d5db; border-radius: 10px; padding: 8px 10px;",
    "  min-height: 40px; max-height: 120px; box-sizing: border-box; }",
    ".btn { border: 0; border-radius: 10px; padding: 8px 14px; cursor: pointer; background: var(--hc); color: var(--hc-text); font-weight: 600; }",
    ".btn.plain { background: transparent; color: #374151; padding: 4px 6px; font-weight: 500; text-decoration: underline; }",
    ".foot { padding: 0 12px 10px; font-size: 13px; color: #4b5563; }",
    ".foot form { display: flex; gap: 6px; align-items: flex-end; margin-top: 4px; }",
    ".foot form div { flex: 1; }",
    ".said { font-size: 12.5px; color: #065f46; margin: 4px 0 0; }",
    ".said.error { color: #b91c1c; }",
    ".sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    "@media (max-width: 480px) { .root { right: 12px; bottom: 12px; }",
    "  .panel { position: fixed; inset: 0; width: auto; max-width: none; height: auto; max-height: none; border-radius: 0; } }",
  ].join("\n");

  // --- the UI -------------------------------------------------------------------------
  var host = el("div", { "data-hovor-chat": account });
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var ICON_NS = "http://www.w3.org/2000/svg";
  var BUBBLE = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z";
  var CHEVRON = "M5.3 8.3a1 1 0 0 1 1.4 0L12 13.6l5.3-5.3a1 1 0 1 1 1.4 1.4l-6 6a1 1 0 0 1-1.4 0l-6-6a1 1 0 0 1 0-1.4z";
  var icon = document.createElementNS(ICON_NS, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  var iconPath = document.createElementNS(ICON_NS, "path");
  iconPath.setAttribute("d", BUBBLE);
  icon.appendChild(iconPath);

  var badge = el("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "hovor-panel",
    "aria-label": t("Open chat") }, [icon, badge]);
  var title = el("h2", { id: "hovor-title" });
  var statusLine = el("span", { class: "status-line" });
  var closeBtn = el("button", { type: "button", class: "close", "aria-label": t("Close chat"), text: "\u00d7" });

  var noticeText = el("p", { class: "hours" });
  var followEmail = el("input", { type: "email", id: "hovor-follow-email", autocomplete: "email", maxlength: "254" });
  var followEmailWrap = el("div", {}, [el("label", { for: "hovor-follow-email", text: t("Your email") }), followEmail]);
  var followBtn = el("button", { type: "submit", class: "btn", text: t("Email me the answer") });
  var followForm = el("form", { class: "followup" }, [followEmailWrap, followBtn]);
  var followSaid = el("p", { class: "said", role: "status" });
  var followAsk = el("p", { text: t("Leave your email and we will answer there too.") });
  var notice = el("div", { class: "notice", hidden: true }, [noticeText, followAsk, followForm, followSaid]);

  var log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": t("Conversation") });
  var typing = el("div", { class: "typing", hidden: true, "aria-live": "polite" });
  var nameInput = el("input", { type: "text", id: "hovor-name", autocomplete: "name", maxlength: "200" });
  var emailInput = el("input", { type: "email", id: "hovor-email", autocomplete: "email", maxlength: "254" });
  var intro = el("div", { class: "intro" }, [
    el("div", {}, [el("label", { for: "hovor-name", text: t("Name (optional)") }), nameInput]),
    el("div", {}, [el("label", { for: "hovor-email", text: t("Email (optional)") }), emailInput]),
  ]);
  var textarea = el("textarea", { id: "hovor-text", rows: "1", placeholder: t("Write a message\u2026"), maxlength: "5000" });
  var sendBtn = el("button", { type: "submit", class: "btn send", text: t("Send") });
  var compose = el("form", { class: "compose" }, [
    el("label", { for: "hovor-text", class: "sr", text: t("Message") }), textarea, sendBtn]);

  var transcriptToggle = el("button", { type: "button", class: "btn plain", "aria-expanded": "false",
    "aria-controls": "hovor-transcript", text: t("Email me this conversation") });
  var transcriptEmail = el("input", { type: "email", id: "hovor-transcript-email", autocomplete: "email", required: true,
    maxlength: "254" });
  var transcriptForm = el("form", { id: "hovor-transcript", class: "transcript", hidden: true }, [
    el("div", {}, [el("label", { for: "hovor-transcript-email", text: t("Send the transcript to") }), transcriptEmail]),
    el("button", { type: "submit", class: "btn", text: t("Send transcript") })]);
  var footSaid = el("p", { class: "said", role: "status" });
  var foot = el("div", { class: "foot" }, [transcriptToggle, transcriptForm, footSaid]);

  var panel = el("section", { class: "panel", id: "hovor-panel", role: "dialog", "aria-labelledby": "hovor-title",
    hidden: true }, [
    el("div", { class: "head" }, [el("div", { class: "head-text" }, [title, statusLine]), closeBtn]),
    notice, log, typing, intro, compose, foot]);
  var root = el("div", { class: "root" }, [launcher, panel]);
  // A constructed stylesheet where the browser has them: a site's strict Content-Security-Policy
  // (no 'unsafe-inline' styles) does not block it, as it would a <style> element.
  var sheet = null;
  try {
    if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    }
  } catch (e) {
    sheet = null;
  }
  if (!sheet) {
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);
  }
  shadow.appendChild(root);

  nameInput.value = stored.name || "";
  emailInput.value = stored.email || "";

  function applyConfig(data) {
    Object.keys(config).forEach(function (k) { if (data && data[k] !== undefined) config[k] = data[k]; });
    var color = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(config.color) ? config.color : "#2563eb";
    root.style.setProperty("--hc", color);
    root.style.setProperty("--hc-text", readableOn(color));
    title.textContent = config.title || config.brand || t("Chat");
    launcher.setAttribute("aria-label", t("Open chat with {name}", { name: config.title || config.brand || t("us") }));
    statusLine.textContent = config.online ? t("We are online") : t("We are away right now");
    // Off the brand's staffed hours the server says when the team is back: shown in the
    // visitor's own time zone and language.
    var back = config.back_at ? new Date(config.back_at) : null;
    var backText = "";
    if (back && !isNaN(back.getTime())) {
      backText = " " + t("We are back {when}.", { when: back.toLocaleString(LANG || undefined, { weekday: "long", hour: "2-digit", minute: "2-digit" }) });
    }
    noticeText.textContent = config.hours_text + backText;
    textarea.setAttribute("maxlength", String(config.max_length || 5000));
    renderGreeting();
    renderNotice();
  }

  var greetingEl = null;
  function renderGreeting() {
    if (!config.greeting) return;
    if (!greetingEl) {
      greetingEl = el("li", { class: "msg agent greeting" }, [el("span", { class: "text" })]);
      log.insertBefore(greetingEl, log.firstChild);
    }
    greetingEl.firstChild.textContent = config.greeting;
  }

  function renderNotice() {
    show(notice, !config.online);
    show(followAsk, !stored.followup);
    if (stored.followup) {
      show(followForm, false);
      followSaid.textContent = t("Thanks \u2014 we will also answer at {email}.", { email: stored.email });
    } else {
      show(followForm, true);
      if (stored.email && !followEmail.value) followEmail.value = stored.email;
    }
  }

  function timeText(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function sizeText(size) {
    if (typeof size !== "number") return "";
    if (size < 1024) return size + " B";
    if (size < 1024 * 1024) return Math.round(size / 1024) + " KB";
    return (size / (1024 * 1024)).toFixed(1) + " MB";
  }

  // An agent's files: pictures shown (and opened full size), other files as downloads. Each
  // is served to this visitor's session only (files/<seq>/<index>?session=…).
  function fileList(seq, files) {
    if (!seq || !files || !files.length) return null;
    return el("span", { class: "files" }, files.map(function (file) {
      if (!file || typeof file.index !== "number") return null;
      var url = API + "/files/" + seq + "/" + file.index + "?session=" + encodeURIComponent(stored.session || "");
      var name = typeof file.filename === "string" ? file.filename : "";
      if (file.image) {
        var img = el("img", { src: url, alt: name });
        img.addEventListener("load", function () { log.scrollTop = log.scrollHeight; });
        return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "file-image" }, [img]);
      }
      return el("a", { href: url, download: name, class: "file-link", rel: "noopener noreferrer",
        text: "\ud83d\udcce " + name + (sizeText(file.size) ? " (" + sizeText(file.size) + ")" : "") });
    }));
  }

  function addMessage(from, text, opts) {
    opts = opts || {};
    var li = el("li", { class: "msg " + from + (opts.pending ? " pending" : "") }, [
      text ? el("span", { class: "text", text: text }) : null,
      fileList(opts.seq, opts.files),
      el("span", { class: "meta", text: (from === "agent" ? (opts.author || config.title) + " \u00b7 " : "") +
        (opts.pending ? t("Sending\u2026") : timeText(opts.at)) })]);
    if (opts.seq) li.setAttribute("data-seq", String(opts.seq));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function markSent(li, at) {
    li.classList.remove("pending", "failed");
    li.querySelector(".meta").textContent = timeText(at);
  }

  function setIntroVisible() {
    show(intro, !visitorWrote);
  }

  // --- HTTP -----------------------------------------------------------------------------
  function post(path, body) {
    // text/plain keeps this a "simple" CORS request: no preflight round trip per message.
    return window.fetch(API + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || "HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function loadConfig() {
    return window.fetch(API + "/config", { mode: "cors", credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) applyConfig(data); })
      .catch(function () { /* offline: try again when the panel opens */ });
  }

  function ensureSession() {
    if (!sessionPromise) {
      sessionPromise = post("/sessions", {
        visitor_id: stored.visitor_id,
        session: stored.session || "",
        name: stored.name || "",
        email: stored.email || "",
      }).then(function (data) {
        if (data.session !== stored.session) {
          // A new conversation (first visit, or the old one is gone): start the log afresh.
          resetLog();
          stored.session = data.session;
          stored.seen = 0;
        }
        stored.followup = !!data.followup;
        if (data.email) stored.email = data.email;
        saveStore();
        applyConfig(data);
        connect();
        return data.session;
      }, function (error) {
        sessionPromise = null;
        throw error;
      });
    }
    return sessionPromise;
  }

  function resetLog() {
    Array.prototype.slice.call(log.querySelectorAll(".msg:not(.greeting)")).forEach(function (li) {
      if (!li.classList.contains("pending")) li.remove();
    });
    Object.keys(msgEls).forEach(function (id) {
      if (!msgEls[id].classList.contains("pending")) delete msgEls[id];
    });
    lastSeq = 0;
    seenSeq = {};
    visitorWrote = stored.outbox.length > 0;
    setIntroVisible();
  }

  // --- the event stream -----------------------------------------------------------------
  function connect() {
    if (source || !stored.session || typeof window.EventSource !== "function") return;
    var url = API + "/events?session=" + encodeURIComponent(stored.session) + "&after=" + lastSeq;
    source = new window.EventSource(url);
    source.addEventListener("open", function () { flush(); });
    source.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      onMessage(data);
    });
    source.addEventListener("typing", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      showTyping(!!data.typing);
    });
    source.addEventListener("error", function () {
      // The server ends each stream after ~25 s and the browser reconnects by itself
      // (with Last-Event-ID), unless the panel is closed and the chat idle: then we stop
      // and connect again when the panel opens. When the browser gave up for good (e.g. the
      // session is gone) we start over: check the session, then reconnect.
      if (source && panel.hasAttribute("hidden") && !recentlyActive()) {
        source.close();
        source = null;
        return;
      }
      if (source && source.readyState === window.EventSource.CLOSED) {
        source = null;
        sessionPromise = null;
        window.setTimeout(function () { ensureSession().catch(function () { /* retried on next action */ }); }, 3000);
      }
    });
  }

  function onMessage(data) {
    if (!data || typeof data.seq !== "number" || seenSeq[data.seq]) return;
    seenSeq[data.seq] = true;
    lastSeq = Math.max(lastSeq, data.seq);
    var text = typeof data.text === "string" ? data.text : "";
    if (data.from === "visitor") {
      visitorWrote = true;
      setIntroVisible();
      var li = data.client_msg_id && msgEls[data.client_msg_id];
      if (li) {
        markSent(li, data.at);
        li.setAttribute("data-seq", String(data.seq));
      } else {
        li = addMessage("visitor", text, { at: data.at, seq: data.seq });
        if (data.client_msg_id) msgEls[data.client_msg_id] = li;
      }
      dropFromOutbox(data.client_msg_id);
    } else {
      showTyping(false);
      addMessage("agent", text, { at: data.at, seq: data.seq, author: data.author, files: data.files });
      if (data.seq > (stored.seen || 0)) touchActive();
      if (panel.hasAttribute("hidden") && data.seq > (stored.seen || 0)) {
        unread += 1;
        badge.textContent = String(unread);
        show(badge, true);
        launcher.setAttribute("aria-label", t("Open chat ({n} new)", { n: unread }));
      }
    }
    if (!panel.hasAttribute("hidden")) markSeen();
  }

  function markSeen() {
    if (lastSeq > (stored.seen || 0)) {
      stored.seen = lastSeq;
      saveStore();
    }
  }

  function showTyping(on) {
    window.clearTimeout(typingTimer);
    typing.textContent = on ? t("{name} is typing\u2026", { name: config.title || config.brand || t("Chat") }) : "";
    show(typing, on);
    // Never stuck: the server renews the signal while the agent types.
    if (on) typingTimer = window.setTimeout(function () { showTyping(false); }, 8000);
  }

  // --- sending --------------------------------------------------------------------------
  function dropFromOutbox(clientMsgId) {
    var before = stored.outbox.length;
    stored.outbox = stored.outbox.filter(function (m) { return m.client_msg_id !== clientMsgId; });
    if (stored.outbox.length !== before) saveStore();
  }

  function flush() {
    if (flushing || !stored.outbox.length) return;
    flushing = true;
    var item = stored.outbox[0];
    ensureSession().then(function (session) {
      return post("/messages", {
        session: session,
        client_msg_id: item.client_msg_id,
        text: item.text,
        name: stored.name || "",
        email: stored.email || "",
        page: window.location.href.slice(0, 2000),
      });
    }).then(function () {
      var li = msgEls[item.client_msg_id];
      if (li && li.classList.contains("pending")) markSent(li);
      dropFromOutbox(item.client_msg_id);
      flushing = false;
      flush();
    }, function (error) {
      flushing = false;
      if (error.status === 404) {
        // The session is gone: the same message goes into a new one.
        stored.session = "";
        sessionPromise = null;
        saveStore();
        window.setTimeout(flush, 500);
      } else if (error.status && error.status < 500 && error.status !== 429) {
        // Refused for good (too long, invalid): say so, and do not resend it forever.
        var li = msgEls[item.client_msg_id];
        if (li) {
          li.classList.remove("pending");
          li.classList.add("failed");
          li.querySelector(".meta").textContent = t("Not sent: {reason}", { reason: error.message });
        }
        dropFromOutbox(item.client_msg_id);
        flush();
      } else {
        // Network or server trouble: the same client_msg_id goes again, stored once.
        window.setTimeout(flush, 3000);
      }
    });
  }

  function send(text) {
    stored.name = nameInput.value.trim().slice(0, 200) || stored.name || "";
    var email = emailInput.value.trim();
    if (email && emailInput.checkValidity()) stored.email = email;
    var item = { client_msg_id: uuid(), text: text };
    stored.outbox.push(item);
    touchActive();
    visitorWrote = true;
    setIntroVisible();
    msgEls[item.client_msg_id] = addMessage("visitor", text, { pending: true });
    flush();
  }

  // --- events ---------------------------------------------------------------------------
  function openPanel() {
    show(panel, true);
    launcher.setAttribute("aria-expanded", "true");
    iconPath.setAttribute("d", CHEVRON);
    unread = 0;
    show(badge, false);
    launcher.setAttribute("aria-label", t("Close chat with {name}", { name: config.title || t("us") }));
    stored.open = true;
    markSeen();
    saveStore();
    ensureSession().then(connect).catch(function () {
      footSaid.textContent = t("Cannot reach the chat right now; we keep trying.");
      footSaid.classList.add("error");
    });
    textarea.focus();
  }
  function closePanel() {
    show(panel, false);
    launcher.setAttribute("aria-expanded", "false");
    iconPath.setAttribute("d", BUBBLE);
    launcher.setAttribute("aria-label", t("Open chat with {name}", { name: config.title || t("us") }));
    stored.open = false;
    saveStore();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hasAttribute("hidden")) openPanel();
    else closePanel();
  });
  closeBtn.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
  });
  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textarea.value;
    if (!text.trim()) return;
    textarea.value = "";
    autosize();
    lastTypingSent = 0;
    send(text);
    textarea.focus();
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      compose.requestSubmit ? compose.requestSubmit() : compose.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  function autosize() {
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight + 2, 120) + "px";
  }
  textarea.addEventListener("input", function () {
    autosize();
    var now = Date.now();
    if (!textarea.value.trim() || now - lastTypingSent < 2000) return;
    lastTypingSent = now;
    ensureSession().then(function (session) {
      return post("/typing", { session: session, typing: true });
    }).catch(function () { /* typing is best effort */ });
  });

  followForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var email = followEmail.value.trim();
    if (!email || !followEmail.checkValidity()) {
      followSaid.textContent = t("Please enter a valid email address.");
      followSaid.classList.add("error");
      followEmail.focus();
      return;
    }
    ensureSession().then(function (session) {
      return post("/contact", { session: session, email: email, name: stored.name || "", followup: true });
    }).then(function (data) {
      stored.email = data.email;
      stored.followup = !!data.followup;
      saveStore();
      followSaid.classList.remove("error");
      if (!emailInput.value) emailInput.value = data.email;
      renderNotice();
    }, function (error) {
      followSaid.textContent = t("Could not save your email: {reason}", { reason: error.message });
      followSaid.classList.add("error");
    });
  });

  transcriptToggle.addEventListener("click", function () {
    var open = transcriptForm.hasAttribute("hidden");
    show(transcriptForm, open);
    transcriptToggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!transcriptEmail.value) transcriptEmail.value = stored.email || emailInput.value.trim();
      transcriptEmail.focus();
    }
  });
  transcriptForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var email = transcriptEmail.value.trim();
    ensureSession().then(function (session) {
      return post("/transcript", { session: session, email: email });
    }).then(function (data) {
      footSaid.classList.remove("error");
      footSaid.textContent = t("Transcript sent to {email}.", { email: data.sent_to });
      show(transcriptForm, false);
      transcriptToggle.setAttribute("aria-expanded", "false");
    }, function (error) {
      footSaid.classList.add("error");
      footSaid.textContent = t("Could not send the transcript: {reason}", { reason: error.message });
    });
  });
  window.addEventListener("online", flush);

  // --- start ----------------------------------------------------------------------------
  function start() {
    document.body.appendChild(host);
    applyConfig({});
    setIntroVisible();
    loadConfig();
    // A returning visitor in a recent conversation: show it (and new replies, with the
    // unread badge) without a click. An old one is loaded when the panel opens.
    if (stored.outbox.length || stored.open || (stored.session && recentlyActive())) {
      stored.outbox.forEach(function (item) {
        msgEls[item.client_msg_id] = addMessage("visitor", item.text, { pending: true });
      });
      if (stored.outbox.length) visitorWrote = true;
      ensureSession().then(flush, function () { window.setTimeout(flush, 3000); });
    }
    if (stored.open) openPanel();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
