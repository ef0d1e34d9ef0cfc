// The latency view: the last turns' stages (STT, agent, TTS first audio) as stacked bars.

import { formatSeconds } from "./view.js";

const MAX_TURNS = 20;
const STAGES = [
  ["stt", (t) => t.stt ?? 0],
  ["agent", (t) => t.agent_first ?? t.agent ?? 0],
  ["tts", (t) => t.tts_first ?? 0],
];

function firstAudio(t) {
  return t.first_audio ?? STAGES.reduce((sum, [, pick]) => sum + pick(t), 0);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export class LatencyChart {
  /** @param {HTMLElement} bars @param {HTMLElement} summary */
  constructor(bars, summary) {
    this.barsEl = bars;
    this.summary = summary;
    this.turns = [];
  }

  /** Replace the history (GET /api/latency: {turns: [{kind, stt, agent_first, ...}]}). */
  load(turns) {
    this.turns = turns.slice(-MAX_TURNS);
    this.render();
  }

  /** Load this gateway's history (GET /api/latency); without it the page's turns fill it. */
  async fetch(key) {
    const headers = key ? { Authorization: `Bearer ${key}` } : {};
    try {
      const response = await fetch("/api/latency", { headers, cache: "no-store" });
      if (response.ok) this.load((await response.json()).turns);
    } catch { /* offline: keep what there is */ }
  }

  /** One more finished turn (a `timings` message). */
  add(timings, kind) {
    this.turns.push({ kind, ...timings });
    this.turns = this.turns.slice(-MAX_TURNS);
    this.render();
  }

  render() {
    const scale = Math.max(0.05, ...this.turns.map(firstAudio));
    const bars = this.turns.map((turn) => {
      const bar = document.createElement("span");
      bar.className = `lat-bar lat-${turn.kind === "ask" ? "typed" : "spoken"}`;
      for (const [name, pick] of STAGES) {
        const segment = document.createElement("span");
        segment.className = `lat-seg seg-${name}`;
        segment.style.setProperty("--h", `${((pick(turn) / scale) * 100).toFixed(2)}%`);
        bar.append(segment);
      }
      bar.title =
        `${turn.kind === "ask" ? "typed" : "spoken"}: first audio ${formatSeconds(firstAudio(turn))}` +
        ` (STT ${formatSeconds(turn.stt)}, agent ${formatSeconds(turn.agent_first ?? turn.agent)},` +
        ` TTS ${formatSeconds(turn.tts_first)})`;
      return bar;
    });
    this.barsEl.replaceChildren(...bars);
    this.barsEl.setAttribute("aria-label", bars.length
      ? `First audio of the last ${bars.length} turns: ${bars.map((b) => b.title).join("; ")}`
      : "No turns yet");
    this.summary.textContent = this.turns.length
      ? `last ${this.turns.length}: median first audio ${formatSeconds(median(this.turns.map(firstAudio)))},` +
        ` slowest ${formatSeconds(scale)}`
      : "no turns yet";
  }
}
