// Microphone capture (AudioWorklet → 16 kHz PCM16 chunks) and gapless reply playback.

const WORKLET_URL = "/static/mic-worklet.js";
const MIC_IDLE_RELEASE_MS = 60000; // give the microphone back after a minute unused
const PLAYBACK_LEAD_S = 0.04; // scheduling margin so the first chunk never starts late

export class Microphone {
  /** @param {AudioContext} context @param {(pcm: ArrayBuffer) => void} onChunk */
  constructor(context, onChunk) {
    this.context = context;
    this.onChunk = onChunk;
    this.stream = null;
    this.node = null;
    this.active = false;
    this.level = 0;
    this.sentBytes = 0;
    this.releaseTimer = 0;
    this.opening = null;
  }

  /** Ask for the microphone once; later calls reuse the open stream. */
  async open() {
    clearTimeout(this.releaseTimer);
    if (this.node) return;
    if (!this.opening) this.opening = this.openNow().finally(() => { this.opening = null; });
    await this.opening;
  }

  async openNow() {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error("This browser gives no microphone here (it needs https:// or localhost).");
    }
    await this.context.audioWorklet.addModule(WORKLET_URL);
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const source = this.context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(this.context, "pcm-downsampler");
    node.port.onmessage = ({ data }) => {
      this.level = data.level;
      if (this.active) {
        this.sentBytes += data.pcm.byteLength;
        this.onChunk(data.pcm);
      }
    };
    // Keep the node pulled by the graph without playing the microphone back.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(this.context.destination);
    this.stream = stream;
    this.node = node;
    this.source = source;
    this.mute = mute;
  }

  start() {
    clearTimeout(this.releaseTimer);
    this.sentBytes = 0;
    this.active = true;
  }

  stop() {
    this.active = false;
    this.releaseTimer = setTimeout(() => this.release(), MIC_IDLE_RELEASE_MS);
  }

  release() {
    if (this.active || !this.node) return;
    this.stream.getTracks().forEach((track) => track.stop());
    this.source.disconnect();
    this.node.disconnect();
    this.mute.disconnect();
    this.node = null;
    this.stream = null;
    this.level = 0;
  }
}

export class Player {
  /** @param {AudioContext} context @param {() => void} onFirstSound */
  constructor(context, onFirstSound) {
    this.context = context;
    this.onFirstSound = onFirstSound;
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 512;
    this.samples = new Float32Array(this.analyser.fftSize);
    this.output = context.createGain();
    this.output.connect(this.analyser).connect(context.destination);
    this.format = null;
    this.nextTime = 0;
    this.sources = new Set();
    this.soundPending = false;
  }

  /** A reply begins: audio_start {rate, width, channels}. */
  begin(format) {
    this.format = format;
    this.soundPending = true;
  }

  /** Schedule one chunk of 16-bit PCM right after the previous one. */
  push(data) {
    const fmt = this.format;
    if (!fmt || fmt.width !== 2) return;
    const samples = new Int16Array(data, 0, Math.floor(data.byteLength / 2));
    const frames = Math.floor(samples.length / fmt.channels);
    if (frames === 0) return;
    const buffer = this.context.createBuffer(fmt.channels, frames, fmt.rate);
    for (let c = 0; c < fmt.channels; c++) {
      const channel = buffer.getChannelData(c);
      for (let i = 0; i < frames; i++) channel[i] = samples[i * fmt.channels + c] / 32768;
    }
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.output);
    const now = this.context.currentTime;
    const when = Math.max(this.nextTime, now + PLAYBACK_LEAD_S);
    source.start(when);
    this.nextTime = when + buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    if (this.soundPending && this.context.state === "running") {
      this.soundPending = false;
      setTimeout(this.onFirstSound, Math.max(0, (when - now) * 1000));
    }
  }

  /** Seconds of reply audio still to be heard. */
  get remaining() {
    return Math.max(0, this.nextTime - this.context.currentTime);
  }

  /** Stop at once (the user talks over the reply). */
  stop() {
    for (const source of this.sources) {
      try { source.stop(); } catch { /* already stopped */ }
    }
    this.sources.clear();
    this.nextTime = 0;
    this.soundPending = false;
  }

  /** RMS of what is playing now, 0..1. */
  level() {
    this.analyser.getFloatTimeDomainData(this.samples);
    let energy = 0;
    for (const value of this.samples) energy += value * value;
    return Math.sqrt(energy / this.samples.length);
  }
}
