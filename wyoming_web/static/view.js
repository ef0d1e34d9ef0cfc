// Rendering helpers: the conversation log and the per-stage timing bar.

const $ = (id) => document.getElementById(id);

export function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null) return "–";
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}

export class ConversationView {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    this.empty = list.querySelector(".log-empty");
  }

  /** Append a bubble; returns {item, text} so streamed text can be added to it. */
  add(role, text, muted = false) {
    if (this.empty?.isConnected) this.empty.remove();
    const item = document.createElement("li");
    item.className = `bubble bubble-${role}${muted ? " is-muted" : ""}`;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = role === "user" ? "You said: " : role === "error" ? "Error: " : "Assistant: ";
    const body = document.createElement("span");
    body.className = "bubble-text";
    body.textContent = text;
    item.append(who, body);
    this.list.append(item);
    this.list.scrollTo({ top: this.list.scrollHeight, behavior: "smooth" });
    return { item, text: body };
  }

  /** A small line of timings under an answer. */
  note(bubble, timings) {
    const meta = document.createElement("span");
    meta.className = "bubble-meta";
    const parts = [];
    if (timings.first_audio != null) parts.push(`first audio ${formatSeconds(timings.first_audio)}`);
    else if (timings.tts_first != null) parts.push(`TTS ${formatSeconds(timings.tts_first)}`);
    if (timings.agent != null) parts.push(`agent ${formatSeconds(timings.agent)}`);
    meta.textContent = parts.join(" · ");
    bubble.item.append(meta);
  }

  clear() {
    this.list.replaceChildren();
    if (this.empty) this.list.append(this.empty);
  }
}

export class TimingBar {
  constructor() {
    this.bar = $("timing-bar");
    this.segments = {
      stt: this.bar.querySelector(".seg-stt"),
      agent: this.bar.querySelector(".seg-agent"),
      tts: this.bar.querySelector(".seg-tts"),
    };
  }

  /** timings: {stt, agent_first, agent, tts_first, first_audio, total} in seconds. */
  show(t) {
    const stt = t.stt ?? 0;
    const agent = t.agent_first ?? t.agent ?? 0;
    const tts = t.tts_first ?? 0;
    const sum = stt + agent + tts || 1;
    for (const [name, value] of Object.entries({ stt, agent, tts })) {
      this.segments[name].style.setProperty("--w", (value / sum).toFixed(4));
    }
    $("t-stt").textContent = t.stt == null ? "–" : formatSeconds(t.stt);
    $("t-agent").textContent = formatSeconds(t.agent_first ?? t.agent);
    $("t-tts").textContent = formatSeconds(t.tts_first);
    $("t-first").textContent = formatSeconds(t.first_audio ?? (agent + tts || null));
    $("t-total").textContent = formatSeconds(t.total);
    this.bar.setAttribute(
      "aria-label",
      `STT ${$("t-stt").textContent}, agent ${$("t-agent").textContent}, ` +
        `TTS first audio ${$("t-tts").textContent}`,
    );
    this.bar.classList.add("has-data");
  }

  clear() {
    for (const segment of Object.values(this.segments)) segment.style.removeProperty("--w");
    for (const id of ["t-stt", "t-agent", "t-tts", "t-first", "t-total"]) $(id).textContent = "–";
    this.bar.classList.remove("has-data");
  }
}
