// What runs behind the gateway (GET /health): engines, Home Assistant, services that are down.

const POLL_MS = 15000;
const STAGE_NAMES = { stt: "STT", agent: "Agent", tts: "TTS" };
const CONNECTION_LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  offline: "Offline – retrying",
  locked: "API key needed",
};
const IDLE_LABELS = { connecting: "Connecting…", offline: "Offline", locked: "API key needed" };
const HOME_LABELS = {
  connected: "Home Assistant connected",
  not_connected: "Home Assistant not connected",
  unknown: "Home Assistant unknown",
};

export class ServiceStatus {
  /**
   * @param {HTMLElement} line where the engines are listed
   * @param {() => string} key the API key ("" without one)
   * @param {(status: ServiceStatus) => void} onChange
   */
  constructor(line, key, onChange) {
    this.line = line;
    this.key = key;
    this.onChange = onChange;
    this.health = null; // the last /health answer
    this.down = []; // stage names of services that did not answer, e.g. ["STT"]
    this.timer = 0;
    this.pending = null;
  }

  /** Poll now and then every POLL_MS, until stop(). */
  start() {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), POLL_MS);
    return this.refresh();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** Ask /health again (after an error, or when the socket comes back). */
  refresh() {
    if (!this.pending) this.pending = this.fetchNow().finally(() => { this.pending = null; });
    return this.pending;
  }

  async fetchNow() {
    const headers = this.key() ? { Authorization: `Bearer ${this.key()}` } : {};
    try {
      const response = await fetch("/health", { headers, cache: "no-store" });
      const body = await response.json();
      this.update(body.services ? body : null);
    } catch {
      this.update(null);
    }
  }

  update(health) {
    this.health = health;
    const services = health?.services ?? {};
    this.down = Object.entries(services)
      .filter(([, service]) => !service.ok)
      .map(([stage]) => STAGE_NAMES[stage] || stage);
    this.render(services, health?.home ?? "unknown");
    this.onChange(this);
  }

  render(services, home) {
    const parts = [];
    for (const [stage, label] of Object.entries(STAGE_NAMES)) {
      const service = services[stage];
      if (!service) continue;
      const item = document.createElement("span");
      item.className = `service ${service.ok ? "is-up" : "is-down"}`;
      item.textContent = `${label} ${service.ok ? service.engine : "down"}`;
      item.title = service.ok
        ? `${service.uri}: ${service.program} (${service.models.join(", ")}` +
          `${service.model_count > service.models.length ? ", …" : ""})`
        : `${service.uri}: ${service.error}`;
      parts.push(item);
    }
    if (parts.length) {
      const item = document.createElement("span");
      item.className = `service home-${home}`;
      item.textContent = HOME_LABELS[home] || HOME_LABELS.unknown;
      parts.push(item);
    }
    this.line.replaceChildren(...parts);
  }

  /** "STT down" or "STT and TTS down" while a service does not answer, else "". */
  get problem() {
    if (!this.down.length) return "";
    return `${this.down.join(" and ")} down`;
  }
}

/** The pill: {state for data-connection, text}; "connected" only when every service answers. */
export function connectionPill(connection, problem) {
  if (connection === "connected" && problem) return { state: "degraded", text: problem };
  return { state: connection, text: CONNECTION_LABELS[connection] || connection };
}

/** What idle means now: offline, a service down (typing still works without STT), or ready. */
export function idleLabel(connection, problem) {
  if (IDLE_LABELS[connection]) return IDLE_LABELS[connection];
  if (!problem) return "Ready";
  return problem === "STT down" ? "STT down – type instead" : problem;
}
