// Around the console's logic: the talk button's gestures, the API key dialog, the orb's motion.

/**
 * Mouse, touch and keyboard on the talk button (and Space anywhere on the page) as press and
 * release, timed with the events' own timestamps.
 * @param {HTMLElement} button
 * @param {{press(time: number): void, release(time: number): void, cancel(): void}} handlers
 */
export function bindPressGestures(button, { press, release, cancel }) {
  const isTalkKey = (event) => event.key === " " || event.key === "Enter";
  button.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    press(event.timeStamp);
  });
  button.addEventListener("pointerup", (event) => release(event.timeStamp));
  button.addEventListener("pointercancel", cancel);
  button.addEventListener("contextmenu", (event) => event.preventDefault());
  button.addEventListener("keydown", (event) => {
    if (isTalkKey(event) && !event.repeat) {
      event.preventDefault();
      press(event.timeStamp);
    }
  });
  button.addEventListener("keyup", (event) => {
    if (isTalkKey(event)) {
      event.preventDefault();
      release(event.timeStamp);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target === document.body && !event.repeat) {
      event.preventDefault();
      button.focus();
      press(event.timeStamp);
    }
  });
}

/**
 * The API key dialog; returns ask(wrong) that opens it. onKey gets what the user typed.
 * @param {(key: string) => void} onKey
 */
export function bindKeyDialog(onKey) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  document.getElementById("key-form").addEventListener("submit", () => {
    onKey(input.value.trim());
    input.value = "";
  });
  return (wrong) => {
    document.getElementById("key-error").textContent = wrong ? "That key was not accepted." : "";
    if (!dialog.open) dialog.showModal();
    input.focus();
  };
}

/**
 * The orb follows a sound level (0..1-ish): fast up, slow down, every animation frame.
 * @param {HTMLElement} orb @param {() => number} level
 */
export function animateOrb(orb, level) {
  let shown = 0;
  const frame = () => {
    const target = Math.min(1, level() * 6);
    shown += (target - shown) * (target > shown ? 0.5 : 0.12);
    orb.style.setProperty("--level", shown.toFixed(3));
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
