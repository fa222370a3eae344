/*! Comptoir chat widget — one script tag, no framework, Shadow DOM.
 * <script src="https://desk.example/widget.js" data-comptoir-url="https://desk.example"
 *         data-lang="fr" async></script>
 * Optional: data-customer-email / data-customer-signature / data-customer-expires
 * (signed-in shopper), data-color (accent colour), data-position ("right" or "left").
 * Privacy: nothing is stored and no request is made until the shopper opens the chat.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-comptoir-url]");
  if (!script || window.__comptoirWidget) return;
  window.__comptoirWidget = true;
  var data = script.dataset;
  var BASE = (data.comptoirUrl || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var COLOR = /^#[0-9a-f]{3,8}$/i.test(data.color || "") ? data.color : "#2f6f4f";
  var SIDE = data.position === "left" ? "left" : "right";
  var KEY = "comptoir:" + BASE + ":";
  var MAX = 2000;

  var T = {
    fr: {
      open: "Ouvrir la discussion avec le service client",
      close: "Fermer la discussion",
      title: "Service client",
      subtitle: "Réponse immédiate, un conseiller si besoin",
      label: "Votre message",
      placeholder: "Écrivez votre message…",
      send: "Envoyer",
      human: "Parler à un conseiller",
      typing: "Comptoir écrit…",
      agentTyping: "Votre conseiller écrit…",
      offline: "Hors ligne : vos messages partiront dès le retour du réseau.",
      useful: "Cette réponse vous a-t-elle aidé ?",
      up: "Oui, réponse utile",
      down: "Non, réponse pas utile",
      voted: "Merci pour votre avis.",
      end: "Terminer",
      endLabel: "Terminer la discussion",
      rate: "Comment s'est passée cette discussion ?",
      star: "{n} sur 5",
      rated: "Merci ! À bientôt.",
      transcript: "Recevoir la conversation par e-mail",
      transcriptFailed: "La demande n'a pas pu aboutir. Réessayez dans un instant.",
      other: "English",
      otherLabel: "Switch to English",
      unread: "{n} message(s) non lu(s)",
      you: "Vous",
      messages: "Messages de la discussion",
      bot: "Comptoir",
      agent: "Conseiller",
      tooLong: "Ce message est trop long : {n} caractères au plus.",
      refused: "Ce message n'a pas pu être envoyé.",
      notices: "Informations de la boutique",
    },
    en: {
      open: "Open the chat with customer service",
      close: "Close the chat",
      title: "Customer service",
      subtitle: "Instant answers, a person when needed",
      label: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      human: "Talk to an agent",
      typing: "Comptoir is typing…",
      agentTyping: "Your agent is typing…",
      offline: "Offline: your messages will be sent when the network is back.",
      useful: "Did this answer help?",
      up: "Yes, helpful answer",
      down: "No, unhelpful answer",
      voted: "Thanks for your feedback.",
      end: "End",
      endLabel: "End the chat",
      rate: "How was this chat?",
      star: "{n} out of 5",
      rated: "Thank you! See you soon.",
      transcript: "Get this conversation by e-mail",
      transcriptFailed: "The request did not go through. Please try again in a moment.",
      other: "Français",
      otherLabel: "Passer en français",
      unread: "{n} unread message(s)",
      you: "You",
      messages: "Chat messages",
      bot: "Comptoir",
      agent: "Agent",
      tooLong: "This message is too long: {n} characters at most.",
      refused: "This message could not be sent.",
      notices: "News from the shop",
    },
  };

  function pickLang(value) {
    return /^en/i.test(value || "") ? "en" : /^fr/i.test(value || "") ? "fr" : null;
  }

  // Storage is only touched after the shopper opened the chat (see `opened`).
  var store = {
    get: function (name, fallback) {
      try {
        var raw = localStorage.getItem(KEY + name);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set: function (name, value) {
      try {
        if (value === null) localStorage.removeItem(KEY + name);
        else localStorage.setItem(KEY + name, JSON.stringify(value));
      } catch (e) {
        /* private mode: the chat still works, it just won't survive a reload */
      }
    },
  };
  var hasHistory = store.get("id", null) !== null;
  var lang = (hasHistory && store.get("lang", null)) || pickLang(data.lang) ||
    pickLang(document.documentElement.lang) || "fr";
  var langChosen = hasHistory && store.get("langChosen", false);

  var state = {
    opened: false,
    id: null,
    token: null,
    lastSeq: 0,
    seen: {},
    outbox: [],
    sending: false,
    socket: null,
    retry: 0,
    retryTimer: null,
    pollTimer: null,
    unread: 0,
    lastBot: null,
    withAgent: false,
    typingSent: 0,
    typingTimer: null,
  };

  function t(key, n) {
    return T[lang][key].replace("{n}", n);
  }

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var out = "";
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }

  // ---------------------------------------------------------------- safe markdown
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function inline(text) {
    var html = escapeHtml(text);
    html = html.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
    html = html.replace(
      /\[([^\]]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)|(https?:\/\/[^\s<]+[^\s<.,;:!?)])/g,
      function (_m, label, href, bare) {
        var url = href || bare;
        return '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' +
          (label || url) + "</a>";
      },
    );
    return html;
  }

  /** Markdown subset (paragraphs, line breaks, lists, bold, links); all HTML escaped. */
  function markdown(text) {
    var out = [];
    var list = null;
    String(text || "").split(/\r?\n/).forEach(function (line) {
      var item = /^\s*(?:[-*•]|(\d+)[.)])\s+(.*)$/.exec(line);
      if (item) {
        var kind = item[1] ? "ol" : "ul";
        if (!list || list.kind !== kind) {
          if (list) out.push("</" + list.kind + ">");
          list = { kind: kind };
          out.push("<" + kind + ">");
        }
        out.push("<li>" + inline(item[2]) + "</li>");
        return;
      }
      if (list) {
        out.push("</" + list.kind + ">");
        list = null;
      }
      if (line.trim()) out.push("<p>" + inline(line) + "</p>");
    });
    if (list) out.push("</" + list.kind + ">");
    return out.join("");
  }

  // ---------------------------------------------------------------- DOM
  var host = document.createElement("div");
  host.id = "comptoir-widget";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial;--c:" + COLOR + ";font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f}" +
    "*{box-sizing:border-box}" +
    ".launcher{position:fixed;bottom:20px;" + SIDE + ":20px;width:60px;height:60px;border-radius:50%;border:0;background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;z-index:2147483000}" +
    ".launcher svg{width:28px;height:28px;vertical-align:middle}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b3261e;color:#fff;font-size:13px;font-weight:700;line-height:22px}" +
    ".badge[hidden]{display:none}" +
    ".panel{position:fixed;bottom:92px;" + SIDE + ":20px;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 8px 30px #0005;overflow:hidden;z-index:2147483001}" +
    ".panel[hidden]{display:none}" +
    "header{background:var(--c);color:#fff;padding:12px 14px;display:flex;gap:8px;align-items:flex-start}" +
    "header .who{flex:1}h2{margin:0;font-size:17px}header p{margin:2px 0 0;font-size:13px;opacity:.95}" +
    "header button{background:transparent;color:#fff;border:1px solid #fffa;border-radius:8px;padding:4px 8px;font:inherit;font-size:13px;cursor:pointer}" +
    ".bar{display:flex;gap:6px;padding:8px 12px;border-bottom:1px solid #e4e1dc;background:#faf8f5}" +
    ".bar button{flex:1}" +
    "button{font:inherit}" +
    ".chip,.qr button,.stars button,.vote button{border:1px solid var(--c);background:#fff;color:#1d1d1f;border-radius:16px;padding:6px 12px;cursor:pointer}" +
    ".chip:hover,.qr button:hover,.stars button:hover{background:#eef5f1}" +
    ":focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:86%;padding:8px 12px;border-radius:14px;word-wrap:break-word}" +
    ".msg p{margin:0 0 6px}.msg p:last-child{margin:0}.msg ul,.msg ol{margin:4px 0;padding-left:20px}" +
    ".msg a{color:inherit;text-decoration:underline}" +
    ".bot{background:#f1efe9;align-self:flex-start}" +
    ".agent{background:#e6eefb;align-self:flex-start}" +
    ".shopper{background:var(--c);color:#fff;align-self:flex-end}" +
    ".shopper.pending{background:#fff;color:#1d1d1f;border:2px dashed var(--c)}" +
    ".note{align-self:center;font-size:13px;color:#4a4a4a;text-align:center}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".qr,.vote,.stars{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}" +
    ".vote{align-items:center;font-size:13px;color:#4a4a4a}.vote button{padding:3px 10px;line-height:0;color:var(--c)}" +
    ".typing{font-size:13px;color:#4a4a4a;padding:0 14px 6px}.typing[hidden]{display:none}" +
    ".notices{background:#eef5f1;color:#1d3b2c;font-size:13px;padding:6px 12px;border-bottom:1px solid #cfe3d7}.notices:empty{padding:0;border:0}.notices p{margin:2px 0;white-space:pre-wrap}" +
    ".msg.notice{border-left:3px solid var(--c)}" +
    ".status{background:#fff4d6;color:#5c4400;font-size:13px;padding:6px 12px}.status[hidden]{display:none}" +
    "form{display:flex;border-top:1px solid #e4e1dc}" +
    "textarea{flex:1;resize:none;border:0;padding:12px;font:inherit;min-height:48px;max-height:120px;color:#1d1d1f}" +
    "form button{border:0;background:var(--c);color:#fff;padding:0 16px;cursor:pointer}" +
    "@media (max-width:480px){.panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}}" +
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}" +
    "</style>" +
    '<button class="launcher" type="button" aria-expanded="false" aria-controls="cw-panel">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    '<span class="badge" hidden aria-hidden="true"></span></button>' +
    '<div class="panel" id="cw-panel" role="dialog" aria-modal="true" aria-labelledby="cw-title" hidden>' +
    '<header><div class="who"><h2 id="cw-title"></h2><p class="subtitle"></p></div>' +
    '<button type="button" class="lang"></button><button type="button" class="close"><span aria-hidden="true">✕</span><span class="sr"></span></button></header>' +
    '<div class="bar"><button type="button" class="chip human"></button><button type="button" class="chip end"></button></div>' +
    '<div class="notices" role="status"></div>' +
    '<div class="status" role="status" hidden></div>' +
    '<div class="log" role="log" tabindex="0" aria-live="polite" aria-relevant="additions"></div>' +
    '<div class="typing" hidden aria-hidden="true"></div>' +
    '<form><label class="sr" for="cw-text"></label><textarea id="cw-text" rows="1"></textarea>' +
    '<button type="submit" class="send"></button></form></div>';

  var $ = function (selector) {
    return root.querySelector(selector);
  };
  var launcher = $(".launcher");
  var badge = $(".badge");
  var panel = $(".panel");
  var log = $(".log");
  var input = $("textarea");
  var statusBar = $(".status");
  var typing = $(".typing");
  var noticeBox = $(".notices");

  function paintStrings() {
    launcher.setAttribute("aria-label", state.unread ? t("open") + " — " + t("unread", state.unread) : t("open"));
    $("#cw-title").textContent = t("title");
    $(".subtitle").textContent = t("subtitle");
    $(".lang").textContent = t("other");
    $(".lang").setAttribute("aria-label", t("otherLabel"));
    $(".lang").setAttribute("lang", lang === "fr" ? "en" : "fr");
    $(".close .sr").textContent = t("close");
    $(".human").textContent = t("human");
    $(".end").textContent = t("end");
    $(".end").setAttribute("aria-label", t("endLabel"));
    $("label").textContent = t("label");
    input.placeholder = t("placeholder");
    input.maxLength = MAX;
    $(".send").textContent = t("send");
    log.setAttribute("aria-label", t("messages"));
    noticeBox.setAttribute("aria-label", t("notices"));
    typing.textContent = t("typing");
    panel.setAttribute("lang", lang);
    if (!navigator.onLine) showStatus(t("offline"));
  }

  function showStatus(text) {
    statusBar.textContent = text || "";
    statusBar.hidden = !text;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function clearQuickReplies() {
    log.querySelectorAll(".qr").forEach(function (el) {
      el.remove();
    });
  }

  function bubble(sender, html, extraClass) {
    var el = document.createElement("div");
    el.className = "msg " + sender + (extraClass ? " " + extraClass : "");
    var who = document.createElement("span");
    who.className = "sr";
    who.textContent = (sender === "shopper" ? t("you") : sender === "agent" ? "" : t("bot")) + " : ";
    el.appendChild(who);
    var body = document.createElement("div");
    body.innerHTML = html;
    el.appendChild(body);
    log.appendChild(el);
    return el;
  }

  function note(text) {
    var el = document.createElement("div");
    el.className = "note";
    el.textContent = text;
    log.appendChild(el);
    scrollDown();
    return el;
  }

  function quickReplies(buttons) {
    if (!buttons || !buttons.length) return;
    var group = document.createElement("div");
    group.className = "qr";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        send(b.payload, b.title);
      });
      group.appendChild(button);
    });
    log.appendChild(group);
  }

  function voteRow(custom) {
    var row = document.createElement("div");
    row.className = "vote";
    row.appendChild(document.createTextNode(t("useful") + " "));
    [["up", ""], ["down", ' transform="rotate(180 12 12)"']].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      // A drawn thumb: emoji fonts are missing on some systems.
      button.innerHTML = '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="currentColor">' +
        "<path" + pair[1] + ' d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>';
      button.setAttribute("aria-label", t(pair[0]));
      button.addEventListener("click", function () {
        api("POST", "/feedback", { article_id: custom.article_id, vote: pair[0], question: custom.question || "" })
          .catch(function () {});
        row.textContent = t("voted");
      });
      row.appendChild(button);
    });
    log.appendChild(row);
  }

  /** Show one stored message (from a reply, the socket or the history), once. */
  function show(message, live) {
    if (message.seq) {
      if (state.seen[message.seq]) return;
      state.seen[message.seq] = true;
      state.lastSeq = Math.max(state.lastSeq, message.seq);
    }
    var custom = message.custom || {};
    if (message.sender === "shopper") {
      var mine = custom.client_id && log.querySelector('[data-client="' + custom.client_id + '"]');
      if (mine) {
        mine.classList.remove("pending");
        return;
      }
      clearQuickReplies();
      bubble("shopper", markdown(custom.label || message.text)).dataset.client = custom.client_id || "";
      scrollDown();
      return;
    }
    // The shop's notice follows an answer: the answer's buttons stay usable above it.
    var notice = custom.kind === "shop_notice";
    if (!notice) clearQuickReplies();
    var sender = message.sender === "agent" ? "agent" : "bot";
    state.withAgent = sender === "agent" && !custom.closed;
    if (sender === "agent") typing.hidden = true;
    if (sender === "agent" && custom.system) {
      note(message.text); // "Camille has joined the chat", "back with the assistant"
    } else if (sender === "agent") {
      bubble("agent", "<p><strong>" + escapeHtml(custom.agent_name || t("agent")) + "</strong></p>" + markdown(message.text));
    } else {
      bubble(sender, markdown(message.text), notice ? "notice" : "");
    }
    if (custom.kind === "knowledge_answer" && custom.article_id) voteRow(custom);
    quickReplies(message.buttons);
    state.lastBot = message;
    if (live && panel.hidden) {
      state.unread += 1;
      badge.textContent = String(state.unread);
      badge.hidden = false;
      paintStrings();
    }
    scrollDown();
  }

  // ---------------------------------------------------------------- network
  function api(method, path, body) {
    var headers = body ? { "Content-Type": "application/json" } : {};
    // The token the desk gave with the first answer: proof this chat is ours.
    if (state.token) headers["X-Conversation-Token"] = state.token;
    return fetch(BASE + "/api/conversations/" + state.id + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  // Every answer brings a fresh token: a chat in use never reaches its token's expiry.
  function keepToken(reply) {
    if (reply && reply.conversation_token && reply.conversation_id === state.id &&
        reply.conversation_token !== state.token) {
      state.token = reply.conversation_token;
      store.set("token", state.token);
      if (!state.socket) connect();
    }
  }

  /** The desk no longer knows this device (token expired): a new chat, same outbox. */
  function restart() {
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.close();
      state.socket = null;
    }
    state.id = "w-" + uid();
    state.token = null;
    state.lastSeq = 0;
    state.seen = {};
    store.set("id", state.id);
    store.set("token", null);
  }

  function saveOutbox() {
    store.set("outbox", state.outbox);
  }

  /** Queue a message; it is sent now, or when the network is back (never twice). */
  function send(text, label) {
    text = String(text || "").trim();
    if (!text) return;
    if (text.length > MAX) {
      note(t("tooLong", MAX));
      return;
    }
    clearQuickReplies();
    var item = { client_id: uid(), text: text, label: label || null };
    var el = bubble("shopper", markdown(label || text), "pending");
    el.dataset.client = item.client_id;
    scrollDown();
    state.outbox.push(item);
    saveOutbox();
    flush();
  }

  /** The shop's signed-in shopper (data-customer-*), or null for a guest. */
  function signedCustomer() {
    if (!data.customerEmail || !data.customerSignature) return null;
    var customer = { email: data.customerEmail, signature: data.customerSignature };
    if (/^\d+$/.test(data.customerExpires || "")) customer.expires = Number(data.customerExpires);
    return customer;
  }

  /** A signed-in shopper opens a new chat: the bot may speak first (a late order). */
  function hello() {
    if (!signedCustomer()) return Promise.resolve();
    return api("POST", "/hello", { lang: lang, customer: signedCustomer() })
      .then(function (response) {
        return response.ok ? response.json() : { messages: [] };
      })
      .then(function (reply) {
        keepToken(reply);
        (reply.messages || []).forEach(function (m) {
          show(m, true);
        });
      })
      .catch(function () {});
  }

  function flush() {
    if (state.sending || !state.outbox.length) return;
    if (!navigator.onLine) {
      showStatus(t("offline"));
      return;
    }
    var item = state.outbox[0];
    state.sending = true;
    typing.hidden = false;
    var body = { text: item.text, lang: lang, client_id: item.client_id };
    if (item.label) body.label = item.label;
    if (langChosen) body.lang_chosen = true;
    if (signedCustomer()) body.customer = signedCustomer();
    api("POST", "/messages", body)
      .then(function (response) {
        return response.json().then(function (reply) {
          return { status: response.status, reply: reply };
        });
      })
      .then(function (result) {
        var reply = result.reply || {};
        state.sending = false;
        typing.hidden = true;
        if (result.status === 403 && !item.fresh) {
          item.fresh = true; // sent again once, as the first message of a new chat
          restart();
          flush();
          return;
        }
        state.outbox.shift();
        saveOutbox();
        state.retry = 0;
        showStatus("");
        keepToken(reply);
        if (result.status >= 400 && !reply.messages) {
          var mine = log.querySelector('[data-client="' + item.client_id + '"]');
          if (mine) mine.remove();
          // Too many messages: the desk's polite sentence, and the text back in the box.
          if (result.status === 429 && !input.value && !item.label) input.value = item.text;
          note(reply.message || t("refused") + (reply.detail ? " (" + reply.detail + ")" : ""));
        } else {
          var own = log.querySelector('[data-client="' + item.client_id + '"]');
          if (own) own.classList.remove("pending");
          (reply.messages || []).forEach(function (m) {
            show({ sender: "bot", seq: m.seq, text: m.text, buttons: m.buttons, custom: m.custom }, true);
          });
          if (reply.duplicate) poll();
        }
        flush();
      })
      .catch(function () {
        // Network down: keep the message in the outbox and try again with backoff.
        state.sending = false;
        typing.hidden = true;
        scheduleRetry();
      });
  }

  function backoff() {
    state.retry = Math.min(state.retry + 1, 6);
    return Math.min(30000, 500 * Math.pow(2, state.retry)) * (0.75 + Math.random() / 2);
  }

  function scheduleRetry() {
    if (state.retryTimer) return;
    showStatus(t("offline"));
    state.retryTimer = setTimeout(function () {
      state.retryTimer = null;
      flush();
      if (!state.socket) connect();
    }, backoff());
  }

  /** Catch up from the history (HTTP fallback when the socket is down). */
  function poll() {
    return api("GET", "/messages?after=" + state.lastSeq)
      .then(function (response) {
        if (response.status === 403) restart();
        return response.ok ? response.json() : { messages: [] };
      })
      .then(function (history) {
        keepToken(history);
        (history.messages || []).forEach(function (m) {
          show(m, true);
        });
      })
      .catch(function () {});
  }

  function connect() {
    if (state.socket || !window.WebSocket || !state.token) return;
    var url = BASE.replace(/^http/, "ws") + "/api/conversations/" + state.id + "/ws?after=" +
      state.lastSeq + "&token=" + encodeURIComponent(state.token);
    var socket;
    try {
      socket = new WebSocket(url);
    } catch (e) {
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      state.retry = 0;
      if (state.pollTimer) clearInterval(state.pollTimer);
      state.pollTimer = null;
      if (navigator.onLine) showStatus("");
      flush();
    };
    socket.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame.type === "message") show(frame.message, true);
      if (frame.type === "typing") {
        // The agent is typing: show it for a few seconds (their message clears it).
        typing.textContent = t("agentTyping");
        typing.hidden = false;
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(function () {
          typing.hidden = !state.sending;
          typing.textContent = t("typing");
        }, 4000);
      }
    };
    socket.onclose = function () {
      state.socket = null;
      if (!state.pollTimer) state.pollTimer = setInterval(poll, 10000);
      setTimeout(connect, backoff());
    };
  }

  /** The shop's active notices, at the top of the chat, in its language (as text). */
  function loadNotices() {
    var asked = lang;
    fetch(BASE + "/api/notices?language=" + asked)
      .then(function (response) {
        return response.ok ? response.json() : { notices: [] };
      })
      .then(function (answer) {
        if (asked !== lang) return; // switched meanwhile: the other answer shows
        noticeBox.textContent = "";
        (answer.notices || []).forEach(function (item) {
          var line = document.createElement("p");
          line.textContent = item.text;
          line.setAttribute("lang", item.language);
          noticeBox.appendChild(line);
        });
      })
      .catch(function () {});
  }

  // ---------------------------------------------------------------- open / close
  function start() {
    // First time the shopper opens the chat: only now is anything stored or requested.
    state.opened = true;
    loadNotices();
    state.id = store.get("id", null);
    state.token = store.get("token", null);
    var fresh = !state.id || !state.token;
    if (fresh) {
      state.id = "w-" + uid();
      store.set("id", state.id);
      store.set("lang", lang);
    }
    state.outbox = store.get("outbox", []);
    state.outbox.forEach(function (item) {
      var el = bubble("shopper", markdown(item.label || item.text), "pending");
      el.dataset.client = item.client_id;
    });
    var loaded = fresh ? hello() : poll();
    loaded.then(function () {
      if (!state.lastSeq && !state.outbox.length) {
        state.lastBot = null;
      }
      connect();
      flush();
    });
  }

  function openPanel() {
    if (!state.opened) start();
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.unread = 0;
    badge.hidden = true;
    store.set("open", true);
    paintStrings();
    scrollDown();
    input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    store.set("open", false);
    launcher.focus();
  }

  function endChat() {
    clearQuickReplies();
    var group = document.createElement("div");
    group.className = "stars";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("rate"));
    note(t("rate"));
    [1, 2, 3, 4, 5].forEach(function (score) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "★ " + score;
      button.setAttribute("aria-label", t("star", score));
      button.addEventListener("click", function () {
        api("POST", "/satisfaction", { score: score }).catch(function () {});
        group.remove();
        note(t("rated")).setAttribute("role", "status");
        // The next chat starts afresh; this one stays on screen until the page changes.
        store.set("id", null);
        store.set("token", null);
        store.set("outbox", null);
      });
      group.appendChild(button);
    });
    log.appendChild(group);
    if (state.lastSeq) transcriptButton();
    group.querySelector("button").focus();
    scrollDown();
  }

  /** The chat by e-mail, to an address the desk already knows (it says which, or why not). */
  function transcriptButton() {
    var row = document.createElement("div");
    row.className = "stars";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = t("transcript");
    button.addEventListener("click", function () {
      button.disabled = true;
      api("POST", "/transcript")
        .then(function (response) {
          return response.json();
        })
        .then(function (reply) {
          note(reply.message || t("transcriptFailed")).setAttribute("role", "status");
          button.disabled = !!reply.ok;
        })
        .catch(function () {
          note(t("transcriptFailed"));
          button.disabled = false;
        });
    });
    row.appendChild(button);
    log.appendChild(row);
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) openPanel();
    else closePanel();
  });
  $(".close").addEventListener("click", closePanel);
  $(".human").addEventListener("click", function () {
    send("/request_human", t("human"));
  });
  $(".end").addEventListener("click", endChat);
  $(".lang").addEventListener("click", function () {
    lang = lang === "fr" ? "en" : "fr";
    langChosen = true;
    store.set("lang", lang);
    store.set("langChosen", true);
    paintStrings();
    if (state.opened) loadNotices();
    input.focus();
  });
  $("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });
  input.addEventListener("input", function () {
    // Tell the agent (only an agent, never the bot) that the shopper is typing.
    if (!state.withAgent || Date.now() - state.typingSent < 3000) return;
    state.typingSent = Date.now();
    api("POST", "/typing").catch(function () {});
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("form").requestSubmit();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
      return;
    }
    if (event.key !== "Tab") return;
    // Keep keyboard focus inside the open chat panel.
    var focusable = Array.prototype.filter.call(
      panel.querySelectorAll("button, a[href], textarea"),
      function (el) {
        return !el.disabled && el.offsetParent !== null;
      },
    );
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var active = root.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });
  window.addEventListener("online", function () {
    if (!state.opened) return;
    showStatus("");
    state.retry = 0;
    flush();
    connect();
  });
  window.addEventListener("offline", function () {
    if (state.opened) showStatus(t("offline"));
  });

  paintStrings();
  (document.body || document.documentElement).appendChild(host);
  // A shopper who had the chat open on the previous page finds it open again.
  if (hasHistory && store.get("open", false)) openPanel();
})();
