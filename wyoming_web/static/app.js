// The push-to-talk console: button and keyboard, states, live texts, timings, conversation.

import { Microphone, Player } from "./audio.js";
import { LatencyChart } from "./chart.js";
import { GatewaySocket } from "./connection.js";
import { animateOrb, bindKeyDialog, bindPressGestures } from "./controls.js";
import { ServiceStatus, connectionPill, idleLabel } from "./status.js";
import { ConversationView, TimingBar } from "./view.js";

const TAP_MS = 350; // a shorter press latches: tap to start; a pause or a second tap stops
const STATE_LABELS = {
  listening: "Listening…",
  thinking: "Thinking…",
  speaking: "Speaking",
};

const $ = (id) => document.getElementById(id);
const root = $("console");
const talk = $("talk");
const orb = $("orb");
const transcriptEl = $("transcript");
const replyEl = $("reply");
const conversation = new ConversationView($("log"));
const timingBar = new TimingBar();
const latencyChart = new LatencyChart($("latency-chart"), $("latency-summary"));

/** Exposed for tests and for curious people in the devtools console. */
const voiceConsole = (window.voiceConsole = {
  state: "idle",
  played: false,
  lastTurn: null, // {endToFirstAudioMs, timings}
});

let context = null;
let mic = null;
let player = null;
let listening = false;
let latched = false;
let pressAt = 0;
let ignoreRelease = false;
let latestTurn = 0;
let requestFloor = 1; // turn numbers from here on answer the request the page made last
let connection = "connecting";
let turnStarted = 0; // performance.now() at end of speech / text sent
let firstAudioSeen = false;
let replyBubble = null;
let idleTimer = 0;

function setState(state) {
  voiceConsole.state = state;
  root.dataset.state = state;
  $("state-label").textContent =
    state === "idle" ? idleLabel(connection, services.problem) : STATE_LABELS[state];
  talk.setAttribute("aria-pressed", String(state === "listening"));
  talk.setAttribute("aria-label", state === "listening" ? "Stop talking" : "Push to talk");
}

function markPlayed() {
  voiceConsole.played = true;
  root.dataset.played = "true";
  if (voiceConsole.state !== "listening") setState("speaking");
}

function ensureAudio() {
  if (!context) {
    context = new AudioContext({ latencyHint: "interactive" });
    player = new Player(context, markPlayed);
    mic = new Microphone(context, (pcm) => socket.sendAudio(pcm));
  }
  if (context.state === "suspended") context.resume();
}

function showError(message) {
  replyEl.textContent = message;
  replyEl.classList.add("is-error");
}

function clearLive() {
  // A new turn: `data-played` tells (tests, too) whether *this* reply has been heard yet.
  voiceConsole.played = false;
  root.dataset.played = "false";
  transcriptEl.textContent = "";
  replyEl.textContent = "";
  replyEl.classList.remove("is-error");
  timingBar.clear(); // the last turn's figures stay in the latency chart
  requestFloor = latestTurn + 1;
}

// The gateway ended the turn we are still talking into (a service failed): stop listening
// without waiting for the button, and tell the gateway the turn's audio is over.
function abandonListening() {
  if (!listening) return;
  listening = false;
  latched = false;
  ignoreRelease = false;
  mic?.stop();
  socket.send({ type: "end" });
}

async function beginTalking() {
  ensureAudio();
  clearTimeout(idleTimer);
  if (!socket.ready) {
    showError("Not connected to the gateway yet.");
    return;
  }
  player.stop(); // talking over the reply stops it
  listening = true;
  clearLive();
  setState("listening");
  try {
    await mic.open();
  } catch (err) {
    listening = false;
    setState("idle");
    showError(`Microphone unavailable: ${err.message || err}`);
    return;
  }
  if (listening) mic.start();
}

function finishTalking() {
  if (!listening) return;
  listening = false;
  latched = false;
  const sent = mic?.sentBytes ?? 0;
  mic?.stop();
  if (sent === 0) {
    setState("idle");
    return;
  }
  turnStarted = performance.now();
  firstAudioSeen = false;
  socket.send({ type: "end" });
  setState("thinking");
}

// Press and release are timed with the events' own timestamps: the first press creates the
// audio context, which can take long enough to make a quick tap look like a hold.
function press(time) {
  if (listening && latched) {
    ignoreRelease = true;
    finishTalking();
    return;
  }
  pressAt = time;
  beginTalking();
}

