(function () {
  'use strict';

  var STORAGE_KEY = 'layanan-oki-user';
  var CURSOR_KEY = 'layanan-oki-cursor';  // "<user id> <cursor>": what the page already showed
  var POLL_MS = 3000;
  var POLL_MAX_MS = 60000;
  var TIMEOUT_MS = 20000;
  var ERROR_TEXT = 'Maaf, pesan belum terkirim. Periksa sinyal lalu coba lagi.';
  var BUSY_TEXT = 'Terlalu banyak pesan. Tunggu sebentar lalu coba lagi.';

  var messages = document.getElementById('messages');
  var form = document.getElementById('chat-form');
  var input = document.getElementById('chat-input');
  var sendButton = document.getElementById('send-button');
  var typing = document.getElementById('typing');
  var busy = false;

  function randomId() {
    var bytes = new Uint8Array(12);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return 'web-' + Array.prototype.map.call(bytes, function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }

  function userId() {
    var id = null;
    try { id = localStorage.getItem(STORAGE_KEY); } catch (e) { /* storage blocked */ }
    if (!id || !/^web-[0-9a-z]+$/i.test(id)) {
      id = randomId();
      try { localStorage.setItem(STORAGE_KEY, id); } catch (e) { /* keep in memory */ }
    }
    return id;
  }
  var USER = userId();

  function loadCursor() {
    var saved = null;
    try { saved = localStorage.getItem(CURSOR_KEY); } catch (e) { /* storage blocked */ }
    var parts = saved ? String(saved).split(' ') : [];
    return parts.length === 2 && parts[0] === USER && /^[0-9]{1,18}$/.test(parts[1]) ? parts[1] : null;
  }
  var cursor = loadCursor();

  function saveCursor(value) {
    cursor = value;
    try { localStorage.setItem(CURSOR_KEY, USER + ' ' + value); } catch (e) { /* keep in memory */ }
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  // Render WhatsApp-style *bold* as <strong>, using text nodes only (no innerHTML).
  function fillText(el, text) {
    var parts = String(text).split(/\*([^*\n]+)\*/);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      if (i % 2) {
        var strong = document.createElement('strong');
        strong.textContent = parts[i];
        el.appendChild(strong);
      } else {
        el.appendChild(document.createTextNode(parts[i]));
      }
    }
  }

  function addBubble(who, text, extraClass) {
    var div = document.createElement('div');
    div.className = 'bubble ' + who + (extraClass ? ' ' + extraClass : '');
    if (who === 'bot') fillText(div, text); else div.textContent = text;
    messages.appendChild(div);
    scrollDown();
    return div;
  }

  function addButtons(className, labels, onTap) {
    var box = document.createElement('div');
    box.className = className;
    labels.forEach(function (label) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.addEventListener('click', function () { onTap(label); });
      box.appendChild(b);
    });
    messages.appendChild(box);
    scrollDown();
  }

  function clearButtons() {
    var old = messages.querySelectorAll('.choices, .retry');
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }

  function setBusy(on) {
    busy = on;
    typing.hidden = !on;
    sendButton.disabled = on;
    if (attach) attach.disabled = on;
    var btns = messages.querySelectorAll('.choices button, .retry button');
    for (var i = 0; i < btns.length; i++) btns[i].disabled = on;
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }

  // The server's proof of work (ALTCHA): find n with SHA-256(salt + n) == challenge, a few hundred
  // hashes at a time so the page stays responsive; about a second on a cheap phone.
  async function solve(ch) {
    if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) return null;
    var enc = new TextEncoder();
    var max = Number(ch.maxNumber || ch.maxnumber || 1000000);
    for (var start = 0; start <= max; start += 500) {
      var batch = [];
      for (var n = start; n < start + 500 && n <= max; n++) {
        batch.push(window.crypto.subtle.digest('SHA-256', enc.encode(ch.salt + n)));
      }
      var hashes = await Promise.all(batch);
      for (var i = 0; i < hashes.length; i++) {
        if (hex(hashes[i]) === ch.challenge) {
          return btoa(JSON.stringify({ algorithm: ch.algorithm, challenge: ch.challenge, number: start + i,
                                       salt: ch.salt, signature: ch.signature }));
        }
      }
    }
    return null;
  }

  async function post(text, proof) {
    setBusy(true);
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
    try {
      var body = { user: USER, text: text };
      if (proof) body.altcha = proof;
      var res = await fetch('/api/chat', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: ctrl ? ctrl.signal : undefined
      });
      if (!res.ok) throw new Error(res.status === 429 ? 'busy' : 'http ' + res.status);
      var data = await res.json();
      clearTimeout(timer);
      if (data && data.challenge && !proof) {  // checking that we are not a script: solve, send again
        var solved = await solve(data.challenge);
        if (solved) return post(text, solved);
      }
      setBusy(false);
      if (data && typeof data.user === 'string' && /^web-[0-9a-z]+$/i.test(data.user)) moveTo(data.user);
      showReplies(data);
    } catch (err) {
      clearTimeout(timer);
      setBusy(false);
      addBubble('bot', err && err.message === 'busy' ? BUSY_TEXT : ERROR_TEXT, 'error');
      addButtons('retry', ['Coba lagi'], function () { clearButtons(); post(text); });
    }
  }

  // LANJUT <code>: this page goes on with the conversation saved on another device
  function moveTo(id) {
    USER = id;
    try {
      localStorage.setItem(STORAGE_KEY, id);
      localStorage.removeItem(CURSOR_KEY);
    } catch (e) { /* keep in memory */ }
    cursor = null;
    pollSoon();
  }

  function showReplies(data) {
    (data && Array.isArray(data.replies) ? data.replies : []).forEach(function (r) {
      if (!r) return;
      if (r.text) addBubble('bot', r.text);
      if (Array.isArray(r.choices) && r.choices.length) {
        addButtons('choices', r.choices.map(String), function (label) { send(label); });
      }
    });
  }

  // --- a photo or PDF: POST /api/chat/upload, a thumbnail in the bubble and a progress bar that
  // shows how much has gone (slow connections take a while for a 3 MB photo) ---
  var fileInput = document.getElementById('file-input');
  var attach = document.getElementById('attach-button');

  function fileBubble(file) {
    var div = addBubble('user', '', 'file');
    if (/^image\//.test(file.type) && window.FileReader) {
      var img = document.createElement('img');
      img.className = 'thumb';
      img.alt = 'Foto yang Anda kirim';
      var reader = new FileReader();
      reader.onload = function () { img.src = String(reader.result); scrollDown(); };
      reader.readAsDataURL(file);
      div.appendChild(img);
    } else {
      var name = document.createElement('span');
      name.textContent = 'Dokumen: ' + file.name;
      div.appendChild(name);
    }
    var bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute('aria-label', 'Mengirim file');
    div.appendChild(bar);
    return bar;
  }

  function upload(file) {
    clearButtons();
    var bar = fileBubble(file);
    setBusy(true);
    var data = new FormData();
    data.append('user', USER);
    data.append('file', file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/chat/upload');
    xhr.timeout = 180000;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    };
    function failed(kind) {
      setBusy(false);
      bar.parentNode.removeChild(bar);
      addBubble('bot', kind === 'busy' ? BUSY_TEXT : ERROR_TEXT, 'error');
      addButtons('retry', ['Coba lagi'], function () { clearButtons(); upload(file); });
    }
    xhr.onload = function () {
      if (xhr.status !== 200) return failed(xhr.status === 429 ? 'busy' : 'http');
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { return failed('http'); }
      bar.parentNode.removeChild(bar);
      setBusy(false);
      showReplies(answer);
    };
    xhr.onerror = xhr.ontimeout = function () { failed('net'); };
    xhr.send(data);
    awake();
  }

  attach.addEventListener('click', function () { if (!busy) fileInput.click(); });
  fileInput.addEventListener('change', function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (file && !busy) upload(file);
  });

  function send(text) {
    // cut by code points, not UTF-16 units: slice() could split an emoji and send a lone surrogate
    text = Array.from(String(text || '').trim()).slice(0, 1000).join('');
    if (!text || busy) return false;
    clearButtons();
    addBubble('user', text);
    post(text);
    awake();
    return true;
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (send(input.value)) {
      input.value = '';
      input.focus();
    }
  });

  // --- what was sent to us outside a reply (status notices, announcements): GET /api/chat/messages,
  // every 3 s while the page is visible, backing off to a minute when nothing comes or on errors ---
  var polling = false;
  var pollStarted = false;
  var pollTimer = null;
  var pollDelay = POLL_MS;
  var shown = {};  // message ids already on this page

  function isHidden() {
    return typeof document.hidden === 'boolean' ? document.hidden : false;
  }

  function schedule(ms) {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    if (pollStarted && !isHidden()) pollTimer = setTimeout(poll, ms);
  }

  function showPushed(data) {
    var list = data && Array.isArray(data.messages) ? data.messages : [];
    var count = 0;
    list.forEach(function (m) {
      if (!m || typeof m.id !== 'string' || shown[m.id]) return;
      shown[m.id] = true;
      count++;
      if (m.text) addBubble('bot', m.text, 'pushed');
      if (Array.isArray(m.choices) && m.choices.length) {
        addButtons('choices', m.choices.map(String), function (label) { send(label); });
      }
    });
    if (data && typeof data.cursor === 'string' && /^[0-9]{1,18}$/.test(data.cursor)) saveCursor(data.cursor);
    return count;
  }

  function polled(got, wait) {
    polling = false;
    pollDelay = got ? POLL_MS : Math.min(Math.round(pollDelay * 1.5), POLL_MAX_MS);  // 4.5 s, 7 s, ... 60 s
    schedule(Math.max(pollDelay, wait || 0));
  }

  function poll() {
    pollTimer = null;
    if (polling || isHidden()) return;
    polling = true;
    var url = '/api/chat/messages?user=' + encodeURIComponent(USER) +
      (cursor ? '&after=' + encodeURIComponent(cursor) : '');
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
    fetch(url, { headers: { 'Accept': 'application/json' }, cache: 'no-store',
                 signal: ctrl ? ctrl.signal : undefined })
      .then(function (res) {
        clearTimeout(timer);
        if (res.status === 429) {
          var err = new Error('busy');
          err.wait = 1000 * (Number(res.headers.get('Retry-After')) || 0);
          throw err;
        }
        if (!res.ok) throw new Error('http ' + res.status);
        return res.json();
      })
      .then(function (data) { polled(showPushed(data), 0); })
      .catch(function (err) { clearTimeout(timer); polled(0, err && err.wait); });
  }

  function pollSoon() {  // the person is here: look at once, then every 3 s again
    pollDelay = POLL_MS;
    if (!polling) schedule(0);
  }

  function awake() {  // the person wrote: back to every 3 s, without asking at once
    if (!pollStarted) return;
    pollDelay = POLL_MS;
    if (!polling) schedule(POLL_MS);
  }

  function startPolling() {
    if (pollStarted) return;
    pollStarted = true;
    pollSoon();
  }

  document.addEventListener('visibilitychange', function () {
    if (!pollStarted) return;
    if (isHidden()) schedule(0); else pollSoon();  // hidden: schedule() leaves no timer
  });

  // Greet once per page load so the main menu appears (no user bubble shown); then look for what
  // was sent to this user outside a reply, so that it comes after the menu.
  post('halo').then(startPolling, startPolling);
})();
