// The WebSocket to the gateway: API key as the first message, reconnects with backoff.

const KEY_STORAGE = "wyoming-voice.api-key";
const CLOSE_UNAUTHORIZED = 4401;

export function storedKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; }
}

export function storeKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch { /* private mode: the key lasts for this page only */ }
}

export class GatewaySocket {
  /**
   * @param {{onStatus(status: string): void, onMessage(msg: object): void,
   *          onAudio(data: ArrayBuffer): void, onNeedKey(wrong: boolean): void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.ready = false;
    this.key = storedKey();
    this.retryMs = 500;
    this.retryTimer = 0;
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.ready = false;
    this.handlers.onStatus("connecting");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let rejected = false;
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        this.handlers.onAudio(event.data);
        return;
      }
      const msg = JSON.parse(event.data);
      if (msg.type === "hello") {
        if (!msg.auth_required) return;
        if (this.key) ws.send(JSON.stringify({ type: "auth", key: this.key }));
        else { rejected = true; this.handlers.onNeedKey(false); ws.close(); }
      } else if (msg.type === "ready") {
        this.ready = true;
        this.retryMs = 500;
        this.handlers.onStatus("connected");
      } else if (msg.type === "error" && msg.stage === "auth") {
        rejected = true;
      } else {
        this.handlers.onMessage(msg);
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ready = false;
      if (rejected || event.code === CLOSE_UNAUTHORIZED) {
        this.handlers.onStatus("locked");
        if (this.key) this.handlers.onNeedKey(true);
        return;
      }
      this.handlers.onStatus("offline");
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    };
  }

  /** Use a new key (from the key dialog) and connect again. */
  useKey(key) {
    this.key = key;
    storeKey(key);
    if (this.ws) { const old = this.ws; this.ws = null; old.close(); }
    this.connect();
  }

  send(message) {
    if (!this.ready) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendAudio(pcm) {
    if (this.ready) this.ws.send(pcm);
  }
}