function release(time) {
  if (ignoreRelease) {
    ignoreRelease = false;
    return;
  }
  if (!listening) return;
  // A tap, or let go before the microphone was even open (a permission prompt): keep
  // listening and let the gateway end the turn at the pause after speech.
  if (time - pressAt < TAP_MS || !mic?.active) {
    latched = true;
    socket.send({ type: "vad" });
    $("state-label").textContent = "Listening… (stops when you pause)";
    return;
  }
  finishTalking();
}

bindPressGestures(talk, {
  press,
  release,
  cancel: () => { if (listening && !latched) finishTalking(); },
});

function settle() {
  // Idle once the last scheduled audio has been heard.
  clearTimeout(idleTimer);
  const wait = player ? player.remaining * 1000 : 0;
  idleTimer = setTimeout(() => { if (!listening) setState("idle"); }, wait + 50);
}

function onMessage(msg) {
  if (typeof msg.turn === "number") {
    if (msg.turn < latestTurn) return; // a cancelled turn's stragglers
    if (msg.turn > latestTurn) {
      latestTurn = msg.turn;
      replyBubble = null;
    }
  }
  switch (msg.type) {
    case "end_of_speech":
      // The gateway heard the pause (tap mode), or the turn hit its length cap.
      if (listening && msg.turn >= requestFloor) finishTalking();
      break;
    case "transcript":
      transcriptEl.textContent = msg.text || "(nothing heard)";
      conversation.add("user", msg.text || "(nothing heard)", !msg.text);
      break;
    case "reply_chunk":
      replyEl.textContent += msg.text;
      replyBubble = replyBubble || conversation.add("assistant", "");
      replyBubble.text.textContent += msg.text;
      break;
    case "reply":
      replyEl.textContent = msg.text;
      replyBubble = replyBubble || conversation.add("assistant", "");
      replyBubble.text.textContent = msg.text;
      break;
    case "audio_start":
      ensureAudio();
      player.begin(msg);
      break;
    case "timings":
      timingBar.show(msg);
      latencyChart.add(msg, msg.kind);
      if (replyBubble) conversation.note(replyBubble, msg);
      voiceConsole.lastTurn = { ...voiceConsole.lastTurn, timings: msg };
      break;
    case "error":
      showError(`${msg.stage ? `${msg.stage.toUpperCase()}: ` : ""}${msg.message}`);
      conversation.add("error", `${msg.stage || "error"}: ${msg.message}`);
      if (["stt", "agent", "tts"].includes(msg.stage)) services.refresh();
      break;
    case "done":
      if (msg.cancelled || msg.turn < requestFloor) break; // an older request's end
      abandonListening(); // only does something if the turn failed while we talked
      settle();
      break;
    default:
      break;
  }
}

function onAudio(data) {
  if (!player || listening) return;
  if (!firstAudioSeen) {
    firstAudioSeen = true;
    const ms = Math.round(performance.now() - turnStarted);
    voiceConsole.lastTurn = { ...voiceConsole.lastTurn, endToFirstAudioMs: ms };
  }
  player.push(data);
}

// The pill: the socket's state, and when connected, whether every service answers.
function showConnection() {
  const pill = connectionPill(connection, services.problem);
  root.dataset.connection = pill.state;
  $("connection").textContent = pill.text;
  if (voiceConsole.state === "idle") setState("idle");
}

const services = new ServiceStatus($("services"), () => socket.key || "", showConnection);

const socket = new GatewaySocket({
  onStatus(status) {
    connection = status;
    if (status === "connected") {
      services.start();
      latencyChart.fetch(socket.key);
    } else {
      services.stop();
      services.update(null); // what runs behind a gateway we cannot reach is unknown
      if (status === "offline" && voiceConsole.state !== "idle") {
        abandonListening();
        player?.stop();
        showError("Lost the connection to the gateway.");
        setState("idle");
      }
    }
    showConnection();
  },
  onMessage,
  onAudio,
  onNeedKey: bindKeyDialog((key) => socket.useKey(key)),
});

$("ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("ask-text");
  const text = input.value.trim();
  if (!text) return;
  ensureAudio();
  player.stop();
  if (!socket.send({ type: "text", text })) {
    showError("Not connected to the gateway yet.");
    return;
  }
  input.value = "";
  clearLive();
  transcriptEl.textContent = text;
  conversation.add("user", text);
  turnStarted = performance.now();
  firstAudioSeen = false;
  setState("thinking");
});

$("new-conversation").addEventListener("click", () => {
  player?.stop();
  socket.send({ type: "reset" });
  conversation.clear();
  clearLive();
  setState("idle");
});

// The orb follows the microphone while listening, the reply while speaking.
animateOrb(orb, () => {
  if (voiceConsole.state === "listening" && mic) return mic.level;
  if (voiceConsole.state === "speaking" && player) return player.level();
  return 0;
});
setState("idle");
socket.connect();
