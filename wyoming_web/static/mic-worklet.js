// AudioWorklet: microphone samples (the context's rate, usually 48 kHz) → 16 kHz mono PCM16.
//
// Each output sample is the mean of the input samples in its 1/16000 s window (a box filter
// that also keeps most aliasing out of the speech band). Posts {pcm: ArrayBuffer, level}
// every ~40 ms; `level` is the RMS of that block, for the on-screen visualizer.

const TARGET_RATE = 16000;
const BLOCK_SAMPLES = 640; // 40 ms at 16 kHz

class PcmDownsampler extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.window = 0; // input samples into the current output window (carries the fraction)
    this.sum = 0;
    this.count = 0;
    this.block = new Int16Array(BLOCK_SAMPLES);
    this.filled = 0;
    this.energy = 0;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.block[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.energy += clamped * clamped;
    if (this.filled === BLOCK_SAMPLES) {
      const level = Math.sqrt(this.energy / BLOCK_SAMPLES);
      const pcm = this.block.buffer;
      this.port.postMessage({ pcm, level }, [pcm]);
      this.block = new Int16Array(BLOCK_SAMPLES);
      this.filled = 0;
      this.energy = 0;
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    const frames = input[0].length;
    for (let i = 0; i < frames; i++) {
      let sample = 0;
      for (let c = 0; c < channels; c++) sample += input[c][i];
      this.sum += sample / channels;
      this.count++;
      this.window++;
      if (this.window >= this.step) {
        this.emit(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
        this.window -= this.step;
      }
    }
    return true;
  }
}

registerProcessor("pcm-downsampler", PcmDownsampler);
